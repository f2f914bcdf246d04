"""What each subscription delivered: its cards (paper, day, why line, message ids) and each
digest day's coverage line, kept ``KEEP_DAYS`` days in Redis.

The record behind a subscription's web page and feed, its weekly recap, and the replies under a
posted paper when a new version changes it: one entry per paper (its base id), written when the
card was sent, so it holds exactly what the chat saw.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import redis.asyncio as aioredis
from pydantic import BaseModel, Field
from redis.asyncio.client import Pipeline

from bot.arxiv.ids import parse_id
from bot.infra import keys

KEEP_DAYS = 45  # a month of digests, with room for the page's 30 days


class DeliveredCard(BaseModel):
    """One paper card as a subscription's chat received it."""

    paper: str  # versioned id as delivered
    day: date  # the announcement day of the digest
    why: str | None = None  # the "why this paper" line shown on the card
    message_ids: tuple[str, ...] = ()  # the platform's ids of the card's messages
    posted: bool = True  # False: a --weekly subscription kept it for its recap, no card was sent
    sent_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def base(self) -> str:
        """The paper id without its version."""
        paper = parse_id(self.paper)
        return paper.base if paper is not None else self.paper


class DigestDay(BaseModel):
    """One digest day of a subscription: its coverage line (what arXiv announced, what became of it)."""

    day: date
    coverage: str = ""
    sent_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class DigestArchive:
    """Per subscription: ``archive:<sub>:cards`` (base id -> DeliveredCard) and
    ``archive:<sub>:days`` (day -> DigestDay), entries older than KEEP_DAYS dropped once a run;
    ``archive:<sub>:version`` counts the writes (a cheap key for caches of what they show)."""

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def record_card(self, sub_id: str, card: DeliveredCard) -> None:
        """Remember a card the chat received (a later record of the same paper replaces it)."""
        key = keys.archive_cards(self.prefix, sub_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, card.base, card.model_dump_json())
            pipe.expire(key, KEEP_DAYS * 86_400)
            self._bump(pipe, sub_id)
            await pipe.execute()

    async def record_day(self, sub_id: str, day: DigestDay) -> None:
        """Remember a digest day's coverage line."""
        key = keys.archive_days(self.prefix, sub_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, day.day.isoformat(), day.model_dump_json())
            pipe.expire(key, KEEP_DAYS * 86_400)
            self._bump(pipe, sub_id)
            await pipe.execute()

    async def version(self, sub_id: str) -> int:
        """How many writes the subscription's archive has seen (0: none kept): one cheap read
        that changes whenever a card or a day is recorded."""
        raw = await self.redis.get(keys.archive_version(self.prefix, sub_id))
        return int(raw) if raw else 0

    def _bump(self, pipe: Pipeline, sub_id: str) -> None:
        key = keys.archive_version(self.prefix, sub_id)
        pipe.incr(key)
        pipe.expire(key, KEEP_DAYS * 86_400)

    async def card(self, sub_id: str, base: str) -> DeliveredCard | None:
        """The card of one paper (by base id), if the subscription delivered it."""
        raw = await self.redis.hget(keys.archive_cards(self.prefix, sub_id), base)
        return DeliveredCard.model_validate_json(raw) if raw else None

    async def cards(self, sub_id: str, since: date | None = None) -> list[DeliveredCard]:
        """The subscription's cards, newest day first (in sending order within a day)."""
        raw = await self.redis.hvals(keys.archive_cards(self.prefix, sub_id))
        found = [DeliveredCard.model_validate_json(r) for r in raw]
        if since is not None:
            found = [c for c in found if c.day >= since]
        found.sort(key=lambda c: c.sent_at)
        found.sort(key=lambda c: c.day, reverse=True)
        return found

    async def days(self, sub_id: str, since: date | None = None) -> list[DigestDay]:
        """The subscription's digest days, newest first."""
        raw = await self.redis.hvals(keys.archive_days(self.prefix, sub_id))
        found = [DigestDay.model_validate_json(r) for r in raw]
        if since is not None:
            found = [d for d in found if d.day >= since]
        return sorted(found, key=lambda d: d.day, reverse=True)

    async def forget(self, sub_id: str) -> None:
        """Drop a removed subscription's archive."""
        await self.redis.delete(
            keys.archive_cards(self.prefix, sub_id),
            keys.archive_days(self.prefix, sub_id),
            keys.archive_version(self.prefix, sub_id),
        )

    async def prune(self, sub_id: str, today: date) -> None:
        """Drop the subscription's cards and days older than KEEP_DAYS before ``today``: it reads
        every entry, so a digest run calls it once, at its end (not once per card)."""
        oldest = today - timedelta(days=KEEP_DAYS)
        cards_key, days_key = (
            keys.archive_cards(self.prefix, sub_id),
            keys.archive_days(self.prefix, sub_id),
        )
        stale = [c.base for c in await self.cards(sub_id) if c.day < oldest]
        if stale:
            await self.redis.hdel(cards_key, *stale)
        old_days = [d.day.isoformat() for d in await self.days(sub_id) if d.day < oldest]
        if old_days:
            await self.redis.hdel(days_key, *old_days)
