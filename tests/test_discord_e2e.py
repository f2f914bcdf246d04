"""paperbot in Discord end to end: real core, real discord.py, local arXiv/Gemini/Discord."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fakes.arxiv_server import FakeArxiv
from fakes.discord_server import GENERAL, PAPERS, FakeDiscord, Message, problems
from fakes.gemini_server import FakeGemini
from paperkit import gemini_responder, settings_for, talklora

from adapters.discord import DiscordAdapter
from bot.app import Core, build_core
from bot.chat import ChatRef, Post
from bot.paper_ref import parse_paper_ref
from bot.render import paper_post

TITLE = "TalkLoRA: *fast* & light_weight @everyone"


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.add(talklora(title=TITLE))
        for n in range(10):
            server.add(talklora(f"2410.1000{n}", title=f"Paper number {n}"))
        yield server


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    with FakeGemini(responder=gemini_responder) as server:
        yield server


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server


@pytest.fixture
async def bot(
    arxiv: FakeArxiv, gemini: FakeGemini, dc: FakeDiscord, redis_url: str, redis_client: object
) -> AsyncIterator[tuple[Core, DiscordAdapter]]:
    core = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=20))
    adapter = DiscordAdapter(
        dc.token,
        commands=core.router.commands(),
        api_url=dc.api_url,
        gateway_url=dc.gateway_url,
        on_unreachable=core.chats.mark_unreachable,
        on_migrated=core.chats.migrate,
    )
    await adapter.start(core.handle)
    yield core, adapter
    await adapter.stop()
    await core.aclose()


def within_limits(message: Message) -> bool:
    """Discord would accept the message as it stands (the fake also refuses bodies that are not)."""
    return problems(message.content, message.embeds) == []


async def test_summarize_is_deferred_then_answered_with_an_embed_and_the_figure(
    bot: tuple[Core, DiscordAdapter], dc: FakeDiscord
) -> None:
    ix = dc.push_command("summarize", {"paper": "2408.13714"})
    card, *analysis = await dc.await_answers(ix, 2, timeout=15)
    assert [c["type"] for c in ix.callbacks] == [5]
    assert card.history[0].startswith("Fetching 2408.13714")
    assert any(line.startswith("Summarizing with Gemini") for line in card.history)
    (embed,) = card.embeds
    assert embed["title"] == r"TalkLoRA: \*fast\* & light\_weight @" + "\u200beveryone"
    assert embed["url"] == "https://arxiv.org/abs/2408.13714v1"
    assert embed["image"]["url"] == "attachment://2408.13714v1.png"
    assert card.files["2408.13714v1.png"].startswith(b"\x89PNG")
    assert "Jack Saunders" in embed["description"]
    assert [f["name"] for f in embed["fields"]] == ["Summary", "Key Takeaways"]
    assert embed["footer"]["text"] == "Summary written by Gemini (gemini-2.5-flash)"
    assert card.buttons[:2] == [
        "https://arxiv.org/abs/2408.13714v1",
        "https://arxiv.org/pdf/2408.13714v1",
    ]
    text = "\n".join(m.text for m in analysis)
    assert "University of Bath" in text and "Methods" in text
    assert all(within_limits(m) for m in (card, *analysis))


async def test_summarize_in_chinese_via_the_language_option(
    bot: tuple[Core, DiscordAdapter], dc: FakeDiscord
) -> None:
    ix = dc.push_command("summarize", {"paper": "2408.13714", "language": "zh"}, dm=True)
    answers = await dc.await_answers(ix, 2, timeout=15)
    assert "TalkLoRA：用低秩适配" in answers[0].text


async def test_a_digest_card_goes_to_the_channel_with_its_analysis_in_a_thread(
    bot: tuple[Core, DiscordAdapter], dc: FakeDiscord
) -> None:
    core, adapter = bot
    meta = (await core.papers.resolve(parse_paper_ref("2408.13714"))).meta
    summary, _ = await core.papers.summary(meta, "en")
    post = paper_post(summary, await core.papers.figure(meta))
    ref = await adapter.send(ChatRef("discord", str(PAPERS)), post)
    (card,) = dc.visible(PAPERS)
    assert ref.message_ids == (str(card.id),) and within_limits(card)
    assert card.files and card.embeds[0]["image"]["url"].startswith("attachment://")
    thread = dc.thread_of(card)
    assert thread is not None
    analysis = dc.visible(thread)
    assert analysis and "University of Bath" in analysis[0].text


@pytest.mark.parametrize(
    ("options", "says", "private"),
    [
        ({"paper": "2408.13714", "language": "fr"}, "choose one of en, zh", True),
        ({"paper": "2408.1371"}, "not a valid arXiv id", False),
        (
            {"paper": "https://evil.example/abs/2408.13714"},
            "only read papers from arxiv.org",
            False,
        ),
    ],
)
async def test_bad_input_gets_a_helpful_answer(
    bot: tuple[Core, DiscordAdapter], dc: FakeDiscord, options: dict[str, str], says: str,
    private: bool,
) -> None:  # fmt: skip
    ix = dc.push_command("summarize", options)
    await dc.wait_until(lambda: bool(ix.original and says in ix.original.content), timeout=10)
    assert dc.original(ix).ephemeral is private


async def test_a_lost_channel_is_marked_unreachable_and_others_are_served(
    bot: tuple[Core, DiscordAdapter], dc: FakeDiscord
) -> None:
    core, adapter = bot
    lost, served = ChatRef("discord", str(GENERAL)), ChatRef("discord", str(PAPERS))
    dc.forbid(GENERAL)
    assert (await adapter.send(lost, Post(text="digest"))).message_ids == ()
    assert len((await adapter.send(served, Post(text="digest"))).message_ids) == 1
    assert await core.chats.unreachable_reason(lost) == "403 Missing Access"
    assert [m.content for m in dc.visible(PAPERS)] == ["digest"]
    # Someone there uses the bot again: the channel counts as reachable again.
    ix = dc.push_command("help", {}, channel_id=GENERAL)
    await dc.await_answers(ix, 1, timeout=10)
    assert await core.chats.unreachable_reason(lost) is None


async def test_ten_users_get_ten_papers_in_parallel(
    bot: tuple[Core, DiscordAdapter], dc: FakeDiscord, gemini: FakeGemini
) -> None:
    def slow(body: dict[str, Any]) -> dict[str, Any]:
        time.sleep(1.0)
        return gemini_responder(body)

    gemini.responder = slow
    started = time.monotonic()
    asked = [
        dc.push_command("summarize", {"paper": f"2410.1000{n}"}, user_id=500 + n, dm=True)
        for n in range(10)
    ]
    await asyncio.gather(*(dc.await_answers(ix, 2, timeout=20) for ix in asked))
    elapsed = time.monotonic() - started
    assert gemini.calls == 10
    assert elapsed < 6, f"answers came one by one ({elapsed:.1f}s for 10 one-second model calls)"
    for n, ix in enumerate(asked):
        assert f"Paper number {n}" in dc.answers(ix)[0].text
