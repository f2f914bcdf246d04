"""A subscription's scorer: cosine similarity to its description, blended with a linear model of
the chat's liked and disliked papers once there are some."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sklearn
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, vstack
from scipy.special import expit
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


def score_pool(
    pool: Pool, description: str, liked: Sequence[str], disliked: Sequence[str]
) -> Scores:
    """Score every candidate of ``pool`` for one subscription (CPU work: run it off the loop)."""
    n = len(pool)
    described_too = bool(description.strip())
    head = [description] if described_too else []
    outside = pool.vectors([*head, *liked, *disliked])  # one row per text, in that order
    # Cosine of every candidate with every outside text (rows are L2-normalised), in one product.
    cosines = np.asarray((pool.matrix @ outside.T).toarray(), dtype=np.float64)
    first_liked, first_disliked = len(head), len(head) + len(liked)
    described = cosines[:, 0] if described_too else np.zeros(n)
    nearest = np.full(n, -1, dtype=np.int64)
    closeness = np.zeros(n)
    if liked and n:
        similar = cosines[:, first_liked:first_disliked]
        nearest, closeness = similar.argmax(axis=1), similar.max(axis=1)
    base = np.clip(described / SIMILARITY_SCALE, 0.0, 1.0)
    votes = len(liked) + len(disliked)
    if not votes or not n:
        return Scores(base, described, nearest, closeness)
    learned = _learned(pool, outside[:first_disliked], outside[first_disliked:])
    trust = 1.0 if not described_too else votes / (votes + FULL_TRUST)
    blended = (1 - trust) * base + trust * learned
    if disliked:  # closer to a disliked paper than to anything wanted: sink it
        excess = cosines[:, first_disliked:].max(axis=1) - np.maximum(described, closeness)
        blended = blended * (1 - np.clip(excess / DISLIKE_REACH, 0.0, 1.0))
    return Scores(blended, described, nearest, closeness)


def _learned(pool: Pool, positives: csr_matrix, disliked: csr_matrix) -> NDArray[np.float64]:
    """Logistic regression: liked papers and the description against disliked papers and a
    sample of the day's candidates (most of a day is not what a chat wants); P(wanted) each."""
    if not positives.shape[0]:
        return np.zeros(len(pool))
    step = max(1, len(pool) // POOL_NEGATIVES)
    x = csr_matrix(vstack([positives, disliked, pool.matrix[::step]], format="csr"))
    y = np.zeros(x.shape[0])
    y[: positives.shape[0]] = 1.0
    # The words the model can weigh: fit on the columns that occur in its rows only.
    used = np.flatnonzero(np.bincount(x.indices, minlength=x.shape[1]))
    # A few hundred rows against thousands of words: liblinear's dual solver reaches the same
    # optimum as its primal one more than ten times faster (bench/relevance.py, "Speed").
    model = LogisticRegression(
        C=C_REG, class_weight="balanced", solver="liblinear", dual=True, tol=1e-3
    )
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        model.fit(x[:, used], y)  # TF-IDF rows are finite, the parameters fixed: skip the checks
    weights = np.zeros(x.shape[1])
    weights[used] = model.coef_[0]
    margin = pool.matrix @ weights + model.intercept_[0]
    return np.asarray(expit(margin), dtype=np.float64)
