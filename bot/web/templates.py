"""The Jinja2 environment of the page and the feed: templates shipped in ``bot/web/templates``,
everything autoescaped, text a reader's XML parser would reject removed, links only http(s)."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from bot.papers.models import Language
from bot.summaries.labels import label

# Characters XML 1.0 forbids (control characters, lone surrogates, U+FFFE/U+FFFF): PDF text
# carries them at times, and one in a feed makes a reader drop the whole feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What a browser ignores in a URL or _finalize removes from it: never part of a link we write.
_NOT_IN_URL = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_HTTP = re.compile(r"https?://", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+[^\s<>\"'()\[\].,;:!?]")
_WEEKDAYS_ZH = "一二三四五六日"

WORDS: dict[str, dict[Language, str]] = {
    "papers": {"en": "{n} papers", "zh": "{n} 篇论文"},
    "paper": {"en": "1 paper", "zh": "1 篇论文"},
    "days": {"en": "the last {n} days", "zh": "最近 {n} 天"},
    "feed": {"en": "Atom feed", "zh": "Atom 订阅源"},
    "empty": {
        "en": "No digest has been delivered yet. Papers appear here once one is sent.",
        "zh": "还没有推送过论文。推送后论文会显示在这里。",
    },
    "gone": {
        "en": "The summary of this paper is no longer kept; it is on arXiv.",
        "zh": "这篇论文的总结已不再保存，请在 arXiv 查看。",
    },
    "about": {
        "en": "This page holds what the chat received: each card as it was sent.",
        "zh": "本页收录该会话收到的论文卡片，与推送时一致。",
    },
    "figure": {"en": "Figure from the paper", "zh": "论文插图"},
    "older": {
        "en": "{n} older papers of these days are not shown here: the page holds the newest {shown}.",
        "zh": "另有 {n} 篇较早的论文未在此显示：本页只列出最新的 {shown} 篇。",
    },
    "older_one": {
        "en": "1 older paper of these days is not shown here: the page holds the newest {shown}.",
        "zh": "另有 1 篇较早的论文未在此显示：本页只列出最新的 {shown} 篇。",
    },
    "weekly": {
        "en": "This subscription posts a weekly recap in the chat, not paper cards: "
        "only papers sent as cards (with /digest) appear here.",
        "zh": "该订阅每周在会话中推送一次综述，而不是论文卡片：只有以卡片推送的论文（/digest）会显示在这里。",
    },
}


def word(name: str, language: Language, **values: object) -> str:
    """The page's own words in ``language`` (the cards bring theirs)."""
    text = WORDS[name][language]
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def _finalize(value: object) -> object:
    """Strip what XML forbids from every value written (Markup stays Markup)."""
    if not isinstance(value, str) or _NOT_XML.search(value) is None:
        return value
    cleaned = _NOT_XML.sub("", str(value))
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


def linkify(text: str) -> Markup:
    """``text`` escaped, with each http(s) URL in it made a link."""
    if "http" not in text:
        return escape(text)
    out: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        out.append(str(escape(text[pos : match.start()])))
        url = escape(match.group(0))
        out.append(f'<a href="{url}">{url}</a>')
        pos = match.end()
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def safe_url(url: str) -> str:
    """``url`` when it is http(s) or a relative path on this site, else ``#``.

    What a browser would skip is removed first, and the URL is checked as written: control
    characters, tabs and line breaks anywhere (a browser drops tabs and line breaks, and
    ``_finalize`` drops the rest, so ``java\tscript:`` or ``\x01javascript:`` would become
    ``javascript:``), and spaces at either end. Then only ``http://`` and ``https://`` pass, or
    a path with no ``:`` before its first ``/`` (no scheme at all).
    """
    cleaned = _NOT_IN_URL.sub("", url).strip(" ")
    if _HTTP.match(cleaned) or ":" not in cleaned.split("/", 1)[0]:
        return cleaned
    return "#"


def long_date(day: date, language: Language) -> str:
    """'Monday 25 November 2024', or '2024年11月25日 星期一'."""
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日 星期{_WEEKDAYS_ZH[day.weekday()]}"
    return f"{day:%A} {day.day} {day:%B %Y}"


@cache
def environment() -> Environment:
    """The one Environment of the page and the feed (templates compiled once per process)."""
    env = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=select_autoescape(["html", "xml"], default=True),
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["linkify"] = linkify
    env.filters["safe_url"] = safe_url
    env.globals["label"] = label
    env.globals["word"] = word
    env.globals["long_date"] = long_date
    return env
