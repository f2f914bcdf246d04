"""A day's pool of candidate papers as TF-IDF vectors, fitted once and shared by every subscription."""

from __future__ import annotations

from collections.abc import Sequence

from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer


def paper_text(title: str, abstract: str) -> str:
    """What a paper is scored on: its title (twice, so it weighs more) and its abstract."""
    return f"{title}. {title}. {abstract}"


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

    def __len__(self) -> int:
        return len(self.ids)

    def vectors(self, texts: Sequence[str]) -> csr_matrix:
        """Texts outside the pool (a description, liked papers) in the pool's feature space."""
        if self.vectorizer is None or not texts:
            return csr_matrix((len(texts), self.matrix.shape[1]), dtype=float)
        return csr_matrix(self.vectorizer.transform(list(texts)))
