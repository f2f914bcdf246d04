"""Model quotas used up until a known time: when Gemini's daily quota resets, and the record in
Redis of which models are out of quota until when (shared by every process, kept over restarts).

A per-day 429 is recorded once (``QuotaBook.record``); until the reset every caller reads it
(``QuotaBook.exhausted``) and does not call the model. The record expires at the reset time, so
the first call after it finds out whether the quota really came back.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis

from bot.infra import keys
from bot.llm.base import LLMQuotaExhausted, reset_phrase

log = logging.getLogger(__name__)

PACIFIC = ZoneInfo("America/Los_Angeles")  # Gemini's daily quotas reset at midnight here


def next_pacific_midnight(now: datetime | None = None) -> datetime:
    """The next midnight in Pacific time after ``now``, in UTC (07:00 or 08:00 UTC with DST)."""
    local = (now or datetime.now(UTC)).astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return midnight.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Exhausted:
    """One model out of quota: which, until when, and the quota the provider named."""

    model_id: str  # "gemini/gemini-2.5-flash", as in summary cache keys
    until: datetime
    quota_id: str = ""

    @property
    def model(self) -> str:
        """The model's name without its provider."""
        return self.model_id.partition("/")[2] or self.model_id

    def error(self, now: datetime | None = None) -> LLMQuotaExhausted:
        """The error a call skipped for this quota raises."""
        return LLMQuotaExhausted(self.until, self.quota_id, now)

    def describe(self, now: datetime | None = None) -> str:
        """'gemini-2.5-flash: daily quota used up; it resets around 07:00 UTC (…)'."""
        return f"{self.model}: daily quota used up; it {reset_phrase(self.until, now)}"


class QuotaBook:
    """Which models are out of quota until when, in Redis under ``keys.llm_quota``."""

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def record(self, model_id: str, exc: LLMQuotaExhausted) -> Exhausted:
        """Remember that ``model_id`` is out of quota until ``exc.resets_at`` (expiring then)."""
        until = exc.resets_at.astimezone(UTC)
        entry = Exhausted(model_id, until, exc.quota_id)
        value = json.dumps({"until": until.isoformat(), "quota_id": exc.quota_id})
        at_ms = int(until.timestamp() * 1000)
        if at_ms > int(datetime.now(UTC).timestamp() * 1000):
            await self.redis.set(keys.llm_quota(self.prefix, model_id), value, pxat=at_ms)
            log.warning(
                "%s: %s used up; no calls until %s", model_id, exc.quota_id or "quota", until
            )
        return entry

    async def exhausted(self, model_id: str) -> Exhausted | None:
        """The model's standing quota record, or None when it may be called."""
        raw = await self.redis.get(keys.llm_quota(self.prefix, model_id))
        return _parse(model_id, raw) if raw is not None else None

    async def all(self) -> list[Exhausted]:
        """Every model out of quota now (for /status), by model id."""
        found = []
        async for key in self.redis.scan_iter(match=keys.llm_quota(self.prefix, "*")):
            name = key.decode() if isinstance(key, bytes) else str(key)
            model_id = name.removeprefix(keys.llm_quota(self.prefix, ""))
            entry = await self.exhausted(model_id)
            if entry is not None:
                found.append(entry)
        return sorted(found, key=lambda e: e.model_id)

    async def clear(self, model_id: str) -> None:
        """Forget the record (the model answered again)."""
        await self.redis.delete(keys.llm_quota(self.prefix, model_id))


def _parse(model_id: str, raw: bytes | str) -> Exhausted | None:
    """A stored record, or None when it is unreadable or already past."""
    try:
        data = json.loads(raw)
        until = datetime.fromisoformat(data["until"]).astimezone(UTC)
    except (ValueError, KeyError, TypeError):
        return None
    if until <= datetime.now(UTC):
        return None
    return Exhausted(model_id, until, str(data.get("quota_id") or ""))
