"""Which papers a subscription gets today: announcement feeds, keyword matching, API search."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel

from bot.arxiv.api import ArxivAPI
from bot.arxiv.feeds import Announcement, feed_url, parse_announcements, replacements, select
from bot.arxiv.fetch import Fetcher
from bot.arxiv.ids import parse_id
from bot.digests.schedule import EASTERN, last_announcement, submission_window
from bot.digests.subscriptions import Subscription
from bot.digests.topic_query import Query, parse_query
from bot.errors import SourceUnavailable
from bot.follows.finder import FollowFinder, by_followed
from bot.infra import keys
from bot.infra.cache import Cache
from bot.papers.models import PaperId, PaperMeta
from bot.ranking.ranker import Candidate, Ranker
from bot.ranking.reasons import why_line
from bot.summaries.labels import label

log = logging.getLogger(__name__)

META_TTL = 30 * 86_400
FEED_TTL = 20 * 60  # feeds are rebuilt once a day; every subscription shares a fetch
API_LIMIT = 200


class _Feed(BaseModel):
    published: date | None
    ids: list[str]  # versioned ids of new items
    cross: list[str]  # versioned ids of cross-lists
    text: dict[str, str]  # versioned id -> title + abstract, for keyword matching
    replaced: list[str] = []  # versioned ids of replacements (new versions), for --updates


@dataclass
class Found:
    """The papers of the latest announcement for a subscription, most relevant first."""

    papers: list[PaperMeta]
    announced: date | None
    no_announcements: bool  # the feed was empty (weekend, holiday)
    scores: dict[str, float] = field(default_factory=dict)  # versioned id -> relevance, 0..1
    why: dict[str, str] = field(default_factory=dict)  # versioned id -> "Why: …" line
    below: list[PaperMeta] = field(default_factory=list)  # scored under the threshold: withheld
    threshold: float | None = None  # when a description (--about) applied one
    new: int = 0  # papers the feeds announced as new in the subscribed categories
    cross: int = 0  # ... and as cross-lists (not new in any of them)
    cross_left: list[str] = field(default_factory=list)  # cross-list bases not included
    unmatched: list[str] = field(default_factory=list)  # announced bases the keywords missed
    followed: dict[str, str] = field(default_factory=dict)  # versioned id -> followed author
    beyond_topic: int = 0  # followed authors' papers the topic itself did not pick


class Discovery:
    """Reads feeds (cached per category) and the API; matches keyword queries locally."""

    def __init__(
        self,
        fetcher: Fetcher,
        api: ArxivAPI,
        cache: Cache,
        rss_url: str,
        ranker: Ranker | None = None,
        follows: FollowFinder | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.api = api
        self.cache = cache
        self.rss_url = rss_url
        self.ranker = ranker
        self.follows = follows  # with it, followed authors' papers join each chat's digest
        self._lookups = asyncio.Lock()  # subscriptions share one lookup of a feed's papers

    async def _feed(self, category: str, now: datetime) -> _Feed:
        async def fetch() -> _Feed:
            download = await self.fetcher.get(feed_url(self.rss_url, [category]))
            if download is None:
                raise SourceUnavailable(f"arXiv has no announcement feed for {category}.")
            parsed = parse_announcements(download.content)
            new = select(parsed.items, include_cross=False)
            both = select(parsed.items, include_cross=True)
            return _Feed(
                published=parsed.published,
                ids=[str(a.paper) for a in new],
                cross=[str(a.paper) for a in both if a.announce_type == "cross"],
                text={str(a.paper): _text(a) for a in both},
                replaced=[str(a.paper) for a in replacements(parsed.items)],
            )

        hour = now.astimezone(UTC).strftime("%Y%m%d%H")
        key = keys.feed(self.cache.prefix, category, hour)
        feed, _ = await self.cache.get_or_compute(key, _Feed, fetch, ttl=FEED_TTL)
        return feed

    async def replaced(self, category: str, now: datetime) -> list[str]:
        """The versioned ids a category's latest feed lists as replacements (new versions of
        earlier papers), from the same cached read as the digests'."""
        return (await self._feed(category, now)).replaced

    async def find(
        self, sub: Subscription, now: datetime | None = None, day: date | None = None
    ) -> Found:
        """Today's matching papers (before delivery records are applied), the chat's followed
        authors' new papers first, whatever their category, topic or score.

        ``day`` asks for a past announcement day instead: the feeds only hold today's, so the
        API is searched over that day's submission window (approximate: see bot.digests.schedule).
        """
        now = now or datetime.now(UTC)
        found = await self._topic(sub, now, day)
        if day is None and self.follows is not None:
            await self._put_followed_first(sub, found, now)
        return found

    async def _put_followed_first(self, sub: Subscription, found: Found, now: datetime) -> None:
        """Move papers by the chat's followed authors to the front of ``found.papers`` (from the
        topic's picks, those it withheld, and arXiv's author search), each with its why line."""
        assert self.follows is not None
        follows = await self.follows.store.all(sub.chat)
        if not follows:
            return
        searched = await self.follows.new_papers(sub.chat, now, follows)
        topic = {p.id.base: p for p in found.papers + found.below}
        picked = by_followed(found.papers + found.below, follows) + searched
        first: dict[str, PaperMeta] = {}
        for hit in picked:
            if hit.paper.id.base in first:
                continue
            paper = topic.get(hit.paper.id.base, hit.paper)  # the announced version if listed
            found.beyond_topic += hit.paper.id.base not in topic
            first[paper.id.base] = paper
            found.followed[str(paper.id)] = hit.name
            found.why[str(paper.id)] = label("why_followed", sub.language, author=hit.name)
        found.papers = list(first.values()) + [p for p in found.papers if p.id.base not in first]
        found.below = [p for p in found.below if p.id.base not in first]

    async def _topic(self, sub: Subscription, now: datetime, day: date | None) -> Found:
        """The papers the subscription's topic picks (see find)."""
        query = parse_query(sub.query) if sub.query else None
        if day is not None:
            evening = datetime.combine(day, time(21, 0), EASTERN) - timedelta(days=1)
            found = await self._search(query, evening.astimezone(UTC), sub.categories)
            return await self._ranked(sub, query, found)
        if not sub.categories and query is not None:
            return await self._ranked(sub, query, await self._search(query, now))
        ids: dict[str, str] = {}  # base -> versioned
        text: dict[str, str] = {}
        new: set[str] = set()
        cross: set[str] = set()
        published: date | None = None
        for category in sub.categories:
            feed = await self._feed(category, now)
            published = max(filter(None, (published, feed.published)), default=None)
            new.update(_paper_id(v).base for v in feed.ids)
            cross.update(_paper_id(v).base for v in feed.cross)
            for versioned in feed.ids + (feed.cross if sub.include_cross else []):
                ids.setdefault(_paper_id(versioned).base, versioned)
            text.update(feed.text)
        cross -= new
        announced = set(ids)
        if query is not None:
            ids = {b: v for b, v in ids.items() if _matches(query, text.get(v, ""))}
        papers = await self._metas([_paper_id(v) for v in ids.values()])
        if query is not None:
            papers = [p for p in papers if query.matches(p.title, p.abstract)]
            papers.sort(key=lambda p: -query.score(p.title, p.abstract))
        else:
            order = {v: i for i, v in enumerate(ids.values())}
            papers.sort(key=lambda p: order.get(str(p.id), len(order)))
        found = Found(papers, published, no_announcements=not ids and not text)
        found.new, found.cross = len(new), len(cross)
        found.cross_left = [] if sub.include_cross else sorted(cross)
        found.unmatched = sorted(announced - set(ids))
        return await self._ranked(sub, query, found)

    async def _ranked(self, sub: Subscription, query: Query | None, found: Found) -> Found:
        """Rank by the description and the chat's feedback when either exists (a description
        also withholds papers under the threshold); give each paper its reason."""
        examples = await self.ranker.feedback.examples(sub.chat) if self.ranker else []
        if self.ranker is None or not (sub.about or examples):
            if query is not None:
                for p in found.papers:
                    line = why_line(sub.language, keywords=query.matched_terms(p.title, p.abstract))
                    if line:
                        found.why[str(p.id)] = line
            return found
        candidates = [Candidate(str(p.id), p.title, p.abstract) for p in found.papers]
        ranked = await self.ranker.rank_with(
            candidates, examples, about=sub.about, query=query, language=sub.language
        )
        by_id = {str(p.id): p for p in found.papers}
        found.papers = [by_id[i] for i in ranked.kept]
        found.below = [by_id[i] for i in ranked.below]
        found.scores, found.why = ranked.scores, ranked.why
        found.threshold = ranked.threshold if sub.about else None
        return found

    async def _metas(self, papers: list[PaperId]) -> list[PaperMeta]:
        """Metadata of feed papers: from the cache where any subscription already fetched it."""
        async with self._lookups:
            names = [keys.meta(self.cache.prefix, str(p)) for p in papers]
            found: dict[str, PaperMeta] = {}
            for paper, key in zip(papers, names, strict=True):
                cached = await self.cache.get_model(key, PaperMeta)
                if cached is not None:
                    found[str(paper)] = cached
            missing = [p for p in papers if str(p) not in found]
            for meta in await self.api.lookup_many(missing) if missing else []:
                found[str(meta.id)] = meta
                await self.cache.set_model(
                    keys.meta(self.cache.prefix, str(meta.id)), meta, META_TTL
                )
        return [found[str(p)] for p in papers if str(p) in found]

    async def _search(
        self, query: Query | None, now: datetime, categories: tuple[str, ...] = ()
    ) -> Found:
        start, end = submission_window(now)
        parts = [f"submittedDate:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]"]
        if categories:
            parts.insert(0, "(" + " OR ".join(f"cat:{c}" for c in categories) + ")")
        if query is not None:
            parts.insert(0, f"({query.to_arxiv()})")
        papers = await self.api.query(" AND ".join(parts), API_LIMIT)
        if query is not None:
            papers = [p for p in papers if query.matches(p.title, p.abstract)]
            papers.sort(key=lambda p: -query.score(p.title, p.abstract))
        announced = last_announcement(now).astimezone(EASTERN).date() + timedelta(days=1)
        return Found(papers, announced, no_announcements=not papers)


def _text(item: Announcement) -> str:
    return f"{item.title}\n{item.abstract}"


def _matches(query: Query, text: str) -> bool:
    title, _, abstract = text.partition("\n")
    return query.matches(title, abstract)


def _paper_id(versioned: str) -> PaperId:
    paper = parse_id(versioned)
    if paper is None:
        raise SourceUnavailable(f"The announcement feed listed a malformed id {versioned[:30]!r}.")
    return paper
