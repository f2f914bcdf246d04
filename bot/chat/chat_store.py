"""What paperbot remembers about each chat: its language, and whether it can still be reached."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis.asyncio as aioredis

from bot.chat.contract import ChatRef
from bot.infra import keys
from bot.papers.models import LANGUAGES, Language

log = logging.getLogger(__name__)


@dataclass
class ChatStore:
    """One Redis hash per chat (``chat:<platform>:<id>``), moved whole when a chat migrates."""

    redis: aioredis.Redis
    prefix: str

    def key(self, chat: ChatRef) -> str:
        """The chat's hash key."""
        return keys.chat(self.prefix, chat)

    async def language(self, chat: ChatRef) -> Language | None:
        """The chat's chosen summary language, if it chose one."""
        value = await self.redis.hget(self.key(chat), "language")
        text = value.decode() if isinstance(value, bytes) else value
        for language in LANGUAGES:
            if text == language:
                return language
        return None

    async def set_language(self, chat: ChatRef, language: Language) -> None:
        """Remember the chat's summary language."""
        await self.redis.hset(self.key(chat), "language", language)

    async def settings(self, chat: ChatRef) -> dict[str, str]:
        """The chat's defaults for new subscriptions (``at``, ``zone``) where it set them."""
        raw = await self.redis.hmget(self.key(chat), ["at", "zone"])
        values = [v.decode() if isinstance(v, bytes) else v for v in raw]
        return {k: v for k, v in zip(("at", "zone"), values, strict=True) if v}

    async def set_defaults(self, chat: ChatRef, *, at: str | None, zone: str | None) -> None:
        """Remember the chat's default time of day and zone."""
        if at:
            await self.redis.hset(self.key(chat), "at", at)
        if zone:
            await self.redis.hset(self.key(chat), "zone", zone)

    async def last_paper(self, chat: ChatRef) -> str | None:
        """The paper last summarized or asked about here (the default for /ask)."""
        value = await self.redis.hget(self.key(chat), "last_paper")
        return value.decode() if isinstance(value, bytes) else value

    async def set_last_paper(self, chat: ChatRef, paper: str) -> None:
        """Remember the paper this chat is talking about."""
        await self.redis.hset(self.key(chat), "last_paper", paper)

    async def mark_unreachable(self, chat: ChatRef, reason: str) -> None:
        """The platform refused delivery for good (blocked, kicked, deleted): stop posting there."""
        log.warning("chat %s is unreachable: %s", chat.key(), reason)
        await self.redis.hset(
            self.key(chat), mapping={"unreachable": reason[:200], "unreachable_at": time.time()}
        )

    async def mark_reachable(self, chat: ChatRef) -> None:
        """The chat talked to us again: deliveries may resume."""
        await self.redis.hdel(self.key(chat), "unreachable", "unreachable_at")

    async def unreachable_reason(self, chat: ChatRef) -> str | None:
        """Why the chat cannot be reached, or None when it can."""
        value = await self.redis.hget(self.key(chat), "unreachable")
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    async def migrate(self, old: ChatRef, new: ChatRef) -> None:
        """A group became a supergroup: its data now lives under the new id."""
        log.info("chat %s migrated to %s", old.key(), new.key())
        if await self.redis.exists(self.key(old)):
            await self.redis.copy(self.key(old), self.key(new), replace=False)
            await self.redis.delete(self.key(old))
