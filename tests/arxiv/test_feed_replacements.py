"""The replacement entries of an announcement feed: new versions of earlier papers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from support.rssgen import RssItemSpec, rss_feed

from bot.arxiv.feeds import parse_announcements, replacements, select
from bot.papers.models import PaperId


def test_the_real_day_lists_569_replacements_and_none_of_them_is_new(
    shared_fixtures: Path,
) -> None:
    xml = (shared_fixtures / "feeds" / "rss_all-archives_2024-11-28.xml").read_bytes()
    feed = parse_announcements(xml)
    replaced = replacements(feed.items)
    assert len(replaced) == 569
    assert all((r.paper.version or 0) >= 2 for r in replaced)  # v2 and later only
    new = {a.paper.base for a in select(feed.items, include_cross=True)}
    assert not new & {r.paper.base for r in replaced}
    one = next(r for r in replaced if r.paper.base == "1712.07645")
    assert one.paper == PaperId(base="1712.07645", version=2) and one.categories[0] == "nucl-th"


def test_a_paper_replaced_in_two_lists_appears_once_with_its_newest_version() -> None:
    xml = rss_feed(
        [
            RssItemSpec("2411.00001", version=2, announce_type="replace"),
            RssItemSpec("2411.00002", version=1, announce_type="new"),
            RssItemSpec("2411.00001", version=3, announce_type="replace-cross"),
            RssItemSpec("2411.00003", version=4, announce_type="replace-cross"),
        ],
        categories="cs.CV+cs.GR",
        date=date(2024, 11, 26),
    )
    replaced = replacements(parse_announcements(xml).items)
    assert [str(r.paper) for r in replaced] == ["2411.00001v3", "2411.00003v4"]
