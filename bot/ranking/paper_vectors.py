"""Embeddings for ranking: one vector per paper version (its title and abstract) and one per
description, from the provider's embedding model, cached in Redis and shared by every chat.

A paper version is embedded once, whichever chats rank it and however often (its vector lives as
long as the version's other records); a description once per wording. Vectors are stored as
float16 (``bot.questions.vectors.pack``), 1.5 KiB for Gemini's 768 dimensions.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.infra import keys
from bot.infra.cache import Cache
from bot.llm.base import Embedder
from bot.questions.embeddings import BATCH, bounded, embed_units
from bot.questions.vectors import Vector, pack, unpack

log = logging.getLogger(__name__)

MAX_CHARS = 6000  # of a title and abstract (abstracts are at most 1,920 characters)


@dataclass(kw_only=True)
class PaperVectors:
    """Unit vectors of papers and descriptions for ranking, embedded once and kept in Redis.

    ``client`` is the app's ``MeteredLLM`` (gated, counted, priced); ``timeout_s`` bounds one
    ranking's embedding work, past which the ranker falls back to TF-IDF for that ranking.
    """

    client: Embedder
    model: str
    cache: Cache
    ttl_s: int
    dimensions: int | None = None
    timeout_s: float = 60.0
    embedded: int = 0  # texts sent to the provider by this process
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    def key(self, name: str) -> str:
        """The Redis key of one vector: ``name`` is a versioned id or ``about:<hash>``."""
        size = str(self.dimensions or "default")
        return keys.abstract_vector(self.cache.prefix, self.client.provider, self.model, size, name)

    async def papers(self, texts: Sequence[tuple[str, str]]) -> list[Vector]:
        """The vectors of ``(versioned id, title and abstract)`` pairs, in order."""
        return await self._vectors([(paper, text) for paper, text in texts], query=False)

    async def description(self, text: str) -> Vector:
        """The vector of a subscription's description (embedded as a search query)."""
        digest = hashlib.sha1(" ".join(text.lower().split()).encode()).hexdigest()
        (vector,) = await self._vectors([(f"about:{digest}", text)], query=True)
        return vector

    async def _vectors(self, named: list[tuple[str, str]], *, query: bool) -> list[Vector]:
        return await bounded(self._fetch(named, query=query), self.timeout_s)

    async def _fetch(self, named: list[tuple[str, str]], *, query: bool) -> list[Vector]:
        found = await self._stored([name for name, _ in named])
        if all(v is not None for v in found):
            return [v for v in found if v is not None]
        async with self._lock:  # concurrent rankings of one day embed each paper once
            found = await self._stored([name for name, _ in named])
            missing = {
                name: text for (name, text), v in zip(named, found, strict=True) if v is None
            }
            fresh = await self._embed(list(missing), list(missing.values()), query=query)
        return [
            v if v is not None else fresh[name] for (name, _), v in zip(named, found, strict=True)
        ]

    async def _stored(self, names: list[str]) -> list[Vector | None]:
        blobs = await self.cache.redis.mget([self.key(n) for n in names]) if names else []
        out: list[Vector | None] = []
        for blob in blobs:
            try:
                (vector,) = unpack(blob) if isinstance(blob, bytes) else (None,)
            except ValueError:
                vector = None
            out.append(vector)
        self.cache.count(self.key("papers"), all(v is not None for v in out))
        return out

    async def _embed(self, names: list[str], texts: list[str], *, query: bool) -> dict[str, Vector]:
        fresh: dict[str, Vector] = {}
        for start in range(0, len(texts), BATCH):
            batch = [t[:MAX_CHARS] for t in texts[start : start + BATCH]]
            vectors = await embed_units(
                self.client, batch, model=self.model, query=query, dimensions=self.dimensions
            )
            self.embedded += len(batch)
            async with self.cache.redis.pipeline(transaction=False) as pipe:
                for name, vector in zip(names[start : start + BATCH], vectors, strict=True):
                    fresh[name] = vector
                    pipe.set(self.key(name), pack([vector]), ex=self.ttl_s)
                await pipe.execute()
        log.info("embedded %d text(s) for ranking", len(texts))
        return fresh
