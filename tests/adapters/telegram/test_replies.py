"""Replies under an earlier post on Telegram: ``Post.reply_to`` becomes reply_parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from support.fakes.telegram_server import FakeTelegram
from support.memory_adapter import RouterHost, until

from adapters.telegram import TelegramAdapter
from bot.chat.contract import ChatRef
from bot.chat.post import Post
from bot.chat.router import Router

CHAT = ChatRef("telegram", "-1001234")
UPDATE = "📣 Accepted to NeurIPS 2025 (v2): https://arxiv.org/abs/2411.00001v2"


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@asynccontextmanager
async def running(tg: FakeTelegram) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(RouterHost(Router()), token=tg.token, base_url=tg.base_url)
    await adapter.start()
    try:
        await until(lambda: adapter.connected, what="telegram connected")
        yield adapter
    finally:
        await adapter.stop()


async def test_a_reply_goes_under_the_card(tg: FakeTelegram) -> None:
    async with running(tg) as adapter:
        card = await adapter.send(CHAT, Post(text="TalkLoRA", paper_id="2411.00001v1"))
        reply = await adapter.send(CHAT, Post(text=UPDATE, reply_to=card.message_ids[0]))
    first, second = tg.sent(-1001234)
    assert first.json("reply_parameters") is None  # the card itself replies to nothing
    assert second.json("reply_parameters") == {
        "message_id": int(card.message_ids[0]),
        "allow_sending_without_reply": True,
    }
    assert second.result["reply_to_message"]["message_id"] == int(card.message_ids[0])
    assert second.params["text"] == UPDATE and len(reply.message_ids) == 1


async def test_a_reply_to_a_deleted_card_is_still_delivered(tg: FakeTelegram) -> None:
    async with running(tg) as adapter:
        reply = await adapter.send(CHAT, Post(text=UPDATE, reply_to="987654"))
    (sent,) = tg.sent(-1001234)
    assert sent.status == 200 and "reply_to_message" not in sent.result
    assert len(reply.message_ids) == 1


async def test_a_reply_in_a_forum_topic_stays_in_the_topic(tg: FakeTelegram) -> None:
    topic = ChatRef("telegram", "-1001234", "77")
    async with running(tg) as adapter:
        card = await adapter.send(topic, Post(text="TalkLoRA", paper_id="2411.00001v1"))
        await adapter.send(topic, Post(text=UPDATE, reply_to=card.message_ids[0]))
    _, reply = tg.sent(-1001234)
    assert reply.params["message_thread_id"] == "77"
    assert reply.json("reply_parameters")["message_id"] == int(card.message_ids[0])
