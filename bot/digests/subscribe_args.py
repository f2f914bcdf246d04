"""Read the arguments of /subscribe and /settings into checked values, with examples on error."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from bot.arxiv.categories import is_category, parse_categories
from bot.chat.options import take_language
from bot.digests.schedule import parse_time_of_day, parse_zone
from bot.digests.subscriptions import Detail
from bot.digests.topic_query import parse_query
from bot.errors import BadInput
from bot.papers.models import Language

SUBSCRIBE_EXAMPLE = (
    'Example: /subscribe cs.CV cs.GR "talking head" OR lip-sync NOT survey '
    "--at 07:30 --tz Asia/Shanghai --lang zh --max 10"
)
ABOUT_EXAMPLE = (
    'Example: /subscribe cs.CV cs.GR --about "audio-driven talking head video generation"'
)
MAX_ABOUT_CHARS = 300
SETTINGS_EXAMPLE = "Example: /settings --lang zh --at 08:00 --tz Asia/Shanghai"
_VALUE_FLAGS = ("--at", "--tz", "--max", "--detail", "--about")
_SWITCHES = ("--brief", "--full", "--cross", "--notify-empty", "--weekly", "--updates")
_CATEGORY_LIKE = re.compile(r"^[a-z\-]+\.[a-z\-]+$|^[a-z]+-[a-z]+$", re.IGNORECASE)
_CHANNEL = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")


@dataclass(kw_only=True)
class SubscribeArgs:
    """What /subscribe asked for; unset options fall back to the chat's settings."""

    channel: str | None = None  # "@name": a Telegram channel managed from a private chat
    categories: tuple[str, ...] = ()
    query: str | None = None
    at: str | None = None
    zone: str | None = None
    language: Language | None = None
    max_papers: int | None = None
    detail: Detail | None = None
    include_cross: bool = False
    notify_empty: bool = False
    weekly: bool = False  # a weekly recap instead of daily digests
    updates: bool = False  # reply under a delivered paper when a new version changes it
    about: str | None = None  # the topic in plain words
    hint: str | None = None  # a note on how the query was read


def _split(text: str) -> list[str]:
    try:
        lexer = shlex.shlex(text, posix=False)
        lexer.whitespace_split = True
        lexer.commenters = ""
        return list(lexer)
    except ValueError:
        raise BadInput(f"A quote is not closed. {SUBSCRIBE_EXAMPLE}") from None


def _take_options(tokens: list[str], args: SubscribeArgs, example: str) -> list[str]:
    rest: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i].lower()
        if token in _SWITCHES:
            if token in ("--brief", "--full"):
                args.detail = "brief" if token == "--brief" else "full"
            elif token == "--cross":
                args.include_cross = True
            elif token == "--weekly":
                args.weekly = True
            elif token == "--updates":
                args.updates = True
            else:
                args.notify_empty = True
        elif token == "--about" and i + 1 < len(tokens) and not tokens[i + 1].startswith('"'):
            words: list[str] = []  # unquoted (as a slash command sends it): up to the next option
            while i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
                i += 1
                (rest if is_category(tokens[i]) else words).append(tokens[i])
            _set(args, token, " ".join(words), example)
        elif token in _VALUE_FLAGS:
            if i + 1 >= len(tokens):
                raise BadInput(f"{token} needs a value. {example}")
            _set(args, token, tokens[i + 1].strip('"'), example)
            i += 1
        elif token.startswith("--"):
            raise BadInput(f"Unknown option {tokens[i][:20]}. {example}")
        else:
            rest.append(tokens[i])
        i += 1
    return rest


def _set(args: SubscribeArgs, flag: str, value: str, example: str) -> None:
    if flag == "--at":
        args.at = parse_time_of_day(value).strftime("%H:%M")
    elif flag == "--tz":
        args.zone = parse_zone(value).key
    elif flag == "--max":
        if not value.isdigit() or not 1 <= int(value) <= 50:
            raise BadInput(f"--max must be a number from 1 to 50. {example}")
        args.max_papers = int(value)
    elif flag == "--about":
        about = " ".join(value.strip("\"'“”「」").split())
        if not about:
            raise BadInput(f"--about needs a description in quotes. {ABOUT_EXAMPLE}")
        if len(about) > MAX_ABOUT_CHARS:
            raise BadInput(f"--about is too long (at most {MAX_ABOUT_CHARS} characters).")
        args.about = about
    elif flag == "--detail":
        if value.lower() not in ("full", "brief"):
            raise BadInput(f"--detail must be full or brief. {example}")
        args.detail = "brief" if value.lower() == "brief" else "full"


def parse_subscribe(text: str) -> SubscribeArgs:
    """``[@channel] [categories…] [keyword query] [--at HH:MM] [--tz Zone] [--lang] …``.

    Known categories count wherever they stand (``"talking head" cs.CV`` works); an unknown
    category-like word before any keyword is refused with suggestions (``cs.CVV``).
    """
    text, language = take_language(text, SUBSCRIBE_EXAMPLE)
    args = SubscribeArgs(language=language)
    tokens = _take_options(_split(text), args, SUBSCRIBE_EXAMPLE)
    if tokens and _CHANNEL.match(tokens[0]):
        args.channel = tokens.pop(0)
    categories: list[str] = []
    words: list[str] = []
    for token in tokens:
        if _CATEGORY_LIKE.match(token) and (is_category(token) or not words):
            categories.extend(parse_categories(token))  # unknown and first: say what is close
        else:
            words.append(token)
    args.categories = tuple(dict.fromkeys(categories))
    if words:
        query = parse_query(" ".join(words))  # refused here, with why, if malformed
        if not categories:
            query.to_arxiv()  # keyword-only: it must be searchable (NOT needs a word beside it)
        args.query, args.hint = " ".join(words), query.hint
    if not args.categories and not args.query:
        raise BadInput(
            f"Subscribe to what? Give arXiv categories and/or keywords. {SUBSCRIBE_EXAMPLE}"
        )
    if args.about and not args.categories:
        raise BadInput(f"--about ranks a category's papers: name the categories. {ABOUT_EXAMPLE}")
    return args


def parse_settings(text: str) -> SubscribeArgs:
    """``/settings [--lang zh] [--at 08:00] [--tz Asia/Shanghai]``: the chat's defaults."""
    text, language = take_language(text, SETTINGS_EXAMPLE)
    args = SubscribeArgs(language=language)
    rest = _take_options(_split(text), args, SETTINGS_EXAMPLE)
    if rest or args.about:
        shown = " ".join(rest)[:40] or "--about"
        raise BadInput(f"I did not understand {shown!r}. {SETTINGS_EXAMPLE}")
    return args
