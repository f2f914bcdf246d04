"""Cut a paper's sections into overlapping, citable passages for question answering."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from pydantic import BaseModel

from bot.papers.models import FullText, SectionKind, TextSection
from bot.summaries.textstats import split_sentences, trim, words

MAX_CHUNKS = 400
_SENTENCE_END = re.compile(r"[.!?:][\"'”’)\]]*$")
_SECTION_NUMBER = re.compile(
    r"^\s*(?P<num>\d{1,2}(?:\.\d{1,2})*|[IVXLC]{1,5}|[A-Z])\.?\s+(?P<title>\S.*)$"
)
_PAGE_SEARCH_LINES = 400  # how far ahead in the pages a section line is looked for


class Chunk(BaseModel, frozen=True):
    """One passage of a paper: whole sentences of one section, with where they are printed."""

    id: int
    section: str  # the section heading, e.g. "4.2 Ablation"
    kind: SectionKind = "other"
    page: int | None = None  # 1-based page the passage starts on (PDFs only)
    text: str


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    page: int | None
    paragraph: int


def cite(chunk: Chunk) -> str:
    """A short citation: '§4.2 Ablation, p. 6', '§II Method' or '§Abstract'."""
    match = _SECTION_NUMBER.match(chunk.section)
    label = f"{match['num']} {match['title']}" if match else chunk.section.strip()
    where = f"§{trim(label, 48)}"
    return where if chunk.page is None else f"{where}, p. {chunk.page}"


def chunk_paper(
    text: FullText,
    *,
    target_chars: int = 1200,
    overlap_chars: int = 200,
    max_chunks: int = MAX_CHUNKS,
    pages: Sequence[str] | None = None,
) -> tuple[Chunk, ...]:
    """Split every section into passages of about ``target_chars`` on sentence boundaries.

    Passages prefer to end at a paragraph's end, repeat up to ``overlap_chars`` of the previous
    passage's last sentences, and a section that fits in one passage is kept whole. Each passage
    starts on the page of its first sentence when ``pages`` (the PDF's page texts the sections were
    split from) is given, else on its section's first page. A long paper gets longer passages so
    there are at most ``max_chunks``.
    """
    total = sum(len(s.text) for s in text.sections)
    target = max(target_chars, math.ceil(1.2 * total / max_chunks) + overlap_chars)
    prepared = [(s, _sentences(s, _line_pages(s, pages))) for s in text.sections]
    for _ in range(8):  # per-section remainders can still overshoot: grow the passages
        passages = [
            (section, body, page)
            for section, sentences in prepared
            for body, page in _pack(sentences, target, min(overlap_chars, target // 2))
        ]
        if len(passages) <= max_chunks:
            break
        target = target * 3 // 2
    return tuple(
        Chunk(id=i, section=s.heading, kind=s.kind, page=page, text=body)
        for i, (s, body, page) in enumerate(passages[:max_chunks])
    )


def _line_pages(section: TextSection, pages: Sequence[str] | None) -> list[int | None]:
    """The page of each line of a PDF section, found by reading its lines off the pages in order."""
    lines = section.text.split("\n")
    if pages is None or section.page is None:
        return [section.page] * len(lines)
    printed = [
        (number, line.strip())
        for number, page in enumerate(pages, start=1)
        if number >= section.page
        for line in page.split("\n")
    ]
    found: list[int | None] = []
    at, page_no = 0, section.page
    for line in lines:
        line = line.strip()
        for index in range(at, min(at + _PAGE_SEARCH_LINES, len(printed))):
            if line and printed[index][1] == line:
                at, page_no = index + 1, printed[index][0]
                break
        found.append(page_no)
    return found


def _paragraphs(lines: list[str]) -> list[list[int]]:
    """Line indexes grouped in paragraphs: blank lines, or a short line ending a sentence."""
    widths = sorted(len(line) for line in lines if line.strip())
    full = widths[(3 * len(widths)) // 4] if widths else 0
    groups: list[list[int]] = [[]]
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            if groups[-1]:
                groups.append([])
            continue
        groups[-1].append(index)
        if _SENTENCE_END.search(stripped) and len(stripped) < 0.8 * full:
            groups.append([])
    return [g for g in groups if g]


def _sentences(section: TextSection, line_pages: list[int | None]) -> list[_Sentence]:
    """The section's sentences, each with the page its first word is printed on."""
    lines = section.text.split("\n")
    out: list[_Sentence] = []
    for number, group in enumerate(_paragraphs(lines)):
        word_pages = [line_pages[i] for i in group for _ in words(lines[i])]
        offset = 0
        for sentence in split_sentences(" ".join(lines[i].strip() for i in group)):
            page = word_pages[min(offset, len(word_pages) - 1)] if word_pages else line_pages[0]
            out.append(_Sentence(sentence, page, number))
            offset += len(words(sentence))
    return out


def _pieces(sentence: _Sentence, limit: int) -> list[_Sentence]:
    """A sentence longer than ``limit`` (a table, a formula) cut at spaces into shorter parts."""
    if len(sentence.text) <= limit:
        return [sentence]
    parts: list[_Sentence] = []
    rest = sentence.text
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        parts.append(_Sentence(rest[:cut].strip(), sentence.page, sentence.paragraph))
        rest = rest[cut:].strip()
    if rest:
        parts.append(_Sentence(rest, sentence.page, sentence.paragraph))
    return parts


def _join(sentences: Sequence[_Sentence]) -> str:
    """Sentences as text: a space inside a paragraph, a blank line between paragraphs."""
    text = sentences[0].text
    for before, sentence in pairwise(sentences):
        text += (" " if sentence.paragraph == before.paragraph else "\n\n") + sentence.text
    return text


def _size(sentences: Sequence[_Sentence]) -> int:
    return sum(len(s.text) + 1 for s in sentences)


def _pack(sentences: list[_Sentence], target: int, overlap: int) -> list[tuple[str, int | None]]:
    """Group sentences into passages of about ``target`` characters with a trailing overlap."""
    units = [part for s in sentences for part in _pieces(s, target)]
    if not units:
        return []
    if _size(units) <= target + overlap:
        return [(_join(units), units[0].page)]
    passages: list[list[_Sentence]] = []
    current: list[_Sentence] = []
    fresh = 0  # characters in ``current`` not repeated from the passage before
    for index, unit in enumerate(units):
        if fresh and _size(current) + len(unit.text) > target:
            passages.append(current)
            current, fresh = _tail(current, overlap), 0
        current.append(unit)
        fresh += len(unit.text) + 1
        ends_paragraph = index + 1 < len(units) and units[index + 1].paragraph != unit.paragraph
        if ends_paragraph and _size(current) >= 0.6 * target:
            passages.append(current)
            current, fresh = _tail(current, overlap), 0
    if fresh:
        passages.append(current)
    return [(_join(p), p[0].page) for p in passages]


def _tail(passage: list[_Sentence], overlap: int) -> list[_Sentence]:
    """The last sentences of a passage (never its first) that fit in ``overlap`` characters."""
    kept: list[_Sentence] = []
    for sentence in reversed(passage[1:]):
        if _size(kept) + len(sentence.text) + 1 > overlap:
            break
        kept.insert(0, sentence)
    return kept
