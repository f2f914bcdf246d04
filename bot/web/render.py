"""A subscription's digests as an HTML page and as an Atom 1.0 feed (Jinja2 templates).

Feed and entry ids are ``urn:uuid:`` names derived from the subscription id (and the paper's
base id), so they survive restarts, token revocations and new paper versions: a feed reader
shows each paper once. An entry's ``updated`` is when its card was sent to the chat.

Both are capped, so what a request costs stays bounded however busy the subscription: the page
shows the newest ``MAX_PAGE_CARDS`` cards of the window and says how many older ones it leaves
out; the feed holds the newest ``MAX_FEED_ENTRIES`` (a reader polls it and keeps what it saw).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.web.pages import WINDOW_DAYS, Card, Digests
from bot.web.templates import environment, word

MAX_FEED_AUTHORS = 10
MAX_PAGE_CARDS = 300  # the newest cards on the page; the older ones are counted, not shown
MAX_FEED_ENTRIES = 100  # the newest papers in the feed
_NAMESPACE = uuid.UUID("5b0c3f46-6d1e-4f7a-9a57-3c1f5e0b7d21")  # paperbot's own uuid5 namespace


@dataclass(frozen=True, slots=True)
class Links:
    """Where the page, the feed and the served figures of one subscription are."""

    page: str  # ``…/s/<token>``
    feed: str  # ``…/s/<token>/feed.xml``
    figures: str  # prefix of figure files, ``…/s/<token>/figure/``

    @classmethod
    def under(cls, base: str, token: str) -> Links:
        """The links below ``base`` (an absolute URL, or "" for site-absolute paths)."""
        page = f"{base.rstrip('/')}/s/{token}"
        return cls(page=page, feed=f"{page}/feed.xml", figures=f"{page}/figure/")

    @classmethod
    def relative(cls, token: str) -> Links:
        """The links as the page at ``/s/<token>`` writes them (relative, so a proxy's path
        prefix in front of the bot keeps working)."""
        return cls(page=token, feed=f"{token}/feed.xml", figures=f"{token}/figure/")


@dataclass(frozen=True, slots=True)
class Entry:
    """One Atom entry: a card with its stable id and honest times."""

    id: str
    updated: str
    authors: tuple[str, ...]
    card: Card


def feed_id(sub_id: str) -> str:
    """The feed's id: the same for the subscription whatever its token."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'feed:{sub_id}')}"


def entry_id(sub_id: str, base: str) -> str:
    """An entry's id: one per paper (any version) in one subscription."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'entry:{sub_id}:{base}')}"


def rfc3339(when: datetime) -> str:
    """``2024-11-25T13:00:05Z`` (Atom's date construct), in UTC."""
    moment = when if when.tzinfo else when.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _count(digests: Digests) -> str:
    total, lang = digests.total, digests.sub.language
    return word("paper", lang) if total == 1 else word("papers", lang, n=total)


def _older(digests: Digests) -> str:
    """The line saying how many older cards the page leaves out ("" when none)."""
    older, lang = digests.older, digests.sub.language
    if not older:
        return ""
    name = "older_one" if older == 1 else "older"
    return word(name, lang, n=older, shown=len(digests.cards))


def page_html(digests: Digests, links: Links) -> str:
    """The subscription's page: each digest day with its coverage line and its cards."""
    sub = digests.sub
    return (
        environment()
        .get_template("page.html")
        .render(
            lang=sub.language,
            topic=sub.topic(),
            count=_count(digests),
            older=_older(digests),
            weekly=digests.sub.weekly,
            window=WINDOW_DAYS,
            digests=digests,
            feed_url=links.feed,
            figures=links.figures,
        )
    )


def feed_xml(digests: Digests, links: Links) -> str:
    """The subscription's Atom feed: one entry per paper, newest first (links absolute)."""
    sub = digests.sub
    entries = [
        Entry(
            id=entry_id(sub.id, card.base),
            updated=rfc3339(card.sent_at),
            authors=card.author_names[:MAX_FEED_AUTHORS],
            card=card,
        )
        for card in sorted(digests.cards, key=lambda c: c.sent_at, reverse=True)[:MAX_FEED_ENTRIES]
    ]
    return (
        environment()
        .get_template("feed.xml")
        .render(
            lang=sub.language,
            topic=sub.topic(),
            feed_id=feed_id(sub.id),
            updated=rfc3339(digests.updated),
            feed_url=links.feed,
            page_url=links.page,
            figures=links.figures,
            entries=entries,
        )
    )
