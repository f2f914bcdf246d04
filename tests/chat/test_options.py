"""The one --lang parser: every spelling accepted by /summarize, /ask, /subscribe and /settings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.chat.options import split_language
from bot.digests.subscribe_args import parse_settings, parse_subscribe
from bot.errors import BadInput


@pytest.mark.parametrize(
    ("typed", "rest", "language"),
    [
        ("2408.13714", "2408.13714", "en"),
        ("2408.13714 --lang zh", "2408.13714", "zh"),
        ("2408.13714 --lang=ZH", "2408.13714", "zh"),
        ("--language zh 2408.13714", "2408.13714", "zh"),
        ("what is LoRA? lang:zh", "what is LoRA?", "zh"),
        ("talking head --lang zh LoRA", "talking head LoRA", "zh"),
        ("a --lang zh b --lang en", "a b", "en"),  # the last one counts
        ("see arxiv.org/lang:zh", "see arxiv.org/lang:zh", "en"),  # not an option mid-word
    ],
)
def test_every_spelling_of_the_language_option(typed: str, rest: str, language: str) -> None:
    assert split_language(typed, "en") == (rest, language)


@pytest.mark.parametrize("typed", ["cs.CV --lang zh", "cs.CV --language=zh", "cs.CV lang:zh"])
def test_subscribe_and_settings_take_the_same_spellings(typed: str) -> None:
    assert parse_subscribe(typed).language == "zh"
    assert parse_subscribe(typed).categories == ("cs.CV",)
    assert parse_settings(typed.removeprefix("cs.CV ")).language == "zh"


@pytest.mark.parametrize(
    ("parse", "typed", "says"),
    [
        (lambda t: split_language(t, "en"), "2408.13714 --lang fr", "Unknown language 'fr'"),
        (lambda t: split_language(t, "en"), "2408.13714 --lang", "--lang needs a value"),
        (parse_subscribe, "cs.CV --lang fr", "--lang must be one of en, zh"),
        (parse_subscribe, "cs.CV --lang fr", "Example: /subscribe"),
        (parse_settings, "--lang", "Example: /settings"),
    ],
)
def test_a_wrong_language_gets_a_short_answer(
    parse: Callable[[str], object], typed: str, says: str
) -> None:
    with pytest.raises(BadInput) as refused:
        parse(typed)
    assert says in refused.value.message and len(refused.value.message) < 200
