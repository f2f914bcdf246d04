"""A keyword query language for subscriptions: words, "phrases", AND, OR, NOT and parentheses.

Precedence is NOT > AND > OR and adjacent terms are ANDed: ``"talking head" OR lip-sync NOT
survey`` means ``"talking head" OR (lip-sync AND NOT survey)``; ``str(query)`` shows those
parentheses and :attr:`Query.hint` points the trap out. Operators are read in any case; quote one
to search for the word (``"or"``). ``-word`` is ``NOT word``.

Matching is on words: case-folded, accents dropped, split at anything not a letter or digit, so
``lip-sync`` matches "lip sync", "Lip-Sync" and "lipsync" (several words also match as one), and
``head`` never matches "ahead". English plurals, lightly: a query word also matches itself + s/es
(y -> ies) and, when it looks plural (ends in s but not ss/us/is), itself - s/es (ies -> y); so
``"talking head"`` matches "Talking Heads", ``bias`` "biases", ``cameras`` "camera". Irregular
plurals (analysis/analyses) are not folded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from bot.errors import BadInput

MAX_CHARS = 300
MAX_TERMS = 30
MAX_DEPTH = 8
EXAMPLE = 'Example: "talking head" OR lip-sync NOT survey'
_TOKEN = re.compile(r'\s*(?:(\()|(\))|(")([^"]*)("?)|(-)(?=[^\s-])|([^\s()"]+))')
_WORD = re.compile(r"[^\W_]+")
_OPERATORS = ("OR", "AND", "NOT")


@dataclass(frozen=True, slots=True)
class Term:
    """A word or a quoted phrase; ``words`` are its folded words."""

    text: str
    words: tuple[str, ...]
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class Not:
    """Everything but ``child``."""

    child: Node


@dataclass(frozen=True, slots=True)
class Group:
    """All (``op`` AND) or any (``op`` OR) of the children."""

    op: Literal["AND", "OR"]
    children: tuple[Node, ...]


Node = Term | Not | Group


@cache
def _forms(word: str) -> frozenset[str]:
    """The spellings a folded query word matches: itself, its plural, and its singular."""
    forms = {word, word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        forms.update((word[:-1], word[:-2]) if word.endswith("es") else (word[:-1],))
        if word.endswith("ies"):
            forms.add(word[:-3] + "y")
    return frozenset(forms)


def fold_words(text: str) -> tuple[str, ...]:
    """The words of ``text`` as the matcher reads them: case-folded, accents dropped."""
    plain = text.casefold()
    if not plain.isascii():
        plain = unicodedata.normalize("NFKD", plain)
        plain = "".join(c for c in plain if not unicodedata.combining(c))
    return tuple(_WORD.findall(plain))


@dataclass(frozen=True, slots=True)
class _Text:
    """A title or abstract, folded, with the positions of each word."""

    words: tuple[str, ...]
    where: dict[str, list[int]]

    @classmethod
    def of(cls, text: str) -> _Text:
        words, where = fold_words(text), dict[str, list[int]]()
        for position, word in enumerate(words):
            where.setdefault(word, []).append(position)
        return cls(words, where)

    def count(self, term: tuple[str, ...]) -> int:
        """How often the term's words occur in sequence (or, when several, as one word)."""
        found = 0
        for form in _forms(term[0]):
            for start in self.where.get(form, ()):
                following = self.words[start + 1 : start + len(term)]
                if len(following) == len(term) - 1 and all(
                    w in _forms(t) for w, t in zip(following, term[1:], strict=True)
                ):
                    found += 1
        if len(term) > 1:
            found += sum(len(self.where.get(form, ())) for form in _forms("".join(term)))
        return found


def _show(node: Node) -> str:
    if isinstance(node, Term):
        return f'"{node.text}"' if node.phrase else node.text
    if isinstance(node, Not):
        return f"NOT {_wrap(node.child, _show)}"
    return f" {node.op} ".join(_wrap(c, _show) for c in node.children)


def _wrap(node: Node, render: Callable[[Node], str]) -> str:
    text = render(node)
    return f"({text})" if isinstance(node, Group) else text


def _arxiv(node: Node) -> str:
    if isinstance(node, Term):
        raw = _WORD.findall(node.text.lower()) or list(node.words)
        return f"all:{raw[0]}" if len(raw) == 1 else f'all:"{" ".join(raw)}"'
    if isinstance(node, Group) and node.op == "OR":
        if not any(isinstance(c, Not) for c in node.children):
            return " OR ".join(_wrap(c, _arxiv) for c in node.children)
    elif isinstance(node, Group):
        plus = [c for c in node.children if not isinstance(c, Not)]
        minus = [c.child for c in node.children if isinstance(c, Not)]
        if plus:
            text = " AND ".join(_wrap(c, _arxiv) for c in plus)
            return text + "".join(f" ANDNOT {_wrap(c, _arxiv)}" for c in minus)
    raise BadInput(
        "arXiv search needs a word to look for next to each NOT, e.g. lip-sync NOT survey; "
        "or give the subscription categories too."
    )


def _eval(node: Node, title: _Text, abstract: _Text) -> bool:
    if isinstance(node, Term):
        return title.count(node.words) + abstract.count(node.words) > 0
    if isinstance(node, Not):
        return not _eval(node.child, title, abstract)
    found = (_eval(c, title, abstract) for c in node.children)
    return all(found) if node.op == "AND" else any(found)


def _positive_terms(node: Node, negated: bool = False) -> list[Term]:
    if isinstance(node, Term):
        return [] if negated else [node]
    if isinstance(node, Not):
        return _positive_terms(node.child, not negated)
    return [t for c in node.children for t in _positive_terms(c, negated)]


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed keyword query; build it with :func:`parse_query`."""

    root: Node

    def matches(self, title: str, abstract: str) -> bool:
        """Whether a paper with this title and abstract satisfies the query."""
        return _eval(self.root, _Text.of(title), _Text.of(abstract))

    def score(self, title: str, abstract: str) -> float:
        """Relevance for ordering: 0 when not matching, else 1 plus the weight of the hits.

        Each positive term (one not under NOT) found adds 1, plus 4 per title hit (up to 3) and
        1 per abstract hit (up to 5): a title hit outweighs two terms in the abstract, and one
        repeated word cannot outweigh several different ones.
        """
        in_title, in_abstract = _Text.of(title), _Text.of(abstract)
        if not _eval(self.root, in_title, in_abstract):
            return 0.0
        total = 1
        for term in _positive_terms(self.root):
            title_hits, abstract_hits = in_title.count(term.words), in_abstract.count(term.words)
            if title_hits or abstract_hits:
                total += 1 + 4 * min(title_hits, 3) + min(abstract_hits, 5)
        return float(total)

    def positive_terms(self) -> list[str]:
        """The words and phrases the query looks for (those not under NOT), as typed."""
        return [term.text for term in _positive_terms(self.root)]

    def matched_terms(self, title: str, abstract: str) -> list[str]:
        """The positive terms found in this title or abstract, in query order."""
        in_title, in_abstract = _Text.of(title), _Text.of(abstract)
        return [
            term.text
            for term in _positive_terms(self.root)
            if in_title.count(term.words) or in_abstract.count(term.words)
        ]

    def to_arxiv(self) -> str:
        """The query as an arXiv API ``search_query`` over all fields (a prefilter: re-check
        results with :meth:`matches`). Raises BadInput when NOT has nothing to subtract from."""
        return _arxiv(self.root)

    @property
    def hint(self) -> str | None:
        """A note for the user when a trailing NOT applies to the last OR alternative only."""
        root = self.root
        if not isinstance(root, Group) or root.op != "OR":
            return None
        last = root.children[-1]
        if not isinstance(last, Group):
            return None
        minus = [c for c in last.children if isinstance(c, Not)]
        plus = tuple(c for c in last.children if not isinstance(c, Not))
        if not minus or not plus:
            return None
        kept = plus[0] if len(plus) == 1 else Group("AND", plus)
        fixed = f"({_show(Group('OR', (*root.children[:-1], kept)))}) {' '.join(map(_show, minus))}"
        return f"{_show(minus[0])} applies to the last alternative only. To exclude it from all: {fixed}"

    def __str__(self) -> str:
        """The normalised query for display. Store the user's own text, not this: explicit
        ANDs and parentheses can make it longer than MAX_CHARS."""
        return _show(self.root)


class _Parser:
    """Recursive descent over tokens: or := and (OR and)*; and := not (AND? not)*."""

    def __init__(self, tokens: list[str | Term]) -> None:
        self.tokens, self.pos, self.depth = tokens, 0, 0

    def peek(self) -> str | Term | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str | Term | None:
        token = self.peek()
        self.pos += 1
        return token

    def parse_or(self) -> Node:
        children = [self.parse_and(None)]
        while self.peek() == "OR":
            self.take()
            children.append(self.parse_and("OR"))
        return _group("OR", children)

    def parse_and(self, after: str | None) -> Node:
        children = [self.parse_not(after)]
        while (token := self.peek()) is not None and token not in ("OR", ")"):
            if token == "AND":
                self.take()
            children.append(self.parse_not("AND" if token == "AND" else None))
        return _group("AND", children)

    def parse_not(self, after: str | None) -> Node:
        if self.peek() != "NOT":
            return self.parse_atom(after)
        self.take()
        child = self.parse_not("NOT")
        return child.child if isinstance(child, Not) else Not(child)

    def parse_atom(self, after: str | None) -> Node:
        token = self.take()
        if isinstance(token, Term):
            return token
        if token == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise BadInput(f"The query nests parentheses too deeply. {EXAMPLE}")
            if self.peek() == ")":
                raise BadInput(f'There is an empty "()" in the query. {EXAMPLE}')
            inner = self.parse_or()
            if self.take() != ")":
                raise BadInput(f'A "(" is never closed with ")". {EXAMPLE}')
            self.depth -= 1
            return inner
        if token is None and after is None:
            raise BadInput(f'A "(" is never closed with ")". {EXAMPLE}')
        if after is not None:
            raise BadInput(f'"{after}" needs a term after it. {EXAMPLE}')
        if token == ")":
            raise BadInput(f'A ")" has no "(" before it. {EXAMPLE}')
        raise BadInput(f'"{token}" needs a term before it. {EXAMPLE}')


def _group(op: Literal["AND", "OR"], children: list[Node]) -> Node:
    """One child as is, else a group with nested groups of the same operator flattened."""
    if len(children) == 1:
        return children[0]
    same = (c.children if isinstance(c, Group) and c.op == op else (c,) for c in children)
    return Group(op, tuple(g for c in same for g in c))


def _tokens(text: str) -> list[str | Term]:
    tokens: list[str | Term] = []
    for opened, closed, quote, phrase, end_quote, minus, word in _TOKEN.findall(text):
        if quote:
            if not end_quote:
                raise BadInput(f'A quote (") is never closed. {EXAMPLE}')
            tokens.append(_term(" ".join(phrase.split()), phrase=True))
        elif opened or closed:
            tokens.append(opened or closed)
        elif minus:
            tokens.append("NOT")
        elif word.upper() in _OPERATORS:
            tokens.append(word.upper())
        elif word:
            tokens.append(_term(word, phrase=False))
    return tokens


def _term(text: str, *, phrase: bool) -> Term:
    words = fold_words(text)
    if not words:
        raise BadInput(f'"{text[:40]}" has no letters or digits to search for. {EXAMPLE}')
    return Term(text, words, phrase)


def parse_query(text: str) -> Query:
    """Parse a keyword query, raising BadInput that says what is wrong, with an example."""
    text = text.strip()
    if not text:
        raise BadInput(f"The keyword query is empty. {EXAMPLE}")
    if len(text) > MAX_CHARS:
        raise BadInput(f"The keyword query is too long (at most {MAX_CHARS} characters). {EXAMPLE}")
    tokens = _tokens(text)
    if sum(isinstance(t, Term) for t in tokens) > MAX_TERMS:
        raise BadInput(f"The keyword query has too many terms (at most {MAX_TERMS}). {EXAMPLE}")
    parser = _Parser(tokens)
    root = parser.parse_or()
    if parser.peek() is not None:
        raise BadInput(f'A ")" has no "(" before it. {EXAMPLE}')
    return Query(root)
