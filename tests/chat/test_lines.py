"""The one line packer: lines into messages under a limit, long lines cut, headings kept with text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from bot.chat.lines import cut, pack, utf16_len


@dataclass(frozen=True)
class Line:
    text: str
    gap: bool = False
    heading: bool = False
    marks: int = 0  # e.g. Telegram entities


def joined(group: Sequence[Line]) -> str:
    return "".join(
        ("" if i == 0 else "\n\n" if line.gap else "\n")
        + (f"*{line.text}*" if line.heading else line.text)
        for i, line in enumerate(group)
    )


def size(group: Sequence[Line]) -> int:
    return utf16_len(joined(group))


def texts(groups: list[list[Line]]) -> list[str]:
    return [joined(group) for group in groups]


def packed(lines: list[Line], limit: int, min_fill: int = 0) -> list[str]:
    groups = pack(lines, limit, size=size, keep=lambda line: line.heading, min_fill=min_fill)
    return texts(groups)


@pytest.mark.parametrize(
    ("lines", "limit", "messages"),
    [
        ([], 10, []),
        ([Line("abc"), Line("def")], 7, ["abc\ndef"]),  # exactly at the limit
        ([Line("abc"), Line("def")], 6, ["abc", "def"]),
        ([Line("abc"), Line("def", gap=True)], 8, ["abc\n\ndef"]),  # a gap costs two
        ([Line("abc"), Line("def", gap=True)], 7, ["abc", "def"]),
        ([Line("ab"), Line("cd"), Line("ef"), Line("gh")], 5, ["ab\ncd", "ef\ngh"]),
        # a heading is carried to the message its text starts, not left last
        ([Line("abcd"), Line("H", heading=True), Line("efgh")], 8, ["abcd", "*H*\nefgh"]),
        # a line longer than a message is cut at a space, the rest going on in the next
        ([Line("aaaa bbbb cccc")], 10, ["aaaa bbbb", "cccc"]),
        # ... with no space, mid-word, every piece within the limit
        ([Line("x" * 25)], 10, ["x" * 10, "x" * 10, "x" * 5]),
        # ... starting in the current message when min_fill units are free
        ([Line("ab"), Line("cc dd ee ff gg")], 10, ["ab\ncc dd", "ee ff gg"]),
        # a heading's markup counts: its text is cut so "*…*" fits
        ([Line("h" * 12, heading=True)], 10, ["*" + "h" * 8 + "*", "*hhhh*"]),
        # astral characters count two UTF-16 units and are never split
        ([Line("😀😀😀😀")], 4, ["😀😀", "😀😀"]),
    ],
)
def test_pack(lines: list[Line], limit: int, messages: list[str]) -> None:
    result = packed(lines, limit)
    assert result == messages
    assert all(utf16_len(m) <= limit for m in result)
    assert "".join(result).replace("\n", "").replace("*", "").replace(" ", "") == "".join(
        line.text for line in lines
    ).replace(" ", "")  # nothing lost, nothing repeated


def test_a_long_line_starts_in_the_next_message_when_little_room_is_left() -> None:
    lines = [Line("abcdef"), Line("gg hh ii jj kk")]
    assert packed(lines, 10, min_fill=4) == ["abcdef", "gg hh ii", "jj kk"]
    assert packed(lines, 10, min_fill=3) == ["abcdef\ngg", "hh ii jj", "kk"]


def test_another_limit_a_line_breaks_is_honoured_and_a_line_breaking_it_alone_goes_alone() -> None:
    lines = [Line("a", marks=2), Line("b", marks=2), Line("c", marks=5), Line("d", marks=1)]
    groups = pack(lines, 100, size=size, fits=lambda group: sum(x.marks for x in group) <= 4)
    assert texts(groups) == ["a\nb", "c", "d"]


@pytest.mark.parametrize(
    ("text", "limit", "head", "tail"),
    [
        ("short", 10, "short", ""),
        ("one two three", 8, "one two", "three"),
        ("aaaaaa\nb c d", 10, "aaaaaa", "b c d"),  # a newline is preferred to a space
        ("a verylongword", 8, "a verylo", "ngword"),  # a space in the first half is not used
        ("abc", 0, "a", "bc"),  # always progress
    ],
)
def test_cut(text: str, limit: int, head: str, tail: str) -> None:
    assert cut(text, limit) == (head, tail)
