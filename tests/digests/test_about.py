"""A subscription with a topic in plain words (--about): the preview shows scores, the digest posts
only the papers above the threshold, and each card says why it was picked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as aioredis
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.morning import MONDAY, OFF_TOPIC, talking_head_morning
from support.paperkit import settings_for

from bot.app import Core, build_core
from bot.chat.contract import ChatRef
from bot.chat.post import Post

LAB = ChatRef("test", "lab")


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        morning = talking_head_morning(server)
        server.announce("cs.CV", MONDAY, morning)
        yield server


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[Core]:
    built = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=0))
    yield built
    await built.aclose()


async def say(core: Core, text: str) -> Transcript:
    said = Transcript()
    await core.handle(command(text, chat=LAB), said)
    return said


async def test_about_posts_only_papers_above_the_threshold_with_a_why_line(core: Core) -> None:
    said = await say(core, '/subscribe cs.CV --about "talking head animation"')
    text = said.text
    assert 'about "talking head animation"' in text
    assert "scoring at least 0.10" in text and "3 scored lower and would not be posted" in text
    top = [line for line in text.splitlines() if line.startswith("• ")]
    assert len(top) == 2 and all(float(line.split()[1]) >= 0.1 for line in top)
    listed = (await say(core, "/subscriptions")).text
    assert "talking head animation" in listed

    digest = await say(core, "/digest")
    cards = [p for p in digest.posts if isinstance(p, Post) and p.paper_id]
    assert sorted(p.paper_id or "" for p in cards) == ["2411.00001v1", "2411.00005v1"]
    for card in cards:
        assert card.blocks[0].paragraphs[0].startswith("Why: matches your description (0.")
    assert not any(base in digest.text for base in OFF_TOPIC)  # not even in "more papers"


async def test_a_liked_paper_is_the_reason_on_a_similar_card(core: Core) -> None:
    await say(core, "/subscribe cs.CV --about talking heads --lang zh")
    assert "Recorded 1 liked" in (await say(core, "/like 2411.00005")).text
    digest = await say(core, "/digest")
    reasons = {p.paper_id: p.blocks[0].paragraphs[0] for p in digest.posts if p.paper_id}
    assert reasons["2411.00005v1"] == "推荐理由：与你点赞的 2411.00005 相近"
