"""👍/👎 under Discord digest cards: real core, real discord.py, local servers, real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.discord_server import PAPERS, FakeDiscord, Interaction, Message
from support.fakes.gemini_server import FakeGemini
from support.memory_adapter import until
from support.paperkit import settings_for, talklora

from adapters.discord import DiscordAdapter
from bot.app import Core, build_core
from bot.arxiv.ids import parse_paper_ref
from bot.chat.contract import ChatRef
from bot.summaries.card import paper_post

PAPER = "2408.13714v1"
LIKE, DISLIKE = f"v:+:{PAPER}", f"v:-:{PAPER}"
CHANNEL = ChatRef("discord", str(PAPERS))


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.add(talklora())
        yield server


async def started(
    arxiv: FakeArxiv, gemini: FakeGemini, dc: FakeDiscord, redis_url: str
) -> tuple[Core, DiscordAdapter]:
    """A core with its Discord adapter, connected (what `paperbot run` starts)."""
    core = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=20))
    adapter = DiscordAdapter(core, token=dc.token, api_url=dc.api_url, gateway_url=dc.gateway_url)
    core.attach(adapter)
    await adapter.start()
    await until(lambda: adapter.connected, what="discord connected")
    return core, adapter


async def post_card(core: Core, adapter: DiscordAdapter, dc: FakeDiscord) -> Message:
    """A digest card (votes on) in the papers channel."""
    meta = (await core.papers.resolve(parse_paper_ref("2408.13714"))).meta
    summary, _ = await core.papers.summary(meta, "en")
    await adapter.send(CHANNEL, paper_post(summary, None, votes=True))
    (card,) = dc.visible(PAPERS)
    return card


def votes(message: Message) -> list[tuple[str, str]]:
    """The (emoji + tally, custom id) of a message's vote buttons."""
    buttons = [b for row in message.components for b in row["components"] if "custom_id" in b]
    return [(f"{b['emoji']['name']}{b.get('label') or ''}", b["custom_id"]) for b in buttons]


async def press(dc: FakeDiscord, card: Message, custom_id: str, user: int) -> Interaction:
    """A member presses a button; wait until the bot acknowledged it and then edited the card
    or answered the member privately."""
    edits = len(card.edits)
    ix = dc.push_component(card, custom_id, user_id=user)

    def handled() -> bool:
        return bool(ix.callbacks) and (len(card.edits) > edits or bool(dc.answers(ix)))

    await dc.wait_until(handled, timeout=10)
    return ix


async def test_members_vote_change_and_withdraw_on_one_card_and_nothing_counts_twice(
    arxiv: FakeArxiv, gemini: FakeGemini, dc: FakeDiscord, redis_url: str, redis_client: object
) -> None:
    core, adapter = await started(arxiv, gemini, dc, redis_url)
    try:
        card = await post_card(core, adapter, dc)
        assert votes(card) == [("👍", LIKE), ("👎", DISLIKE)]
        assert card.buttons[0] == "https://arxiv.org/abs/2408.13714v1"
        model_calls, shown = gemini.calls, len(dc.visible(PAPERS))
        for user in (1, 2, 3):
            ix = await press(dc, card, LIKE, user)
            assert [c["type"] for c in ix.callbacks] == [6]  # acknowledged, then the card edited
            assert votes(card) == [(f"👍{user}", LIKE), ("👎", DISLIKE)]
        await press(dc, card, DISLIKE, 2)  # a change, not a second vote
        assert votes(card) == [("👍2", LIKE), ("👎1", DISLIKE)]
        await press(dc, card, LIKE, 3)  # the same button again withdraws
        assert votes(card) == [("👍1", LIKE), ("👎1", DISLIKE)]
        assert card.buttons[0] == "https://arxiv.org/abs/2408.13714v1"  # links kept
        assert await core.feedback.count(CHANNEL) == 2
        assert gemini.calls == model_calls and len(dc.visible(PAPERS)) == shown
    finally:
        await adapter.stop()
        await core.aclose()

    core, adapter = await started(arxiv, gemini, dc, redis_url)  # a restart overnight
    try:
        await press(dc, card, DISLIKE, 2)  # yesterday's 👎 again: withdrawn
        assert votes(card) == [("👍1", LIKE), ("👎", DISLIKE)]
        (example,) = await core.feedback.examples(CHANNEL)
        assert (example.paper, example.vote) == (PAPER, 1)  # the ranking sees the net 👍
    finally:
        await adapter.stop()
        await core.aclose()


async def test_a_forged_button_gets_a_private_answer_and_counts_nothing(
    arxiv: FakeArxiv, gemini: FakeGemini, dc: FakeDiscord, redis_url: str, redis_client: object
) -> None:
    core, adapter = await started(arxiv, gemini, dc, redis_url)
    try:
        card = await post_card(core, adapter, dc)
        ix = await press(dc, card, "v:+:not-a-paper", 1)
        (answer,) = dc.answers(ix)
        assert answer.ephemeral and "not about a paper" in answer.content
        assert votes(card) == [("👍", LIKE), ("👎", DISLIKE)]
        assert await core.feedback.count(CHANNEL) == 0
    finally:
        await adapter.stop()
        await core.aclose()


async def test_simultaneous_taps_end_with_the_card_showing_the_final_tally(
    arxiv: FakeArxiv, gemini: FakeGemini, dc: FakeDiscord, redis_url: str, redis_client: object
) -> None:
    core, adapter = await started(arxiv, gemini, dc, redis_url)
    try:
        card = await post_card(core, adapter, dc)
        gate = dc.hold_edits(card)  # the first tally edit is slow to reach Discord
        first = dc.push_component(card, LIKE, user_id=1)
        await asyncio.wait_for(gate.reached.wait(), 10)
        others = [dc.push_component(card, LIKE, user_id=user) for user in (2, 3)]
        # queued behind the slow edit, yet acknowledged at once (Discord's 3 s deadline)
        await dc.wait_until(lambda: all(ix.callbacks for ix in (first, *others)), timeout=10)
        gate.release.set()
        await dc.wait_until(lambda: len(card.edits) == 3, timeout=10)
        shown = [tally(edit["components"]) for edit in card.edits]
        assert shown == ["👍1", "👍2", "👍3"]  # in order: the last edit shows the last tally
        assert votes(card)[0] == ("👍3", LIKE)
        assert await core.feedback.tally(CHANNEL, PAPER.split("v")[0]) == (3, 0)
    finally:
        await adapter.stop()
        await core.aclose()


def tally(components: list[dict[str, Any]]) -> str:
    """The 👍 button's emoji and label in a message body's components."""
    buttons = [b for row in components for b in row["components"] if "custom_id" in b]
    return f"{buttons[0]['emoji']['name']}{buttons[0].get('label') or ''}"
