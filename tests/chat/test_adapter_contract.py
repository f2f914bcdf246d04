"""A platform written only against bot/chat/contract.py (tests' ``memo``) gets the whole bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime

import pytest
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.memory_adapter import MemoryAdapter
from support.paperkit import settings_for, talklora

from bot.app import Core, build_core
from bot.chat.contract import ChatRef

MONDAY = date(2024, 11, 25)
EIGHT = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
HEAD = talklora("2411.00001", title="Talking head synthesis", categories=("cs.CV",))
SEG = talklora("2411.00002", title="Segmentation", categories=("cs.CV",))


class Clock:
    """Simulated time for the scheduler."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.add(talklora())
        for paper in (HEAD, SEG):
            server.add(paper)
        server.announce("cs.CV", date(2024, 11, 22))
        yield server


@pytest.fixture
async def memo(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: object
) -> AsyncIterator[tuple[Core, MemoryAdapter]]:
    core = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=0))
    core.scheduler.clock = Clock(datetime(2024, 11, 24, 12, 0, tzinfo=UTC))
    adapter = MemoryAdapter(core)  # the core is the adapter's host
    core.attach(adapter)
    await adapter.start()
    yield core, adapter
    await adapter.stop()
    await core.aclose()


async def digest_time(core: Core, arxiv: FakeArxiv) -> None:
    """Monday's announcement is out and it is 08:00 UTC: one scheduler tick."""
    arxiv.announce("cs.CV", MONDAY, [(HEAD, "new"), (SEG, "new")])
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    clock.now = EIGHT
    await core.scheduler.tick()


async def test_summarize_through_a_new_platform_and_its_health(
    memo: tuple[Core, MemoryAdapter],
) -> None:
    core, adapter = memo
    await adapter.say("me", "/summarize 2408.13714")
    (card,) = [p for p in adapter.posts["me"] if p.paper_id]
    assert card.title and "TalkLoRA" in card.title and adapter.statuses
    # A reply to the card is a question about its paper: the core's one post memory knows.
    assert await core.posts.paper_of(ChatRef("memo", "me"), "1") == card.paper_id
    assert await core.posts.card_paper(ChatRef("memo", "me"), "1") is None  # no vote buttons
    assert core.adapter_states() == {"memo": True}
    await adapter.stop()
    assert core.adapter_states() == {"memo": False}


async def test_a_digest_goes_out_and_a_chat_that_is_gone_is_paused(
    memo: tuple[Core, MemoryAdapter], arxiv: FakeArxiv
) -> None:
    core, adapter = memo
    for chat in ("a", "gone", "c"):
        await adapter.say(chat, "/subscribe cs.CV --at 08:00 --tz UTC")
    adapter.gone["gone"] = "403 kicked from the chat"
    subscribed = {chat: len(adapter.posts[chat]) for chat in ("a", "c")}
    await digest_time(core, arxiv)
    for chat in ("a", "c"):
        assert sorted(adapter.papers(chat)) == sorted([HEAD.versioned, SEG.versioned])
    gone = ChatRef("memo", "gone")
    assert await core.chats.unreachable_reason(gone) == "403 kicked from the chat"
    (sub,) = await core.subscriptions.for_chat(gone)
    assert sub.paused and sub.pause_reason == "403 kicked from the chat"
    await core.scheduler.tick()  # nothing is sent twice
    assert {chat: len(adapter.posts[chat]) for chat in ("a", "c")} == {
        chat: n + 3
        for chat, n in subscribed.items()  # a header and two cards each
    }


async def test_digest_cards_are_remembered_as_taking_votes_and_other_posts_are_not(
    memo: tuple[Core, MemoryAdapter], arxiv: FakeArxiv
) -> None:
    core, adapter = memo
    await adapter.say("a", "/subscribe cs.CV --at 08:00 --tz UTC")
    await digest_time(core, arxiv)
    await adapter.say("a", "/summarize 2408.13714")
    chat = ChatRef("memo", "a")
    for number, post in enumerate(adapter.posts["a"], start=1):  # chat "a" alone: ids 1, 2, …
        votes = await core.posts.card_paper(chat, str(number))
        assert votes == (post.paper_id if post.votes else None)
    cards = [p for p in adapter.posts["a"] if p.votes]
    assert sorted(p.paper_id or "" for p in cards) == sorted([HEAD.versioned, SEG.versioned])


async def test_a_platform_down_at_digest_time_gets_the_digest_once_it_is_back(
    memo: tuple[Core, MemoryAdapter], arxiv: FakeArxiv
) -> None:
    core, adapter = memo
    await adapter.say("a", "/subscribe cs.CV --at 08:00 --tz UTC")
    before = len(adapter.posts["a"])
    await adapter.stop()  # the platform is down: every send fails
    await digest_time(core, arxiv)
    assert len(adapter.posts["a"]) == before and core.adapter_states() == {"memo": False}
    (sub,) = await core.subscriptions.for_chat(ChatRef("memo", "a"))
    assert not sub.paused and sub.last_slot != "20241125T0800Z"  # Monday's slot stays open
    await adapter.start()
    await core.scheduler.tick()
    assert sorted(adapter.papers("a")) == sorted([HEAD.versioned, SEG.versioned])
    await core.scheduler.tick()
    assert len(adapter.posts["a"]) == before + 3  # header and two cards, once
