"""What a subscription's chat received is archived: each card with its day, why line and message
ids, and each digest day's coverage line (the source of the page, feed, recap and update replies)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.morning import MONDAY, talking_head_morning
from support.paperkit import settings_for

from bot.app import Core, build_core
from bot.chat.contract import ChatRef
from bot.digests.archive import KEEP_DAYS, DeliveredCard, DigestDay

LAB = ChatRef("test", "lab")


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.announce("cs.CV", MONDAY, talking_head_morning(server))
        yield server


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[Core]:
    built = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=0))
    built.scheduler.clock = lambda: datetime(2024, 11, 25, 13, 0, tzinfo=UTC)
    yield built
    await built.aclose()


async def say(core: Core, text: str) -> Transcript:
    said = Transcript()
    await core.handle(command(text, chat=LAB, user="u1"), said)
    return said


async def test_a_digest_archives_its_cards_and_its_coverage(core: Core) -> None:
    said = (await say(core, '/subscribe cs.CV --about "talking head animation"')).text
    sub_id = said.split("(")[1].split(")")[0]
    digest = await say(core, "/digest")
    cards = [p for p in digest.posts if p.paper_id]
    archive = core.scheduler.runner.archive
    archived = await archive.cards(sub_id)
    assert [c.paper for c in archived] == [p.paper_id for p in cards]  # in the order sent
    assert all(c.day == MONDAY and c.message_ids for c in archived)
    assert archived[0].why is not None and archived[0].why.startswith("Why: ")
    assert (await archive.card(sub_id, "2411.00001")) is not None
    (day,) = await archive.days(sub_id)
    assert day.day == MONDAY and day.coverage.startswith("arXiv announced 5 in cs.CV")
    again = await say(core, "/digest")  # nothing new: nothing archived twice
    assert not [p for p in again.posts if p.paper_id]
    assert len(await archive.cards(sub_id)) == len(archived)


async def hvals_calls(redis: aioredis.Redis) -> int:
    """How many HVALS (whole-archive reads) the Redis server has answered."""
    stats = await redis.info("commandstats")
    return int(stats.get("cmdstat_hvals", {}).get("calls", 0))


async def test_old_entries_are_dropped_once_a_run_not_once_a_card(
    core: Core, redis_client: aioredis.Redis
) -> None:
    said = (await say(core, "/subscribe cs.CV")).text
    sub_id = said.split("(")[1].split(")")[0]
    archive = core.scheduler.runner.archive
    stale = MONDAY - timedelta(days=KEEP_DAYS + 5)
    await archive.record_card(sub_id, DeliveredCard(paper="2408.13714v1", day=stale))
    await archive.record_day(sub_id, DigestDay(day=stale, coverage="long ago"))
    reads = await hvals_calls(redis_client)

    digest = await say(core, "/digest")
    whole_reads = await hvals_calls(redis_client) - reads

    assert len([p for p in digest.posts if p.paper_id]) == 5
    assert whole_reads <= 2  # the archive's cards and days read once, not once per card
    assert await archive.card(sub_id, "2408.13714") is None  # older than KEEP_DAYS: gone
    assert [d.day for d in await archive.days(sub_id)] == [MONDAY]
    assert len(await archive.cards(sub_id)) == 5
