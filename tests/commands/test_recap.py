"""/recap counts against the user's hourly allowance, with a model or without one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv
from support.paperkit import settings_for

from bot.app import Core, build_core
from bot.chat.contract import ChatRef

LAB = ChatRef("test", "lab")


@pytest.fixture
async def extractive(
    arxiv: FakeArxiv, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[Core]:
    """A core with no model configured and an allowance of one costly request an hour."""
    built = await build_core(settings_for(arxiv, redis_url, user_rate_limit=1))
    built.scheduler.clock = lambda: datetime(2024, 11, 29, 13, 0, tzinfo=UTC)
    yield built
    await built.aclose()


async def say(core: Core, text: str, user: str = "u1") -> str:
    said = Transcript()
    await core.handle(command(text, chat=LAB, user=user), said)
    return said.text


async def test_recap_without_a_model_still_counts_against_the_hourly_allowance(
    extractive: Core,
) -> None:
    assert "Subscribed" in await say(extractive, "/subscribe cs.CV")
    assert (await say(extractive, "/recap")).startswith("🗓 cs.CV: no papers from")
    refused = await say(extractive, "/recap")
    assert refused.startswith("You have asked for 1 new summaries or answers this hour.")
    assert (await say(extractive, "/recap", user="u2")).startswith("🗓 cs.CV")  # per user
