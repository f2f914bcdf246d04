"""/feed: each subscription's page and feed links under PAPERBOT_PUBLIC_URL, --revoke for new
ones (admins in groups), a Telegram channel's links from its admin's private chat, and a plain
word for the operator when no public address is set or the web server is off."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from typing import Any

import pytest
import redis.asyncio as aioredis
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.telegram_server import FakeTelegram
from support.memory_adapter import until
from support.paperkit import settings_for

from adapters.telegram import TelegramAdapter
from bot.app import Core, build_core
from bot.chat.contract import ChatRef
from bot.commands.feed import local_address
from bot.digests.subscriptions import Subscription

GROUP = ChatRef("test", "group")
PUBLIC = "https://papers.example.org"
Build = Callable[..., Awaitable[Core]]
LINK = re.compile(r"https?://\S+/s/([A-Za-z0-9_-]{32})(/feed\.xml)?")


@pytest.fixture
async def build(
    arxiv: FakeArxiv, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[Build]:
    """Build cores with extra settings; each is closed after the test."""
    arxiv.announce("cs.CV", date(2024, 8, 27))
    arxiv.announce("cs.GR", date(2024, 8, 27))
    built: list[Core] = []

    async def make(**extra: Any) -> Core:
        core = await build_core(settings_for(arxiv, redis_url, user_rate_limit=0, **extra))
        built.append(core)
        return core

    yield make
    for core in built:
        await core.aclose()


async def say(core: Core, text: str, **how: Any) -> str:
    said = Transcript()
    await core.handle(command(text, chat=GROUP, **how), said)
    return said.text


async def subscribe(core: Core, topic: str = "cs.CV") -> str:
    answer = await say(core, f"/subscribe {topic}", chat_type="group", admin=True)
    return answer.split("(")[1].split(")")[0]


async def test_feed_gives_the_page_and_feed_under_the_public_url(build: Build) -> None:
    core = await build(public_url=PUBLIC)
    sub_id = await subscribe(core)
    answer = await say(core, "/feed", chat_type="group")
    (page, feed) = LINK.finditer(answer)
    assert page.group(0) == f"{PUBLIC}/s/{page.group(1)}"
    assert feed.group(0) == f"{PUBLIC}/s/{page.group(1)}/feed.xml"
    assert sub_id in answer and "--revoke" in answer
    assert await say(core, f"/feed {sub_id}", chat_type="group") == answer  # the same links
    assert core.site is not None
    assert await core.site.tokens.subscription(page.group(1)) == sub_id


async def test_several_subscriptions_each_get_their_links(build: Build) -> None:
    core = await build(public_url=PUBLIC)
    ids = [await subscribe(core, "cs.CV"), await subscribe(core, "cs.GR")]
    answer = await say(core, "/feed", chat_type="group")
    tokens = {m.group(1) for m in LINK.finditer(answer)}
    assert len(tokens) == 2 and all(i in answer for i in ids)


async def test_revoking_replaces_the_links_and_needs_an_admin_in_groups(build: Build) -> None:
    core = await build(public_url=PUBLIC)
    sub_id = await subscribe(core)
    old = LINK.search(await say(core, "/feed", chat_type="group"))
    assert old is not None
    refused = await say(core, f"/feed {sub_id} --revoke", chat_type="group")
    assert "Only the chat's admins" in refused and not LINK.search(refused)
    answer = await say(core, f"/feed {sub_id} --revoke", chat_type="group", admin=True)
    new = LINK.search(answer)
    assert new is not None and new.group(1) != old.group(1)
    assert "old links now answer" in answer
    assert core.site is not None
    assert await core.site.tokens.subscription(old.group(1)) is None
    again = await say(core, f"/feed revoke {sub_id}", chat_type="group", admin=True)
    newest = LINK.search(again)
    assert newest is not None and newest.group(1) != new.group(1)


async def test_without_a_public_url_the_operator_is_told_and_the_local_links_given(
    build: Build,
) -> None:
    core = await build(metrics_port=9200)
    await subscribe(core)
    answer = await say(core, "/feed", chat_type="group")
    assert "the operator must set PAPERBOT_PUBLIC_URL" in answer
    link = LINK.search(answer)
    assert link is not None and link.group(0).startswith("http://127.0.0.1:9200/s/")
    off = await build(metrics_port=0)
    answer = await say(off, "/feed", chat_type="group")
    assert "web server is off (PAPERBOT_METRICS_PORT=0)" in answer and not LINK.search(answer)


async def test_with_the_web_server_off_no_link_is_given_even_with_a_public_url(
    build: Build,
) -> None:
    core = await build(public_url=PUBLIC, metrics_port=0)
    sub_id = await subscribe(core)
    answer = await say(core, "/feed", chat_type="group")
    assert "web server is off (PAPERBOT_METRICS_PORT=0)" in answer
    assert not LINK.search(answer) and PUBLIC not in answer
    revoked = await say(core, f"/feed {sub_id} --revoke", chat_type="group", admin=True)
    assert "web server is off" in revoked and not LINK.search(revoked)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("/feed", "This chat has no subscriptions."),
        ("/feed nosuch", "This chat has no subscription 'nosuch'"),
        ("/feed ab12cd zz99yy", "One subscription at a time"),
        ("/feed --revoke", "Which subscription's links? Send /feed ID --revoke."),
        ("/feed @papers --revoke", "Which subscription's links? Send /feed ID --revoke."),
        ("/feed @papers", "Channels are managed this way only on Telegram."),
    ],
)
async def test_bad_requests_get_a_short_answer(build: Build, text: str, reply: str) -> None:
    core = await build(public_url=PUBLIC)
    answer = await say(core, text, chat_type="group", admin=True)
    assert reply in answer and not LINK.search(answer)


def test_the_local_address_reaches_a_server_listening_everywhere() -> None:
    assert local_address("127.0.0.1", 9108) == "http://127.0.0.1:9108"
    assert local_address("0.0.0.0", 9108) == "http://127.0.0.1:9108"
    assert local_address("::1", 9108) == "http://[::1]:9108"
    assert local_address("127.0.0.1", 0) is None


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    """A local Telegram with a channel the user 42 and the bot administer."""
    with FakeTelegram() as server:
        yield server


async def test_a_channels_links_come_to_its_admins_private_chat(
    build: Build, tg: FakeTelegram, arxiv: FakeArxiv
) -> None:
    core = await build(public_url=PUBLIC)
    adapter = TelegramAdapter(core, token=tg.token, base_url=tg.base_url, poll_timeout=0.5)
    core.attach(adapter)
    await adapter.start()
    try:
        await until(lambda: adapter.connected, what="telegram connected")
        tg.add_channel("@papers_daily", -1009, 42, tg.bot_id)
        tg.push_message(42, 42, "/subscribe @papers_daily cs.CV")
        (sub,) = await until_subscribed(core, ChatRef("telegram", "-1009"))
        asked = await ask(tg, 42, "/feed @papers_daily", 3)  # like /subscriptions @papers_daily
        page = LINK.search(asked)
        assert page is not None and sub.id in asked
        assert core.site is not None
        assert await core.site.tokens.subscription(page.group(1)) == sub.id
        assert await ask(tg, 42, f"/feed {sub.id}", 4) == asked  # like /unsubscribe ID
        revoked = await ask(tg, 42, f"/feed {sub.id} --revoke", 5)
        new = LINK.search(revoked)
        assert new is not None and new.group(1) != page.group(1)
        stranger = await ask(tg, 43, f"/feed {sub.id}", 1)  # not an admin of the channel
        assert "Only admins of" in stranger and not LINK.search(stranger)
        assert "Only admins of" in await ask(tg, 43, "/feed @papers_daily", 2)
    finally:
        await adapter.stop()


async def until_subscribed(core: Core, chat: ChatRef) -> list[Subscription]:
    """The chat's subscriptions once the first one is stored."""
    for _ in range(200):
        if subs := await core.subscriptions.for_chat(chat):
            return subs
        await asyncio.sleep(0.05)
    raise AssertionError(f"no subscription for {chat}")


async def ask(tg: FakeTelegram, user: int, text: str, nth: int) -> str:
    """What the bot answers ``text`` from ``user``'s private chat (its ``nth`` message there)."""
    tg.push_message(user, user, text)
    sent = await tg.await_sent(user, nth, timeout=10)
    return str(sent[nth - 1].params["text"])
