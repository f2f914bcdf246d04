"""Turn a core Post into Discord messages: embeds within Discord's limits, a file, link buttons."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import discord

from adapters.discord.text import Line, block_lines, clip, join, pack, paragraphs, sections, size
from bot.chat.post import Link, Post

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
MESSAGE_EMBED_LIMIT = 6000  # characters across every embed of one message
EMBEDS_PER_MESSAGE = 10
BUTTONS_LIMIT = 25
BUTTON_LABEL_LIMIT = 80
URL_LIMIT = 512
THREAD_NAME_LIMIT = 100
UPLOAD_LIMIT = 10 * 1024 * 1024  # bytes; Discord's default for bots
BLANK = "\u200b"  # fields need a name: continuation fields get an invisible one
COLOUR = 0xB31B1B
_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file uploaded with a message (the card's figure)."""

    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Piece:
    """One Discord message: content, embeds, an attached file, link buttons, 👍/👎 for a paper."""

    content: str = ""
    embeds: tuple[discord.Embed, ...] = ()
    file: Attachment | None = None
    links: tuple[Link, ...] = ()
    votes: str | None = None  # the paper whose vote buttons go under this message


@dataclass(frozen=True, slots=True)
class Rendered:
    """A post as Discord messages: the card, then the folded analysis (a thread or follow-ups)."""

    card: tuple[Piece, ...]
    folded: tuple[Piece, ...]
    thread_name: str


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL Discord accepts, else None."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    ok = parts.scheme in ("http", "https") and parts.netloc and len(url) <= URL_LIMIT
    return url if ok else None


def render(post: Post, upload_limit: int = UPLOAD_LIMIT) -> Rendered:
    """Render a post: plain text as messages, anything richer as an embed card plus analysis."""
    links = _links(post.links)
    name = " ".join((post.title or post.paper_id or "Details").split())
    thread_name = clip(name, THREAD_NAME_LIMIT, markdown=False)
    if not (post.title or post.blocks or post.folded or post.image):
        texts = [join(group) for group in pack(paragraphs(post.text), CONTENT_LIMIT)]
        pieces = [Piece(content=text) for text in texts] or ([Piece()] if links else [])
        if pieces and links:
            pieces[-1] = replace(pieces[-1], links=links)
        return Rendered(tuple(pieces), (), thread_name)
    file = None if _public_image(post) else _attachment(post, upload_limit)
    embed, rest = _card(post, file)
    folded = _embed_messages(rest + [line for block in post.folded for line in block_lines(block)])
    votes = post.paper_id if post.votes else None
    card = Piece(embeds=(embed,), file=file, links=links, votes=votes)
    return Rendered((card,), folded, thread_name)


def _public_image(post: Post) -> str | None:
    """The figure's public URL: the embed shows it from there, nothing is uploaded."""
    return safe_url(post.image.url) if post.image is not None else None


def _attachment(post: Post, upload_limit: int) -> Attachment | None:
    image = post.image
    if image is None or not image.data or len(image.data) > upload_limit:
        return None
    name = _FILENAME.sub("_", image.filename or "").strip("._") or "figure"
    if "." not in name:
        name += "." + (image.mime.split("/")[-1] or "png")
    return Attachment(name[-100:], image.data)


def _card(post: Post, file: Attachment | None) -> tuple[discord.Embed, list[Line]]:
    """The card embed, and the lines that did not fit in it (they go before the analysis)."""
    embed = discord.Embed(colour=COLOUR)
    budget = MESSAGE_EMBED_LIMIT
    if post.title and post.title.strip():
        embed.title = clip(" ".join(post.title.split()), TITLE_LIMIT)
        embed.url = safe_url(post.title_url)
        budget -= size(embed.title)
    if post.footer and post.footer.strip():
        footer = clip(post.footer.strip(), FOOTER_LIMIT, markdown=False)
        embed.set_footer(text=footer)
        budget -= size(footer)
    if (url := _public_image(post)) is not None:
        embed.set_image(url=url)
    elif file is not None:
        embed.set_image(url=f"attachment://{file.filename}")
    lines = paragraphs(post.text) + [line for block in post.blocks for line in block_lines(block)]
    lead = 0
    while lead < len(lines) and not lines[lead].heading:
        lead += 1
    groups = pack(lines[:lead], min(DESCRIPTION_LIMIT, budget))
    if groups:
        embed.description = join(groups[0])
        budget -= size(embed.description)
    rest = [line for group in groups[1:] for line in group] + lines[lead:]
    return embed, _fields(embed, rest, budget)


def _fields(embed: discord.Embed, lines: list[Line], budget: int) -> list[Line]:
    """Add one field per heading (split into continuation fields); return what did not fit."""
    groups = sections(lines)
    for index, (heading, body) in enumerate(groups):
        name = clip(heading.source, FIELD_NAME_LIMIT) if heading else BLANK
        chunks = pack(body, FIELD_VALUE_LIMIT) or [[Line(BLANK)]]
        for number, chunk in enumerate(chunks):
            value, label = join(chunk), name if number == 0 else BLANK
            if len(embed.fields) >= FIELDS_LIMIT or size(label) + size(value) > budget:
                left = [line for group in chunks[number:] for line in group]
                later = [ln for h, b in groups[index + 1 :] for ln in ([h] if h else []) + b]
                return ([heading] if heading else []) + left + later
            embed.add_field(name=label, value=value, inline=False)
            budget -= size(label) + size(value)
    return []


def _embed_messages(lines: list[Line]) -> tuple[Piece, ...]:
    """The analysis as embeds (one per heading, split when long), packed into messages."""
    embeds: list[discord.Embed] = []
    for heading, body in sections(lines):
        title = clip(heading.source, TITLE_LIMIT) if heading else None
        chunks = pack(body, DESCRIPTION_LIMIT) or [[]]
        for number, chunk in enumerate(chunks):
            embed = discord.Embed(colour=COLOUR, description=join(chunk) or None)
            embed.title = title if number == 0 else None
            embeds.append(embed)
    pieces: list[Piece] = []
    batch: list[discord.Embed] = []
    for embed in embeds:
        if batch and (
            len(batch) == EMBEDS_PER_MESSAGE
            or sum(map(embed_size, batch)) + embed_size(embed) > MESSAGE_EMBED_LIMIT
        ):
            pieces.append(Piece(embeds=tuple(batch)))
            batch = []
        batch.append(embed)
    if batch:
        pieces.append(Piece(embeds=tuple(batch)))
    return tuple(pieces)


def embed_size(embed: discord.Embed) -> int:
    """The characters Discord counts for an embed (title, description, fields, footer, author)."""
    parts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    parts += [embed.author.name or ""]
    parts += [f"{field.name or ''}{field.value or ''}" for field in embed.fields]
    return sum(size(part) for part in parts)


def _links(links: tuple[Link, ...]) -> tuple[Link, ...]:
    usable = [
        Link(clip(link.label.strip() or "Link", BUTTON_LABEL_LIMIT, markdown=False), url)
        for link in links
        if (url := safe_url(link.url))
    ]
    return tuple(usable[:BUTTONS_LIMIT])
