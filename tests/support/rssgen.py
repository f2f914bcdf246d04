"""Realistic arXiv announcement feeds (RSS 2.0, as rss.arxiv.org writes them) for tests and fakes.

Usage::

    from support.rssgen import RssItemSpec, empty_feed, error_feed, rss_feed

    xml = rss_feed(
        [
            RssItemSpec("2411.17700", title="Talking Heads", categories=("cs.CV", "cs.GR")),
            RssItemSpec("2411.00001", version=3, announce_type="replace"),
        ],
        categories="cs.CV+cs.GR",
        date=date(2024, 11, 28),
    )

Items carry what the real feed carries: the abstract link, a description
``arXiv:<id>v<n> Announce Type: <type> \\nAbstract: …``, a guid ``oai:arXiv.org:<id>v<n>``,
``<category>`` elements, ``arxiv:announce_type``, ``dc:rights`` and one ``dc:creator`` with all
authors joined by commas (affiliations, when given, in parentheses after a name). The channel has
the day's ``pubDate`` (midnight US Eastern, with that day's UTC offset) and ``skipDays``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

_EASTERN = ZoneInfo("America/New_York")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"'
    ' xmlns:atom="http://www.w3.org/2005/Atom"'
    ' xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">\n  <channel>\n'
)
_TAIL = "  </channel>\n</rss>\n"


@dataclass(frozen=True)
class RssItemSpec:
    """One feed item: a paper version and its announce type (new, cross, replace, replace-cross)."""

    id: str
    version: int = 1
    title: str = "A Study of Things"
    authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing (Bletchley Park, UK)")
    abstract: str = "We study things. Results are good."
    categories: tuple[str, ...] = ("cs.CV",)
    announce_type: str = "new"
    rights: str = "http://creativecommons.org/licenses/by/4.0/"


def rfc822(moment: datetime) -> str:
    """A date as RSS writes it, in English whatever the locale: ``Thu, 28 Nov 2024 00:00:00 -0500``."""
    day, month = _DAYS[moment.weekday()], _MONTHS[moment.month - 1]
    return f"{day}, {moment:%d} {month} {moment:%Y %H:%M:%S %z}"


def _channel(title: str, link: str, description: str, day: date, *, skip_days: bool) -> str:
    midnight = datetime.combine(day, time(0), _EASTERN)
    built = datetime.combine(day, time(14, 47, 20), ZoneInfo("UTC"))
    parts = [
        f"    <title>{escape(title)}</title>",
        f"    <link>{escape(link)}</link>",
        f"    <description>{escape(description)}</description>",
        f'    <atom:link href="{escape(link)}" rel="self" type="application/rss+xml"/>',
        "    <docs>http://www.rssboard.org/rss-specification</docs>",
        "    <language>en-us</language>",
        f"    <lastBuildDate>{rfc822(built)}</lastBuildDate>",
        "    <managingEditor>rss-help@arxiv.org</managingEditor>",
        f"    <pubDate>{rfc822(midnight)}</pubDate>",
    ]
    if skip_days:
        parts.append(
            "    <skipDays>\n      <day>Saturday</day>\n      <day>Sunday</day>\n    </skipDays>"
        )
    return "\n".join(parts) + "\n"


def _item(spec: RssItemSpec, day: date) -> str:
    versioned = f"{spec.id}v{spec.version}"
    description = (
        f"arXiv:{versioned} Announce Type: {spec.announce_type} \nAbstract: {spec.abstract}"
    )
    lines = [
        "    <item>",
        f"      <title>{escape(spec.title)}</title>",
        f"      <link>https://arxiv.org/abs/{spec.id}</link>",
        f"      <description>{escape(description)}</description>",
        f'      <guid isPermaLink="false">oai:arXiv.org:{versioned}</guid>',
        *(f"      <category>{escape(c)}</category>" for c in spec.categories),
        f"      <pubDate>{rfc822(datetime.combine(day, time(0), _EASTERN))}</pubDate>",
        f"      <arxiv:announce_type>{escape(spec.announce_type)}</arxiv:announce_type>",
        f"      <dc:rights>{escape(spec.rights)}</dc:rights>",
        f"      <dc:creator>{escape(', '.join(spec.authors))}</dc:creator>",
        "    </item>",
    ]
    return "\n".join(lines) + "\n"


def rss_feed(items: list[RssItemSpec], *, categories: str, date: date) -> str:
    """The announcement feed of ``categories`` (``cs.CV+cs.GR``) for one day, with these items."""
    names = categories.replace("+", ", ")
    channel = _channel(
        f"{names} updates on arXiv.org",
        f"http://rss.arxiv.org/rss/{categories}",
        f"{names} updates on the arXiv.org e-print archive.",
        date,
        skip_days=True,
    )
    return _HEAD + channel + "".join(_item(i, date) for i in items) + _TAIL


def empty_feed(*, categories: str, date: date) -> str:
    """The feed of a day without announcements: a full channel header and no items."""
    return rss_feed([], categories=categories, date=date)


def error_feed(query: str, *, date: date) -> str:
    """arXiv's answer for an unknown archive (``/rss/astroph``): a "Feed error" channel."""
    link = f"http://rss.arxiv.org/rss/{query}"
    description = (
        f"Bad archive '{query}'. Valid archive names are: astro-ph, cond-mat, cs, econ, eess, "
        "gr-qc, hep-ex, hep-lat, hep-ph, hep-th, math, math-ph, nlin, nucl-ex, nucl-th, physics, "
        "q-bio, q-fin, quant-ph, stat, test."
    )
    channel = _channel(f"Feed error for query: {link}", link, description, date, skip_days=False)
    return _HEAD + channel + _TAIL
