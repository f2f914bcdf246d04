"""Downloads from arXiv's hosts only: size-capped, time-limited, paced, redirects checked."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from bot.arxiv.pacer import RETRYABLE_STATUS, Pacer, RetryableError
from bot.errors import DocumentError, SourceUnavailable

USER_AGENT = "paperbot/0.1 (+https://github.com/paperbot; summaries of arXiv papers)"
MAX_REDIRECTS = 3


@dataclass(frozen=True, slots=True)
class Download:
    """A fetched body and its content type."""

    url: str
    content: bytes
    content_type: str


class Fetcher:
    """GETs URLs on an allow-list of hosts, never more than ``max_bytes``, never past ``timeout_s``."""

    def __init__(
        self,
        allowed_hosts: frozenset[str],
        pacer: Pacer,
        *,
        max_bytes: int = 40_000_000,
        timeout_s: float = 60.0,
    ) -> None:
        self.allowed_hosts = allowed_hosts
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self._pacer = pacer
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(timeout_s, connect=10.0),
            headers={"user-agent": USER_AGENT},
            trust_env=False,
        )

    def check_url(self, url: str) -> None:
        """Refuse any URL that is not http(s) on an allowed host."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:  # e.g. an unclosed "[" of an IPv6 address
            parts, host = urlsplit(""), ""
        if parts.scheme not in ("http", "https") or host not in self.allowed_hosts:
            raise SourceUnavailable("That address is not on arXiv; paperbot only reads arXiv.")

    async def get(self, url: str) -> Download | None:
        """Fetch ``url``; None when it does not exist (404/410)."""
        try:
            return await self._pacer.call(lambda: self._get_once(url))
        except RetryableError as exc:
            raise SourceUnavailable("arXiv did not answer; please try again later.") from exc

    async def _get_once(self, url: str) -> Download | None:
        try:
            return await asyncio.wait_for(self._follow(url), self.timeout_s)
        except (httpx.TransportError, TimeoutError) as exc:
            raise RetryableError(type(exc).__name__) from exc

    def _check_redirect(self, asked: str, target: str) -> None:
        """A redirect may go to an allowed host only, on the port asked (or its default)."""
        try:
            self.check_url(target)
            allowed = _same_port(asked, target)
        except SourceUnavailable:
            allowed = False
        if not allowed:
            raise SourceUnavailable(
                "arXiv sent paperbot to an address off arXiv; it stopped there."
            )

    async def _follow(self, url: str) -> Download | None:
        asked = url
        self.check_url(url)
        for _ in range(MAX_REDIRECTS + 1):
            async with self._client.stream("GET", url) as resp:
                if resp.is_redirect:
                    await resp.aread()  # small; reading it keeps the connection for reuse
                    url = urljoin(url, resp.headers.get("location", ""))
                    self._check_redirect(asked, url)
                    continue
                if resp.status_code in (404, 410):
                    await resp.aread()
                    return None
                if resp.status_code in RETRYABLE_STATUS:
                    retry_after = _retry_after(resp.headers.get("retry-after"))
                    raise RetryableError(f"HTTP {resp.status_code}", retry_after)
                if resp.status_code != 200:
                    raise SourceUnavailable(f"arXiv answered HTTP {resp.status_code}.")
                declared = int(resp.headers.get("content-length") or 0)
                if declared > self.max_bytes:
                    raise DocumentError(_too_big(self.max_bytes))
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise DocumentError(_too_big(self.max_bytes))
                kind = resp.headers.get("content-type", "").split(";")[0].strip().lower()
                return Download(url=url, content=bytes(body), content_type=kind)
        raise SourceUnavailable("arXiv redirected too many times.")

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _same_port(asked: str, target: str) -> bool:
    """A redirect keeps the port it was asked on, or uses its scheme's default (http -> https).

    The allow-list names hosts only: without this, arXiv's host could send us to any other
    service on it (``arxiv.org:6379``), and a local test server to any other local port.
    """
    try:
        first, then = urlsplit(asked), urlsplit(target)
        port = then.port or _DEFAULT_PORTS.get(then.scheme)
        return port in (
            first.port or _DEFAULT_PORTS.get(first.scheme),
            _DEFAULT_PORTS.get(then.scheme),
        )
    except ValueError:  # a port that is not a number, or out of range
        return False


def _too_big(limit: int) -> str:
    return f"The paper's file is larger than {limit // 1_000_000} MB; paperbot skips it."


def _retry_after(value: str | None) -> float | None:
    try:
        return min(float(value), 120.0) if value else None
    except ValueError:
        return None
