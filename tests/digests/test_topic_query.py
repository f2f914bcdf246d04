"""Keyword queries of subscriptions: parsing, matching, ranking and translation for arXiv."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.digests.topic_query import MAX_CHARS, Query, parse_query
from bot.errors import BadInput

ISSUE_EXAMPLE = '"talking head" OR "talking face" OR lip-sync NOT survey'


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("diffusion", "diffusion"),
        ('  "talking   head"  ', '"talking head"'),
        ("diffusion audio", "diffusion AND audio"),
        ("a b OR c", "(a AND b) OR c"),
        ("a OR b c", "a OR (b AND c)"),
        ("(a OR b) c", "(a OR b) AND c"),
        ("(a OR b) (c OR d)", "(a OR b) AND (c OR d)"),
        ("a or b and not c", "a OR (b AND NOT c)"),
        ("-survey lip-sync", "NOT survey AND lip-sync"),
        ('-"related work" x', 'NOT "related work" AND x'),
        ("NOT NOT x", "x"),
        ("x -(y z)", "x AND NOT (y AND z)"),
        ("((a OR b) OR c)", "a OR b OR c"),
        ('"or" AND "not"', '"or" AND "not"'),
        (ISSUE_EXAMPLE, '"talking head" OR "talking face" OR (lip-sync AND NOT survey)'),
    ],
)
def test_queries_are_read_with_not_and_or_precedence(text: str, shown: str) -> None:
    assert str(parse_query(text)) == shown


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "The keyword query is empty"),
        ("   ", "The keyword query is empty"),
        ("(talking head", 'A "(" is never closed'),
        ("(", 'A "(" is never closed'),
        ("talking head)", 'A ")" has no "("'),
        (")(", 'A ")" has no "("'),
        ('"talking head', 'A quote (") is never closed'),
        ('a "b" "c', 'A quote (") is never closed'),
        ("a OR", '"OR" needs a term after it'),
        ("a OR OR b", '"OR" needs a term after it'),
        ("OR a", '"OR" needs a term before it'),
        ("AND a", '"AND" needs a term before it'),
        ("a AND", '"AND" needs a term after it'),
        ("(a AND) b", '"AND" needs a term after it'),
        ("a NOT", '"NOT" needs a term after it'),
        ("a -", '"-" has no letters or digits'),
        ('a ""', '"" has no letters or digits'),
        ("a ()", 'empty "()"'),
        ("((((((((((a))))))))))", "nests parentheses too deeply"),
        ("x" * (MAX_CHARS + 1), "too long (at most 300 characters)"),
        (" ".join(["w"] * 31), "too many terms (at most 30)"),
    ],
)
def test_bad_queries_say_what_is_wrong_with_an_example(text: str, says: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_query(text)
    assert says in caught.value.message
    assert 'Example: "talking head" OR lip-sync NOT survey' in caught.value.message


def test_the_display_form_can_outgrow_the_limit_so_the_typed_text_is_what_to_store() -> None:
    typed = " ".join(f"word{i:02d}" for i in range(30))
    assert len(typed) < MAX_CHARS < len(str(parse_query(typed)))


def test_the_limits_themselves_are_allowed() -> None:
    assert parse_query("x" * MAX_CHARS)
    assert parse_query(" ".join(["w"] * 30))
    assert parse_query("(((((((( a ))))))))")


@pytest.mark.parametrize(
    ("query", "title", "abstract", "matches"),
    [
        ('"talking head"', "Talking-Head Video Synthesis", "", True),
        ('"talking head"', "Talking Heads in the Wild", "", True),
        ('"talking head"', "", "a talking\nhead model", True),
        ('"talking head"', "Talking about the head", "", False),
        ('"talking head"', "TalkingHead: one word", "", True),
        ("lip-sync", "", "lip sync", True),
        ("lip-sync", "", "Lip-Sync and more", True),
        ("lip-sync", "", "LipSync", True),
        ("lip-sync", "", "lips and syncs elsewhere", False),
        ("head", "Looking ahead", "headline news", False),
        ("face", "Faces everywhere", "", True),
        ("body", "", "rigid bodies", True),
        ("approach", "", "two approaches", True),
        ("analysis", "", "an analysis of", True),
        ("class", "", "classes of graphs", True),
        ("bias", "", "Removing Biases", True),
        ("case", "", "two cases", True),
        ("databases", "", "one database", True),
        ("cameras", "", "a single camera", True),
        ("study", "", "case studies", True),
        ("movies", "", "a movie", True),
        ("analysis", "", "several analyses", False),  # irregular plurals are not folded
        ("naive", "Naïve Bayes", "", True),
        ("3d", "3D Gaussian Splatting", "", True),
        ("gpt-4", "", "we use GPT-4 here", True),
        ("diffusion AND audio", "Diffusion models", "for audio", True),
        ("diffusion audio", "Diffusion models", "for images", False),
        ("audio or speech", "Speech", "", True),
        ("(audio OR speech) diffusion", "Speech", "", False),
        ("(audio OR speech) diffusion", "Speech diffusion", "", True),
        ("NOT survey", "A method", "", True),
        ('"talking head" NOT survey', "Talking heads: a survey", "", False),
        ("-survey lip-sync", "Lip sync, surveyed", "", True),
        ("a OR b c", "b only", "", False),
        (ISSUE_EXAMPLE, "A survey of lip-sync methods", "", False),
        (ISSUE_EXAMPLE, "A survey of talking faces", "", True),
        (ISSUE_EXAMPLE, "Real-time lip sync", "for avatars", True),
    ],
)
def test_matching_is_on_words_in_title_or_abstract(
    query: str, title: str, abstract: str, matches: bool
) -> None:
    assert parse_query(query).matches(title, abstract) is matches


def test_score_ranks_title_hits_and_more_terms_higher() -> None:
    query = parse_query('"talking head" OR lip-sync OR audio NOT survey')
    in_title = query.score("Talking head generation", "We do things.")
    in_abstract = query.score("Generation", "A talking head model.")
    two_terms = query.score("Generation", "A talking head model with lip-sync.")
    assert in_title > two_terms > in_abstract > 0
    assert query.score("Lip sync", "lip sync lip sync lip sync lip sync lip sync lip sync") < (
        query.score("Lip sync for audio", "talking head, audio")
    )
    assert query.score("A survey of audio", "audio audio") == 0.0
    assert query.score("Nothing relevant", "at all") == 0.0


@pytest.mark.parametrize(
    ("text", "arxiv"),
    [
        ("diffusion", "all:diffusion"),
        ("diffusion audio", "all:diffusion AND all:audio"),
        (
            ISSUE_EXAMPLE,
            'all:"talking head" OR all:"talking face" OR (all:"lip sync" ANDNOT all:survey)',
        ),
        (
            '("talking head" OR lip-sync) -survey',
            '(all:"talking head" OR all:"lip sync") ANDNOT all:survey',
        ),
        ("NOT survey diffusion", "all:diffusion ANDNOT all:survey"),
        ("a NOT (b OR c) d", "all:a AND all:d ANDNOT (all:b OR all:c)"),
        ("c++ ti:head", 'all:c AND all:"ti head"'),  # no arXiv syntax gets through
        ("(a OR b) (c OR NOT d)", None),
        ("NOT survey", None),
        ("a OR NOT b", None),
    ],
)
def test_queries_translate_to_arxiv_search(text: str, arxiv: str | None) -> None:
    query = parse_query(text)
    if arxiv is None:
        with pytest.raises(BadInput, match="needs a word to look for next to each NOT"):
            query.to_arxiv()
    else:
        assert query.to_arxiv() == arxiv


def test_a_trailing_not_that_binds_to_the_last_alternative_gets_a_hint() -> None:
    hint = parse_query(ISSUE_EXAMPLE).hint
    assert hint is not None
    fixed = '("talking head" OR "talking face" OR lip-sync) NOT survey'
    assert fixed in hint
    assert not parse_query(fixed).matches("A survey of talking faces", "")
    assert parse_query(fixed).hint is None
    assert parse_query("lip-sync NOT survey").hint is None
    assert parse_query("a OR b").hint is None


# Properties: any text either parses or is refused politely, and parsing is consistent.

TOKENS = ["(", ")", '"', "OR", "AND", "NOT", "or", "-", "a", "b-c", '"x y"', "d", "-e", "()"]
soup = st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join)
glued = st.lists(st.sampled_from(TOKENS), max_size=14).map("".join)
words = st.sampled_from(["a", "b", "c", "x y", "b-c", "d", "e"])


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=400), soup, glued))
def test_any_text_parses_or_is_refused_with_bad_input(text: str) -> None:
    try:
        query = parse_query(text)
    except BadInput as refused:
        assert refused.message.endswith('Example: "talking head" OR lip-sync NOT survey')
        return
    if len(str(query)) <= MAX_CHARS:
        assert parse_query(str(query)) == query
    with contextlib.suppress(BadInput):
        assert query.to_arxiv()
    assert isinstance(query.matches(text, text), bool)


def _parsed(text: str) -> Query:
    try:
        return parse_query(text)
    except BadInput:
        assume(False)
        raise


leaf = st.sampled_from(["a", "b", '"x y"', "b-c", "-d", "e"])
expression = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"({p[0]}) OR ({p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} AND {p[1]}"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} {p[1]}"),
        inner.map(lambda s: f"NOT ({s})"),
    ),
    max_leaves=5,
)
texts = st.lists(st.sampled_from(["a", "b", "c", "x y", "b-c", "d", "e", "x-y"]), max_size=6)


@settings(max_examples=200, deadline=None)
@given(expression, expression, texts.map(" ".join), texts.map(" ".join))
def test_or_and_not_combine_as_boolean_logic(
    left: str, right: str, title: str, abstract: str
) -> None:
    first, second = _parsed(left), _parsed(right)
    either = _parsed(f"({left}) OR ({right})")
    both = _parsed(f"({left}) ({right})")
    negated = _parsed(f"NOT ({left})")
    a, b = first.matches(title, abstract), second.matches(title, abstract)
    assert either.matches(title, abstract) == (a or b)
    assert both.matches(title, abstract) == (a and b)
    assert negated.matches(title, abstract) == (not a)
    assert (first.score(title, abstract) > 0) == a
