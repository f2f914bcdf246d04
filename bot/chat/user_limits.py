"""Per-user limits on commands that cost LLM calls, shared by every process through Redis."""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass

import redis.asyncio as aioredis

from bot.errors import UserFacingError
from bot.infra import keys


class RateLimited(UserFacingError):
    """The user spent this hour's allowance of new summaries or answers."""


@dataclass
class UserLimiter:
    """A sliding window: at most ``limit`` costly requests per user per ``window_s``."""

    redis: aioredis.Redis
    prefix: str
    limit: int = 20
    window_s: int = 3600

    def _key(self, platform: str, user_id: str) -> str:
        return keys.rate_limit(self.prefix, platform, user_id)

    async def spend(self, platform: str, user_id: str, now: float | None = None) -> None:
        """Count one costly request, or raise RateLimited saying when to retry."""
        if self.limit <= 0:
            return
        now = time.time() if now is None else now
        key = self._key(platform, user_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, 0, now - self.window_s)
            pipe.zcard(key)
            pipe.zrange(key, 0, 0, withscores=True)
            _, used, oldest = await pipe.execute()
        if used >= self.limit:
            first = float(oldest[0][1]) if oldest else now
            wait_min = max(1, math.ceil((first + self.window_s - now) / 60))
            raise RateLimited(
                f"You have asked for {self.limit} new summaries or answers this hour. "
                f"Try again in {wait_min} min; papers already summarized are still instant."
            )
        await self.redis.zadd(key, {f"{now}:{uuid.uuid4().hex[:8]}": now})
        await self.redis.expire(key, self.window_s)

    async def refund(self, platform: str, user_id: str) -> None:
        """Give back the newest unit (the request failed on our side)."""
        await self.redis.zpopmax(self._key(platform, user_id))
