"""A followed author's papers, in any category: arXiv's ``au:`` search, matched back by name.

The announcement feeds are per category, so a followed author's paper outside a chat's categories
is found by searching the API over the latest announcement's submission window (as a
keyword-only subscription does): one search per family name and window, paced like every arXiv
request and cached, so every chat following someone of that name shares it. arXiv's author
search is loose (``au:Saunders`` finds every Saunders), so each paper is kept only when one of
its authors matches a followed name (bot.follows.names).

An empty answer is kept only ``EMPTY_TTL`` (30 minutes): arXiv's API indexes an announcement's
papers some time after the feeds list them, so a search made too early must not pin "nothing"
for the whole window.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel

from bot.arxiv.api import ArxivAPI
from bot.chat.contract import ChatRef
from bot.digests.schedule import submission_window
from bot.errors import SourceUnavailable
from bot.follows.names import (
    AuthorName,
    distinct_people,
    family_keys,
    matches,
    parse_name,
    same_person,
)
from bot.follows.store import Follow, FollowStore
from bot.infra import keys
from bot.infra.cache import Cache
from bot.papers.models import PaperMeta

log = logging.getLogger(__name__)

SEARCH_TTL = 3 * 86_400
EMPTY_TTL = 30 * 60  # an empty answer may only mean arXiv's API has not indexed the day yet
SEARCH_LIMIT = 300  # one day's papers by a common family name ("Wang") fit
RECENT_DAYS = 365  # /follow looks this far back for the name's papers
RECENT_LIMIT = 100
RECENT_TTL = 86_400  # the look-up is keyed by day


class _Papers(BaseModel):
    papers: list[PaperMeta]


@dataclass(frozen=True, slots=True)
class FollowedPaper:
    """A paper by a followed author: the paper, the name the chat follows, and arXiv's listing."""

    paper: PaperMeta
    name: str  # as the chat wrote it: "Jack Saunders"
    listed: str  # as arXiv lists the author: "J. Saunders"


@dataclass(frozen=True, slots=True)
class Person:
    """One of the people a name may stand for on arXiv: the fullest form and a recent paper."""

    name: str
    example: PaperMeta


def by_followed(papers: Sequence[PaperMeta], follows: Sequence[Follow]) -> list[FollowedPaper]:
    """The papers (in order) with an author matching a followed name, each once."""
    by_family: dict[str, list[tuple[str, AuthorName]]] = {}
    for follow in follows:
        for family in family_keys(follow.parsed):
            by_family.setdefault(family, []).append((follow.name, follow.parsed))
    found: dict[str, FollowedPaper] = {}
    for paper in papers:
        if paper.id.base in found:
            continue
        for author in paper.authors:
            listed = parse_name(author)
            if listed is None:
                continue
            candidates = [c for f in family_keys(listed) for c in by_family.get(f, ())]
            name = next((n for n, p in candidates if same_person(p, listed)), None)
            if name is not None:
                found[paper.id.base] = FollowedPaper(paper, name, author)
                break
    return list(found.values())


class FollowFinder:
    """Finds followed authors' new papers for a chat, and what a name stands for on arXiv."""

    def __init__(self, store: FollowStore, api: ArxivAPI, cache: Cache) -> None:
        self.store = store
        self.api = api
        self.cache = cache

    async def _search(
        self, family: str, window: str, query: str, limit: int, ttl: int = SEARCH_TTL
    ) -> list[PaperMeta]:
        async def search() -> _Papers:
            return _Papers(papers=await self.api.query(query, limit))

        key = keys.author_search(self.cache.prefix, family, window)
        found, cached = await self.cache.get_or_compute(key, _Papers, search, ttl=ttl)
        if not found.papers and not cached:
            await self.cache.redis.expire(key, min(ttl, EMPTY_TTL))
        return found.papers

    async def new_papers(
        self, chat: ChatRef, now: datetime, follows: Sequence[Follow] | None = None
    ) -> list[FollowedPaper]:
        """Papers by ``chat``'s followed authors submitted in the latest announcement's window,
        in arXiv's order (newest first per family name); a family name arXiv could not be asked
        about is skipped (logged) and the rest still come."""
        follows = await self.store.all(chat) if follows is None else follows
        if not follows:
            return []
        start, end = submission_window(now)
        span = f"submittedDate:[{start:%Y%m%d%H%M} TO {end:%Y%m%d%H%M}]"
        papers: list[PaperMeta] = []
        for family in dict.fromkeys(f.parsed.search_term for f in follows):
            try:
                papers += await self._search(
                    family, f"{start:%Y%m%d%H%M}", f'au:"{family}" AND {span}', SEARCH_LIMIT
                )
            except SourceUnavailable as exc:
                log.warning("followed authors named %s not searched: %s", family, exc.message)
        return by_followed(papers, follows)

    async def people(self, name: AuthorName, now: datetime) -> list[Person]:
        """The distinct people ``name`` may stand for among arXiv's papers of the last year,
        fullest form first, each with a recent paper; empty when arXiv lists none."""
        start = now - timedelta(days=RECENT_DAYS)
        span = f"submittedDate:[{start:%Y%m%d}0000 TO {now:%Y%m%d%H%M}]"
        papers = await self._search(
            name.search_term,
            f"recent{now:%Y%m%d}",
            f'au:"{name.search_term}" AND {span}',
            RECENT_LIMIT,
            ttl=RECENT_TTL,
        )
        listed = [(a, p) for p in papers for a in p.authors if matches(name, a)]
        people: list[Person] = []
        for group in distinct_people([a for a, _ in listed]):
            example = next(p for a, p in listed if a == group[0])  # by the fullest form
            people.append(Person(group[0], example))
        return people
