"""Telegram rendering: escaped HTML Telegram accepts, split within its limits, photo, buttons."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from support.render_checks import check_telegram as check

from adapters.telegram.render import (
    CAPTION_LIMIT,
    html_to_plain,
    plain_text,
    render,
    utf16_len,
)
from bot.chat.post import Block, Image, Link, Post


def paper(analysis_paragraphs: int = 40) -> Post:
    """A paper card shaped like the core's, with characters HTML cares about everywhere."""
    para = "Results on <VoxCeleb> & HDTF: FID 12.3 > 15.1 (baseline) — we use 5 A100s. " * 6
    return Post(
        title="Talking <Heads> & Faces > Voices",
        title_url="https://arxiv.org/abs/2408.13714v1",
        blocks=(
            Block(paragraphs=("Authors: Ann <A.> Lee & Bo Li",)),
            Block("Summary", ("Audio-driven <talking head> generation & editing.",)),
            Block("Key Takeaways", items=("Fast & light", "Uses <LoRA>"), numbered=False),
        ),
        folded=tuple(
            Block(f"{n}. Part", (para,), items=("step <one>", "step & two"), numbered=True)
            for n in range(1, analysis_paragraphs // 2 + 1)
        ),
        links=(
            Link("arXiv", "https://arxiv.org/abs/2408.13714v1"),
            Link("PDF", "https://arxiv.org/pdf/2408.13714v1"),
            Link("Code", "https://github.com/x/y"),
            Link("Bad", "javascript:alert(1)"),
        ),
        image=Image(b"\x89PNG fake", caption="Figure 1: the <pipeline> & its parts."),
        footer="Summarized by gemini-2.5-flash <test>",
        paper_id="2408.13714v1",
    )


def test_simple_text_is_one_escaped_message() -> None:
    rendered = render(Post(text="Unknown command /x<y>. Send /help & see."))
    assert rendered.messages == ("Unknown command /x&lt;y&gt;. Send /help &amp; see.",)
    assert rendered.photo is None and rendered.buttons == ()


def test_empty_post_renders_nothing() -> None:
    assert render(Post()).messages == ()


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("A <b> & c", "https://e.org/", '<b><a href="https://e.org/">A &lt;b&gt; &amp; c</a></b>'),
        (
            "T",
            'https://e.org/?a=1&b="2"',
            '<b><a href="https://e.org/?a=1&amp;b=&quot;2&quot;">T</a></b>',
        ),
        ("T", "javascript:alert(1)", "<b>T</b>"),
        ("T", None, "<b>T</b>"),
    ],
)
def test_title_is_bold_escaped_and_linked_only_to_http(
    title: str, url: str | None, expected: str
) -> None:
    first = render(Post(title=title, title_url=url)).messages[0]
    assert first == expected
    check(first)


def test_blocks_render_headings_paragraphs_and_items() -> None:
    post = Post(
        blocks=(
            Block("Key <points>", ("Intro & more.",), items=("one", "two"), numbered=True),
            Block(None, items=("a", "b")),
        ),
        footer="by model",
    )
    (message,) = render(post).messages
    assert message == (
        "<b>Key &lt;points&gt;</b>\nIntro &amp; more.\n1. one\n2. two"
        "\n\n• a\n• b"
        "\n\n<i>by model</i>"
    )


def test_paper_card_splits_into_valid_messages_with_folded_analysis() -> None:
    rendered = render(paper())
    assert len(rendered.messages) >= 2
    for markup in rendered.messages:
        check(markup)
    first = rendered.messages[0]
    assert first.startswith('<b><a href="https://arxiv.org/abs/2408.13714v1">Talking &lt;Heads&gt;')
    assert "<blockquote" not in first.split("Key Takeaways")[0]
    quoted = [m for m in rendered.messages if "<blockquote expandable>" in m]
    assert len(quoted) >= 2  # the analysis is longer than one message
    assert all(m.count("<blockquote expandable>") == 1 for m in quoted)
    assert rendered.messages[-1].endswith("<i>Summarized by gemini-2.5-flash &lt;test&gt;</i>")
    shown = " ".join(html_to_plain(m) for m in rendered.messages)
    assert shown.count("1. step <one>") == 20 and "Uses <LoRA>" in shown


def test_no_heading_is_left_alone_at_the_end_of_a_message() -> None:
    for markup in render(paper(60)).messages:
        assert not markup.removesuffix("</blockquote>").endswith(" Part</b>")


def test_a_figure_with_a_public_url_is_the_preview_above_the_text() -> None:
    url = "https://arxiv.org/html/2408.13714v1/x1.png"
    post = replace(paper(), image=Image(b"\x89PNG fake", url=url))
    rendered = render(post)
    assert rendered.photo is None and rendered.preview == url
    assert rendered.messages == render(replace(post, image=None)).messages
    short = render(replace(post, folded=()))
    assert len(short.messages) == 1 and short.preview == url  # the card: one message


def test_a_card_that_fits_a_caption_is_one_photo_with_all_of_it() -> None:
    post = replace(paper(2), image=Image(b"\x89PNG fake", caption="Figure 1"))
    rendered = render(post)
    assert rendered.messages == () and rendered.preview is None
    assert rendered.photo is not None and rendered.photo.data == b"\x89PNG fake"
    caption = rendered.photo.caption
    check(caption, CAPTION_LIMIT)
    assert caption.startswith('<b><a href="https://arxiv.org/abs/2408.13714v1">Talking &lt;Heads')
    assert caption == render(replace(post, image=None)).messages[0]  # the whole card
    assert caption.count("<blockquote expandable>") == 1
    assert rendered.buttons == render(post).buttons and len(rendered.buttons[0]) == 3


def test_an_analysis_too_long_for_a_caption_keeps_the_text_and_drops_the_figure() -> None:
    rendered = render(paper())  # no public URL, far over 1,024 characters
    assert rendered.photo is None and rendered.preview is None
    shown = " ".join(html_to_plain(m) for m in rendered.messages)
    assert shown.count("1. step <one>") == 20  # the analysis is all there, folded
    assert all(m.count("<blockquote expandable>") <= 1 for m in rendered.messages)
    just_over = render(paper(2), caption_limit=100)
    assert just_over.photo is None and len(just_over.messages) == 1


def test_a_caption_counts_utf16_units_and_entities() -> None:
    emoji = Post(text="😀" * 600, image=Image(b"x"))  # 600 characters, 1,200 UTF-16 units
    assert render(emoji).photo is None
    assert render(replace(emoji, text="😀" * 512)).photo is not None
    many = Post(blocks=tuple(Block(heading=f"h{i}") for i in range(101)))
    tagged = replace(many, image=Image(b"x"))  # short, but 101 entities
    assert render(tagged).photo is None


def test_buttons_keep_only_web_links_three_per_row() -> None:
    rows = render(paper()).buttons
    assert [[b.label for b in row] for row in rows] == [["arXiv", "PDF", "Code"]]
    five = tuple(Link(str(i), f"https://e.org/{i}") for i in range(5))
    assert [len(row) for row in render(Post(text="x", links=five)).buttons] == [3, 2]


def test_long_line_is_cut_at_spaces_and_keeps_every_word() -> None:
    words = [f"w{i}&<x>" for i in range(2000)]
    rendered = render(Post(text=" ".join(words)))
    assert len(rendered.messages) == 5  # about 19,900 characters
    for markup in rendered.messages:
        check(markup)
    assert all(utf16_len(html_to_plain(m)) > 4000 for m in rendered.messages[:-1])
    shown = " ".join(html_to_plain(m) for m in rendered.messages).split()
    assert shown == words


def test_limit_counts_utf16_units_so_emoji_count_twice() -> None:
    assert utf16_len("a😀") == 3
    rendered = render(Post(text="😀" * 3000))
    assert [utf16_len(html_to_plain(m)) for m in rendered.messages] == [4096, 1904]


def test_plain_text_shows_the_title_literally() -> None:
    text = plain_text(paper())
    assert text.startswith("Talking <Heads> & Faces > Voices\n\nAuthors: Ann <A.> Lee & Bo Li")
    assert "&lt;" not in text and "<b>" not in text


words = st.text(alphabet=st.sampled_from(list("ab <>&\"';#xyz😀é\n")), min_size=0, max_size=300)


@settings(max_examples=60, deadline=None)
@given(
    title=words,
    paragraphs=st.lists(words, max_size=5),
    folded=st.lists(st.tuples(words, st.lists(words, max_size=4)), max_size=6),
    limit=st.integers(min_value=40, max_value=400),
    figure=st.sampled_from([None, "https://arxiv.org/html/1v1/x1.png", ""]),
)
@example(title=";" * 41, paragraphs=[], folded=[], limit=40, figure=None)  # title > a message
def test_any_post_splits_into_balanced_messages_within_the_limit(
    title: str,
    paragraphs: list[str],
    folded: list[tuple[str, list[str]]],
    limit: int,
    figure: str | None,
) -> None:
    """Also as a card with a figure ("" has no public URL), the caption limit set to ``limit``."""
    post = Post(
        title=title,
        title_url="https://arxiv.org/abs/1",
        blocks=(Block("Head", tuple(paragraphs)),),
        folded=tuple(Block(h, items=tuple(i)) for h, i in folded),
        image=None if figure is None else Image(b"x", url=figure or None),
        footer=title,
    )
    rendered = render(post, limit=limit, caption_limit=limit)
    messages = rendered.messages
    if rendered.photo is not None:  # the whole card as the caption, nothing else
        assert messages == () and figure == ""
        messages = (rendered.photo.caption,)
    assert (rendered.preview is not None) == bool(figure) and bool(messages)
    for markup in messages:
        check(markup, limit)
        assert markup.count("<blockquote") <= 1
    expected = "".join(
        "".join([title, "Head", *paragraphs, *(h + "".join(i) for h, i in folded), title]).split()
    )
    shown = "".join("".join(html_to_plain(m) for m in messages).split())
    assert shown.replace("•", "") == expected
