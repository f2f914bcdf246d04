"""Text a reader cannot see never leaves the HTML parser; text a reader sees always does."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from support.html_pages import INJECTION

from bot.papers.hidden import drop_hidden, parse_style
from bot.papers.html import parse_arxiv_html

BASE = "https://arxiv.org/html/2408.13714v1/"


def _page(paragraph: str, authors: str = "<span>Ada Lovelace</span>") -> str:
    return (
        '<!DOCTYPE html><html><head><title>T</title></head><body><article class="ltx_document">'
        '<h1 class="ltx_title ltx_title_document">Paper</h1>'
        f'<div class="ltx_authors">{authors}</div>'
        '<section class="ltx_section" id="S1"><h2 class="ltx_title">1 Introduction</h2>'
        f'<div class="ltx_para"><p class="ltx_p">{paragraph}</p></div></section>'
        "</article></body></html>"
    )


def _seen(paragraph: str) -> str:
    """The text the parser hands on for a paragraph."""
    return parse_arxiv_html(_page(paragraph), BASE).sections[-1].text


@pytest.mark.parametrize(
    "hidden",
    [
        f"<span hidden>{INJECTION}</span>",
        f'<span hidden="until-found">{INJECTION}</span>',
        f'<span style="display:none">{INJECTION}</span>',
        f'<span style="DISPLAY : None !important">{INJECTION}</span>',
        f'<span style="visibility:hidden">{INJECTION}</span>',
        f'<span style="visibility: collapse">{INJECTION}</span>',
        f'<span style="font-size:0">{INJECTION}</span>',
        f'<span style="font-size:0px">{INJECTION}</span>',
        f'<span style="font-size:0.1pt">{INJECTION}</span>',
        f'<span style="font-size:10%"><span style="font-size:20%">{INJECTION}</span></span>',
        f'<span style="color:white">{INJECTION}</span>',
        f'<span style="color:#fff">{INJECTION}</span>',
        f'<span style="color:#FFFFFF">{INJECTION}</span>',
        f'<span style="color:rgb(254, 254, 254)">{INJECTION}</span>',
        f'<span style="color:hsl(0 0% 100%)">{INJECTION}</span>',
        f'<span style="color:transparent">{INJECTION}</span>',
        f'<span style="color:rgba(0,0,0,0)">{INJECTION}</span>',
        f'<span class="ltx_text" style="--ltx-fg-color:#FFFFFF;">{INJECTION}</span>',
        f'<span style="background:#000"><span style="color:#000">{INJECTION}</span></span>',
        f'<span style="opacity:0">{INJECTION}</span>',
        f'<span style="opacity:.01">{INJECTION}</span>',
        f'<span style="opacity:0.5"><span style="opacity:5%">{INJECTION}</span></span>',
        f'<span style="position:absolute;left:-9999px">{INJECTION}</span>',
        f'<span style="text-indent:-10000em">{INJECTION}</span>',
        f'<span style="clip:rect(0 0 0 0);position:absolute">{INJECTION}</span>',
        f'<span style="clip-path: inset(50%)">{INJECTION}</span>',
        f'<span style="height:0;overflow:hidden">{INJECTION}</span>',
        f'<span style="max-width:1px;overflow-x:hidden">{INJECTION}</span>',
        f'<span style="transform:scale(0)">{INJECTION}</span>',
        f'<span style="display:none"><b style="display:inline">{INJECTION}</b></span>',
        f'<span style="color:#fff">{INJECTION} <math alttext="x"><mi>x</mi></math></span>',
        # A background that paints nothing shows the one beneath: white text stays on white.
        f'<span style="background:none"><span style="color:#fff">{INJECTION}</span></span>',
        f'<span style="background: None !important;color:#fff">{INJECTION}</span>',
        f'<span style="background-color:transparent"><b style="color:#fff">{INJECTION}</b></span>',
        f'<span style="background:initial"><b style="color:#fff">{INJECTION}</b></span>',
        f'<span style="background:inherit"><b style="color:#fff">{INJECTION}</b></span>',
        f'<span style="background-color:unset"><b style="color:#fff">{INJECTION}</b></span>',
        f'<span style="background:no-repeat center"><b style="color:#fff">{INJECTION}</b></span>',
        f'<span style="background:var(--nothing);color:#fff">{INJECTION}</span>',
        f'<span style="background:#000"><span style="background:none">'
        f'<b style="color:#000">{INJECTION}</b></span></span>',
    ],
)
def test_text_hidden_by_attribute_or_style_never_reaches_the_sections(hidden: str) -> None:
    text = _seen(f"We study talking heads.{hidden} Our model is fast.")
    assert text == "We study talking heads. Our model is fast."


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        # White text on a dark box is what \colorbox{black}{\textcolor{white}{…}} draws.
        ('<span style="background-color:#000"><span style="color:#fff">Key.</span></span>', "Key."),
        ('<span style="--ltx-bg-color:black;--ltx-fg-color:#FFFFFF">Key.</span>', "Key."),
        ('<span style="background:url(bg.png);color:white">Key.</span>', "Key."),
        ('<span style="background:linear-gradient(#000, #333);color:white">Key.</span>', "Key."),
        (
            '<span style="background:#000"><span style="background:none">'
            '<b style="color:#fff">Key.</b></span></span>',
            "Key.",
        ),
        ('<span style="--bg:#000;background:var(--bg);color:#fff">Key.</span>', "Key."),
        ('<span style="background:var(--unset, #000);color:#fff">Key.</span>', "Key."),
        ('<span style="background:#000 none repeat;color:#fff">Key.</span>', "Key."),
        ('<span style="color:#0000FF">Blue.</span>', "Blue."),
        ('<span style="color:#999999">Grey.</span>', "Grey."),
        ('<span style="font-size:70%"><span style="font-size:50%">Tiny.</span></span>', "Tiny."),
        ('<span style="opacity:0.4">Faint.</span>', "Faint."),
        # aria-hidden hides from screen readers only; LaTeXML marks visible rendering with it.
        ('<span aria-hidden="true">Shown.</span>', "Shown."),
        (
            '<span style="visibility:hidden">x<b style="visibility:visible">Shown.</b></span>',
            "Shown.",
        ),
        ('<span style="width:0.0pt;">Overflows.</span>', "Overflows."),
        (
            '<span style="transform:translate(-437pt,103pt) scale(0.33,0.33)">Scaled.</span>',
            "Scaled.",
        ),
        ('<span style="color: oklch(0.9 0.1 100)">Odd colour.</span>', "Odd colour."),
        ('<span style="color:">Broken style.</span>', "Broken style."),
        ('<span style="{{{;;">Garbage style.</span>', "Garbage style."),
    ],
)
def test_text_a_reader_sees_is_kept(paragraph: str, expected: str) -> None:
    assert _seen(paragraph) == expected


def test_hidden_text_is_dropped_from_title_abstract_front_matter_and_links() -> None:
    hide = '<span style="display:none">{}</span>'
    page = _page(
        "Body." + hide.format('<a href="https://evil.example/x">link</a>'),
        authors=f"<span>Ada Lovelace</span>{hide.format('Affiliation: Evil Corp')}",
    ).replace(">Paper</h1>", f">Paper{hide.format(INJECTION)}</h1>")
    paper = parse_arxiv_html(page, BASE)
    assert paper.title == "Paper"
    assert "Evil Corp" not in paper.front_matter and "Ada Lovelace" in paper.front_matter
    assert "https://evil.example/x" not in paper.links


def test_a_hidden_figure_is_not_the_teaser() -> None:
    figure = (
        '<figure class="ltx_figure" style="display:none"><img src="evil.png" width="500">'
        "<figcaption>Figure 1: Hidden.</figcaption></figure>"
        '<figure class="ltx_figure"><img src="x2.png" width="500">'
        "<figcaption>Figure 2: Shown.</figcaption></figure>"
    )
    paper = parse_arxiv_html(_page("Text.").replace("</section>", figure + "</section>"), BASE)
    assert paper.figure_url == BASE + "x2.png"


def test_drop_hidden_counts_what_it_removed_and_keeps_tails() -> None:
    root = etree.fromstring(
        "<div>a<i hidden>1</i>b<i style='color:#fff'>2</i>c<i>3</i>d</div>", etree.HTMLParser()
    )
    assert drop_hidden(root) == 2
    assert "".join(root.itertext()) == "abc3d"


def test_parse_style_is_cached_for_pages_that_repeat_styles() -> None:
    parse_style.cache_clear()
    for _ in range(3):
        parse_style("font-size:90%;")
    assert parse_style.cache_info().hits == 2


# --- real arXiv pages -----------------------------------------------------------------------


def _fixture(shared_fixtures: Path, name: str) -> bytes:
    return (shared_fixtures / "html" / f"{name}.html").read_bytes()


def test_a_real_pages_white_spacer_text_is_dropped_and_nothing_else(shared_fixtures: Path) -> None:
    # 2604.15597v1's tables pad cells with \textcolor{white}{width 7pt}: 195 spans no one sees.
    page = _fixture(shared_fixtures, "2604.15597v1")
    assert page.count(b'--ltx-fg-color:#FFFFFF;">width 7pt') == 195
    paper = parse_arxiv_html(page, "https://arxiv.org/html/2604.15597v1/")
    text = "\n".join(s.text for s in paper.sections)
    assert "width 7pt" not in text
    assert "Code & Config." in text  # the visible header cell beside each spacer stays
    root = etree.fromstring(page, etree.HTMLParser())
    assert drop_hidden(root) < 200  # the spacers, and little else on a page of 11,000 elements


@pytest.mark.parametrize("name", ["2407.16314v1", "2501.11120v1", "2603.21852v2"])
def test_real_pages_lose_no_visible_text(shared_fixtures: Path, name: str) -> None:
    root = etree.fromstring(_fixture(shared_fixtures, name), etree.HTMLParser())
    article = root.find(".//article")
    assert article is not None
    before = "".join(article.itertext())
    drop_hidden(root)
    assert "".join(article.itertext()) == before
