"""Code and project links in paper text: GitHub, GitLab, Hugging Face, project pages."""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE | re.ASCII
_FORGES = r"github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|gitee\.com"
_URL_START = rf"(?:https?://|(?:{_FORGES}|huggingface\.co)/)"

# PDF repairs: a URL broken at a line end, spaces inside it, invisible characters.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_BROKEN = re.compile(rf"({_URL_START}\S*[-/_~])[ \t]*\n[ \t]*(?=[\w~])", _FLAGS)
_BROKEN_AT_DOT = re.compile(rf"({_URL_START}\S*\.)[ \t]*\n[ \t]*(?=[a-z0-9][\w-]*[./])", _FLAGS)
_SPACE_AFTER_HOST = re.compile(rf"\b((?:{_FORGES}|huggingface\.co)/)[ \t]+(?=\w)", _FLAGS)
_SPACE_IN_HOST = re.compile(r"\b(github|gitlab|codeberg|bitbucket|gitee)\.[ \t]+(com|org)/", _FLAGS)
_SPACE_AFTER_SCHEME = re.compile(r"\b(https?://)[ \t]+(?=\w)", _FLAGS)

_PRE = r"(?<![a-z_.@-])(?:https?://)?(?:www\.)?"
_FORGE = re.compile(
    rf"(?:git@(?P<ssh>{_FORGES}):|{_PRE}(?P<host>{_FORGES})/)(?P<path>[\w.-]+(?:/[\w.-]+)*)",
    _FLAGS,
)
_HF = re.compile(
    rf"{_PRE}(?:huggingface\.co|hf\.co)/(?:(?P<kind>spaces|datasets)/)?"
    r"(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)",
    _FLAGS,
)
_PAGES = re.compile(
    r"(?<![a-z_.@-])(?:https?://)?(?P<user>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.github\.io"
    r"(?P<path>/[\w.~%/+-]*)?",
    _FLAGS,
)
_OWNER = re.compile(r"[a-z0-9][a-z0-9_.-]{0,38}", _FLAGS)
_NOT_OWNERS = {
    "about",
    "apps",
    "collections",
    "contact",
    "customer-stories",
    "enterprise",
    "events",
    "explore",
    "features",
    "issues",
    "join",
    "login",
    "marketplace",
    "new",
    "notifications",
    "orgs",
    "pricing",
    "pulls",
    "readme",
    "search",
    "security",
    "settings",
    "site",
    "sponsors",
    "topics",
    "trending",
    "users",
    "help",
    "dashboard",
    "groups",
    "-",
}
_NOT_HF_OWNERS = {
    "api",
    "blog",
    "chat",
    "collections",
    "datasets",
    "docs",
    "join",
    "learn",
    "login",
    "models",
    "new",
    "organizations",
    "papers",
    "posts",
    "pricing",
    "settings",
    "spaces",
    "tasks",
}
_GITLAB_UI = {"-", "tree", "blob", "raw", "issues", "merge_requests", "commits", "wikis"}


def _repair(text: str) -> str:
    """Undo what PDF extraction does to URLs (line breaks, stray spaces, hyphen markers)."""
    text = text.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\x02", "-")  # pdfium's mark for a hyphen at a line end
    text = _SPACE_IN_HOST.sub(r"\1.\2/", text)
    text = _SPACE_AFTER_SCHEME.sub(r"\1", text)
    text = _SPACE_AFTER_HOST.sub(r"\1", text)
    for _ in range(20):  # each pass mends one break per URL
        joined = _BROKEN_AT_DOT.sub(r"\1", _BROKEN.sub(r"\1", text))
        if joined == text:
            break
        text = joined
    return text


def _segment(name: str) -> str:
    """A path segment without the sentence punctuation or '.git' glued to its end."""
    name = name.rstrip(".-")
    if name.lower().endswith(".git"):
        name = name[:-4].rstrip(".")
    return name


def _forge_url(m: re.Match[str]) -> str | None:
    host = (m.group("ssh") or m.group("host")).lower()
    parts = m.group("path").split("/")
    if host == "gitlab.com":  # groups nest: keep segments up to the first UI path
        ui = next((i for i, p in enumerate(parts) if p.lower() in _GITLAB_UI), len(parts))
        parts = parts[:ui]
    else:
        parts = parts[:2]
    parts[-1:] = [_segment(parts[-1])] if parts else []
    if len(parts) < 2 or not all(parts) or not _OWNER.fullmatch(parts[0]):
        return None
    if parts[0].lower() in _NOT_OWNERS:
        return None
    return f"https://{host}/" + "/".join(parts)


def _hf_url(m: re.Match[str]) -> str | None:
    kind, owner, name = m.group("kind"), m.group("owner"), _segment(m.group("name"))
    if not name or (kind is None and owner.lower() in _NOT_HF_OWNERS):
        return None
    return "https://huggingface.co/" + "/".join(
        p for p in (kind and kind.lower(), owner, name) if p
    )


def _pages_url(m: re.Match[str]) -> str | None:
    path = (m.group("path") or "").rstrip(".,;:!?-")
    path = re.sub(r"/index\.html?$", "", path, flags=re.IGNORECASE).rstrip("/")
    return f"https://{m.group('user').lower()}.github.io{path}"


_FINDERS = ((_FORGE, _forge_url), (_HF, _hf_url), (_PAGES, _pages_url))


def _in_order(text: str) -> list[str]:
    """The links in one text, in order of appearance (a match inside another is dropped)."""
    found: list[tuple[int, int, str]] = []
    for pattern, build in _FINDERS:
        for m in pattern.finditer(text):
            url = build(m)
            if url is not None:
                found.append((m.start(), m.end(), url))
    found.sort()
    urls: list[str] = []
    end = -1
    for start, stop, url in found:
        if start >= end:
            urls.append(url)
            end = stop
    return urls


def find_code_urls(*texts: str) -> tuple[str, ...]:
    """Code and project links in the texts, canonical, deduplicated, in order of first appearance.

    A user page (github.com/someone) is not a code link; arXiv links are never returned.
    """
    urls: dict[str, str] = {}
    for text in texts:
        for url in _in_order(_repair(text or "")):
            urls.setdefault(url.lower(), url)
    keys = set(urls)
    result: dict[str, str] = {}
    for key, url in urls.items():
        # "github.com/a/b2" beside "github.com/a/b": a footnote mark glued to the URL
        base = key.rstrip("0123456789")
        if base != key and base in keys:
            key, url = base, urls[base]
        result.setdefault(key, url)
    return tuple(result.values())
