"""Split a paper's extracted page text into sections by recognising its headings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass

from bot.papers.headings import classify_heading, is_back_matter
from bot.papers.models import SectionKind, TextSection

_ARABIC = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})(?P<dot>\.?)\s+(?P<title>\S.*)$")
_ROMAN = re.compile(r"^(?P<num>[IVX]{1,5})\.\s+(?P<title>\S.*)$")
_LETTER = re.compile(r"^(?P<num>[A-Z])\.\s+(?P<title>\S.*)$")
_INLINE_ABSTRACT = re.compile(r"^abstract\s*[—–:.-]\s*(?P<rest>\S.*)$", re.IGNORECASE)
_PLAIN = frozenset(
    (
        *("abstract", "introduction", "background", "related work", "methods", "methodology"),
        *("experiments", "results", "discussion", "conclusion", "conclusions", "limitations"),
        *("future work", "conclusions and future work", "conclusion and future work"),
        *("acknowledgments", "acknowledgements", "acknowledgment", "acknowledgement"),
        *("references", "bibliography", "appendix"),
    )
)
_NOISE = re.compile(r"^(?:\d{1,3}|arXiv:\S+\s+\[[^\]]+\]\s+\d{1,2}\s+\w{3}\s+\d{4})$")
_CONNECTORS = frozenset(
    ("a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "the", "to", "via", "with")
)
_AFFILIATION = re.compile(r"universit|institut|department|laborator|college|@|\binc\b", re.I)
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
_FRONT_PAGE_CHARS = 3000


@dataclass(frozen=True, slots=True)
class _Heading:
    text: str
    _: KW_ONLY
    scheme: str  # "arabic", "roman", "letter" or "plain"
    numbers: tuple[int, ...]
    dotted: bool = False
    rest: str = ""  # body text printed on the heading's line ("Abstract—We present ...")


def _roman(numeral: str) -> int:
    values = [_ROMAN_VALUES[c] for c in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def _is_title(title: str, line: str) -> bool:
    """Whether the words after a number read like a heading rather than a sentence or data."""
    letters = sum(c.isalpha() for c in title)
    return (
        len(line) <= 80
        and title[:1].isupper()
        and letters >= 0.6 * len(title.replace(" ", ""))
        and len(title.split()) <= 12
        and not title.endswith((".", ",", ";", ":"))
        and ". " not in title
        and title.count(",") < 2
        and not any(mark in title for mark in "[]“”=")
        and not _AFFILIATION.search(title)
    )


def _parse(line: str) -> _Heading | None:
    """Recognise one line as a heading candidate (numbering still to be checked in sequence)."""
    words = line.rstrip(":.").strip()
    if words.lower() in _PLAIN:
        return _Heading(words, scheme="plain", numbers=())
    inline = _INLINE_ABSTRACT.match(line)
    if inline:
        return _Heading(line[:8], scheme="plain", numbers=(), rest=inline["rest"])
    for scheme, pattern in (("arabic", _ARABIC), ("roman", _ROMAN), ("letter", _LETTER)):
        match = pattern.match(line)
        if match and _is_title(match["title"], line):
            num = match["num"]
            if scheme == "arabic":
                numbers = tuple(int(n) for n in num.split("."))
                return _Heading(line, scheme=scheme, numbers=numbers, dotted=bool(match["dot"]))
            value = _roman(num) if scheme == "roman" else ord(num) - ord("A") + 1
            return _Heading(line, scheme=scheme, numbers=(value,))
    return None


def _follows(numbers: tuple[int, ...], path: tuple[int, ...]) -> bool:
    """Whether ``numbers`` may come next after ``path`` (one missed heading is tolerated)."""
    if not path:
        return numbers in ((1,), (2,), (1, 1))
    depth = len(numbers)
    if depth == 1:
        return path[0] < numbers[0] <= path[0] + 2
    parent = numbers[:-1]
    if parent == path[: depth - 1]:
        last = path[depth - 1] if len(path) >= depth else 0
        return last < numbers[-1] <= last + 2
    return parent[0] == path[0] + 1 and numbers[1:] == (1,) * (depth - 1)


class _Numbering:
    """The numbering seen so far, to reject numbered lines that break the sequence."""

    def __init__(self) -> None:
        self.path: tuple[int, ...] = ()
        self.dotted: dict[int, bool] = {}
        self.roman = 0
        self.letter = 0

    def accept(self, head: _Heading) -> bool:
        if head.scheme == "plain":
            return True
        if head.scheme == "roman":
            if self.roman < head.numbers[0] <= self.roman + 2:
                self.roman, self.letter = head.numbers[0], 0
                return True
            return False
        if head.scheme == "letter":
            if self.roman and head.numbers[0] == self.letter + 1:
                self.letter = head.numbers[0]
                return True
            return False
        depth = len(head.numbers)
        style = self.dotted.setdefault(depth, head.dotted)
        if style != head.dotted or not _follows(head.numbers, self.path):
            return False
        self.path = head.numbers
        return True


def _join_wrapped(lines: list[str], index: int, head: _Heading) -> tuple[_Heading, int]:
    """A heading broken over two lines ("II. ACTION IN THE" / "LARGE z LIMIT") is joined."""
    last_word = head.text.split()[-1].lower()
    following = lines[index + 1].strip() if index + 1 < len(lines) else ""
    wrapped = head.scheme != "plain" and last_word in _CONNECTORS and 0 < len(following) <= 50
    if wrapped and _parse(following) is None:
        return _Heading(f"{head.text} {following}", scheme=head.scheme, numbers=head.numbers), 1
    return head, 0


@dataclass
class _Open:
    heading: str
    _: KW_ONLY
    kind: SectionKind
    page: int
    lines: list[str]
    numbers: tuple[int, ...] = ()


def _bogus(head: _Heading, sections: list[_Open], numbering: _Numbering) -> list[_Open]:
    """Numbered sections that a known heading shows to be mistaken (affiliation marks, labels).

    "1 Introduction" after other sections numbered 1, 2, ... restarts the numbering; any other
    known heading replaces an unknown one just before it that has the same number.
    """
    kind = classify_heading(head.text)
    if head.scheme != "arabic" or kind == "other":
        return []
    numbered = [s for s in sections if s.numbers]
    if head.numbers == (1,) and kind == "introduction" and numbered:
        return numbered if all(s.kind != "introduction" for s in sections) else []
    last = sections[-1] if sections else None
    same_style = numbering.dotted.get(len(head.numbers)) == head.dotted
    if last is not None and last.numbers == head.numbers and last.kind == "other" and same_style:
        return [last]
    return []


def _demote(sections: list[_Open], front: _Open, doomed: list[_Open]) -> None:
    """Turn mistaken sections back into text of the section before them."""
    kept: list[_Open] = []
    for section in sections:
        if any(section is d for d in doomed):
            (kept[-1] if kept else front).lines.extend([section.heading, *section.lines])
        else:
            kept.append(section)
    sections[:] = kept


def split_sections(pages: Sequence[str]) -> tuple[TextSection, ...]:
    """Sections of a paper from its page texts, dropping back matter from the references on."""
    numbering = _Numbering()
    front = _Open("Front matter", kind="other", page=1, lines=[])
    sections: list[_Open] = []
    current: _Open | None = front
    top_kind: SectionKind = "other"
    for page_no, page in enumerate(pages, start=1):
        lines = page.split("\n")
        skip = 0
        for index, raw in enumerate(lines):
            if skip:
                skip -= 1
                continue
            line = raw.strip()
            head = _parse(line) if line else None
            doomed = _bogus(head, sections, numbering) if head is not None else []
            if head is not None and doomed:
                _demote(sections, front, doomed)  # e.g. "1 Google Research" before "1 Introduction"
                numbering.path, numbering.dotted = head.numbers, {len(head.numbers): head.dotted}
            elif head is None or not numbering.accept(head):
                if line and current is not None and not _NOISE.match(line):
                    current.lines.append(line)
                continue
            head, skip = _join_wrapped(lines, index, head)
            if is_back_matter(head.text):
                if re.search(r"referen|bibliograph", head.text, re.IGNORECASE):
                    return _finish(front, sections)
                current = None  # acknowledgements: dropped up to the next heading
                continue
            kind = classify_heading(head.text)
            if head.scheme == "letter" or len(head.numbers) > 1:
                kind = top_kind if top_kind != "other" else kind
            else:
                top_kind = kind
            first = [head.rest] if head.rest else []
            current = _Open(head.text, kind=kind, page=page_no, lines=first)
            current.numbers = head.numbers if head.scheme == "arabic" else ()
            sections.append(current)
    return _finish(front, sections)


def _finish(front: _Open, sections: list[_Open]) -> tuple[TextSection, ...]:
    has_abstract = any(s.kind == "abstract" for s in sections)
    ordered = sections if has_abstract else [front, *sections]
    return tuple(
        TextSection(heading=s.heading, kind=s.kind, text="\n".join(s.lines).strip(), page=s.page)
        for s in ordered
        if "".join(s.lines).strip()
    )


def first_page_text(pages: Sequence[str]) -> str:
    """Page 1's text (where affiliations are printed), cut to about 3000 characters."""
    text = pages[0].strip() if pages else ""
    if len(text) <= _FRONT_PAGE_CHARS:
        return text
    cut = text.rfind("\n", 0, _FRONT_PAGE_CHARS)
    return text[: cut if cut > _FRONT_PAGE_CHARS // 2 else _FRONT_PAGE_CHARS].rstrip()
