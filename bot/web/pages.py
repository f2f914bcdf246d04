"""What a subscription's page and feed show: the cards its chat was sent, with the summaries and
figures already in the cache.

Everything here reads Redis only: the digest archive (what the chat received, when, and why) and
the summary, metadata and figure caches. A page view never calls arXiv or the model; a card
whose summary is no longer cached shows its title and link and says so.

Only cards that were posted are shown: a ``--weekly`` subscription keeps its papers in the
archive unposted, for its recap, and those the chat never saw as cards stay off its page. The
newest ``limit`` cards of the window are read (the page's and the feed's caps); the cached JSON
is read in a few round trips and validated, and the cards built, in a worker thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.arxiv.ids import parse_id
from bot.chat.post import Post
from bot.digests.archive import DeliveredCard, DigestArchive
from bot.digests.subscriptions import Subscription
from bot.infra import keys
from bot.papers.models import PaperId, PaperMeta, PaperSummary
from bot.papers.service import FigureInfo, PaperService
from bot.summaries.card import author_line, paper_post, public_figure_url

WINDOW_DAYS = 30  # the page and feed show the last 30 days of digests
KEYS_PER_READ = 150  # cache keys fetched in one MGET
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Figure:
    """Where a card's figure is shown from: arXiv's public URL, or this server (``local``)."""

    url: str | None  # a public https URL on arxiv.org, else None: served under the token
    caption: str
    file: str  # the name under ``/s/<token>/figure/``


@dataclass(frozen=True, slots=True)
class Card:
    """One paper as the chat received it: the card's post (None when no longer cached)."""

    paper: str  # versioned id as delivered
    base: str
    day: date
    sent_at: datetime
    why: str | None
    title: str
    url: str  # the arXiv abstract page
    authors: str  # as the card shows them: 'A, B, … and 12 more'
    author_names: tuple[str, ...]
    post: Post | None  # the card's title, blocks, folded analysis, links and model line
    summary: str  # the one-line summary ("" when no longer cached)
    categories: tuple[str, ...]
    figure: Figure | None


@dataclass(frozen=True, slots=True)
class Day:
    """One digest day: its coverage line and its cards in the order sent."""

    day: date
    coverage: str
    cards: tuple[Card, ...]


@dataclass(frozen=True, slots=True)
class Digests:
    """A subscription's recent digests, newest day first; ``older`` cards of the window were
    left out by the cap."""

    sub: Subscription
    days: tuple[Day, ...]
    older: int = 0

    @property
    def cards(self) -> list[Card]:
        """Every card shown, newest day first."""
        return [card for day in self.days for card in day.cards]

    @property
    def total(self) -> int:
        """How many cards the window holds: those shown and those left out."""
        return len(self.cards) + self.older

    @property
    def updated(self) -> datetime:
        """When the newest card was sent (the subscription's creation when none was)."""
        return max((c.sent_at for c in self.cards), default=self.sub.created_at)


@dataclass(frozen=True, slots=True)
class _Cached:
    """The raw cache entries of one card, as Redis returned them."""

    summary: bytes | str | None
    meta: bytes | str | None
    figure: bytes | str | None


def figure_file(base: str) -> str:
    """The figure's name in URLs: the base id with an old-style id's slash as ``_``."""
    return base.replace("/", "_") + ".png"


def base_of_figure_file(name: str) -> str | None:
    """The base id a figure name stands for, or None when it is not one."""
    if not name.endswith(".png"):
        return None
    paper = parse_id(name.removesuffix(".png").replace("_", "/"))
    return paper.base if paper is not None and paper.version is None else None


def _paper_of(card: DeliveredCard) -> PaperId:
    return parse_id(card.paper) or PaperId(base=card.base, version=1)


class PageSource:
    """Gathers a subscription's recent digests from the archive and the caches (Redis only)."""

    def __init__(self, *, archive: DigestArchive, papers: PaperService) -> None:
        self.archive = archive
        self.papers = papers

    async def version(self, sub: Subscription) -> int:
        """A number that changes whenever the subscription's archive does (one Redis read)."""
        return await self.archive.version(sub.id)

    async def digests(
        self, sub: Subscription, limit: int, window_days: int = WINDOW_DAYS
    ) -> Digests:
        """The newest ``limit`` posted cards of the last ``window_days`` of digests (counted back
        from the newest one), under their days."""
        days = await self.archive.days(sub.id)
        posted = [c for c in await self.archive.cards(sub.id) if c.posted]
        newest = max([d.day for d in days] + [c.day for c in posted], default=None)
        if newest is None:
            return Digests(sub, ())
        since = newest - timedelta(days=window_days - 1)
        recent = sorted((c for c in posted if c.day >= since), key=lambda c: c.sent_at)
        shown, older = recent[::-1][:limit], max(0, len(recent) - limit)
        if older:  # the days the cut reaches back to, no further
            since = min(c.day for c in shown) if shown else newest
        raw = await self._read(sub, shown)
        cards = await asyncio.to_thread(_build_cards, sub, shown, raw)
        coverage = {d.day: d.coverage for d in days if d.day >= since}
        listed = sorted(set(coverage) | {c.day for c in cards}, reverse=True)
        by_day: dict[date, list[Card]] = {day: [] for day in listed}
        for card in sorted(cards, key=lambda c: c.sent_at):
            by_day[card.day].append(card)
        return Digests(
            sub,
            tuple(Day(day, coverage.get(day, ""), tuple(by_day[day])) for day in listed),
            older,
        )

    async def card(self, sub: Subscription, base: str) -> DeliveredCard | None:
        """The archived card of ``base``, if the subscription's chat was sent it."""
        card = await self.archive.card(sub.id, base)
        return card if card is not None and card.posted else None

    async def _read(self, sub: Subscription, cards: list[DeliveredCard]) -> list[_Cached]:
        """Each card's cached summary, metadata and figure info, as raw JSON (MGETs)."""
        prefix = self.papers.cache.prefix
        names: list[str] = []
        for card in cards:
            paper = _paper_of(card)
            names += [
                self.papers.summary_key_of(paper, sub.language),  # the key cached_summary reads
                keys.meta(prefix, str(paper)),
                keys.figure_info(prefix, paper.versioned),
            ]
        values: list[bytes | str | None] = []
        for start in range(0, len(names), KEYS_PER_READ):
            values += await self.papers.cache.redis.mget(names[start : start + KEYS_PER_READ])
        return [_Cached(*values[i : i + 3]) for i in range(0, len(values), 3)]


def _parsed(raw: bytes | str | None, cls: type[M]) -> M | None:
    """The record in ``raw``, or None when absent or no longer readable (shown as not kept)."""
    if raw is None:
        return None
    try:
        return cls.model_validate_json(raw)
    except ValidationError:
        return None


def _build_cards(
    sub: Subscription, delivered: list[DeliveredCard], raw: list[_Cached]
) -> list[Card]:
    """The cards from their cached JSON (CPU work: run in a worker thread)."""
    return [_card(sub, card, cached) for card, cached in zip(delivered, raw, strict=True)]


def _card(sub: Subscription, card: DeliveredCard, cached: _Cached) -> Card:
    summary = _parsed(cached.summary, PaperSummary)
    meta: PaperMeta | None = summary.meta if summary else _parsed(cached.meta, PaperMeta)
    info = _parsed(cached.figure, FigureInfo)
    figure = None
    if info is not None:
        figure = Figure(public_figure_url(info.source_url), info.caption, figure_file(card.base))
    post = None
    if summary is not None:  # the card as sent, the why line shown apart
        post = paper_post(summary, None, brief=sub.detail == "brief")
    return Card(
        paper=card.paper,
        base=card.base,
        day=card.day,
        sent_at=card.sent_at,
        why=card.why,
        title=meta.title if meta else card.paper,
        url=meta.abs_url if meta else f"https://arxiv.org/abs/{card.paper}",
        authors=author_line(meta.authors, sub.language) if meta else "",
        author_names=meta.authors if meta else (),
        post=post,
        summary=summary.analysis.summary if summary else "",
        categories=meta.categories if meta else (),
        figure=figure,
    )
