"""Reference-library files (BibTeX, CSL JSON as Zotero exports them) read into arXiv ids and titles."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from bibtexparser.entrypoint import parse_string
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock

from bot.arxiv.ids import parse_id
from bot.errors import BadInput
from bot.papers.models import PaperId

MAX_FILE_BYTES = 1_000_000
MAX_ENTRIES = 500
NOT_A_LIBRARY = (
    "That file is neither BibTeX nor CSL JSON (Zotero: File → Export Library…, "
    "format BibTeX or CSL JSON)."
)

_ID = r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)"
_IN_TEXT = (
    re.compile(rf"arxiv\.org/(?:abs|pdf|html)/{_ID}", re.IGNORECASE),
    re.compile(rf"10\.48550/arxiv\.{_ID}", re.IGNORECASE),
    re.compile(rf"\barxiv\s*[:.]?\s*{_ID}", re.IGNORECASE),
)
# fields that may spell an arXiv id, in the order they are trusted (lower-case names)
_ID_FIELDS = ("eprint", "archive_id", "url", "doi", "number", "journal", "note", "howpublished")
_CSL_FIELDS = {"archive_id": "archive_ID", "url": "URL", "doi": "DOI", "journal": "container-title"}
_LATEX_MARKUP = re.compile(r"\\[a-zA-Z]+\s*|\\[^a-zA-Z\s]|[{}$]")  # \emph, \'e, braces


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """One reference: its arXiv id when the file names one, else its title (may be empty)."""

    paper: PaperId | None
    title: str


@dataclass(slots=True)
class Library:
    """What a file held: readable entries, where the unreadable ones start, what was over the cap."""

    kind: Literal["BibTeX", "CSL JSON"]
    entries: list[LibraryEntry] = field(default_factory=list)
    malformed: list[int] = field(default_factory=list)  # 1-based lines (BibTeX) or item numbers
    over_cap: int = 0


def read_library(data: bytes) -> Library:
    """Read a BibTeX or CSL JSON file; raise BadInput when it is neither (or too large)."""
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(
            f"That file is over {MAX_FILE_BYTES // 1_000_000} MB; send a smaller export."
        )
    if b"\x00" in data:
        raise BadInput(NOT_A_LIBRARY)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        if sum(not (c.isprintable() or c.isspace()) for c in text) > len(text) // 100:
            raise BadInput(NOT_A_LIBRARY) from None
    stripped = text.lstrip()
    library = _csl_json(stripped) if stripped[:1] in ("[", "{") else _bibtex(text)
    if library is None or (not library.entries and not library.malformed):
        raise BadInput(NOT_A_LIBRARY)
    if len(library.entries) > MAX_ENTRIES:
        library.over_cap = len(library.entries) - MAX_ENTRIES
        del library.entries[MAX_ENTRIES:]
    return library


def _bibtex(text: str) -> Library | None:
    if "@" not in text:
        return None
    parsed = parse_string(text)
    library = Library("BibTeX")
    for block in parsed.blocks:
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, Entry
        ):
            block = block.ignore_error_block
        if isinstance(block, Entry):
            fields = {f.key.lower(): str(f.value) for f in block.fields}
            library.entries.append(_entry(fields, fields.get("title", "")))
        elif isinstance(block, ParsingFailedBlock):
            library.malformed.append((block.start_line or 0) + 1)
    return library


def _csl_json(text: str) -> Library | None:
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    items = parsed.get("items", [parsed]) if isinstance(parsed, dict) else parsed
    if not isinstance(items, list):
        return None
    library = Library("CSL JSON")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not ({"title", "type", "id"} & item.keys()):
            library.malformed.append(number)
            continue
        fields = {name: _text(item.get(_CSL_FIELDS.get(name, name))) for name in _ID_FIELDS}
        library.entries.append(_entry(fields, _text(item.get("title"))))
    return library


def _text(value: object) -> str:
    if isinstance(value, str | int | float):
        return str(value)
    return ""


def _entry(fields: Mapping[str, str], title: str) -> LibraryEntry:
    return LibraryEntry(arxiv_id(fields), " ".join(title.split()))


def arxiv_id(fields: Mapping[str, str]) -> PaperId | None:
    """The arXiv id a reference's fields spell (eprint, URL, DOI 10.48550/arXiv.…, "arXiv:…")."""
    prefix = fields.get("archiveprefix", fields.get("eprinttype", "arxiv")).lower()
    eprint = fields.get("eprint", "").strip()
    if eprint and prefix == "arxiv":
        found = parse_id(re.sub(r"^arxiv:\s*", "", eprint, flags=re.IGNORECASE))
        if found is not None:
            return found
    for name in _ID_FIELDS:
        for value in _values(name, fields.get(name, "")):
            found = _in_text(value)
            if found is not None:
                return found
    return None


def _values(name: str, value: str) -> Iterable[str]:
    yield value
    if name in ("archive_id", "number") and value.strip() and "arxiv" not in value.lower():
        yield f"arXiv:{value.strip()}"  # archive_ID/number fields may hold the bare id


def _in_text(value: str) -> PaperId | None:
    for pattern in _IN_TEXT:
        for match in pattern.finditer(value):
            found = parse_id(match.group(1))
            if found is not None:
                return found
    return None


def title_key(title: str) -> str:
    """A title compared without case, accents, LaTeX commands, braces, punctuation or spacing."""
    plain = unicodedata.normalize("NFKD", _LATEX_MARKUP.sub("", title))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain.casefold()).split())
