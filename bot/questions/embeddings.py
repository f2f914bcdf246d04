"""Passage search by meaning: provider embeddings of a paper's chunks, cached in Redis.

``Embeddings`` embeds a paper version's chunks once (batches of 100, the Gemini API's cap) and
keeps the unit vectors in Redis as float16 for as long as the version's other records; questions
are embedded on each ask. ``HybridRetriever`` fuses BM25's ranking with the embeddings' by
reciprocal rank, so exact terms (a method's name, "LoRA rank") and paraphrases both find their
passage; when the provider fails or is slow, it answers from BM25 alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bot.errors import LLMError
from bot.infra import keys
from bot.infra.cache import Cache
from bot.infra.single_flight import SingleFlight
from bot.llm.base import Embedder, LLMInvalidOutput, LLMTimeout
from bot.questions.bm25 import Retriever
from bot.questions.chunks import Chunk
from bot.questions.vectors import Vector, dot, fuse, nearest, pack, unit, unpack

log = logging.getLogger(__name__)
R = TypeVar("R")

FORMAT = 1  # bump when what is embedded per chunk changes, so stored vectors are rebuilt
BATCH = 100  # texts per request (Gemini's batchEmbedContents accepts at most 100)
MAX_CHARS = 6000  # of a passage embedded (~1,500 tokens, under Gemini's 2,048-token input cap)
DEPTH = 20  # passages each ranking contributes to the fusion
KEPT = 8  # papers whose passage vectors stay in memory (at most ~1.2 MB each)


async def embed_units(
    client: Embedder, texts: Sequence[str], *, model: str, query: bool, dimensions: int | None
) -> list[Vector]:
    """One unit vector per text in one request (at most BATCH texts), LLMInvalidOutput when the
    model returns vectors of different sizes or of another size than ``dimensions``."""
    reply = await client.embed(texts, model=model, query=query, dimensions=dimensions)
    sizes = {len(v) for v in reply.vectors}
    if len(sizes) != 1 or (dimensions is not None and sizes != {dimensions}):
        log.warning("%s returned vectors of sizes %s", model, sorted(sizes)[:4])
        raise LLMInvalidOutput("the embedding model returned vectors of the wrong size")
    return [unit(v) for v in reply.vectors]


async def bounded(work: Awaitable[R], seconds: float) -> R:
    """``work``'s result, or LLMTimeout past ``seconds`` (retries included)."""
    try:
        return await asyncio.wait_for(work, seconds)
    except TimeoutError:
        raise LLMTimeout("the embedding model did not answer in time") from None


def passage_text(chunk: Chunk) -> str:
    """What is embedded for a passage: its section heading, then its text."""
    return f"{chunk.section}\n{chunk.text}"[:MAX_CHARS]


@dataclass(kw_only=True)
class Embeddings:
    """Vectors for passages and questions from the provider's embedding model, cached per version.

    ``client`` is the app's ``MeteredLLM`` (gated, counted and priced). ``document_timeout_s``
    bounds embedding a whole paper and ``query_timeout_s`` a question, retries included: past
    them the caller answers from BM25 instead of keeping the user waiting.
    """

    client: Embedder
    model: str
    cache: Cache
    ttl_s: int
    dimensions: int | None = None
    document_timeout_s: float = 60.0
    query_timeout_s: float = 15.0
    requests: int = 0
    _flights: SingleFlight[list[Vector]] = field(default_factory=SingleFlight, repr=False)
    _recent: OrderedDict[str, list[Vector]] = field(default_factory=OrderedDict, repr=False)

    def key(self, versioned: str) -> str:
        """The Redis key of a paper version's passage vectors for this model and size."""
        size = str(self.dimensions or "default")
        return keys.vectors(
            self.cache.prefix, versioned, self.client.provider, self.model, size, FORMAT
        )

    async def passages(self, versioned: str, chunks: Sequence[Chunk]) -> list[Vector]:
        """One unit vector per chunk, from memory, Redis, or embedded now (once, however many ask)."""
        key = self.key(versioned)
        vectors = self._recent.get(key)
        if vectors is None or len(vectors) != len(chunks):
            vectors = await self._stored(key, len(chunks))
            self.cache.count(key, vectors is not None)
        if vectors is None:

            async def embed() -> list[Vector]:
                texts = [passage_text(c) for c in chunks]
                vectors = await bounded(self._embed_all(texts), self.document_timeout_s)
                await self.cache.set_bytes(key, pack(vectors), self.ttl_s)
                return vectors

            vectors, _ = await self._flights.run(key, embed)
        self._recent[key] = vectors
        self._recent.move_to_end(key)
        while len(self._recent) > KEPT:
            self._recent.popitem(last=False)
        return vectors

    async def query(self, text: str) -> Vector:
        """The unit vector of a question."""
        (vector,) = await bounded(self._embed([text], query=True), self.query_timeout_s)
        return vector

    async def _stored(self, key: str, count: int) -> list[Vector] | None:
        blob = await self.cache.get_bytes(key)
        if blob is None:
            return None
        try:
            vectors = unpack(blob)
        except ValueError:
            vectors = []
        if len(vectors) != count:  # unreadable, or chunked differently since: embed again
            log.warning("dropping unusable stored vectors %s", key)
            await self.cache.redis.delete(key)
            return None
        return vectors

    async def _embed_all(self, texts: list[str]) -> list[Vector]:
        vectors: list[Vector] = []
        for start in range(0, len(texts), BATCH):
            vectors += await self._embed(texts[start : start + BATCH], query=False)
        return vectors

    async def _embed(self, texts: list[str], *, query: bool) -> list[Vector]:
        self.requests += 1
        return await embed_units(
            self.client, texts, model=self.model, query=query, dimensions=self.dimensions
        )


class EmbeddingRetriever:
    """The ``Retriever`` port over a paper's passage vectors: nearest passages to the question."""

    def __init__(
        self, chunks: Sequence[Chunk], vectors: Sequence[Vector], embeddings: Embeddings
    ) -> None:
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk is needed")
        self.chunks, self.vectors, self.embeddings = tuple(chunks), tuple(vectors), embeddings

    async def search(self, question: str, k: int = 6) -> list[tuple[Chunk, float]]:
        """The ``k`` passages nearest the question, with their cosine similarity."""
        query = await self.embeddings.query(question)
        if self.vectors and len(query) != len(self.vectors[0]):  # the model changed under us
            raise LLMInvalidOutput("the question's vector does not match the passages'")
        return [
            (self.chunks[i], dot(query, self.vectors[i])) for i in nearest(query, self.vectors, k)
        ]


class HybridRetriever:
    """BM25 and embeddings fused by reciprocal rank; BM25 alone when the embeddings fail.

    BM25 contributes only passages above its relevance floor; the embeddings always rank every
    passage, so the model (told to refuse when the passages do not hold the answer) decides
    whether an unrelated question is answerable.
    """

    def __init__(self, lexical: Retriever, semantic: Retriever, depth: int = DEPTH) -> None:
        self.lexical, self.semantic, self.depth = lexical, semantic, depth
        self.degraded = False  # True after a search fell back to BM25 alone

    async def search(self, question: str, k: int = 6) -> list[tuple[Chunk, float]]:
        """The ``k`` best passages by fused rank, with their fused scores."""
        lexical = await self.lexical.search(question, self.depth)
        try:
            semantic = await self.semantic.search(question, self.depth)
        except LLMError as exc:
            log.warning("question embedding failed (%s); answering from BM25 alone", exc)
            self.degraded = True
            return lexical[:k]
        by_id = {c.id: c for c, _ in (*lexical, *semantic)}
        fused = fuse([[c.id for c, _ in lexical], [c.id for c, _ in semantic]])
        return [(by_id[i], score) for i, score in fused[:k]]
