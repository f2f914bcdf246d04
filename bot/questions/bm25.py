"""Find the passages of a paper that answer a question: an offline Okapi BM25 index over chunks."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

from bot.papers.headings import strip_numbering
from bot.questions.chunks import Chunk
from bot.summaries.textstats import STOPWORDS, stem, words

FORMAT = 1  # bump when tokenising or scoring changes, so cached indexes are rebuilt
# Words of a question that say what is asked, not what it is about.
_QUESTION_WORDS = frozenset(
    (
        *("paper", "authors", "author", "describe", "described", "explain", "tell", "give", "say"),
        *("says", "said", "kind", "kinds", "type", "types", "happen", "happens", "happened"),
        *("get", "gets", "got"),
    )
)
_SUFFIXES = sorted(
    (
        *("izations", "ization", "ations", "ation", "ements", "ement", "ments", "ment", "ness"),
        *("ingly", "ating", "ated", "ates", "ions", "ings", "edly", "ion", "ing", "ate", "ed"),
        *("er", "es", "ly", "ity", "ive", "al", "e", "s"),
    ),
    key=len,
    reverse=True,
)


class Retriever(Protocol):
    """Anything that ranks a paper's passages for a question (BM25, embeddings, both fused)."""

    async def search(self, question: str, k: int = 6) -> list[tuple[Chunk, float]]:
        """The ``k`` best passages for the question, best first, with their scores."""
        ...


def root(word: str) -> str:
    """A word reduced to a crude root so 'trained', 'training' and 'trains' meet."""
    word = stem(word)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # 'stopp(ing)' -> 'stop'
    return word


def terms(text: str, *, question: bool = False) -> list[str]:
    """Search terms of a text: words and their hyphen parts, without stopwords, as roots."""
    out: list[str] = []
    for word in words(text):
        parts = word.replace("’", "'").split("-")
        for part in [word, *parts] if len(parts) > 1 else parts:
            lower = part.lower().split("'")[0]
            if len(lower) < 2 or lower in STOPWORDS or (question and lower in _QUESTION_WORDS):
                continue
            out.append(root(lower))
    return out


class BM25Index:
    """Okapi BM25 over a paper's chunks, where a chunk's section heading counts as extra text."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        *,
        k1: float = 1.2,
        b: float = 0.75,
        heading_weight: float = 1.0,
    ) -> None:
        self.chunks = tuple(chunks)
        self.k1, self.b, self.heading_weight = k1, b, heading_weight
        self._bags: list[dict[str, float]] = []
        self._lengths: list[int] = []
        for chunk in self.chunks:
            body = Counter(terms(chunk.text))
            bag = {t: float(n) for t, n in body.items()}
            for t, n in Counter(terms(strip_numbering(chunk.section))).items():
                bag[t] = bag.get(t, 0.0) + heading_weight * n
            self._bags.append(bag)
            self._lengths.append(body.total())
        self._average = (sum(self._lengths) / len(self._lengths) if self._lengths else 0.0) or 1.0
        df = Counter(t for bag in self._bags for t in bag)
        n = len(self.chunks)
        self._idf = {t: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    @classmethod
    def build(cls, chunks: Sequence[Chunk], **params: float) -> BM25Index:
        """Index a paper's chunks (``k1``, ``b`` and ``heading_weight`` may be overridden)."""
        return cls(chunks, **params)

    def score(self, index: int, query: Counter[str]) -> float:
        """The BM25 score of chunk ``index`` for a bag of query terms."""
        bag = self._bags[index]
        norm = self.k1 * (1.0 - self.b + self.b * self._lengths[index] / self._average)
        total = 0.0
        for term, count in query.items():
            f = bag.get(term)
            if f:
                total += count * self._idf[term] * f * (self.k1 + 1.0) / (f + norm)
        return total

    def search(self, question: str, k: int = 6) -> list[tuple[Chunk, float]]:
        """The ``k`` best chunks for a question, best first (ties: earlier chunk); [] if no terms."""
        query = Counter(t for t in terms(question, question=True) if t in self._idf)
        if not query or k <= 0:
            return []
        scored = [(-s, i) for i in range(len(self.chunks)) if (s := self.score(i, query)) > 0.0]
        scored.sort()
        return [(self.chunks[i], -negative) for negative, i in scored[:k]]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (chunks and parameters; the statistics are recomputed on load)."""
        return {
            "format": FORMAT,
            "k1": self.k1,
            "b": self.b,
            "heading_weight": self.heading_weight,
            "chunks": [c.model_dump(mode="json") for c in self.chunks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BM25Index:
        """Rebuild an index from ``to_dict`` output; ValueError for another format version."""
        if data.get("format") != FORMAT:
            raise ValueError(f"index format {data.get('format')!r} is not {FORMAT}")
        chunks = [Chunk.model_validate(c) for c in data["chunks"]]
        params = {p: float(data[p]) for p in ("k1", "b", "heading_weight")}
        return cls(chunks, **params)


class BM25Retriever:
    """The ``Retriever`` port served by a BM25 index held in memory.

    Chunks scoring below ``min_score`` share too little with the question to be passed on.
    """

    def __init__(self, index: BM25Index, min_score: float = 0.0) -> None:
        self.index = index
        self.min_score = min_score

    async def search(self, question: str, k: int = 6) -> list[tuple[Chunk, float]]:
        """The index's best ``k`` chunks for the question that reach ``min_score``."""
        return [(c, s) for c, s in self.index.search(question, k) if s >= self.min_score]
