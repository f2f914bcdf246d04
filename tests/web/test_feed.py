"""The Atom feed: parsed by feedparser without complaint, each paper once, ids that survive a
restart and a new token, ``updated`` when the card was sent, links absolute."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import feedparser
from lxml import etree, html
from support.digest_days import SCRIPT_TITLE, Subscribed, fetch, teaser_png, token_of
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.paperkit import settings_for
from support.servers import free_port

from bot.app import Core, build_core
from bot.infra.health_server import HealthServer, redis_ping

ATOM = "{http://www.w3.org/2005/Atom}"


async def feed_of(server: HealthServer, token: str) -> tuple[Any, bytes]:
    response = await fetch(server, f"/s/{token}/feed.xml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    return feedparser.parse(response.content), response.content


async def test_the_feed_parses_with_every_paper_once(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    token = await token_of(core, subscribed.sub_id)
    parsed, raw = await feed_of(server, token)
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    links = [e.link for e in parsed.entries]
    assert sorted(links) == sorted(f"https://arxiv.org/abs/{p}" for p in subscribed.cards)
    assert len({e.id for e in parsed.entries}) == len(subscribed.cards) == 5
    titles = {e.title for e in parsed.entries}
    assert SCRIPT_TITLE in titles  # the title as text, for the reader to escape
    script = next(e for e in parsed.entries if e.title == SCRIPT_TITLE)
    assert "<script" not in script.content[0].value  # inside the entry's HTML: escaped text
    assert parsed.feed.links[0].href == f"{server.url}/s/{token}/feed.xml"
    root = etree.fromstring(raw)  # well-formed XML, each entry with Atom's required parts
    for entry in root.iter(f"{ATOM}entry"):
        for part in ("id", "title", "updated", "link", "author", "content"):
            assert entry.find(f"{ATOM}{part}") is not None, part


async def test_updated_is_when_each_card_was_sent(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    parsed, _ = await feed_of(server, await token_of(core, subscribed.sub_id))
    archived = {
        c.paper: c.sent_at for c in await core.scheduler.runner.archive.cards(subscribed.sub_id)
    }
    for entry in parsed.entries:
        paper = entry.link.rsplit("/", 1)[1]
        sent = archived[paper].astimezone(UTC).replace(microsecond=0)
        assert datetime.fromisoformat(entry.updated) == sent
    newest = max(archived.values()).astimezone(UTC).replace(microsecond=0)
    assert datetime.fromisoformat(parsed.feed.updated) == newest


async def test_entry_ids_survive_a_restart_and_a_new_token(
    core: Core,
    subscribed: Subscribed,
    server: HealthServer,
    arxiv: FakeArxiv,
    gemini: FakeGemini,
    redis_url: str,
) -> None:
    token = await token_of(core, subscribed.sub_id)
    before, _ = await feed_of(server, token)
    await server.stop()  # the old process's server is gone; a new process serves the same Redis
    restarted = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=0))
    assert restarted.site is not None
    served = HealthServer(
        restarted.metrics,
        redis_ping=redis_ping(restarted.redis),
        adapters=restarted.adapter_states,
        port=free_port(),
        routes=restarted.site.routes(),
    )
    await served.start()
    try:
        fresh = await restarted.site.tokens.revoke(subscribed.sub_id)
        after, _ = await feed_of(served, fresh)
        assert (await fetch(served, f"/s/{token}/feed.xml")).status_code == 404  # the old token
    finally:
        await served.stop()
        await restarted.aclose()
    assert fresh != token and len(after.entries) == 5
    assert after.feed.links[0].href == f"{served.url}/s/{fresh}/feed.xml"  # the new process's
    assert [e.id for e in after.entries] == [e.id for e in before.entries]
    assert after.feed.id == before.feed.id
    assert [e.updated for e in after.entries] == [e.updated for e in before.entries]


async def test_an_entrys_figure_is_an_absolute_link_that_serves_it(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    token = await token_of(core, subscribed.sub_id)
    parsed, _ = await feed_of(server, token)
    body = parsed.entries[0].content[0].value
    (src,) = html.fromstring(body).xpath("//img/@src")
    assert src.startswith(f"{server.url}/s/{token}/figure/") and src.endswith(".png")
    figure = await fetch(server, src.removeprefix(server.url))
    assert figure.content == teaser_png()
