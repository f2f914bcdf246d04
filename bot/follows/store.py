"""The authors each chat follows, in Redis: ``follows:<chat>``, a hash keyed by the name's key."""

from __future__ import annotations

from datetime import UTC, datetime

import redis.asyncio as aioredis
from pydantic import BaseModel, ValidationError

from bot.chat.contract import ChatRef
from bot.follows.names import AuthorName, parse_name
from bot.infra import keys

MAX_FOLLOWS = 20  # per chat


class Follow(BaseModel, frozen=True):
    """One followed author: the name as the chat wrote it, who added it and when."""

    name: str
    by: str
    at: datetime

    @property
    def parsed(self) -> AuthorName:
        """The name, parsed (it parsed when it was added)."""
        parsed = parse_name(self.name)
        assert parsed is not None
        return parsed


class FollowStore:
    """Per-chat followed authors (a forum topic counts as a chat), at most MAX_FOLLOWS each."""

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def all(self, chat: ChatRef) -> list[Follow]:
        """The chat's followed authors, oldest first (unreadable records are skipped)."""
        raw = await self.redis.hgetall(keys.follows(self.prefix, chat))
        found: list[Follow] = []
        for value in raw.values():
            try:
                follow = Follow.model_validate_json(value)
            except ValidationError:
                continue
            if parse_name(follow.name) is not None:
                found.append(follow)
        return sorted(found, key=lambda f: f.at)

    async def add(self, chat: ChatRef, name: AuthorName, user_id: str) -> bool:
        """Follow ``name`` in ``chat``; False when the chat already follows that name."""
        follow = Follow(name=name.text, by=user_id, at=datetime.now(UTC))
        added = await self.redis.hsetnx(
            keys.follows(self.prefix, chat), name.key, follow.model_dump_json()
        )
        return bool(added)

    async def remove(self, chat: ChatRef, follow: Follow) -> None:
        """Stop following ``follow`` in ``chat``."""
        await self.redis.hdel(keys.follows(self.prefix, chat), follow.parsed.key)

    async def count(self, chat: ChatRef) -> int:
        """How many authors the chat follows."""
        return int(await self.redis.hlen(keys.follows(self.prefix, chat)))
