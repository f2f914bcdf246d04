"""/like and /dislike, and the feedback store behind them: one vote per user per paper, kept in
Redis across restarts, nothing recorded for ids that are malformed or not on arXiv."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis.asyncio as aioredis
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv
from support.paperkit import settings_for, talklora

from bot.app import Core, build_core
from bot.arxiv.ids import parse_id
from bot.chat.contract import ChatRef
from bot.ranking.feedback import FeedbackStore

GROUP = ChatRef("test", "group")


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.add(talklora())
        server.add(talklora("2407.09817", title="Audio-driven portrait animation"))
        yield server


def store(core: Core) -> FeedbackStore:
    return FeedbackStore(core.redis, core.settings.redis_prefix)


async def send(core: Core, text: str, user: str = "u1") -> str:
    said = Transcript()
    await core.handle(command(text, user=user, chat=GROUP, chat_type="group"), said)
    return said.text


async def test_like_records_papers_and_names_the_bad_ids(core: Core) -> None:
    text = await send(core, "/like 2408.13714, 2407.09817 2401.99999 not-an-id")
    assert "Recorded 2 liked paper(s)" in text
    assert "2408.13714 — TalkLoRA" in text
    assert "Not found on arXiv: 2401.99999" in text
    assert "Not arXiv ids: not-an-id" in text
    examples = await store(core).examples(GROUP)
    assert sorted(e.paper for e in examples) == ["2407.09817v1", "2408.13714v1"]
    assert all(e.vote == 1 and e.abstract for e in examples)


async def test_only_bad_ids_record_nothing(core: Core) -> None:
    text = await send(core, "/dislike 2402.99999 hello")
    assert text.startswith("Nothing recorded.")
    assert "Not found on arXiv: 2402.99999" in text and "Not arXiv ids: hello" in text
    assert await store(core).count(GROUP) == 0
    assert "Which papers?" in await send(core, "/like")


async def test_one_vote_per_user_per_paper_changed_or_withdrawn(core: Core) -> None:
    feedback = store(core)
    wanted = parse_id("2408.13714")
    assert wanted is not None
    paper = await core.papers.meta(wanted)
    assert await feedback.rate(GROUP, "ann", paper, 1) == 0
    assert await feedback.rate(GROUP, "ann", paper, 1) == 1  # a repeat counts once
    await feedback.rate(GROUP, "bob", paper, 1)
    await feedback.rate(GROUP, "eve", paper, -1)
    [example] = await feedback.examples(GROUP)
    assert (example.vote, example.voters) == (1, 3)  # net: liked
    assert await feedback.rate(GROUP, "bob", paper, -1) == 1  # bob changes his mind
    [example] = await feedback.examples(GROUP)
    assert example.vote == -1
    await feedback.rate(GROUP, "bob", paper, 0)
    await feedback.rate(GROUP, "eve", paper, 0)
    [example] = await feedback.examples(GROUP)
    assert (example.vote, example.voters) == (1, 1)
    await feedback.rate(GROUP, "ann", paper, 0)
    assert await feedback.examples(GROUP) == []
    assert await feedback.count(GROUP) == 0
    assert not await core.redis.exists(f"{core.settings.redis_prefix}feedback:test:group:papers")


async def test_feedback_survives_a_restart(
    arxiv: FakeArxiv, redis_url: str, redis_client: aioredis.Redis
) -> None:
    first = await build_core(settings_for(arxiv, redis_url, user_rate_limit=0))
    await send(first, "/dislike 2407.09817", user="u7")
    await first.aclose()
    second = await build_core(settings_for(arxiv, redis_url, user_rate_limit=0))
    try:
        [example] = await store(second).examples(GROUP)
        assert (example.paper, example.vote) == ("2407.09817v1", -1)
        assert example.title == "Audio-driven portrait animation"
        assert await store(second).vote_of(GROUP, "u7", "2407.09817") == -1
    finally:
        await second.aclose()
