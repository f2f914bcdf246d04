"""A day's pool of candidate papers as TF-IDF vectors, fitted once and shared by every subscription."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

ROWS_KEPT = 4096  # outside texts (descriptions, rated papers) whose vectors a pool remembers

Row = tuple[NDArray[np.float64], NDArray[np.int32]]  # a sparse row: its values and their columns


class Pool:
    """The candidates of one day: ids, and their rows of L2-normalised TF-IDF features."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        self.ids = tuple(ids)
        self.vectorizer: TfidfVectorizer | None = TfidfVectorizer(
            stop_words="english",
            sublinear_tf=True,
            ngram_range=(1, 2),
            token_pattern=r"(?u)\b[^\W\d_][^\W_]+\b",
        )
        try:
            self.matrix = csr_matrix(self.vectorizer.fit_transform(list(texts)))
        except ValueError:  # no candidates, or none with a word to count
            self.vectorizer, self.matrix = None, csr_matrix((len(self.ids), 1), dtype=float)
        self._rows: dict[str, Row] = {}
        self._lock = threading.Lock()
        # The candidates' embeddings (one unit row each, in ``ids`` order), once a ranker with
        # an embedding model fetched them: kept with the pool, shared by every subscription.
        self.dense: NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def vectors(self, texts: Sequence[str]) -> csr_matrix:
        """Texts outside the pool (a description, rated papers) in the pool's feature space; each
        text is vectorised once per pool, since a chat's rated papers recur in every subscription."""
        width = self.matrix.shape[1]
        if self.vectorizer is None or not texts:
            return csr_matrix((len(texts), width), dtype=float)
        with self._lock:
            known = {t: self._rows[t] for t in texts if t in self._rows}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = csr_matrix(self.vectorizer.transform(missing))
            for i, text in enumerate(missing):
                span = slice(fresh.indptr[i], fresh.indptr[i + 1])
                known[text] = (fresh.data[span].copy(), fresh.indices[span].copy())
            with self._lock:
                if len(self._rows) + len(missing) > ROWS_KEPT:
                    self._rows.clear()
                self._rows.update({t: known[t] for t in missing})
        rows = [known[t] for t in texts]
        indptr = np.cumsum([0, *(len(values) for values, _ in rows)])
        data = np.concatenate([values for values, _ in rows])
        indices = np.concatenate([columns for _, columns in rows])
        return csr_matrix((data, indices, indptr), shape=(len(texts), width))
