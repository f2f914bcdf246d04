"""Rank a day's candidates for one subscription: shared TF-IDF pool (or the provider's embeddings
when PAPERBOT_EMBEDDING_MODEL is set), the chat's feedback, the threshold, and a reason per
paper; the CPU work runs off the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.arxiv.ids import parse_id
from bot.chat.contract import ChatRef
from bot.digests.topic_query import Query
from bot.errors import LLMError
from bot.papers.models import Language
from bot.questions.vectors import Vector
from bot.ranking.feedback import Example, FeedbackStore
from bot.ranking.paper_vectors import PaperVectors
from bot.ranking.reasons import LIKED_NEAR, why_line

if TYPE_CHECKING:  # scikit-learn, SciPy and NumPy (~90 MiB) load only once a chat ranks
    import numpy as np
    from numpy.typing import NDArray

    from bot.ranking.features import Pool
    from bot.ranking.model import Dense

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.1  # TF-IDF scores; measured on the shared relevance days: bench/relevance.py
EMBEDDED_THRESHOLD = 0.4  # embedding scores (another scale); measured there too
MIN_REFERENCE = 20  # a pool this large (or the latest one that was) measures a description
POOLS_KEPT = 16


@dataclass(frozen=True, slots=True)
class Candidate:
    """A paper to rank: versioned id, title, abstract."""

    paper: str
    title: str
    abstract: str


@dataclass(kw_only=True)
class Ranked:
    """A subscription's candidates in order: those kept (best first) and those below threshold."""

    kept: list[str] = field(default_factory=list)  # versioned ids
    below: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    ratings: int = 0  # liked and disliked papers the model saw
    threshold: float = DEFAULT_THRESHOLD  # the one this ranking applied (with a description)
    embedded: bool = False  # scored on the provider's embeddings rather than TF-IDF


class Ranker:
    """Scores candidates for subscriptions; a day's pool is vectorised once for all of them.

    With ``vectors`` (an embedding model is configured) candidates, descriptions and rated
    papers are scored on their embeddings, each paper embedded once per version for every chat;
    when the provider fails or is slow, that ranking falls back to TF-IDF and its threshold.
    """

    def __init__(
        self,
        feedback: FeedbackStore,
        threshold: float | None = None,
        vectors: PaperVectors | None = None,
    ) -> None:
        self.feedback = feedback
        self.vectors = vectors
        self.sparse_threshold = threshold if threshold is not None else DEFAULT_THRESHOLD
        self.dense_threshold = threshold if threshold is not None else EMBEDDED_THRESHOLD
        self._pools: OrderedDict[tuple[str, ...], Pool] = OrderedDict()
        self._reference: NDArray[np.float64] | None = None  # the latest pool of a usual size

    @property
    def threshold(self) -> float:
        """The threshold a description's ranking applies (embeddings have their own scale)."""
        return self.dense_threshold if self.vectors is not None else self.sparse_threshold

    async def pool(self, candidates: Sequence[Candidate]) -> Pool:
        """The TF-IDF pool of these candidates (fitted once, then shared)."""
        ids = tuple(sorted(c.paper for c in candidates))
        found = self._pools.get(ids)
        if found is None:
            ordered = sorted(candidates, key=lambda c: c.paper)
            texts = [paper_text(c.title, c.abstract) for c in ordered]
            found = await asyncio.to_thread(_fit_pool, ids, texts)
            self._pools[ids] = found
            while len(self._pools) > POOLS_KEPT:
                self._pools.popitem(last=False)
        self._pools.move_to_end(ids)
        return found

    async def rank(
        self,
        chat: ChatRef,
        candidates: Sequence[Candidate],
        *,
        about: str | None,
        query: Query | None,
        language: Language,
    ) -> Ranked:
        """Order ``candidates`` for a chat; a description (``about``) also applies the threshold."""
        examples = await self.feedback.examples(chat)
        return await self.rank_with(
            candidates, examples, about=about, query=query, language=language
        )

    async def rank_with(
        self,
        candidates: Sequence[Candidate],
        examples: Sequence[Example],
        *,
        about: str | None,
        query: Query | None,
        language: Language,
    ) -> Ranked:
        """Like :meth:`rank` with the examples given (benchmarks, simulations)."""
        if not candidates:
            return Ranked(ratings=len(examples), threshold=self.threshold)
        pool = await self.pool(candidates)
        terms = query.positive_terms() if query is not None else []
        wanted = " ".join([about or "", *terms])
        liked = [e for e in examples if e.vote > 0]
        disliked = [e for e in examples if e.vote < 0]
        dense = await self._dense(pool, candidates, wanted, liked, disliked)
        scores = await asyncio.to_thread(
            _scored,
            pool,
            wanted,
            [paper_text(e.title, e.abstract) for e in liked],
            [paper_text(e.title, e.abstract) for e in disliked],
            dense,
        )
        threshold = self.dense_threshold if dense is not None else self.sparse_threshold
        by_id = {c.paper: c for c in candidates}
        ranked = Ranked(ratings=len(examples), threshold=threshold, embedded=dense is not None)
        for i in scores.order:
            paper, score = pool.ids[i], scores.score[i]
            ranked.scores[paper] = round(score, 3)
            if about and score < threshold:
                ranked.below.append(paper)
                continue
            ranked.kept.append(paper)
            near = scores.nearest_liked[i]
            close = near >= 0 and scores.liked_similarity[i] >= LIKED_NEAR
            candidate = by_id[paper]
            line = why_line(
                language,
                liked=_base(liked[near].paper) if close else None,
                keywords=query.matched_terms(candidate.title, candidate.abstract) if query else (),
                score=score if about else None,
            )
            if line:
                ranked.why[paper] = line
        return ranked

    async def _dense(
        self,
        pool: Pool,
        candidates: Sequence[Candidate],
        wanted: str,
        liked: Sequence[Example],
        disliked: Sequence[Example],
    ) -> Dense | None:
        """The embeddings to score on, or None (no embedding model, or it failed just now)."""
        if self.vectors is None:
            return None
        by_id = {c.paper: c for c in candidates}
        rated = [(e.paper, paper_text(e.title, e.abstract)) for e in [*liked, *disliked]]
        try:
            rows = pool.dense
            if rows is None:  # once per day's pool: every subscription shares its rows
                papers = [(i, paper_text(by_id[i].title, by_id[i].abstract)) for i in pool.ids]
                rows = await asyncio.to_thread(_matrix, await self.vectors.papers(papers))
                pool.dense = rows
            reference = rows if len(rows) >= MIN_REFERENCE else self._reference
            if reference is None:  # a small pool and no day seen yet to measure it against
                log.info("ranking %d papers on TF-IDF: no day's pool to compare with", len(rows))
                return None
            if len(rows) >= MIN_REFERENCE:
                self._reference = rows
            rated_rows = await self.vectors.papers(rated) if rated else []
            about = await self.vectors.description(wanted) if wanted.strip() else None
        except LLMError as exc:
            log.warning("ranking on TF-IDF: the embedding model failed: %s", exc)
            return None
        return await asyncio.to_thread(_dense, rows, rated_rows, about, len(liked), reference)


def _matrix(vectors: Sequence[Vector]) -> NDArray[np.float64]:
    """Unit vectors as the rows of one matrix (worker thread)."""
    import numpy as np

    width = len(vectors[0]) if vectors else 0
    return np.array(vectors, dtype=np.float64).reshape(len(vectors), width)


def _dense(
    candidates: NDArray[np.float64],
    rated: Sequence[Vector],
    about: Vector | None,
    liked: int,
    reference: NDArray[np.float64],
) -> Dense:
    """The embeddings as matrices: candidates, liked and disliked rows (worker thread)."""
    import numpy as np

    from bot.ranking.model import Dense

    others = np.array(rated, dtype=np.float64).reshape(len(rated), candidates.shape[1])
    return Dense(
        candidates=candidates,
        description=np.array(about, dtype=np.float64) if about is not None else None,
        liked=others[:liked],
        disliked=others[liked:],
        reference=reference,
    )


def _base(versioned: str) -> str:
    """The id without its version, as arXiv's own parser reads it."""
    paper = parse_id(versioned)
    return paper.base if paper is not None else versioned


def paper_text(title: str, abstract: str) -> str:
    """What a paper is scored on: its title (twice, so it weighs more) and its abstract."""
    return f"{title}. {title}. {abstract}"


@dataclass(frozen=True, slots=True)
class _Scored:
    """One subscription's scores as plain lists, best first in ``order``."""

    order: list[int]
    score: list[float]
    nearest_liked: list[int]
    liked_similarity: list[float]


def _fit_pool(ids: tuple[str, ...], texts: list[str]) -> Pool:
    """Vectorise a day's pool (in a worker thread; the first call imports scikit-learn)."""
    from bot.ranking.features import Pool

    return Pool(ids, texts)


def _scored(
    pool: Pool, wanted: str, liked: list[str], disliked: list[str], dense: Dense | None
) -> _Scored:
    """Score a pool for one subscription (in a worker thread)."""
    import numpy as np

    from bot.ranking.model import score_pool

    scores = score_pool(pool, wanted, liked, disliked, dense)
    return _Scored(
        order=[int(i) for i in np.argsort(-scores.score, kind="stable")],
        score=[float(x) for x in scores.score],
        nearest_liked=[int(x) for x in scores.nearest_liked],
        liked_similarity=[float(x) for x in scores.liked_similarity],
    )
