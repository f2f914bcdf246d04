"""A digest's account of itself: what arXiv announced, what was posted and what was left out."""

from __future__ import annotations

from datetime import date, timedelta

import redis.asyncio as aioredis
from pydantic import BaseModel, Field

from bot.arxiv.ids import parse_id
from bot.digests.discovery import Found
from bot.digests.subscriptions import Subscription
from bot.infra import keys
from bot.papers.models import PaperMeta

KEEP_DAYS = 14


class LeftOut(BaseModel):
    """A matching paper the digest did not post as a card: under the threshold or over the cap."""

    id: str  # versioned
    title: str
    url: str
    score: float | None = None
    reason: str = "below"  # "below" the threshold or beyond the "cap"


class DigestReport(BaseModel):
    """One subscription's digest on one announcement day."""

    day: date
    categories: tuple[str, ...] = ()
    new: int = 0  # announced as new in the categories
    cross: int = 0  # announced as cross-lists
    matched: int = 0  # candidates after the keywords (before the threshold)
    followed: int = 0  # papers by followed authors from beyond the topic (not counted matched)
    posted: list[str] = Field(default_factory=list)  # versioned ids of the cards
    already: int = 0  # matching papers the chat had received before
    failed: list[str] = Field(default_factory=list)  # versioned ids whose summary failed
    threshold: float | None = None
    scores: dict[str, float] = Field(default_factory=dict)  # base -> score of every candidate
    left: list[LeftOut] = Field(default_factory=list)
    cross_left: list[str] = Field(default_factory=list)  # cross-list bases not included
    unmatched: list[str] = Field(default_factory=list)  # announced bases the keywords missed

    @property
    def below(self) -> list[LeftOut]:
        """The papers withheld under the threshold."""
        return [p for p in self.left if p.reason == "below"]


class DigestReports:
    """``report:<sub>``: a hash of announcement day -> DigestReport, kept KEEP_DAYS days."""

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    async def save(self, sub_id: str, report: DigestReport) -> None:
        """Store the day's report (replacing an earlier run's) and forget days past KEEP_DAYS."""
        key = keys.digest_reports(self.prefix, sub_id)
        oldest = (report.day - timedelta(days=KEEP_DAYS)).isoformat()
        stale = [d for d in await self._days(key) if d < oldest]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, report.day.isoformat(), report.model_dump_json())
            if stale:
                pipe.hdel(key, *stale)
            pipe.expire(key, KEEP_DAYS * 86_400)
            await pipe.execute()

    async def all(self, sub_id: str) -> list[DigestReport]:
        """The subscription's reports, newest day first."""
        raw = await self.redis.hgetall(keys.digest_reports(self.prefix, sub_id))
        found = [DigestReport.model_validate_json(v) for v in raw.values()]
        return sorted(found, key=lambda r: r.day, reverse=True)

    async def last(self, sub_id: str) -> DigestReport | None:
        """The report of the subscription's latest digest, if one is kept."""
        reports = await self.all(sub_id)
        return reports[0] if reports else None

    async def _days(self, key: str) -> list[str]:
        return [d.decode() if isinstance(d, bytes) else d for d in await self.redis.hkeys(key)]


def report_of(
    sub: Subscription,
    found: Found,
    today: date,
    *,
    posted: list[PaperMeta],
    beyond_cap: list[PaperMeta],
    already: int,
    failed: list[str],
) -> DigestReport:
    """What one run of ``sub`` found, posts as cards and leaves out."""

    def left(paper: PaperMeta, reason: str) -> LeftOut:
        score = found.scores.get(str(paper.id))
        return LeftOut(
            id=str(paper.id), title=paper.title, url=paper.abs_url, score=score, reason=reason
        )

    return DigestReport(
        day=found.announced or today,
        categories=sub.categories,
        new=found.new,
        cross=found.cross,
        matched=len(found.papers) + len(found.below) - found.beyond_topic,
        followed=found.beyond_topic,
        posted=[str(p.id) for p in posted],
        already=already,
        failed=list(failed),
        threshold=found.threshold,
        scores={_base(k): v for k, v in found.scores.items()},
        left=[left(p, "below") for p in found.below] + [left(p, "cap") for p in beyond_cap],
        cross_left=found.cross_left,
        unmatched=found.unmatched,
    )


def _base(versioned: str) -> str:
    paper = parse_id(versioned)
    return paper.base if paper is not None else versioned
