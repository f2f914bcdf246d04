"""A subscription's scorer: cosine similarity to its description, blended with a linear model of
the chat's liked and disliked papers once there are some."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, vstack
from sklearn.linear_model import LogisticRegression

from bot.ranking.features import Pool

FULL_TRUST = 10  # votes after which the learned model counts as much as the description
SIMILARITY_SCALE = 0.5  # a cosine this high with the description scores 1
DISLIKE_REACH = 0.1  # how much closer to a disliked paper than to what is wanted sinks a paper to 0
POOL_NEGATIVES = 150  # the day's candidates the model fits as (weak, unlabelled) negatives
C_REG = 10.0  # inverse regularisation of the logistic regression (measured: bench/relevance.py)


@dataclass(frozen=True, slots=True)
class Scores:
    """Per candidate of a pool: the final score in 0..1 and what it is made of."""

    score: NDArray[np.float64]
    described: NDArray[np.float64]  # cosine with the description and keywords
    nearest_liked: NDArray[np.int64]  # index into ``liked`` of the closest liked paper, -1: none
    liked_similarity: NDArray[np.float64]  # its cosine


def _cosines(pool: Pool, others: csr_matrix) -> NDArray[np.float64]:
    """Cosine of every pool row with every row of ``others`` (rows are L2-normalised)."""
    return np.asarray((pool.matrix @ others.T).todense(), dtype=np.float64)


def score_pool(
    pool: Pool, description: str, liked: Sequence[str], disliked: Sequence[str]
) -> Scores:
    """Score every candidate of ``pool`` for one subscription (CPU work: run it off the loop)."""
    n = len(pool)
    wanted = pool.vectors([description]) if description.strip() else None
    described = _cosines(pool, wanted).ravel() if wanted is not None else np.zeros(n)
    nearest = np.full(n, -1, dtype=np.int64)
    closeness = np.zeros(n)
    liked_x = pool.vectors(liked) if liked else None
    if liked_x is not None and n:
        similar = _cosines(pool, liked_x)
        nearest, closeness = similar.argmax(axis=1), similar.max(axis=1)
    base = np.clip(described / SIMILARITY_SCALE, 0.0, 1.0)
    votes = len(liked) + len(disliked)
    if not votes or not n:
        return Scores(base, described, nearest, closeness)
    disliked_x = pool.vectors(disliked) if disliked else None
    positives = [x for x in (liked_x, wanted) if x is not None]
    learned = _learned(pool, positives, disliked_x)
    trust = 1.0 if wanted is None else votes / (votes + FULL_TRUST)
    blended = (1 - trust) * base + trust * learned
    if disliked_x is not None:  # closer to a disliked paper than to anything wanted: sink it
        excess = _cosines(pool, disliked_x).max(axis=1) - np.maximum(described, closeness)
        blended = blended * (1 - np.clip(excess / DISLIKE_REACH, 0.0, 1.0))
    return Scores(blended, described, nearest, closeness)


def _learned(
    pool: Pool, positives: list[csr_matrix], disliked: csr_matrix | None
) -> NDArray[np.float64]:
    """Logistic regression: liked papers and the description against disliked papers and a
    sample of the day's candidates (most of a day is not what a chat wants); P(wanted) each."""
    if not positives:
        return np.zeros(len(pool))
    step = max(1, len(pool) // POOL_NEGATIVES)
    negatives = [disliked] if disliked is not None else []
    x = vstack([*positives, *negatives, pool.matrix[::step]]).tocsr()
    n_pos = sum(p.shape[0] for p in positives)
    y = np.zeros(x.shape[0])
    y[:n_pos] = 1.0
    used = np.unique(x.indices)  # the words the model can weigh: fit on those columns only
    model = LogisticRegression(C=C_REG, class_weight="balanced", solver="liblinear")
    model.fit(x[:, used], y)
    return np.asarray(model.predict_proba(pool.matrix[:, used])[:, 1], dtype=np.float64)
