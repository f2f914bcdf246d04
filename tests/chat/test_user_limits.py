"""Per-user limits on costly commands, shared through Redis."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from bot.chat.user_limits import RateLimited, UserLimiter


async def test_the_limit_stops_a_user_and_says_when_to_retry(redis_client: aioredis.Redis) -> None:
    limiter = UserLimiter(redis_client, "t:", limit=3, window_s=3600)
    for i in range(3):
        await limiter.spend("telegram", "42", now=1000.0 + i)
    with pytest.raises(RateLimited) as err:
        await limiter.spend("telegram", "42", now=1600.0)
    assert "Try again in 50 min" in err.value.message
    await limiter.spend("telegram", "7", now=1600.0)  # other users are not affected
    await limiter.spend("telegram", "42", now=4601.0)  # the window slid past the first use


async def test_a_refund_gives_the_unit_back(redis_client: aioredis.Redis) -> None:
    limiter = UserLimiter(redis_client, "t:", limit=1)
    await limiter.spend("console", "u", now=10.0)
    await limiter.refund("console", "u")
    await limiter.spend("console", "u", now=11.0)
    with pytest.raises(RateLimited):
        await limiter.spend("console", "u", now=12.0)


async def test_zero_means_unlimited(redis_client: aioredis.Redis) -> None:
    limiter = UserLimiter(redis_client, "t:", limit=0)
    for _ in range(50):
        await limiter.spend("console", "u")
    assert await redis_client.keys("t:*") == []
