"""Which paper each of the bot's messages was about, so a reply to any of them is a question."""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.chat.contract import ChatRef
from bot.infra import keys

KEEP_S = 30 * 86_400  # a reply to a month-old card still works


class PostIndex:
    """One Redis hash per chat: message id -> versioned paper id (expires a month after use)."""

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, chat: ChatRef) -> str:
        return keys.posts(self.prefix, chat)

    async def remember(self, chat: ChatRef, message_ids: tuple[str, ...], paper: str) -> None:
        """Note that these messages were about ``paper``."""
        if not message_ids:
            return
        key = self._key(chat)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping=dict.fromkeys(message_ids, paper))
            pipe.expire(key, KEEP_S)
            await pipe.execute()

    async def paper_of(self, chat: ChatRef, message_id: str) -> str | None:
        """The paper one of our messages was about, if it was about one."""
        value = await self.redis.hget(self._key(chat), message_id)
        return value.decode() if isinstance(value, bytes) else value
