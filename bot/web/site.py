"""The subscription pages over HTTP: ``/s/<token>`` (HTML), ``/s/<token>/feed.xml`` (Atom) and
``/s/<token>/figure/<base>.png`` (a figure arXiv does not serve publicly).

An unknown, malformed or revoked token, a removed subscription and a paper the subscription
never received all answer the same bare 404. Responses carry an ETag (a reader polling an
unchanged feed gets 304, also for ``If-None-Match: *``), are private to the browser's cache,
forbid scripts and send no Referer, so the token never leaves through a link. Pages and feeds
are rendered once per change of the subscription's archive (``rendered``) and sent gzip-compressed
to clients that accept it, with their own ETag and ``Vary: Accept-Encoding``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable

from aiohttp import web

from bot.arxiv.ids import parse_id
from bot.digests.subscriptions import Subscription, SubscriptionStore
from bot.papers.service import PaperService
from bot.web.pages import Digests, PageSource, base_of_figure_file
from bot.web.render import MAX_FEED_ENTRIES, MAX_PAGE_CARDS, Links, feed_xml, page_html
from bot.web.rendered import Rendered, RenderedBodies, rendered
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
        self.bodies = RenderedBodies()

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
        """The subscription's recent digests as HTML (the newest MAX_PAGE_CARDS cards)."""
        token, sub = await self._subscription(request)
        links = Links.relative(token)
        made = await self._rendered(
            ("page", token, *_shown(sub)), sub, MAX_PAGE_CARDS, lambda d: page_html(d, links)
        )
        return _respond(request, made, HTML, PAGE_MAX_AGE)

    async def feed(self, request: web.Request) -> web.StreamResponse:
        """The subscription's recent papers as an Atom feed (the newest MAX_FEED_ENTRIES)."""
        token, sub = await self._subscription(request)
        links = Links.under(self.public_url or _origin(request), token)
        made = await self._rendered(
            ("feed", token, links.page, *_shown(sub)),
            sub,
            MAX_FEED_ENTRIES,
            lambda d: feed_xml(d, links),
        )
        response = _respond(request, made, ATOM, FEED_MAX_AGE)
        response.last_modified = made.last_modified
        return response

    async def _rendered(
        self,
        key: tuple[object, ...],
        sub: Subscription,
        limit: int,
        render: Callable[[Digests], str],
    ) -> Rendered:
        """The body for ``key``: kept from an earlier request while the archive is unchanged,
        else gathered (the newest ``limit`` cards) and rendered off the event loop."""
        version = await self.pages.version(sub)

        async def fresh() -> Rendered:
            digests = await self.pages.digests(sub, limit)
            return await asyncio.to_thread(_finished, render, digests, version)

        return await self.bodies.get_or_render(key, version, fresh)

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
        headers = {"Cache-Control": f"private, max-age={FIGURE_MAX_AGE}", **SECURITY_HEADERS}
        etag = hashlib.sha256(figure.data).hexdigest()[:32]
        held = {tag.value for tag in request.if_none_match or ()}
        if "*" in held or etag in held:
            response = web.Response(status=304, headers=headers)
        else:  # already compressed: sent as it is
            response = web.Response(
                body=figure.data, headers={"Content-Type": figure.mime, **headers}
            )
        response.etag = etag
        return response


def _shown(sub: Subscription) -> tuple[object, ...]:
    """What of the subscription itself the page and feed show (part of the cache key)."""
    return (sub.id, sub.language, sub.detail, sub.weekly, sub.topic())


def _origin(request: web.Request) -> str:
    """The site's address as the request names it; "" (site-absolute links) when its Host
    header is not one."""
    try:
        return str(request.url.origin())
    except ValueError:
        return ""


def _finished(render: Callable[[Digests], str], digests: Digests, version: int) -> Rendered:
    """Render, encode, compress and hash (in a worker thread)."""
    return rendered(render(digests).encode(), digests.updated, version)


def accepts_gzip(header: str) -> bool:
    """True when an ``Accept-Encoding`` header allows gzip (explicitly, or by ``*``), q > 0."""
    weights: dict[str, float] = {}
    for part in header.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name:
            weights[name.lower()] = weight
    for name in ("gzip", "x-gzip", "*"):
        if name in weights:
            return weights[name] > 0
    return False


def _respond(request: web.Request, made: Rendered, content_type: str, max_age: int) -> web.Response:
    """``made`` (gzip-compressed when the client accepts it) with its ETag and caching headers,
    or 304 when the client has it already."""
    gzipped = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    headers = {
        "Cache-Control": f"private, max-age={max_age}",
        "Vary": "Accept-Encoding",
        **SECURITY_HEADERS,
    }
    held = {tag.value for tag in request.if_none_match or ()}
    if "*" in held or held & {made.etag, made.gzip_etag}:
        response = web.Response(status=304, headers=headers)
    elif gzipped:
        response = web.Response(
            body=made.gzipped,
            headers={"Content-Type": content_type, "Content-Encoding": "gzip", **headers},
        )
    else:
        response = web.Response(body=made.body, headers={"Content-Type": content_type, **headers})
    response.etag = made.gzip_etag if gzipped else made.etag
    return response
