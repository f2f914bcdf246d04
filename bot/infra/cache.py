"""The Redis cache: typed get/set and single-flight computation shared across processes."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as aioredis
from pydantic import BaseModel, ValidationError

from bot.infra import keys
from bot.infra.metrics import Metrics
from bot.infra.single_flight import SingleFlight

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

DAY = 86_400
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class Cache:
    """Typed access to paperbot's keys under one prefix."""

    def __init__(
        self, redis: aioredis.Redis, prefix: str = "paperbot:", metrics: Metrics | None = None
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.metrics = metrics or Metrics()
        self._flights: SingleFlight[tuple[BaseModel, bool]] = SingleFlight()
        self.hits = 0
        self.misses = 0

    def count(self, key: str, hit: bool) -> None:
        """Count one lookup (hit or miss) in hits/misses and the metrics."""
        if hit:
            self.hits += 1
        else:
            self.misses += 1
        self.metrics.cache_request(keys.family(key, self.prefix), hit)

    async def get_model(self, key: str, cls: type[M]) -> M | None:
        """The cached record at ``key``, or None (also when the stored JSON no longer parses)."""
        raw = await self.redis.get(key)
        if raw is None:
            return None
        try:
            return cls.model_validate_json(raw)
        except ValidationError:
            log.warning("dropping unreadable cache entry %s", key)
            await self.redis.delete(key)
            return None

    async def set_model(self, key: str, value: BaseModel, ttl: int | None = None) -> None:
        """Store a record as JSON, with an optional expiry in seconds."""
        await self.redis.set(key, value.model_dump_json(), ex=ttl)

    async def get_bytes(self, key: str) -> bytes | None:
        """Raw bytes at ``key`` (figures)."""
        value = await self.redis.get(key)
        if value is None:
            return None
        return value if isinstance(value, bytes) else value.encode()

    async def set_bytes(self, key: str, value: bytes, ttl: int | None = None) -> None:
        """Store raw bytes."""
        await self.redis.set(key, value, ex=ttl)

    async def get_or_compute(
        self,
        key: str,
        cls: type[M],
        compute: Callable[[], Awaitable[M]],
        *,
        ttl: int | None = None,
        lock_ttl_s: float = 300.0,
    ) -> tuple[M, bool]:
        """Return (value, was_cached); concurrent callers anywhere share one ``compute`` call.

        Failures are not cached: the next caller computes again.
        """
        cached = await self.get_model(key, cls)
        if cached is not None:
            self.count(key, True)
            return cached, True
        self.count(key, False)

        async def locked() -> tuple[BaseModel, bool]:
            return await self._compute_locked(key, cls, compute, ttl, lock_ttl_s)

        (value, cached_elsewhere), joined = await self._flights.run(key, locked)
        return cls.model_validate(value), cached_elsewhere and not joined

    async def _compute_locked(
        self,
        key: str,
        cls: type[M],
        compute: Callable[[], Awaitable[M]],
        ttl: int | None,
        lock_ttl_s: float,
    ) -> tuple[M, bool]:
        lock_key = keys.lock(key)
        token = uuid.uuid4().hex
        while not await self.redis.set(lock_key, token, nx=True, px=int(lock_ttl_s * 1000)):
            # Another process computes it: wait for its result or for its lock to lapse.
            await asyncio.sleep(0.1)
            done = await self.get_model(key, cls)
            if done is not None:
                return done, True
        try:
            done = await self.get_model(key, cls)
            if done is not None:
                return done, True
            value = await compute()
            await self.set_model(key, value, ttl)
            return value, False
        finally:
            await self.redis.eval(_RELEASE, 1, lock_key, token)  # type: ignore[misc]
