"""Parse what a user typed into an arXiv id or a search query."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.errors import BadInput
from bot.papers.models import PaperId

MAX_QUERY_CHARS = 300

_NEW_ID = r"(?P<new>\d{4}\.\d{4,5})"
_OLD_ID = r"(?P<old>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})"
_VERSION = r"(?:v(?P<version>\d{1,3}))?"
_ID_RE = re.compile(rf"^(?:{_NEW_ID}|{_OLD_ID}){_VERSION}$", re.IGNORECASE)
_ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org", "browse.arxiv.org"}
_URL_PATH = re.compile(r"^/(?:abs|pdf|html|format)/(?P<id>.+?)(?:\.pdf)?/?$")
# a scheme ("https://arxiv.org@evil.com/…", "http://127.0.0.2:8080/…") or a bare host and path
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://|^(?:[\w-]+\.)+[a-z]{2,}/", re.IGNORECASE)
_LOOKS_LIKE_ID = re.compile(r"^\d{3,5}\.\d+(?:v\d*)?$|^[a-z\-]+(?:\.[A-Z]{2})?/\d+", re.IGNORECASE)

EXAMPLE = "Try /summarize 2408.13714, an arXiv link, or a few words to search for."


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """Free text to search arXiv with."""

    text: str


def _valid_new_id(new: str) -> bool:
    yymm, number = new.split(".")
    month = int(yymm[2:])
    if not 1 <= month <= 12:
        return False
    # Since 2015 (1501) numbers have five digits; before, four.
    return len(number) == (5 if int(yymm) >= 1501 else 4)


def parse_id(text: str) -> PaperId | None:
    """Return the PaperId spelled by ``text`` (bare id, optionally versioned), or None."""
    match = _ID_RE.match(text.strip())
    if match is None:
        return None
    version = int(match["version"]) if match["version"] else None
    if version == 0:
        return None
    if match["new"]:
        if not _valid_new_id(match["new"]):
            return None
        return PaperId(base=match["new"], version=version)
    archive, number = match["old"].split("/")
    return PaperId(base=f"{archive.lower()}/{number}", version=version)


def _from_url(text: str) -> PaperId:
    url = text if "://" in text else f"https://{text}"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        raise BadInput(f"That link cannot be read. {EXAMPLE}") from None
    if host not in _ARXIV_HOSTS:
        shown = host if len(host) <= 40 else host[:39] + "…"
        raise BadInput(
            f"I only read papers from arxiv.org, not {shown or 'that address'}. {EXAMPLE}"
        )
    match = _URL_PATH.match(parts.path)
    paper = parse_id(match["id"]) if match else None
    if paper is None:
        raise BadInput(f"That arxiv.org link does not point to a paper. {EXAMPLE}")
    return paper


def parse_paper_ref(text: str) -> PaperId | SearchQuery:
    """Understand a paper reference: id, arXiv:id, arxiv.org URL, or free text to search."""
    text = " ".join(text.split())
    if not text:
        raise BadInput(f"Which paper? {EXAMPLE}")
    if len(text) > MAX_QUERY_CHARS:
        raise BadInput(f"That is too long to search for (at most {MAX_QUERY_CHARS} characters).")
    bare = re.sub(r"^arxiv:\s*", "", text, flags=re.IGNORECASE)
    paper = parse_id(bare)
    if paper is not None:
        return paper
    if _URL.match(bare):
        return _from_url(bare)
    if _LOOKS_LIKE_ID.match(bare):
        raise BadInput(
            f"{bare[:40]} is not a valid arXiv id: new ids look like 2408.13714 "
            "(four digits, a dot, five digits), old ones like hep-th/9901001."
        )
    if not re.search(r"\w{2,}", text):
        raise BadInput(f"I could not find any words to search for. {EXAMPLE}")
    return SearchQuery(text)
