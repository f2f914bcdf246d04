"""A subscription's scorer: similarity to its description, blended with a linear model of the
chat's liked and disliked papers once there are some.

Two feature spaces, one recipe. Offline, papers are the day's TF-IDF rows (``Pool``) and the
description score is their cosine scaled by ``SIMILARITY_SCALE``. With an embedding model
(``Dense``), papers are unit embeddings and the description score is how far a paper's cosine
stands above the day's others (in standard deviations, ``Z_FULL`` of them scoring 1), since each
model spreads its cosines differently. The learned model is a logistic regression of the liked
papers and the description against the disliked papers and the day's least described candidates
(the day's most described twentieth is left out of those negatives: many of them are wanted).
"""

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

FULL_TRUST = 5  # votes after which the learned model counts as much as the description
SIMILARITY_SCALE = 0.5  # a TF-IDF cosine this high with the description scores 1
Z_FULL = 4.0  # an embedding cosine this many standard deviations above the day's mean scores 1
STD_FLOOR = 0.03  # a day of near-identical cosines (a tiny pool) is not stretched further
DISLIKE_REACH = 1.0  # standard deviations closer to a disliked paper than to what is wanted: 0
POOL_NEGATIVES = 150  # the day's candidates the model fits as (weak, unlabelled) negatives
RELIABLE_NEGATIVES = 0.95  # of the day, by description score: the share that may be a negative
C_SPARSE = 10.0  # inverse regularisation of the logistic regressions (measured:
C_DENSE = 1.0  # bench/relevance.py)

Matrix = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Dense:
    """Unit embeddings (one row each): the pool's candidates in pool order, the description
    (None without one), the chat's liked and disliked papers, and the day's papers the
    description score is measured against (``reference``: a pool of a usual size, see
    ``bot.ranking.ranker.MIN_REFERENCE``; a keyword-filtered pool of three cannot tell what
    stands out)."""

    candidates: Matrix
    description: NDArray[np.float64] | None
    liked: Matrix
    disliked: Matrix
    reference: Matrix


@dataclass(frozen=True, slots=True)
class Scores:
    """Per candidate of a pool: the final score in 0..1 and what it is made of."""

    score: NDArray[np.float64]
    described: NDArray[np.float64]  # cosine with the description and keywords
    nearest_liked: NDArray[np.int64]  # index into ``liked`` of the closest liked paper, -1: none
    liked_similarity: NDArray[np.float64]  # its cosine


def score_pool(
    pool: Pool,
    description: str,
    liked: Sequence[str],
    disliked: Sequence[str],
    dense: Dense | None = None,
) -> Scores:
    """Score every candidate of ``pool`` for one subscription (CPU work: run it off the loop).

    ``liked`` and ``disliked`` are the rated papers' texts; with ``dense`` the embeddings are
    scored instead of the TF-IDF rows (the texts are then unused).
    """
    n = len(pool)
    if dense is not None:
        space: _Space = _DenseSpace(dense)
    else:
        space = _SparseSpace(pool, description, liked, disliked)
    described, to_liked, to_disliked = space.cosines()
    nearest = np.full(n, -1, dtype=np.int64)
    closeness = np.zeros(n)
    if to_liked.shape[1] and n:
        nearest, closeness = to_liked.argmax(axis=1), to_liked.max(axis=1)
    base = space.base(described)
    votes = to_liked.shape[1] + to_disliked.shape[1]
    if not votes or not n:
        return Scores(base, described, nearest, closeness)
    learned = space.learned(_negatives(described))
    trust = 1.0 if not space.described else votes / (votes + FULL_TRUST)
    blended = (1 - trust) * base + trust * learned
    if to_disliked.shape[1]:  # closer to a disliked paper than to anything wanted: sink it
        # Standing out among the day's papers, not raw cosines: a paper-to-paper cosine and a
        # paper-to-description one (a short text) live on different scales.
        wanted = _standing(described[:, None])[:, 0]
        if to_liked.shape[1]:
            wanted = np.maximum(wanted, _standing(to_liked).max(axis=1))
        excess = _standing(to_disliked).max(axis=1) - wanted
        blended = blended * (1 - np.clip(excess / DISLIKE_REACH, 0.0, 1.0))
    return Scores(blended, described, nearest, closeness)


def _standing(cosines: Matrix) -> Matrix:
    """Each column's cosines in robust standard deviations (median and MAD) from the day's
    typical paper: a rated paper announced that day, its own nearest neighbour, moves neither."""
    if len(cosines) < 2:
        return np.zeros_like(cosines)
    middle = np.median(cosines, axis=0)
    spread = np.maximum(1.4826 * np.median(np.abs(cosines - middle), axis=0), STD_FLOOR / 3)
    return np.asarray((cosines - middle) / spread, dtype=np.float64)


def _negatives(described: NDArray[np.float64]) -> NDArray[np.int64]:
    """The candidates the learned model may take as negatives: a sample of those below the
    day's top twentieth by description score (all of the day without a description)."""
    rows = np.arange(len(described))
    if described.any():
        rows = rows[described <= np.quantile(described, RELIABLE_NEGATIVES)]
    return rows[:: max(1, len(rows) // POOL_NEGATIVES)]


class _Space:
    """Cosines, the description score and the learned model in one feature space."""

    described: bool

    def cosines(self) -> tuple[Matrix, Matrix, Matrix]:
        """Each candidate's cosine with the description, each liked and each disliked paper."""
        raise NotImplementedError

    def base(self, described: Matrix) -> Matrix:
        """The description score in 0..1."""
        raise NotImplementedError

    def learned(self, negatives: NDArray[np.int64]) -> Matrix:
        """P(wanted) per candidate from the logistic regression (``negatives``: pool rows)."""
        raise NotImplementedError


class _SparseSpace(_Space):
    def __init__(
        self, pool: Pool, description: str, liked: Sequence[str], disliked: Sequence[str]
    ) -> None:
        self.pool = pool
        self.described = bool(description.strip())
        head = [description] if self.described else []
        self.outside = pool.vectors([*head, *liked, *disliked])  # one row per text, in order
        self.first_liked = len(head)
        self.first_disliked = len(head) + len(liked)

    def cosines(self) -> tuple[Matrix, Matrix, Matrix]:
        # Rows are L2-normalised: one product gives every cosine.
        every = np.asarray((self.pool.matrix @ self.outside.T).toarray(), dtype=np.float64)
        described = every[:, 0] if self.described else np.zeros(len(self.pool))
        return (
            described,
            every[:, self.first_liked : self.first_disliked],
            every[:, self.first_disliked :],
        )

    def base(self, described: Matrix) -> Matrix:
        return np.clip(described / SIMILARITY_SCALE, 0.0, 1.0)

    def learned(self, negatives: NDArray[np.int64]) -> Matrix:
        positives = self.outside[: self.first_disliked]
        if not positives.shape[0]:
            return np.zeros(len(self.pool))
        disliked = self.outside[self.first_disliked :]
        x = csr_matrix(vstack([positives, disliked, self.pool.matrix[negatives]], format="csr"))
        y = np.zeros(x.shape[0])
        y[: positives.shape[0]] = 1.0
        # The words the model can weigh: fit on the columns that occur in its rows only.
        used = np.flatnonzero(np.bincount(x.indices, minlength=x.shape[1]))
        # A few hundred rows against thousands of words: liblinear's dual solver reaches the
        # same optimum as its primal one more than ten times faster (bench/relevance.py).
        model = LogisticRegression(
            C=C_SPARSE, class_weight="balanced", solver="liblinear", dual=True, tol=1e-3
        )
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            model.fit(x[:, used], y)  # TF-IDF rows are finite, the parameters fixed
        weights = np.zeros(x.shape[1])
        weights[used] = model.coef_[0]
        margin = self.pool.matrix @ weights + model.intercept_[0]
        return np.asarray(expit(margin), dtype=np.float64)


class _DenseSpace(_Space):
    def __init__(self, dense: Dense) -> None:
        self.dense = dense
        self.described = dense.description is not None

    def cosines(self) -> tuple[Matrix, Matrix, Matrix]:
        x = self.dense.candidates
        about = self.dense.description
        described = x @ about if about is not None else np.zeros(len(x))
        return described, x @ self.dense.liked.T, x @ self.dense.disliked.T

    def base(self, described: Matrix) -> Matrix:
        about = self.dense.description
        if about is None:
            return np.clip(described, 0.0, 1.0)
        typical = self.dense.reference @ about  # the description against the day's papers
        spread = max(float(typical.std()), STD_FLOOR)
        standing = (described - float(typical.mean())) / spread
        return np.clip(standing / Z_FULL, 0.0, 1.0)

    def learned(self, negatives: NDArray[np.int64]) -> Matrix:
        about = self.dense.description
        head = [about[None, :]] if about is not None else []
        positives = np.vstack([*head, self.dense.liked])
        if not len(positives):
            return np.zeros(len(self.dense.candidates))
        x = np.vstack([positives, self.dense.disliked, self.dense.candidates[negatives]])
        y = np.zeros(len(x))
        y[: len(positives)] = 1.0
        # A few hundred rows of a few hundred dimensions: liblinear is ~5x faster than lbfgs.
        model = LogisticRegression(C=C_DENSE, class_weight="balanced", solver="liblinear")
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            model.fit(x, y)
        return np.asarray(model.predict_proba(self.dense.candidates)[:, 1], dtype=np.float64)
