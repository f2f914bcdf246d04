"""Packing lines into messages under a platform's size limit (one packer for every platform)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import Field, replace
from typing import Any, ClassVar, Protocol, TypeVar


class Piece(Protocol):
    """A line the packer moves: a dataclass with its ``text`` and a blank line before it or not."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def text(self) -> str:
        """The line's text, as the platform shows it."""

    @property
    def gap(self) -> bool:
        """Whether a blank line comes before it."""


L = TypeVar("L", bound=Piece)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram and Discord count their limits."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> tuple[str, str]:
    """Split ``text`` so the head fits ``limit`` UTF-16 units, at a newline or space if any.

    The head always has at least one character, so cutting again always makes progress.
    """
    size, end = 0, 0
    for end, char in enumerate(text):  # noqa: B007 - ``end`` is used after the loop
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            break
    else:
        return text, ""
    end = max(end, 1)
    head = text[:end]
    for sep in ("\n", " "):
        at = head.rfind(sep)
        if at > len(head) // 2:
            return head[:at].rstrip(), text[at:].lstrip()
    return head, text[end:]


def pack(
    lines: Sequence[L],
    limit: int,
    *,
    size: Callable[[Sequence[L]], int],
    cut: Callable[[str, int], tuple[str, str]] = cut,
    fits: Callable[[Sequence[L]], bool] = lambda group: True,
    keep: Callable[[L], bool] = lambda line: False,
    min_fill: int = 0,
) -> list[list[L]]:
    """Group lines into messages whose ``size`` is at most ``limit`` (and that ``fits`` accepts).

    ``size`` measures a message made of some lines as the platform counts it (markup, separators).
    Lines move whole; a line longer than a message is cut with ``cut``, filling the current
    message first when at least ``min_fill`` units of it are free. A line that ``keep`` marks
    (a heading) is carried over to the next message rather than left last. A line that is short
    enough but that ``fits`` refuses even alone (Telegram's entity count) is sent alone anyway.
    """
    groups: list[list[L]] = []
    current: list[L] = []
    pending = deque(lines)

    def ok(group: list[L]) -> bool:
        return size(group) <= limit and fits(group)

    while pending:
        line = pending.popleft()
        if ok([*current, line]):
            current.append(line)
            continue
        room = limit - size([*current, replace(line, text="")])
        if size([line]) > limit and (not current or room >= max(min_fill, 1)):
            head, tail = cut(line.text, room)
            if not current or ok([*current, replace(line, text=head)]):
                groups.append([*current, replace(line, text=head)])  # it goes on in the next
                current = []
                if tail:
                    pending.appendleft(replace(line, text=tail, gap=False))
                continue
        if not current:
            current.append(line)
            continue
        pending.appendleft(line)
        carry = [current.pop()] if len(current) > 1 and keep(current[-1]) else []
        groups.append(current)
        current = carry
    if current:
        groups.append(current)
    return groups
