"""The one parser of the language option every command accepts: ``--lang zh`` and its spellings."""

from __future__ import annotations

import re

from bot.errors import BadInput
from bot.papers.models import LANGUAGES, Language

# --lang zh, --lang=zh, --language zh, lang:zh (any case); the value may be quoted.
_LANG_OPTION = re.compile(r"(?:^|(?<=\s))(?:--lang(?:uage)?(?:=|\s+|$)|lang:)(\S*)", re.IGNORECASE)


def language_value(value: str, example: str = "") -> Language:
    """The language a ``--lang`` value names, or a short refusal (with ``example`` after it)."""
    name = value.strip("\"'").lower()
    for language in LANGUAGES:
        if name == language:
            return language
    if not name:
        refusal = f"--lang needs a value: one of {', '.join(LANGUAGES)}."
    else:
        refusal = f"Unknown language {name[:10]!r}: --lang must be one of {', '.join(LANGUAGES)}."
    raise BadInput(f"{refusal} {example}".strip())


def take_language(args: str, example: str = "") -> tuple[str, Language | None]:
    """Take every ``--lang`` option out of ``args``: (the rest, the last language named or None)."""
    language: Language | None = None
    while (match := _LANG_OPTION.search(args)) is not None:
        language = language_value(match[1], example)
        args = (args[: match.start()].rstrip() + " " + args[match.end() :].lstrip()).strip()
    return args, language


def split_language(args: str, default: Language) -> tuple[str, Language]:
    """Take the ``--lang`` option out of ``args``: (the rest, its language or ``default``)."""
    rest, language = take_language(args)
    return rest, language or default
