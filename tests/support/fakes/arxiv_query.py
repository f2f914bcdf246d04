"""The fake arXiv's reading of an API ``search_query``: fields, booleans, phrases, date ranges.

Enough of arXiv's syntax for the queries paperbot sends: ``all: ti: abs:`` words and
``"phrases"`` (found in title or abstract, as substrings, as the fake always did), ``au:`` (every
word of the value is a word of one author's name, accents and case aside: loose, like arXiv's),
``cat:``, ``submittedDate:[YYYYMMDDHHMM TO YYYYMMDDHHMM]`` (the paper's ``published`` time, GMT),
``AND``, ``OR``, ``ANDNOT`` and parentheses. ``AND``/``ANDNOT`` bind tighter than ``OR``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .arxiv_server import FakePaper

Test = Callable[["FakePaper"], bool]
_TOKEN = re.compile(r'\(|\)|\w+:\[[^\]]*\]|\w+:"[^"]*"|"[^"]*"|[^\s()]+')


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", _fold(text))


def _stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%d%H%M").replace(tzinfo=UTC)


def _term(token: str) -> Test:
    field, sep, value = token.partition(":")
    if not sep:
        field, value = "all", token
    field, value = field.lower(), value.strip('"')
    if field == "submitteddate":
        start, _, end = value.strip("[]").partition(" TO ")
        low, high = _stamp(start.strip()), _stamp(end.strip())
        return lambda p: low <= p.published <= high
    if field == "au":
        wanted = _words(value)
        return lambda p: any(all(w in _words(a) for w in wanted) for a in p.authors)
    if field == "cat":
        return lambda p: value in p.categories
    words = value.lower().split() if not token.endswith('"') else [value.lower()]
    return lambda p: all(w in f"{p.title} {p.abstract}".lower() for w in words)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _TOKEN.findall(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def either(self) -> Test:
        parts = [self.both()]
        while self.peek() == "OR":
            self.pos += 1
            parts.append(self.both())
        return lambda p: any(t(p) for t in parts)

    def both(self) -> Test:
        test = self.atom()
        while self.peek() in ("AND", "ANDNOT") or self.peek() not in (None, ")", "OR"):
            op = self.peek()
            if op in ("AND", "ANDNOT"):
                self.pos += 1
            right = self.atom()
            test = _and(test, right, negate=op == "ANDNOT")
        return test

    def atom(self) -> Test:
        token = self.peek()
        self.pos += 1
        if token == "(":
            inner = self.either()
            self.pos += 1  # ")"
            return inner
        return _term(token or "")


def _and(left: Test, right: Test, *, negate: bool) -> Test:
    if negate:
        return lambda p: left(p) and not right(p)
    return lambda p: left(p) and right(p)


def matcher(search_query: str) -> Test:
    """A predicate on papers for an arXiv ``search_query``."""
    return _Parser(search_query).either()
