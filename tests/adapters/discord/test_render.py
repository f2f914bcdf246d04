"""Posts rendered for Discord: escaping, Discord's limits, splitting, files and link buttons."""

from __future__ import annotations

import pytest
from support.render_checks import TRICKY, card
from support.render_checks import check_discord as check

from adapters.discord.render import BLANK, Piece, Rendered, render
from adapters.discord.text import clip, escape, escape_body, size
from bot.chat.post import Block, Image, Link, Post


def pieces(rendered: Rendered) -> list[Piece]:
    """Every message of a rendering, checked."""
    out = [*rendered.card, *rendered.folded]
    for piece in out:
        check(piece)
    return out


def shown(rendered: Rendered) -> str:
    """All the text a reader sees (escapes kept), in order."""
    parts: list[str] = []
    for piece in pieces(rendered):
        parts.append(piece.content)
        for embed in piece.embeds:
            parts += [embed.title or "", embed.description or ""]
            parts += [f"{f.name}\n{f.value}" for f in embed.fields]
            parts.append(embed.footer.text or "")
    return "\n".join(parts)


def test_a_leading_number_stays_text_in_bodies_but_not_in_titles() -> None:
    assert escape_body("4. Keywords: LoRA") == r"4\. Keywords: LoRA"
    assert escape("6. Summary") == "6. Summary"


@pytest.mark.parametrize(
    ("text", "limit"),
    [("word " * 100, 50), ("*" * 100, 50), ("x" * 300, 256), ("論文" * 200, 100), ("ok", 10)],
)
def test_clip_fits_the_limit_and_never_splits_an_escape(text: str, limit: int) -> None:
    clipped = clip(text, limit)
    assert size(clipped) <= limit
    body = clipped.removesuffix("…")
    assert (len(body) - len(body.rstrip("\\"))) % 2 == 0  # no dangling backslash
    assert clipped.endswith("…") == (size(escape(text)) > limit)


def test_a_paper_card_is_one_embed_with_fields_figure_and_buttons() -> None:
    rendered = render(card())
    (message,) = rendered.card
    check(message)
    (embed,) = message.embeds
    assert embed.title == escape(TRICKY) and "@\u200beveryone" in embed.title
    assert embed.url == "https://arxiv.org/abs/2408.13714v1"
    assert embed.description == r"Authors: Ada \*Lovelace\*, Alan Turing"
    assert [(f.name, f.value) for f in embed.fields] == [
        ("Summary", "LoRA adapts talking heads fast."),
        ("Key Takeaways", "1. Rank 8 works best.\n2. 3.2 mm LVE."),
    ]
    assert embed.footer.text == "Summary written by Gemini (gemini-2.5-flash)"
    assert message.file is not None and message.file.data == b"\x89PNG figure"
    assert embed.image.url == "attachment://2408.13714v1.png"
    assert [link.label for link in message.links] == ["arXiv", "PDF"]  # javascript: dropped
    assert rendered.thread_name == TRICKY  # thread names show no markdown: left as typed


def test_the_analysis_becomes_embeds_titled_by_their_headings() -> None:
    (message,) = render(card()).folded
    check(message)
    first, second = message.embeds
    assert first.title is None
    assert first.description == "1\\. Title: TalkLoRA\n\n4\\. Keywords: LoRA, talking head"
    assert second.title == "6. Summary"
    assert second.description == "• (1): background\n• (2): past methods"


def test_oversized_cards_stay_within_every_limit_and_lose_nothing() -> None:
    takeaways = tuple(f"T{n:02d} " + "insight " * 40 for n in range(40))
    post = card(
        title="Long " * 200,
        blocks=(
            Block(paragraphs=("Authors: " + ", ".join(f"Author {n}" for n in range(900)),)),
            Block("Key Takeaways", items=takeaways, numbered=True),
        ),
        folded=tuple(Block(f"Part P{n:02d}", ("analysis " * 400,)) for n in range(30)),
        footer="model " * 600,
    )
    rendered = render(post)
    everything = shown(rendered)
    assert len(rendered.card) == 1 and len(rendered.folded) > 3
    assert all(f"T{n:02d}" in everything for n in range(40))
    assert all(f"Part P{n:02d}" in everything for n in range(30))
    assert "Author 899" in everything
    (embed,) = rendered.card[0].embeds
    assert embed.title is not None and embed.title.endswith("…")
    assert embed.footer.text is not None and embed.footer.text.endswith("…")
    assert all(f.name in ("Key Takeaways", BLANK) for f in embed.fields)


def test_a_very_long_word_is_cut_without_losing_characters() -> None:
    word = "".join(chr(ord("a") + n % 26) for n in range(9000))
    rendered = render(Post(title="t", folded=(Block(paragraphs=(word,)),)))
    descriptions = [e.description or "" for p in pieces(rendered) for e in p.embeds]
    assert "".join(d for d in descriptions if d != "t") == word


def test_plain_text_is_content_split_on_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {n}: " + "words " * 110 for n in range(10)]
    rendered = render(Post(text="\n\n".join(paragraphs), links=(Link("Docs", "https://x.org"),)))
    messages = pieces(rendered)
    assert len(messages) > 1 and not rendered.folded
    assert all(not m.embeds and not m.file for m in messages)
    rejoined = [p for m in messages for p in m.content.split("\n\n")]
    assert rejoined == [p.strip() for p in paragraphs]
    assert [m.links for m in messages[:-1]] == [()] * (len(messages) - 1)
    assert messages[-1].links == (Link("Docs", "https://x.org"),)


def test_a_paragraph_longer_than_a_message_is_cut_between_words() -> None:
    text = " ".join(f"w{n}" for n in range(1500))
    messages = pieces(render(Post(text=text)))
    assert len(messages) >= 3
    assert " ".join(m.content for m in messages).split() == text.split()


@pytest.mark.parametrize(
    ("image", "limit", "attached"),
    [
        (Image(b"x" * 100, filename="fig 1/(a).png"), 10_000, "fig_1_a_.png"),
        (Image(b"x" * 100, mime="image/jpeg", filename=""), 10_000, "figure.jpeg"),
        (Image(b"x" * 100), 50, None),  # larger than the upload limit: left out
        (Image(b""), 10_000, None),
    ],
)
def test_figures_are_attached_under_safe_names_or_left_out(
    image: Image, limit: int, attached: str | None
) -> None:
    (message,) = render(card(image=image), upload_limit=limit).card
    check(message)
    assert (message.file.filename if message.file else None) == attached
    assert message.embeds[0].image.url == (f"attachment://{attached}" if attached else None)


def test_a_figure_with_a_public_url_is_shown_from_there_not_uploaded() -> None:
    url = "https://arxiv.org/html/2408.13714v1/x1.png"
    rendered = render(card(image=Image(b"\x89PNG figure", url=url)))
    (message,) = rendered.card  # one message: the embed with its figure and the buttons
    check(message)
    assert message.file is None and message.embeds[0].image.url == url
    assert [link.label for link in message.links] == ["arXiv", "PDF"]
    assert rendered.folded  # the analysis still goes to the thread


def test_buttons_keep_only_web_links_with_short_labels() -> None:
    links = (
        *(Link("L" * 200, f"https://x.org/{n}") for n in range(30)),
        Link("bad", "ftp://x.org"),
        Link("long", "https://x.org/" + "a" * 600),
    )
    (message,) = render(card(links=links)).card
    assert len(message.links) == 25 and len(message.links[0].label) == 80
    assert all(link.url.startswith("https://x.org/") for link in message.links)


def test_an_empty_post_renders_nothing_and_embeds_are_real_discord_embeds() -> None:
    assert render(Post()).card == ()
    (message,) = render(Post(title="Only a title")).card
    assert type(message.embeds[0]).__name__ == "Embed"
    assert message.embeds[0].to_dict()["title"] == "Only a title"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("*bold* _it_ ~s~ |sp| `c`", r"\*bold\* \_it\_ \~s\~ \|sp\| \`c\`"),
        ("> not a quote", r"\> not a quote"),
        ("# not a heading", r"\# not a heading"),
        ("ping @everyone and @here", "ping @\u200beveryone and @\u200bhere"),
        ("see https://x.org/a_b_c", "see https://x.org/a_b_c"),  # links stay clickable
        ("[click](https://evil.example)", r"\[click](https://evil.example)"),
        ("a \\ b", "a \\\\ b"),
    ],
)
def test_user_and_paper_text_is_shown_as_typed(raw: str, expected: str) -> None:
    assert escape(raw) == expected
