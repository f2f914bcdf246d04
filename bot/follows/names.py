"""Author names as arXiv lists them: folding, parsing, and whether two strings may name one person.

"Saunders, Jack", "J. Saunders", "Jack Saunders" and "Jack A. Saunders" agree; "Jack Saunders"
and "James Saunders" do not. Accents, case and punctuation never matter ("José García" is
"Jose Garcia", "Zoë Müller" is "Zoe Muller"); an initial stands for any given name starting with
that letter; a missing middle name is no conflict, a different one is; particles ("van", "de")
are optional; a compound family name may be hyphenated or not ("García-Márquez", "García
Márquez"); and a two-word name may come family name first ("Zhang Wei" is "Wei Zhang", as
arXiv lists Chinese names in either order). Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# Letters NFKD does not decompose into a base letter and a mark.
_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "ı": "i",
        "þ": "th",
        "Þ": "Th",
        "’": "'",
    }
)
PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "dei",
        "des",
        "di",
        "da",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "ter",
        "ten",
        "st",
        "bin",
        "ibn",
        "al",
        "el",
        "zu",
    ]
)
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_INITIALS = re.compile(r"^(?:[A-Za-z]\.?)$|^(?:[A-Za-z]\.){2,3}$")
_GIVEN_SPLIT = re.compile(r"[\s.\-]+")
_SURNAME_SPLIT = re.compile(r"[\s\-]+")
MAX_CHARS = 80


def fold(text: str) -> str:
    """``text`` without accents (NFKD minus combining marks, and ß, ø, ł… spelled out)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _clean(word: str) -> str:
    return "".join(c for c in word.casefold() if c.isalpha())


@dataclass(frozen=True, slots=True)
class AuthorName:
    """One name, parsed: given names (or initials) and family name, folded and lower-cased."""

    text: str  # as written, whitespace collapsed ("Jack Saunders")
    given: tuple[str, ...]  # ("jack", "a")
    family: tuple[str, ...]  # ("van", "gogh"), ("garcia", "marquez")
    family_first: bool  # written "Saunders, Jack" or "Saunders J."

    @property
    def surname(self) -> str:
        """The family name's key: its words without particles, joined (``garciamarquez``)."""
        words = [w for w in self.family if w not in PARTICLES] or list(self.family)
        return "".join(words)

    @property
    def search_term(self) -> str:
        """The family name's last word without accents, for arXiv's ``au:`` search."""
        return self.family[-1]

    @property
    def key(self) -> str:
        """A canonical form: the same for "Saunders, Jack" and "Jack Saunders"."""
        return f"{self.surname}|{' '.join(self.given)}"

    @property
    def initials_only(self) -> bool:
        """True when every given name is an initial ("J. A. Saunders")."""
        return all(len(g) == 1 for g in self.given)

    def readings(self) -> list[tuple[tuple[str, ...], str]]:
        """The (given names, family name key) this name may stand for, the plain one first."""
        found = [(self.given, self.surname)]
        core = [w for w in self.family if w not in PARTICLES]
        if len(core) >= 2:  # "García Márquez, Gabriel" may be listed as "Gabriel Márquez"
            found.append((self.given + tuple(core[:-1]), core[-1]))
        if not self.family_first:
            if len(self.given) >= 2 and len(self.given[-1]) > 1:  # "Gabriel García Márquez"
                found.append((self.given[:-1], self.given[-1] + self.surname))
            if len(self.given) == 1 and len(self.given[0]) > 1 and len(self.family) == 1:
                found.append(((self.family[0],), self.given[0]))  # "Zhang Wei" = "Wei Zhang"
        return found

    def specificity(self) -> tuple[int, int]:
        """How complete the name is: full given names, then given names."""
        return (sum(len(g) > 1 for g in self.given), len(self.given))


@lru_cache(maxsize=16_384)  # a digest reads the same author strings for every followed name
def parse_name(text: str) -> AuthorName | None:
    """Read a name as arXiv or a user writes it; None when it has no given name and family
    name in Latin letters (arXiv lists every author in Latin script). "Saunders, Jack" is
    shown as "Jack Saunders"."""
    shown = " ".join(text.replace('"', " ").replace("“", " ").replace("”", " ").split())
    if not shown or len(shown) > MAX_CHARS:
        return None
    folded = fold(shown)
    if any(c.isalpha() and not c.isascii() for c in folded):
        return None
    parts = [p.strip() for p in folded.split(",")]
    parts = [p for p in parts if p and _clean(p) not in SUFFIXES]
    family_first = len(parts) >= 2
    if family_first:
        family_text, given_text = parts[0], " ".join(parts[1:])
        written = [p.strip() for p in shown.split(",")]
        written = [w for w in written if w and _clean(fold(w)) not in SUFFIXES]
        shown = " ".join([*written[1:], written[0]])  # shown given names first
    else:
        tokens = [t for t in folded.split() if _clean(t) not in SUFFIXES]
        if len(tokens) < 2:
            return None
        if not _INITIALS.match(tokens[0]) and all(_INITIALS.match(t) for t in tokens[1:]):
            family_first = True  # "Saunders J." or "Saunders J. A."
            family_text, given_text = tokens[0], " ".join(tokens[1:])
        else:
            start = len(tokens) - 1
            while start > 1 and _clean(tokens[start - 1]) in PARTICLES:
                start -= 1
            family_text, given_text = " ".join(tokens[start:]), " ".join(tokens[:start])
    given = tuple(w for w in (_clean(g) for g in _GIVEN_SPLIT.split(given_text)) if w)
    family = tuple(w for w in (_clean(f) for f in _SURNAME_SPLIT.split(family_text)) if w)
    if not given or not family:
        return None
    return AuthorName(shown, given, family, family_first)


def _word_agrees(a: str, b: str) -> bool:
    return a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def given_agree(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two lists of given names may be one person's: position by position each pair
    is equal or an initial of the other, and a missing middle name is no conflict."""
    if "".join(a) == "".join(b):  # "Xiao-Ming" and "Xiaoming"
        return True
    return bool(a) and bool(b) and all(_word_agrees(x, y) for x, y in zip(a, b, strict=False))


def same_person(a: AuthorName, b: AuthorName) -> bool:
    """Whether the two names may be the same author as arXiv lists them."""
    return any(
        sa == sb and given_agree(ga, gb) for ga, sa in _readings(a) for gb, sb in _readings(b)
    )


@lru_cache(maxsize=16_384)
def _readings(name: AuthorName) -> list[tuple[tuple[str, ...], str]]:
    return name.readings()


def family_keys(name: AuthorName) -> frozenset[str]:
    """Every family name key ``name`` may have: two names share one if they may match."""
    return frozenset(surname for _, surname in _readings(name))


def matches(followed: AuthorName, author: str) -> bool:
    """Whether the arXiv author string ``author`` may be ``followed``."""
    parsed = parse_name(author)
    return parsed is not None and same_person(followed, parsed)


def distinct_people(names: Sequence[str]) -> list[list[str]]:
    """Group author strings into people who may be one (most complete form first in each group,
    groups in order of that form's completeness, then of appearance): "Jack Saunders" and
    "J. Saunders" share a group, "James Saunders" has its own."""
    parsed = [(n, p) for n in dict.fromkeys(names) if (p := parse_name(n)) is not None]
    parsed.sort(key=lambda pair: pair[1].specificity(), reverse=True)
    groups: list[list[tuple[str, AuthorName]]] = []
    for written, name in parsed:
        home = next((g for g in groups if same_person(g[0][1], name)), None)
        if home is None:
            groups.append([(written, name)])
        else:
            home.append((written, name))
    return [[written for written, _ in group] for group in groups]
