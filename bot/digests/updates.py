"""Replies under a delivered paper when a new version states an acceptance or names its code.

For a subscription with ``--updates``, each digest run reads the replacement entries of its
categories' announcement feeds (new versions of earlier papers), keeps those of papers its chat
received (the digest archive), and compares the new version's arXiv metadata with the version
the chat saw: an acceptance newly stated in the comment ("Accepted to NeurIPS 2025"), or a code
repository newly named in the abstract or comment. Each change is one line replying to the
card. No model is called: the feeds are the ones digests read, and the metadata comes from the
cache or one batch of the arXiv API.

A reply is recorded in the chat's delivery log before it is sent (the runner's own
at-most-once path) and un-recorded when the send fails, so it goes out once across runs,
restarts and processes. It is keyed by what changed, not by version or wording: one acceptance
per paper and chat (``update:<paper>:accepted``), so a v3 that rewords v2's "Accepted at ICML
2025 (Oral)" as "… with an oral presentation", or only fixes a typo, says nothing again; and one
reply per code repository (``update:<paper>:code:<repository>``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from bot.arxiv.api import ArxivAPI
from bot.arxiv.comments import acceptance
from bot.arxiv.ids import parse_id
from bot.chat.contract import SentRef
from bot.chat.post import Post
from bot.digests.archive import DeliveredCard, DigestArchive
from bot.digests.subscriptions import Subscription
from bot.errors import UserFacingError
from bot.infra import keys
from bot.infra.cache import Cache
from bot.papers.codelinks import find_code_urls
from bot.papers.models import FullText, Language, PaperId, PaperMeta

if TYPE_CHECKING:
    from bot.digests.runner import DigestRunner

log = logging.getLogger(__name__)

SendOnce = Callable[[str, Post], Awaitable[SentRef | None]]  # (delivery item, post) -> sent
FEED_TTL = 20 * 60  # like the digests' feed cache: one fetch per category and hour
META_TTL = 30 * 86_400
Kind = Literal["accepted", "code"]
_FORGES = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "gitee.com")
_PROMISE = re.compile(
    r"\b(?:will\s+be|to\s+be\s+(?:released|made|published)|coming\s+soon|upon\s+"
    r"(?:acceptance|publication)|after\s+(?:acceptance|publication))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Change:
    """One change a new version brings: an acceptance (its phrase) or a code repository."""

    kind: Kind
    detail: str  # "Accepted to NeurIPS 2025" or "https://github.com/org/repo"
    key: str  # what identifies the change: "neurips-2025", "github.com/org/repo"
    promised: bool = False  # code: the text says it will be released (not that it is)


def code_repositories(*texts: str | None) -> list[str]:
    """The code repositories (forges only, not project pages or models) named in the texts."""
    urls = find_code_urls(*(t or "" for t in texts))
    return [u for u in urls if u.split("/")[2].lower() in _FORGES]


def _promised(url: str, *texts: str | None) -> bool:
    """True when the sentence naming ``url`` says the code is yet to come."""
    tail = url.split("://", 1)[-1].lower()
    for text in texts:
        for sentence in re.split(r"(?<=[.;!?])\s+", text or ""):
            if tail in sentence.lower() and _PROMISE.search(sentence):
                return True
    return False


def changes(before: PaperMeta, after: PaperMeta, known_code: Iterable[str] = ()) -> list[Change]:
    """What ``after`` (a new version) states that ``before`` (the version the chat saw) did not.

    ``known_code``: repositories the chat was already shown (the card's code links).
    """
    found: list[Change] = []
    accepted, was = acceptance(after.comment), acceptance(before.comment)
    if accepted is not None and not accepted.restates(was):
        found.append(Change("accepted", accepted.phrase, accepted.key))
    seen = {u.lower() for u in code_repositories(before.abstract, before.comment)}
    seen |= {u.lower() for u in known_code}
    for url in code_repositories(after.abstract, after.comment):
        if url.lower() not in seen:
            key = url.split("://", 1)[-1].lower()
            promised = _promised(url, after.abstract, after.comment)
            found.append(Change("code", url, key, promised))
            break  # one reply names the repository; a second one rarely adds anything
    return found


def update_item(base: str, change: Change) -> str:
    """The delivery-log item of a reply: one acceptance per paper, one reply per repository."""
    if change.kind == "accepted":
        return f"update:{base}:accepted"
    return f"update:{base}:code:{change.key}"


def reply_text(change: Change, after: PaperMeta, language: Language) -> str:
    """The one line posted under the card: what changed, in which version, and a link."""
    version, link = f"v{after.id.version}", after.abs_url
    if change.kind == "accepted":
        if language == "zh":
            return f"📣 新版本（{version}）注明：{change.detail}：{link}"
        return f"📣 {change.detail} ({version}): {link}"
    if language == "zh":
        said = "给出将公开代码的仓库" if change.promised else "代码已公开"
        return f"📣 {said}（{version}）：{change.detail} · {link}"
    said = "Code repository named" if change.promised else "Code released"
    return f"📣 {said} ({version}): {change.detail} · {link}"


@dataclass(kw_only=True)
class UpdateReplies:
    """Finds the day's changed versions of a subscription's delivered papers and replies once."""

    replaced: Callable[[str, datetime], Awaitable[list[str]]]  # Discovery.replaced
    api: ArxivAPI
    cache: Cache
    archive: DigestArchive

    @classmethod
    def of(cls, runner: DigestRunner) -> UpdateReplies:
        """The replier over a digest runner's feeds, API, cache and archive."""
        discovery = runner.discovery
        return cls(
            replaced=discovery.replaced,
            api=discovery.api,
            cache=discovery.cache,
            archive=runner.archive,
        )

    async def reply(
        self,
        sub: Subscription,
        send_once: SendOnce,
        now: datetime | None = None,
        stopping: asyncio.Event | None = None,
    ) -> int:
        """Reply under each card of ``sub`` whose paper changed today; how many replies went out.

        Nothing happens without ``--updates``. An unreadable feed or API answer costs only the
        replies (the digest goes on); a send that fails is un-recorded by ``send_once``.
        """
        if not sub.updates or not sub.categories or (stopping and stopping.is_set()):
            return 0
        # only cards the chat saw (a --weekly subscription archives papers it never posted)
        cards = {c.base: c for c in await self.archive.cards(sub.id) if getattr(c, "posted", True)}
        if not cards:
            return 0
        try:
            found = await self._changed(sub, cards, now or datetime.now(UTC))
        except UserFacingError as exc:
            log.warning("updates for %s not checked: %s", sub.id, exc.message)
            return 0
        sent = 0
        for card, before, after in found:
            known = await self._known_code(before)
            for change in changes(before, after, known):
                if stopping is not None and stopping.is_set():
                    return sent
                post = Post(
                    text=reply_text(change, after, sub.language),
                    reply_to=card.message_ids[0] if card.message_ids else None,
                    paper_id=str(after.id),
                )
                item = update_item(card.base, change)
                if await send_once(item, post) is not None:
                    sent += 1
                    log.info(
                        "digest %s: %s reply under %s (%s)",
                        sub.id,
                        change.kind,
                        card.base,
                        after.id,
                    )
        return sent

    async def _changed(
        self, sub: Subscription, cards: dict[str, DeliveredCard], now: datetime
    ) -> list[tuple[DeliveredCard, PaperMeta, PaperMeta]]:
        """(card, version the chat saw, today's new version) of each delivered paper replaced."""
        newest: dict[str, PaperId] = {}
        for category in sub.categories:
            for versioned in await self.replaced(category, now):
                paper = parse_id(versioned)
                card = cards.get(paper.base) if paper is not None else None
                if paper is None or card is None:
                    continue
                seen = parse_id(card.paper)
                if seen is None or (paper.version or 0) <= (seen.version or 0):
                    continue
                if (paper.version or 0) > (newest.get(paper.base, seen).version or 0):
                    newest[paper.base] = paper
        if not newest:
            return []
        delivered = [p for p in (parse_id(cards[b].paper) for b in newest) if p is not None]
        metas = await self._metas([*delivered, *newest.values()])
        found = []
        for base, paper in newest.items():
            card = cards[base]
            before, after = metas.get(card.paper), metas.get(str(paper))
            if before is not None and after is not None:
                found.append((card, before, after))
        return found

    async def _metas(self, papers: list[PaperId]) -> dict[str, PaperMeta]:
        """Metadata of paper versions: from the cache, the rest in one batch from the API."""
        found: dict[str, PaperMeta] = {}
        for paper in papers:
            cached = await self.cache.get_model(keys.meta(self.cache.prefix, str(paper)), PaperMeta)
            if cached is not None:
                found[str(paper)] = cached
        missing = [p for p in dict.fromkeys(papers) if str(p) not in found]
        for meta in await self.api.lookup_many(missing) if missing else []:
            found[str(meta.id)] = meta
            await self.cache.set_model(keys.meta(self.cache.prefix, str(meta.id)), meta, META_TTL)
        return found

    async def _known_code(self, before: PaperMeta) -> tuple[str, ...]:
        """The code links the card of ``before`` showed (from its cached full text), if known."""
        key = keys.text(self.cache.prefix, before.id.versioned)
        text = await self.cache.get_model(key, FullText)
        return text.code_urls if text is not None else ()
