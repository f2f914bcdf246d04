"""What a subscription's page and feed show: its archived cards and days, with the summaries and
figures already in the cache.

Everything here reads Redis only: the digest archive (what the chat received, when, and why) and
the summary, metadata and figure caches. A page view never calls arXiv or the model; a card
whose summary is no longer cached shows its title and link and says so.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.arxiv.ids import parse_id
from bot.chat.post import Post
from bot.digests.archive import DeliveredCard, DigestArchive
from bot.digests.subscriptions import Subscription
from bot.papers.models import PaperId, PaperMeta
from bot.papers.service import PaperService
from bot.summaries.card import author_line, paper_post, public_figure_url

WINDOW_DAYS = 30  # the page and feed show the last 30 days of digests
READS_AT_ONCE = 16  # cache reads in flight for one page


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
    """A subscription's recent digests, newest day first."""

    sub: Subscription
    days: tuple[Day, ...]

    @property
    def cards(self) -> list[Card]:
        """Every card, newest day first."""
        return [card for day in self.days for card in day.cards]

    @property
    def updated(self) -> datetime:
        """When the newest card was sent (the subscription's creation when none was)."""
        return max((c.sent_at for c in self.cards), default=self.sub.created_at)


def figure_file(base: str) -> str:
    """The figure's name in URLs: the base id with an old-style id's slash as ``_``."""
    return base.replace("/", "_") + ".png"


def base_of_figure_file(name: str) -> str | None:
    """The base id a figure name stands for, or None when it is not one."""
    if not name.endswith(".png"):
        return None
    paper = parse_id(name.removesuffix(".png").replace("_", "/"))
    return paper.base if paper is not None and paper.version is None else None


class PageSource:
    """Gathers a subscription's recent digests from the archive and the caches (Redis only)."""

    def __init__(self, *, archive: DigestArchive, papers: PaperService) -> None:
        self.archive = archive
        self.papers = papers

    async def digests(self, sub: Subscription, window_days: int = WINDOW_DAYS) -> Digests:
        """The last ``window_days`` of digests, counted back from the newest one."""
        days = await self.archive.days(sub.id)
        archived = await self.archive.cards(sub.id)
        newest = max([d.day for d in days] + [c.day for c in archived], default=None)
        if newest is None:
            return Digests(sub, ())
        since = newest - timedelta(days=window_days - 1)
        archived = [c for c in archived if c.day >= since]
        gate = asyncio.Semaphore(READS_AT_ONCE)

        async def read(card: DeliveredCard) -> Card:
            async with gate:
                return await self._card(sub, card)

        cards = await asyncio.gather(*(read(c) for c in archived))
        coverage = {d.day: d.coverage for d in days if d.day >= since}
        shown = sorted(set(coverage) | {c.day for c in cards}, reverse=True)
        return Digests(
            sub,
            tuple(
                Day(day, coverage.get(day, ""), tuple(c for c in cards if c.day == day))
                for day in shown
            ),
        )

    async def card(self, sub: Subscription, base: str) -> DeliveredCard | None:
        """The archived card of ``base``, if the subscription delivered it."""
        return await self.archive.card(sub.id, base)

    async def _card(self, sub: Subscription, card: DeliveredCard) -> Card:
        paper = parse_id(card.paper) or PaperId(base=card.base, version=1)
        summary = await self.papers.cached_summary(paper, sub.language)
        meta: PaperMeta | None = summary.meta if summary else None
        if meta is None:
            meta = await self.papers.cached_meta(paper)
        info = await self.papers.cached_figure_info(paper)
        figure = None
        if info is not None:
            figure = Figure(
                public_figure_url(info.source_url), info.caption, figure_file(card.base)
            )
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
