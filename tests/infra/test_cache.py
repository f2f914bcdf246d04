"""The Redis cache: typed entries, and one computation for many concurrent askers."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from pydantic import BaseModel

from bot.infra.cache import Cache


class Box(BaseModel):
    value: int


async def test_concurrent_askers_in_two_processes_share_one_computation(
    redis_client: aioredis.Redis, redis_url: str
) -> None:
    other = aioredis.Redis.from_url(redis_url)  # a second process's connection and cache
    first, second = Cache(redis_client, "t:"), Cache(other, "t:")
    calls = 0

    async def compute() -> Box:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.3)
        return Box(value=42)

    results = await asyncio.gather(
        *(c.get_or_compute("t:k", Box, compute) for c in (first, second, first, second))
    )
    await other.aclose()
    assert calls == 1
    assert {r[0].value for r in results} == {42}
    assert await redis_client.get("t:k:lock") is None


async def test_a_failed_computation_is_not_cached(redis_client: aioredis.Redis) -> None:
    cache = Cache(redis_client, "t:")

    async def broken() -> Box:
        raise RuntimeError("model down")

    with pytest.raises(RuntimeError):
        await cache.get_or_compute("t:k", Box, broken)
    assert await redis_client.exists("t:k", "t:k:lock") == 0

    async def works() -> Box:
        return Box(value=7)

    value, cached = await cache.get_or_compute("t:k", Box, works, ttl=60)
    assert (value.value, cached) == (7, False)
    assert 0 < await redis_client.ttl("t:k") <= 60
    value, cached = await cache.get_or_compute("t:k", Box, broken)
    assert (value.value, cached) == (7, True)


async def test_an_unreadable_entry_is_recomputed(redis_client: aioredis.Redis) -> None:
    cache = Cache(redis_client, "t:")
    await redis_client.set("t:k", b"{not json")
    assert await cache.get_model("t:k", Box) is None
    assert await redis_client.exists("t:k") == 0
