"""What Telegram and Discord accept, as checks every rendering test and the hostile-input tests share."""

from __future__ import annotations

from html.parser import HTMLParser

from adapters.discord.render import Piece, embed_size
from adapters.discord.text import size
from adapters.telegram.render import TEXT_LIMIT, utf16_len
from bot.chat.post import Block, Image, Link, Post
from support.fakes.telegram_server import visible_text

TRICKY = "Faces *fast* _and_ ~light~ |spoiler| > `code` @everyone"


ALLOWED = {"b", "i", "u", "s", "a", "code", "pre", "blockquote"}


class TagCheck(HTMLParser):
    """Collects tags and fails on anything Telegram would refuse or that is left open."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED, tag
        self.stack.append(tag)
        self.seen.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()


def check_telegram(markup: str, limit: int = TEXT_LIMIT) -> TagCheck:
    """Assert a message is balanced, uses allowed tags only and fits; return what it held."""
    parser = TagCheck()
    parser.feed(markup)
    parser.close()
    assert parser.stack == []
    assert utf16_len(visible_text(markup).strip()) <= limit
    return parser


def check_discord(piece: Piece) -> None:
    """Assert a message is one Discord accepts: every limit, and a file for each attachment://."""
    assert piece.content or piece.embeds or piece.file or piece.links
    assert size(piece.content) <= 2000
    assert len(piece.embeds) <= 10
    assert sum(embed_size(e) for e in piece.embeds) <= 6000
    assert sum(len(e) for e in piece.embeds) <= 6000  # discord.py's own count agrees
    for embed in piece.embeds:
        assert size(embed.title or "") <= 256
        assert size(embed.description or "") <= 4096
        assert size(embed.footer.text or "") <= 2048
        assert len(embed.fields) <= 25
        for field in embed.fields:
            assert field.name and field.value
            assert size(field.name) <= 256 and size(field.value) <= 1024
        if embed.image.url and piece.file is None:  # a public figure, shown from its URL
            assert embed.image.url.startswith("https://")
        elif embed.image.url:
            assert piece.file is not None
            assert embed.image.url == f"attachment://{piece.file.filename}"
    assert len(piece.links) <= 25 and all(len(link.label) <= 80 for link in piece.links)


def card(**overrides: object) -> Post:
    """A paper card shaped like bot.render.paper_post's."""
    fields: dict[str, object] = {
        "title": TRICKY,
        "title_url": "https://arxiv.org/abs/2408.13714v1",
        "blocks": (
            Block(paragraphs=("Authors: Ada *Lovelace*, Alan Turing",)),
            Block("Summary", ("LoRA adapts talking heads fast.",)),
            Block("Key Takeaways", items=("Rank 8 works best.", "3.2 mm LVE."), numbered=True),
        ),
        "folded": (
            Block(paragraphs=("1. Title: TalkLoRA", "4. Keywords: LoRA, talking head")),
            Block("6. Summary", items=("(1): background", "(2): past methods")),
        ),
        "links": (
            Link("arXiv", "https://arxiv.org/abs/2408.13714v1"),
            Link("PDF", "https://arxiv.org/pdf/2408.13714v1"),
            Link("Code", "javascript:alert(1)"),
        ),
        "image": Image(b"\x89PNG figure", filename="2408.13714v1.png"),
        "footer": "Summary written by Gemini (gemini-2.5-flash)",
        "paper_id": "2408.13714v1",
    }
    fields.update(overrides)
    return Post(**fields)  # type: ignore[arg-type]
