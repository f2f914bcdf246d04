"""Plain text made safe and cut to Discord's limits: escaping, clipping, packing lines."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

import discord

from bot.chat.lines import cut as cut_text
from bot.chat.lines import pack as pack_lines
from bot.chat.lines import utf16_len
from bot.chat.post import Block

_LIST_START = re.compile(r"^(\s*\d+)\.(?=\s)", re.MULTILINE)  # "4. Keywords" is not a list
_INLINE = re.compile(r"([\\*_~|`\[])")  # emphasis, spoilers, code, masked links
_LINE_MARK = re.compile(r"^(\s*)([>#-])", re.MULTILINE)  # quotes, headings, lists, subtext
_URL = re.compile(r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]")  # as discord.py


@dataclass(frozen=True, slots=True)
class Line:
    """One escaped line; the unit moved between embeds, fields and messages."""

    text: str
    gap: bool = False  # a blank line before it
    heading: bool = False
    source: str = ""  # a heading's plain text (for embed titles and field names)


def size(text: str) -> int:
    """Length as counted against limits: UTF-16 units (never less than Discord's count)."""
    return utf16_len(text)


def _escape_inline(text: str) -> str:
    return _INLINE.sub(r"\\\1", text)


def escape(text: str) -> str:
    """Markdown and mentions made literal: ``*_~|>`` shown as typed, ``@everyone`` pings nobody.

    Every marker is escaped, paired or not (lines and fields are joined later). discord.py's
    ``escape_markdown`` escapes only the first "[" of ``[a](x) … [b](y)`` and nothing between
    them, which left later masked links and formatting live. URLs stay as typed (clickable).
    """
    parts: list[str] = []
    end = 0
    for url in _URL.finditer(text):
        parts += [_escape_inline(text[end : url.start()]), url.group()]
        end = url.end()
    parts.append(_escape_inline(text[end:]))
    return discord.utils.escape_mentions(_LINE_MARK.sub(r"\1\\\2", "".join(parts)))


def escape_body(text: str) -> str:
    """Like ``escape``, and a leading "4." is kept as text, not turned into a list item."""
    return _LIST_START.sub(r"\1\\.", escape(text))


def clip(text: str, limit: int, *, markdown: bool = True) -> str:
    """``text`` (escaped when ``markdown``) within ``limit``, cut at a word with "…" if needed."""
    done = escape(text) if markdown else text
    if size(done) <= limit:
        return done
    low, high = 0, len(text)
    while low < high:  # the longest prefix whose escaped form and "…" fit
        mid = (low + high + 1) // 2
        head = escape(text[:mid]) if markdown else text[:mid]
        low, high = (mid, high) if size(head) + 1 <= limit else (low, mid - 1)
    cut = text[:low]
    space = cut.rfind(" ")
    if space > low * 3 // 4:
        cut = cut[:space]
    return (escape(cut.rstrip()) if markdown else cut.rstrip()) + "…"


def paragraphs(text: str) -> list[Line]:
    """Escaped paragraphs of plain text (blank lines separate them)."""
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return [Line(escape_body(p), gap=True) for p in parts]


def block_lines(block: Block) -> list[Line]:
    """A block as lines: its heading, paragraphs, then items numbered or bulleted."""
    lines: list[Line] = []
    if block.heading and block.heading.strip():
        heading = " ".join(block.heading.split())
        lines.append(Line(escape(heading), heading=True, source=heading))
    for paragraph in (p for raw in block.paragraphs for p in paragraphs(raw)):
        lines.append(replace(paragraph, gap=bool(lines) and not lines[-1].heading))
    items = [i.strip() for i in block.items if i.strip()]
    for number, item in enumerate(items, start=1):
        marker = f"{number}." if block.numbered else "•"
        lines.append(Line(f"{marker} {escape_body(item)}"))
    if lines:
        lines[0] = replace(lines[0], gap=True)
    return lines


def shown(line: Line) -> str:
    """A line as Discord markdown (headings bold)."""
    return f"**{line.text}**" if line.heading else line.text


def join(lines: Iterable[Line]) -> str:
    """Lines as one text, a blank line where a line asks for a gap."""
    out: list[str] = []
    for line in lines:
        out.append(("\n\n" if line.gap else "\n") if out else "")
        out.append(shown(line))
    return "".join(out)


def cut(text: str, limit: int) -> tuple[str, str]:
    """Split escaped text so the head fits ``limit``, at a newline or space when there is one."""
    head, tail = cut_text(text, limit)
    if head + tail == text:  # cut mid-word: never split an escape from its character
        while head.endswith("\\") and len(head) > 1:
            head = head[:-1]
        tail = text[len(head) :]
    return head, tail


def pack(lines: list[Line], limit: int) -> list[list[Line]]:
    """Group lines into chunks whose joined text fits ``limit`` (see bot.chat.lines.pack).

    A line longer than a chunk is cut, filling the current chunk first when at least a quarter
    of it is free. A heading is carried over rather than left last.
    """
    return pack_lines(
        lines,
        limit,
        size=lambda group: size(join(group)),
        cut=cut,
        keep=lambda line: line.heading,
        min_fill=limit // 4,
    )


def sections(lines: list[Line]) -> list[tuple[Line | None, list[Line]]]:
    """Lines grouped under their headings (a leading group may have none)."""
    found: list[tuple[Line | None, list[Line]]] = []
    for line in lines:
        if line.heading:
            found.append((line, []))
        elif found:
            found[-1][1].append(line)
        else:
            found.append((None, [line]))
    return found
