"""Reading arXiv announcement feeds and picking the day's new papers from them."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from support.rssgen import RssItemSpec, empty_feed, error_feed, rss_feed

from bot.arxiv.feeds import Announcement, feed_url, parse_announcements, select
from bot.errors import SourceUnavailable
from bot.papers.models import PaperId

DAY = date(2024, 11, 28)


def feed(*items: RssItemSpec, day: date = DAY) -> str:
    return rss_feed(list(items), categories="cs.CV+cs.GR", date=day)


def ids(items: list[Announcement]) -> list[str]:
    return [str(i.paper) for i in items]


# The real feeds recorded from rss.arxiv.org.


def test_the_real_day_of_all_archives_has_its_1504_items(shared_fixtures: Path) -> None:
    xml = (shared_fixtures / "feeds" / "rss_all-archives_2024-11-28.xml").read_bytes()
    feed = parse_announcements(xml)
    assert len(feed.items) == 1504
    assert Counter(i.announce_type for i in feed.items) == {"new": 926, "replace": 569, "cross": 9}
    assert feed.published == DAY and not feed.empty and feed.error is None
    assert len(select(feed.items, include_cross=False)) == 926
    assert len(select(feed.items, include_cross=True)) == 935
    first = feed.items[0]
    assert first.paper == PaperId(base="2411.17700", version=1)
    assert first.title.startswith("Exploring the Impact of Generative AI on Cross-Border")
    assert first.authors == ("Jun Cui",)
    assert first.categories == ("cs.CY",)
    assert first.abstract.startswith("This study investigates the influence")
    assert all(i.paper.version and i.title and i.abstract and i.authors for i in feed.items)
    assert not any(i.abstract.startswith("arXiv:") for i in feed.items)


def test_real_authors_lose_their_affiliations_but_not_each_other(shared_fixtures: Path) -> None:
    xml = (shared_fixtures / "feeds" / "rss_all-archives_2024-11-28.xml").read_bytes()
    items = parse_announcements(xml).items
    with_affiliations = next(i for i in items if i.authors[0] == "Tianliang Yan")
    assert with_affiliations.authors == (
        "Tianliang Yan",
        "Yubao Liu",
        "Leonid Prokhorov",
        "Jiri Smetana",
        "Haixing Miao",
        "Yiqiu Ma",
        "Vincent Boyer",
        "Denis Martynov",
    )
    assert not any("(" in a or ")" in a for i in items for a in i.authors)


def test_the_real_bad_archive_answer_is_empty_but_says_why(shared_fixtures: Path) -> None:
    xml = (shared_fixtures / "feeds" / "rss_error_bad-archive-astroph_2024-11-28.xml").read_text()
    feed = parse_announcements(xml)
    assert feed.empty and feed.items == ()
    assert feed.error is not None and "Bad archive 'astroph'" in feed.error


def test_the_real_day_without_announcements_is_empty_without_error(shared_fixtures: Path) -> None:
    xml = (shared_fixtures / "feeds" / "rss_empty_test-archive_2024-11-28.xml").read_bytes()
    feed = parse_announcements(xml)
    assert feed.empty and feed.error is None and feed.published == DAY


# Feeds the tests make.


def _shape(xml: str | bytes) -> tuple[list[str], list[str]]:
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    channel = root.find("channel")
    assert channel is not None
    item = channel.find("item")
    children = [str(c.tag) for c in channel if c.tag != "item"]
    return children, sorted({str(c.tag) for c in item} if item is not None else set())


def test_generated_feeds_have_the_shape_of_the_recorded_ones(shared_fixtures: Path) -> None:
    feeds = shared_fixtures / "feeds"
    real = (feeds / "rss_all-archives_2024-11-28.xml").read_bytes()
    assert _shape(feed(RssItemSpec("2411.00001"))) == _shape(real)
    real_empty = (feeds / "rss_empty_test-archive_2024-11-28.xml").read_bytes()
    assert _shape(empty_feed(categories="test", date=DAY)) == _shape(real_empty)
    real_error = (feeds / "rss_error_bad-archive-astroph_2024-11-28.xml").read_bytes()
    assert _shape(error_feed("astroph", date=DAY)) == _shape(real_error)
    assert parse_announcements(error_feed("astroph", date=DAY)) == parse_announcements(real_error)


def test_a_generated_item_reads_back_field_by_field() -> None:
    spec = RssItemSpec(
        "2411.00042",
        version=2,
        title="Talking   Heads <and> Lips & Faces",
        authors=("Ada Lovelace (Lab A, London, UK)", "Alan Turing", "Grace Hopper (Navy)"),
        abstract="We sync lips.\nWith  care & speed.",
        categories=("cs.CV", "cs.GR", "eess.AS"),
    )
    (item,) = parse_announcements(feed(spec)).items
    assert item == Announcement(
        paper=PaperId(base="2411.00042", version=2),
        announce_type="new",
        title="Talking Heads <and> Lips & Faces",
        authors=("Ada Lovelace", "Alan Turing", "Grace Hopper"),
        abstract="We sync lips. With care & speed.",
        categories=("cs.CV", "cs.GR", "eess.AS"),
    )


def test_text_and_bytes_parse_alike_and_summer_dates_stay_on_their_day() -> None:
    xml = feed(RssItemSpec("2407.00001"), day=date(2024, 7, 1))  # EDT, -0400
    assert "-0400" in xml
    assert parse_announcements(xml) == parse_announcements(xml.encode())
    assert parse_announcements(xml).published == date(2024, 7, 1)


def test_select_keeps_new_drops_replacements_and_cross_unless_asked() -> None:
    items = parse_announcements(
        feed(
            RssItemSpec("2411.00001"),
            RssItemSpec("2411.00002", announce_type="cross"),
            RssItemSpec("2411.00003", version=2, announce_type="replace"),
            RssItemSpec("2411.00004", version=3, announce_type="replace-cross"),
            RssItemSpec("2411.00005"),
        )
    ).items
    assert ids(select(items, include_cross=False)) == ["2411.00001v1", "2411.00005v1"]
    assert ids(select(items, include_cross=True)) == [
        "2411.00001v1",
        "2411.00002v1",
        "2411.00005v1",
    ]


def test_select_lists_a_paper_once_at_its_first_place_with_its_newest_version() -> None:
    items = parse_announcements(
        feed(
            RssItemSpec("2411.00001"),
            RssItemSpec("2411.00002"),
            RssItemSpec("2411.00001", version=2, announce_type="cross"),
            RssItemSpec("2411.00002"),
        )
    ).items
    assert ids(select(items, include_cross=True)) == ["2411.00001v2", "2411.00002v1"]
    assert ids(select(items, include_cross=False)) == ["2411.00001v1", "2411.00002v1"]


def test_generated_empty_and_error_feeds_read_like_the_real_ones() -> None:
    empty = parse_announcements(empty_feed(categories="cs.CV", date=DAY))
    assert empty.empty and empty.error is None and empty.published == DAY
    error = parse_announcements(error_feed("astroph", date=DAY))
    assert error.empty and error.error is not None and "astroph" in error.error


def test_an_item_without_an_arxiv_id_is_skipped_and_the_rest_kept() -> None:
    xml = feed(RssItemSpec("2411.00001"), RssItemSpec("2411.00002"))
    xml = xml.replace("oai:arXiv.org:2411.00001v1", "urn:other:1").replace(
        "arXiv:2411.00001v1", "something else"
    )
    assert ids(list(parse_announcements(xml).items)) == ["2411.00002v1"]


def test_an_old_style_id_is_read_from_the_guid() -> None:
    (item,) = parse_announcements(feed(RssItemSpec("hep-th/9901001", version=3))).items
    assert item.paper == PaperId(base="hep-th/9901001", version=3)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<html><body><h1>503 Service Unavailable</h1></body></html>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>atom</title></feed>',
        b"<rss version='2.0'/>",
        b"<rss version='2.0'><channel><item><title>cut off",
    ],
)
def test_anything_but_an_rss_feed_is_a_source_error(body: bytes) -> None:
    with pytest.raises(SourceUnavailable):
        parse_announcements(body)


def test_entities_are_never_expanded_nor_files_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    doctype = (
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    )
    xml = feed(RssItemSpec("2411.00001", title="Hello TITLE_HERE"))
    xml = xml.replace("<rss ", doctype + "\n<rss ", 1).replace("TITLE_HERE", "&xxe; &b;")
    (item,) = parse_announcements(xml.encode()).items
    assert "TOPSECRET" not in item.title
    assert "aaaaaaaaaa" not in item.title


@pytest.mark.parametrize(
    ("base", "categories", "url"),
    [
        ("https://rss.arxiv.org/rss", ["cs.CV"], "https://rss.arxiv.org/rss/cs.CV"),
        ("https://rss.arxiv.org/rss/", ["cs.CV", "cs.GR"], "https://rss.arxiv.org/rss/cs.CV+cs.GR"),
        ("http://127.0.0.1:8080/rss", ("eess.AS",), "http://127.0.0.1:8080/rss/eess.AS"),
    ],
)
def test_feed_url_joins_categories_with_plus(base: str, categories: list[str], url: str) -> None:
    assert feed_url(base, categories) == url


def test_feed_url_needs_a_category() -> None:
    with pytest.raises(ValueError):
        feed_url("https://rss.arxiv.org/rss", [])
