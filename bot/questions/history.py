"""The last few questions and answers per chat and paper, so a follow-up has its context."""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.chat.contract import ChatRef
from bot.infra import keys
from bot.questions.answer import Turn

CONVERSATION_TTL = 86_400


class Conversations:
    """The last few questions and answers per chat and paper (for follow-ups), for a day."""

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, chat: ChatRef, paper: str) -> str:
        return keys.conversation(self.prefix, chat, paper)

    async def history(self, chat: ChatRef, paper: str) -> list[Turn]:
        """Oldest first."""
        raw = await self.redis.lrange(self._key(chat, paper), 0, 2)
        return [Turn.model_validate_json(r) for r in reversed(raw)]

    async def add(self, chat: ChatRef, paper: str, turn: Turn) -> None:
        """Remember a turn, keeping the last three."""
        key = self._key(chat, paper)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, turn.model_dump_json())
            pipe.ltrim(key, 0, 2)
            pipe.expire(key, CONVERSATION_TTL)
            await pipe.execute()
