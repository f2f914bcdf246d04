"""The delivery log: which papers each chat has received, written before a card is sent."""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from bot.chat.contract import ChatRef
from bot.infra import keys

KEEP_RECORDS_S = 120 * 86_400


class DeliveryLog:
    """Which papers (without version) each chat has received: a sorted set per chat."""

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, chat: ChatRef) -> str:
        return keys.delivered(self.prefix, chat)

    async def claim(self, chat: ChatRef, item: str) -> bool:
        """Record ``item`` as delivered; False when it already was (so it is not sent again)."""
        return bool(await self.redis.zadd(self._key(chat), {item: time.time()}, nx=True))

    async def release(self, chat: ChatRef, item: str) -> None:
        """Undo a claim whose send failed for a reason worth retrying."""
        await self.redis.zrem(self._key(chat), item)

    async def has(self, chat: ChatRef, item: str) -> bool:
        """Whether the chat already received ``item``."""
        return await self.redis.zscore(self._key(chat), item) is not None

    async def trim(self, chat: ChatRef) -> None:
        """Forget records older than KEEP_RECORDS_S."""
        await self.redis.zremrangebyscore(self._key(chat), 0, time.time() - KEEP_RECORDS_S)

    async def move(self, old: ChatRef, new: ChatRef) -> None:
        """A chat changed id: its records follow."""
        if await self.redis.exists(self._key(old)):
            await self.redis.copy(self._key(old), self._key(new), replace=False)
            await self.redis.delete(self._key(old))
