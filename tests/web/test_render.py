"""The templates on their own: text a feed reader's XML parser would reject is dropped, links
are only http(s) or paths on this site (however a scheme is disguised), the feed holds the
newest 100 papers, and a Chinese subscription gets a Chinese page."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import feedparser
import pytest
from lxml import etree, html

from bot.chat.post import Block, Link, Post
from bot.digests.subscriptions import Subscription
from bot.web.pages import Card, Day, Digests, base_of_figure_file, figure_file
from bot.web.render import MAX_FEED_ENTRIES, Links, entry_id, feed_id, feed_xml, page_html
from bot.web.templates import linkify, safe_url

SENT = datetime(2024, 11, 25, 13, 0, 5, tzinfo=UTC)


def digests(summary: str, *, language: str = "en", link: str = "https://github.com/a/b") -> Digests:
    sub = Subscription(
        id="ab12cd", platform="test", chat_id="lab", categories=("cs.CV",), language=language
    )  # type: ignore[arg-type]
    post = Post(
        title="A paper",
        blocks=(Block(heading="Summary", paragraphs=(summary,)),),
        folded=(Block(heading="7. Methods", items=("(1): Freeze.",)),),
        links=(Link("Code", link),),
        footer="Summary written by a model",
    )
    card = Card(
        paper="2411.00001v1",
        base="2411.00001",
        day=date(2024, 11, 25),
        sent_at=SENT,
        why=None,
        title="A paper",
        url="https://arxiv.org/abs/2411.00001v1",
        authors="Ada",
        author_names=("Ada",),
        post=post,
        summary=summary,
        categories=("cs.CV",),
        figure=None,
    )
    return Digests(sub, (Day(date(2024, 11, 25), "arXiv announced 1", (card,)),))


def test_control_characters_from_pdf_text_never_break_the_feed() -> None:
    xml = feed_xml(
        digests("Gains\x0c of 3\x00 dB\x1b."), Links.under("https://p.example", "t" * 32)
    )
    etree.fromstring(xml.encode())  # raises on a character XML forbids
    parsed = feedparser.parse(xml)
    assert parsed.bozo is False and parsed.entries[0].summary == "Gains of 3 dB."


def test_only_http_links_are_written() -> None:
    page = html.fromstring(page_html(digests("x", link="javascript:alert(1)"), Links.relative("t")))
    assert page.xpath("//p[@class='links']/a/@href") == ["#"]
    assert safe_url("https://arxiv.org/abs/1") == "https://arxiv.org/abs/1"
    assert safe_url("t/figure/2411.00001.png") == "t/figure/2411.00001.png"
    assert safe_url(" JavaScript:alert(1)") == "#" and safe_url("data:text/html,x") == "#"
    assert str(linkify('see <b> https://github.com/a/b. "x"')) == (
        'see &lt;b&gt; <a href="https://github.com/a/b">https://github.com/a/b</a>. &#34;x&#34;'
    )


@pytest.mark.parametrize(
    "url",
    [
        "\x01javascript:alert(1)",  # _finalize would drop the \x01 after the check
        "java\tscript:alert(1)",  # browsers drop tabs and line breaks inside a URL
        "java\nscript:alert(1)",
        "java\r\nscript:alert(1)",
        "\x00 javascript:alert(1)",
        "java\ud800script:alert(1)",  # a lone surrogate, also dropped by _finalize
        "JAVASCRIPT:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "https:/x",  # not http(s)://
        "x?y:z",  # a ':' before any '/': could be read as a scheme
    ],
)
def test_a_disguised_scheme_becomes_a_dead_link(url: str) -> None:
    assert safe_url(url) == "#"
    page = html.fromstring(page_html(digests("x", link=url), Links.relative("t")))
    assert page.xpath("//p[@class='links']/a/@href") == ["#"]


@pytest.mark.parametrize(
    ("url", "written"),
    [
        ("https://github.com/a/b", "https://github.com/a/b"),
        ("HTTP://arxiv.org/abs/1", "HTTP://arxiv.org/abs/1"),
        (" https://arxiv.org/abs/1\n", "https://arxiv.org/abs/1"),
        ("https://arxiv.org/\tabs/1", "https://arxiv.org/abs/1"),  # what a browser would open
        ("t/figure/2411.00001.png", "t/figure/2411.00001.png"),
        ("t/figure/a:b.png", "t/figure/a:b.png"),  # a ':' after the first '/' is no scheme
    ],
)
def test_http_and_site_links_are_written_as_a_browser_reads_them(url: str, written: str) -> None:
    assert safe_url(url) == written


def test_the_feed_holds_the_newest_papers_only() -> None:
    one = digests("x")
    (card,) = one.cards
    many = tuple(
        replace(card, base=f"2411.{n:05d}", sent_at=SENT + timedelta(minutes=n))
        for n in range(MAX_FEED_ENTRIES + 20)
    )
    day = replace(one.days[0], cards=many)
    parsed = feedparser.parse(
        feed_xml(replace(one, days=(day,)), Links.under("https://p.example", "t" * 32))
    )
    assert len(parsed.entries) == MAX_FEED_ENTRIES == 100
    newest = [entry_id("ab12cd", f"2411.{n:05d}") for n in range(119, 19, -1)]
    assert [e.id for e in parsed.entries] == newest  # newest first, the oldest 20 left out


def test_a_chinese_subscription_gets_a_chinese_page() -> None:
    page = html.fromstring(page_html(digests("总结", language="zh"), Links.relative("t")))
    assert page.get("lang") == "zh"
    assert page.xpath("//h2")[0].text_content() == "2024年11月25日 星期一"
    assert page.xpath("//details/summary")[0].text_content() == "论文分析"


def test_ids_are_stable_names_of_the_subscription_and_paper() -> None:
    assert entry_id("ab12cd", "2411.00001") == entry_id("ab12cd", "2411.00001")
    assert entry_id("ab12cd", "2411.00001") != entry_id("zz99yy", "2411.00001")
    assert feed_id("ab12cd").startswith("urn:uuid:") and feed_id("ab12cd") != feed_id("zz99yy")


@pytest.mark.parametrize("base", ["2411.00001", "hep-th/9901001"])
def test_figure_file_names_round_trip(base: str) -> None:
    assert base_of_figure_file(figure_file(base)) == base


@pytest.mark.parametrize("name", ["2411.00001v1.png", "2411.00001.jpg", "..%2Fx.png", "x.png"])
def test_other_figure_names_name_no_paper(name: str) -> None:
    assert base_of_figure_file(name) is None
