"""👍/👎 under Discord digest cards: real core, real discord.py, local servers, real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

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


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
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
    """A member presses a button; wait until the bot answered the interaction."""
    ix = dc.push_component(card, custom_id, user_id=user)
    await dc.wait_until(lambda: bool(ix.callbacks), timeout=10)
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
            assert [c["type"] for c in ix.callbacks] == [7]  # the card itself is updated
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
