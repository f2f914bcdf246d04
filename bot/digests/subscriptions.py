"""Subscriptions: a chat's standing order for a topic's new papers, stored in Redis."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

import redis.asyncio as aioredis
from pydantic import BaseModel, Field

from bot.chat.contract import ChatRef
from bot.errors import UserFacingError
from bot.infra import keys
from bot.papers.models import Language

Detail = Literal["full", "brief"]
MAX_PER_CHAT = 20


class Subscription(BaseModel):
    """One topic delivered to one chat at a local time every announcement day."""

    id: str
    platform: str
    chat_id: str
    thread_id: str | None = None
    categories: tuple[str, ...] = ()
    query: str | None = None  # normalised keyword query (bot.digests.topic_query syntax)
    about: str | None = None  # the topic in plain words: candidates are ranked against it
    include_cross: bool = False
    at: str = "08:00"  # local time of day, HH:MM
    zone: str = "UTC"  # IANA zone
    language: Language = "en"
    max_papers: int = Field(default=10, ge=1, le=50)
    detail: Detail = "full"
    notify_empty: bool = False
    weekly: bool = False  # a weekly recap (bot.digests.recap) instead of daily digests
    updates: bool = False  # reply under a delivered paper when a new version changes it
    paused: bool = False
    pause_reason: str | None = None
    created_by: str = ""
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    last_slot: str | None = None  # slot_key of the last completed digest
    last_result: str | None = None  # e.g. "2024-11-28: 7 papers"

    @property
    def chat(self) -> ChatRef:
        """Where the digest goes."""
        return ChatRef(self.platform, self.chat_id, self.thread_id)

    def topic(self) -> str:
        """What the subscription follows, for humans: 'cs.CV cs.GR · "talking head" OR …'."""
        parts = [" ".join(self.categories)] if self.categories else []
        if self.query:
            parts.append(self.query)
        if self.about:
            parts.append(f'about "{self.about}"')
        return " · ".join(parts) or "(nothing)"


class SubscriptionNotFound(UserFacingError):
    """No subscription with that id in this chat."""


class SubscriptionStore:
    """``sub:<id>`` holds the JSON; ``subs:chat:<chat>`` and ``subs:all`` index the ids."""

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, sub_id: str) -> str:
        return keys.subscription(self.prefix, sub_id)

    def _chat_key(self, chat: ChatRef) -> str:
        return keys.chat_subscriptions(self.prefix, chat)

    @property
    def _all_key(self) -> str:
        return keys.all_subscriptions(self.prefix)

    @staticmethod
    def new_id() -> str:
        """A short id users can type: 6 lower-case letters and digits."""
        alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
        return "".join(secrets.choice(alphabet) for _ in range(6))

    async def add(self, sub: Subscription) -> Subscription:
        """Store a new subscription (refusing more than MAX_PER_CHAT per chat)."""
        if await self.redis.scard(self._chat_key(sub.chat)) >= MAX_PER_CHAT:
            raise UserFacingError(
                f"This chat already has {MAX_PER_CHAT} subscriptions; /unsubscribe one first."
            )
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(sub.id), sub.model_dump_json())
            pipe.sadd(self._chat_key(sub.chat), sub.id)
            pipe.sadd(self._all_key, sub.id)
            await pipe.execute()
        return sub

    async def save(self, sub: Subscription) -> None:
        """Write back a changed subscription (it must exist)."""
        await self.redis.set(self._key(sub.id), sub.model_dump_json(), xx=True)

    async def get(self, sub_id: str) -> Subscription | None:
        """A subscription by id."""
        raw = await self.redis.get(self._key(sub_id))
        return Subscription.model_validate_json(raw) if raw else None

    async def get_in_chat(self, sub_id: str, chat: ChatRef) -> Subscription:
        """A subscription of this chat, or a message listing how to find the right id."""
        sub = await self.get(sub_id.strip().lower())
        if sub is None or sub.chat.key() != chat.key():
            raise SubscriptionNotFound(
                f"This chat has no subscription {sub_id[:20]!r}. "
                "Send /subscriptions to see the ids."
            )
        return sub

    async def for_chat(self, chat: ChatRef) -> list[Subscription]:
        """Every subscription of a chat, oldest first."""
        ids = _texts(await self.redis.smembers(self._chat_key(chat)))
        subs = [s for s in [await self.get(i) for i in ids] if s is not None]
        return sorted(subs, key=lambda s: s.created_at)

    async def all(self) -> list[Subscription]:
        """Every subscription (the scheduler's list)."""
        ids = _texts(await self.redis.smembers(self._all_key))
        return [s for s in [await self.get(i) for i in ids] if s is not None]

    async def remove(self, sub: Subscription) -> None:
        """Delete a subscription and its delivery records."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(sub.id))
            pipe.srem(self._chat_key(sub.chat), sub.id)
            pipe.srem(self._all_key, sub.id)
            await pipe.execute()

    async def pause_chat(self, chat: ChatRef, reason: str) -> list[Subscription]:
        """Pause every subscription of a chat the platform will not deliver to."""
        paused = []
        for sub in await self.for_chat(chat):
            if not sub.paused:
                sub.paused, sub.pause_reason = True, reason
                await self.save(sub)
                paused.append(sub)
        return paused

    async def move_chat(self, old: ChatRef, new: ChatRef) -> None:
        """A chat changed id (Telegram group → supergroup): its subscriptions follow."""
        for sub in await self.for_chat(old):
            await self.remove(sub)
            sub.chat_id, sub.thread_id = new.chat_id, new.thread_id
            await self.add(sub)


def _texts(members: Iterable[bytes | str]) -> list[str]:
    return sorted(m.decode() if isinstance(m, bytes) else m for m in members)
