"""Turn a core Post into Telegram pieces: one card message (figure, text, buttons) where it fits.

A post with an image becomes ONE message when its text fits one: the figure as the large link
preview above the text when it has a public URL; else a photo whose caption is the whole card
(expandable analysis included) when that fits 1,024 characters; else the text alone (the figure,
which nobody could fetch from a link, is left out rather than cost a second message). Text longer
than 4,096 characters continues in following messages.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, replace
from html.parser import HTMLParser
from urllib.parse import urlsplit

from bot.chat.lines import cut
from bot.chat.lines import pack as lines_pack
from bot.chat.lines import utf16_len as utf16_len  # the adapter's measure, re-exported
from bot.chat.post import Block, Link, Post

TEXT_LIMIT = 4096  # characters after entity parsing, counted here in UTF-16 code units
CAPTION_LIMIT = 1024
ENTITY_LIMIT = 100
BUTTON_LABEL_LIMIT = 64
BUTTONS_PER_ROW = 3
MIN_FILL = 500  # a line longer than a message starts in the current one if this much room is left
QUOTE_OPEN = "<blockquote expandable>"
QUOTE_CLOSE = "</blockquote>"


@dataclass(frozen=True, slots=True)
class Photo:
    """A photo to upload, with its HTML caption (the whole card when it is sent this way)."""

    data: bytes
    filename: str
    caption: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """Everything Telegram needs for one post: photo, HTML messages, URL buttons (rows).

    ``preview`` is the figure's public URL, shown as the large link preview above the first
    message's text; ``votes`` the paper whose 👍/👎 buttons go under the card, if any.
    """

    photo: Photo | None
    messages: tuple[str, ...]
    buttons: tuple[tuple[Link, ...], ...]
    preview: str | None = None
    votes: str | None = None


@dataclass(frozen=True, slots=True)
class _Line:
    """One line of plain text with its wrapping tags; the unit the splitter moves around."""

    text: str
    _: KW_ONLY
    open: str = ""
    close: str = ""
    tags: int = 0  # entities this line adds
    folded: bool = False  # inside the expandable blockquote
    gap: bool = False  # a blank line before it
    keep: bool = False  # keep with the next line (headings)


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL Telegram will accept, else None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def render(post: Post, limit: int = TEXT_LIMIT, caption_limit: int = CAPTION_LIMIT) -> Rendered:
    """Render a post as one card message where it fits (see above); HTML within the limits."""
    lines, buttons, image = _lines(post), _buttons(post.links), post.image
    votes = post.paper_id if post.votes else None
    preview = safe_url(image.url) if image is not None else None
    if image is not None and image.data and (preview is None or not lines):
        caption = _caption(lines, caption_limit)
        if caption is not None:
            photo = Photo(image.data, image.filename or "figure.png", caption)
            return Rendered(photo, (), buttons, votes=votes)
    messages = tuple(_join(g) for g in _pack(lines, limit))
    return Rendered(None, messages, buttons, preview if messages else None, votes)


def html_to_plain(markup: str) -> str:
    """The visible text of Telegram HTML: tags dropped, entities decoded."""
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def plain_text(post: Post) -> str:
    """The whole post as plain text (what the user sees when HTML cannot be used)."""
    rendered = render(post)
    parts = [html_to_plain(m) for m in rendered.messages]
    if not parts and rendered.photo is not None:
        parts = [html_to_plain(rendered.photo.caption)]
    return "\n\n".join(parts)


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _title_line(post: Post) -> _Line | None:
    if not post.title or not post.title.strip():
        return None
    url = safe_url(post.title_url)
    if url is None:
        return _Line(post.title.strip(), open="<b>", close="</b>", tags=1)
    href = html.escape(url, quote=True)
    return _Line(post.title.strip(), open=f'<b><a href="{href}">', close="</a></b>", tags=2)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def _block_lines(block: Block, folded: bool) -> list[_Line]:
    lines: list[_Line] = []
    if block.heading and block.heading.strip():
        heading = block.heading.strip()
        lines.append(_Line(heading, open="<b>", close="</b>", tags=1, folded=folded, keep=True))
    for para in (p for raw in block.paragraphs for p in _paragraphs(raw)):
        lines.append(_Line(para, folded=folded, gap=not (lines and lines[-1].keep)))
    for number, item in enumerate((i.strip() for i in block.items if i.strip()), start=1):
        marker = f"{number}." if block.numbered else "•"
        lines.append(_Line(f"{marker} {item}", folded=folded))
    if lines:
        lines[0] = replace(lines[0], gap=True)
    return lines


def _lines(post: Post) -> list[_Line]:
    title = _title_line(post)
    lines = [title] if title else []
    lines += [_Line(p, gap=True) for p in _paragraphs(post.text)]
    for block in post.blocks:
        lines += _block_lines(block, folded=False)
    for block in post.folded:
        lines += _block_lines(block, folded=True)
    if post.footer and post.footer.strip():
        lines.append(_Line(post.footer.strip(), open="<i>", close="</i>", tags=1, gap=True))
    return lines


def _measure(group: Sequence[_Line]) -> tuple[int, int]:
    """Visible UTF-16 units and entities of a message made of these lines."""
    visible = entities = 0
    for index, line in enumerate(group):
        visible += utf16_len(line.text) + (0 if index == 0 else 2 if line.gap else 1)
        opens = line.folded and (index == 0 or not group[index - 1].folded)
        entities += line.tags + (1 if opens else 0)
    return visible, entities


def _pack(lines: list[_Line], limit: int) -> list[list[_Line]]:
    """Group lines into messages within ``limit`` visible units and ENTITY_LIMIT entities."""
    return lines_pack(
        lines,
        limit,
        size=lambda group: _measure(group)[0],
        fits=lambda group: _measure(group)[1] <= ENTITY_LIMIT,
        keep=lambda line: line.keep,
        min_fill=MIN_FILL,
    )


def _join(group: list[_Line]) -> str:
    """One message's HTML: lines escaped, folded lines inside one expandable blockquote."""
    out: list[str] = []
    quoted = False
    for index, line in enumerate(group):
        sep = "" if index == 0 else ("\n\n" if line.gap else "\n")
        if line.folded != quoted:
            out.append((QUOTE_CLOSE if quoted else "") + sep + (QUOTE_OPEN if line.folded else ""))
            sep, quoted = "", line.folded
        out.append(sep + line.open + html.escape(line.text, quote=False) + line.close)
    if quoted:
        out.append(QUOTE_CLOSE)
    return "".join(out)


def _truncate(text: str, limit: int) -> str:
    if utf16_len(text) <= limit:
        return text
    head, _ = cut(text, max(limit - 1, 0))
    return head + "…"


def _caption(lines: list[_Line], limit: int) -> str | None:
    """The whole post as one caption within ``limit`` (and the entity limit), or None."""
    groups = _pack(lines, limit)
    if len(groups) > 1:
        return None
    return _join(groups[0]) if groups else ""


def _buttons(links: tuple[Link, ...]) -> tuple[tuple[Link, ...], ...]:
    usable = [
        Link(_truncate(link.label.strip() or "Link", BUTTON_LABEL_LIMIT), url)
        for link in links
        if (url := safe_url(link.url))
    ]
    return tuple(
        tuple(usable[i : i + BUTTONS_PER_ROW]) for i in range(0, len(usable), BUTTONS_PER_ROW)
    )
