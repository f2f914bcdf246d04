"""arXiv announcement feeds (RSS): the URL to fetch, parsing, picking the new papers, and the
replacements (new versions of earlier papers) that update replies read.

A feed answers three ways, all parsed without error:

- a day's announcements: ``items`` holds them;
- a day without announcements (weekend, holiday): no items, ``error`` is None;
- an unknown archive (e.g. ``/rss/astroph``): also no items, but the channel title starts with
  "Feed error" and its description says what is wrong ("Bad archive 'astroph'. Valid archive
  names are: …"); ``error`` carries that description so a caller can tell the two apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from lxml import etree

from bot.arxiv.ids import parse_id
from bot.errors import SourceUnavailable
from bot.papers.models import PaperId

ARXIV_NS = "http://arxiv.org/schemas/atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
EASTERN = ZoneInfo("America/New_York")
_GUID_PREFIX = "oai:arXiv.org:"
_DESCRIPTION_HEAD = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>\S+)\s*(?:Abstract:)?\s*", re.IGNORECASE
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Announcement:
    """One item of an announcement feed: a paper version and why it is listed today."""

    paper: PaperId  # versioned, from the guid
    announce_type: str  # new | cross | replace | replace-cross
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Announcements:
    """A parsed feed: its items, the day it is for, and the feed's error message if any."""

    items: tuple[Announcement, ...]
    published: date | None  # the channel's pubDate, as a date in US Eastern time
    error: str | None = None  # set when arXiv answered with a "Feed error" channel

    @property
    def empty(self) -> bool:
        """True when the feed lists nothing (no announcements that day, or an error answer)."""
        return not self.items


def feed_url(base_url: str, categories: Sequence[str]) -> str:
    """The feed of several categories: ``https://rss.arxiv.org/rss/cs.CV+cs.GR``."""
    if not categories:
        raise ValueError("feed_url needs at least one category")
    return f"{base_url.rstrip('/')}/{'+'.join(categories)}"


def _text(element: etree._Element | None) -> str:
    return " ".join("".join(map(str, element.itertext())).split()) if element is not None else ""


def _split_authors(creators: Iterable[str]) -> tuple[str, ...]:
    """Split "A (Affil, X), B" at top-level commas, dropping the parenthesised affiliations."""
    names: list[str] = []
    for creator in creators:
        depth, current = 0, list[str]()
        for char in creator + ",":
            if char == "(":
                depth += 1
            elif char == ")":
                depth = max(depth - 1, 0)
            elif char == "," and depth == 0:
                name = " ".join("".join(current).split())
                if name:
                    names.append(name)
                current = []
            elif depth == 0:
                current.append(char)
    return tuple(names)


def _item(item: etree._Element) -> Announcement | None:
    description = _text(item.find("description"))
    head = _DESCRIPTION_HEAD.match(description)
    guid = _text(item.find("guid"))
    paper = parse_id(guid.removeprefix(_GUID_PREFIX)) if guid.startswith(_GUID_PREFIX) else None
    if (paper is None or paper.version is None) and head is not None:
        paper = parse_id(head["id"])
    if paper is None or paper.version is None:
        return None  # not an arXiv paper version: skip the item, keep the rest of the feed
    announce_type = _text(item.find(f"{{{ARXIV_NS}}}announce_type")) or (
        head["type"] if head else ""
    )
    return Announcement(
        paper=paper,
        announce_type=announce_type.lower(),
        title=_text(item.find("title")),
        authors=_split_authors(_text(c) for c in item.iterfind(f"{{{DC_NS}}}creator")),
        abstract=description[head.end() :] if head else description,
        categories=tuple(t for t in (_text(c) for c in item.iterfind("category")) if t),
    )


def _published(channel: etree._Element) -> date | None:
    try:
        return parsedate_to_datetime(_text(channel.find("pubDate"))).astimezone(EASTERN).date()
    except (TypeError, ValueError, IndexError):
        return None


def parse_announcements(xml: bytes | str) -> Announcements:
    """Parse an announcement feed; raise SourceUnavailable when it is not an RSS feed."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise SourceUnavailable("arXiv's announcement feed sent something unreadable.") from exc
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise SourceUnavailable("arXiv's announcement feed sent something that is not a feed.")
    error = None
    if _text(channel.find("title")).lower().startswith("feed error"):
        error = _text(channel.find("description")) or "arXiv reported a feed error."
    items = (_item(i) for i in channel.iterfind("item"))
    return Announcements(
        items=tuple(i for i in items if i is not None),
        published=_published(channel),
        error=error,
    )


def select(items: Iterable[Announcement], *, include_cross: bool) -> list[Announcement]:
    """Keep ``new`` (and ``cross`` if asked) items, once per paper, in feed order.

    Replacements (``replace``, ``replace-cross``) are dropped. A paper listed twice appears at
    its first position, with the highest version seen.
    """
    return _newest(items, ("new", "cross") if include_cross else ("new",))


REPLACEMENT_TYPES = ("replace", "replace-cross")


def replacements(items: Iterable[Announcement]) -> list[Announcement]:
    """The ``replace`` and ``replace-cross`` items (new versions of papers announced before),
    once per paper with the highest version seen, in feed order."""
    return _newest(items, REPLACEMENT_TYPES)


def _newest(items: Iterable[Announcement], types: tuple[str, ...]) -> list[Announcement]:
    """The items of these announce types, once per paper (at its first position, with the
    highest version seen)."""
    kept: dict[str, Announcement] = {}
    for item in items:
        if item.announce_type not in types:
            continue
        seen = kept.get(item.paper.base)
        if seen is None or (item.paper.version or 0) > (seen.paper.version or 0):
            kept[item.paper.base] = item
    return list(kept.values())
