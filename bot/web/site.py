"""The subscription pages over HTTP: ``/s/<token>`` (HTML), ``/s/<token>/feed.xml`` (Atom) and
``/s/<token>/figure/<base>.png`` (a figure arXiv does not serve publicly).

An unknown, malformed or revoked token, a removed subscription and a paper the subscription
never received all answer the same bare 404. Responses carry an ETag (a reader polling an
unchanged feed gets 304), are private to the browser's cache, forbid scripts and send no
Referer, so the token never leaves through a link.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

from aiohttp import web

from bot.arxiv.ids import parse_id
from bot.digests.subscriptions import Subscription, SubscriptionStore
from bot.papers.service import PaperService
from bot.web.pages import PageSource, base_of_figure_file
from bot.web.render import Links, feed_xml, page_html
from bot.web.tokens import WebTokens

log = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
PAGE_MAX_AGE = 300
FEED_MAX_AGE = 900
FIGURE_MAX_AGE = 7 * 86_400  # a version's figure never changes
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' https://arxiv.org https://*.arxiv.org; "
        "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
}


def not_found() -> web.HTTPNotFound:
    """The one 404 of every path under /s/: it says nothing about why."""
    return web.HTTPNotFound(headers={"Cache-Control": "no-store", **SECURITY_HEADERS})


class SubscriptionSite:
    """The routes the health server adds for the subscription pages and feeds."""

    def __init__(
        self,
        *,
        tokens: WebTokens,
        subscriptions: SubscriptionStore,
        pages: PageSource,
        papers: PaperService,
        public_url: str | None = None,
    ) -> None:
        self.tokens = tokens
        self.subscriptions = subscriptions
        self.pages = pages
        self.papers = papers
        self.public_url = public_url

    def routes(self) -> list[web.RouteDef]:
        """The GET routes under ``/s/`` (HEAD is answered by aiohttp from each)."""
        return [
            web.get("/s/{token}", self.page),
            web.get("/s/{token}/feed.xml", self.feed),
            web.get("/s/{token}/figure/{name}", self.figure),
        ]

    async def _subscription(self, request: web.Request) -> tuple[str, Subscription]:
        token = request.match_info["token"]
        sub_id = await self.tokens.subscription(token)
        sub = await self.subscriptions.get(sub_id) if sub_id else None
        if sub is None:
            raise not_found()
        return token, sub

    async def page(self, request: web.Request) -> web.StreamResponse:
        """The subscription's recent digests as HTML."""
        token, sub = await self._subscription(request)
        digests = await self.pages.digests(sub)
        body = await asyncio.to_thread(page_html, digests, Links.relative(token))
        return _cached(request, body.encode(), HTML, PAGE_MAX_AGE)

    async def feed(self, request: web.Request) -> web.StreamResponse:
        """The subscription's recent papers as an Atom feed."""
        token, sub = await self._subscription(request)
        digests = await self.pages.digests(sub)
        base = self.public_url or str(request.url.origin())
        body = await asyncio.to_thread(feed_xml, digests, Links.under(base, token))
        response = _cached(request, body.encode(), ATOM, FEED_MAX_AGE)
        response.last_modified = digests.updated
        return response

    async def figure(self, request: web.Request) -> web.StreamResponse:
        """A delivered paper's figure from the cache (only papers this subscription received)."""
        _, sub = await self._subscription(request)
        base = base_of_figure_file(request.match_info["name"])
        card = await self.pages.card(sub, base) if base else None
        figure = None
        paper = parse_id(card.paper) if card is not None else None
        if paper is not None and paper.version is not None:
            figure = await self.papers.cached_figure(paper)
        if figure is None:
            raise not_found()
        return _cached(request, figure.data, figure.mime, FIGURE_MAX_AGE)


def _cached(request: web.Request, body: bytes, content_type: str, max_age: int) -> web.Response:
    """``body`` with its ETag and caching headers, or 304 when the client has it already."""
    etag = hashlib.sha256(body).hexdigest()[:32]
    headers = {"Cache-Control": f"private, max-age={max_age}", **SECURITY_HEADERS}
    if any(tag.value == etag for tag in request.if_none_match or ()):
        response = web.Response(status=304, headers=headers)
    else:
        response = web.Response(body=body, headers={"Content-Type": content_type, **headers})
        if len(body) > 1024 and content_type in (HTML, ATOM):  # figures are compressed
            response.enable_compression()
    response.etag = etag
    return response
