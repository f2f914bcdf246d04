"""Per-chat memory: language, unreachable chats, and migration to a new chat id."""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.chat.chat_store import ChatStore
from bot.chat.contract import ChatRef

OLD, NEW = ChatRef("telegram", "-100"), ChatRef("telegram", "-1001234")


async def test_a_migrated_chat_keeps_its_settings(redis_client: aioredis.Redis) -> None:
    chats = ChatStore(redis_client, "t:")
    await chats.set_language(OLD, "zh")
    await chats.migrate(OLD, NEW)
    assert await chats.language(NEW) == "zh"
    assert await chats.language(OLD) is None


async def test_an_unreachable_chat_is_remembered_until_it_talks_again(
    redis_client: aioredis.Redis,
) -> None:
    chats = ChatStore(redis_client, "t:")
    assert await chats.unreachable_reason(OLD) is None
    await chats.mark_unreachable(OLD, "Forbidden: bot was kicked from the group chat")
    assert await chats.unreachable_reason(OLD) == "Forbidden: bot was kicked from the group chat"
    await chats.mark_reachable(OLD)
    assert await chats.unreachable_reason(OLD) is None
