"""Replies under an earlier card on Discord: in the thread started on it, else a message reply."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from support.fakes.discord_server import PAPERS, FakeDiscord
from support.memory_adapter import DictPosts, RouterHost, until
from support.render_checks import card

from adapters.discord import DiscordAdapter
from bot.chat.contract import ChatRef
from bot.chat.post import Post
from bot.chat.router import Router

CHANNEL = ChatRef("discord", str(PAPERS))
UPDATE = "📣 Accepted to NeurIPS 2025 (v2): https://arxiv.org/abs/2411.00001v2"


@pytest.fixture
async def adapter(dc: FakeDiscord) -> AsyncIterator[DiscordAdapter]:
    host = RouterHost(Router(), DictPosts())
    started = DiscordAdapter(host, token=dc.token, api_url=dc.api_url, gateway_url=dc.gateway_url)
    await started.start()
    try:
        await until(lambda: started.connected, what="discord connected")
        yield started
    finally:
        await started.stop()


async def test_a_reply_goes_in_the_thread_opened_on_the_card(
    dc: FakeDiscord, adapter: DiscordAdapter
) -> None:
    sent = await adapter.send(CHANNEL, card())  # the card, its analysis in a thread on it
    (posted,) = dc.visible(PAPERS)
    thread = dc.thread_of(posted)
    assert thread is not None
    reply = await adapter.send(CHANNEL, Post(text=UPDATE, reply_to=sent.message_ids[0]))
    *_, last = dc.visible(thread)
    assert last.content == UPDATE and reply.message_ids == (str(last.id),)
    assert dc.visible(PAPERS) == [posted]  # nothing new in the channel itself


async def test_a_card_without_a_thread_gets_a_message_reply(
    dc: FakeDiscord, adapter: DiscordAdapter
) -> None:
    sent = await adapter.send(CHANNEL, Post(text="TalkLoRA", paper_id="2411.00001v1"))
    await adapter.send(CHANNEL, Post(text=UPDATE, reply_to=sent.message_ids[0]))
    first, second = dc.visible(PAPERS)
    assert second.content == UPDATE and second.reference == first.id


async def test_a_reply_to_a_deleted_card_is_still_delivered(
    dc: FakeDiscord, adapter: DiscordAdapter
) -> None:
    await adapter.send(CHANNEL, Post(text=UPDATE, reply_to="123456789"))
    (only,) = dc.visible(PAPERS)
    assert only.content == UPDATE and only.reference is None
