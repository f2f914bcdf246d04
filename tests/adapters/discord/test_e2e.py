"""paperbot in Discord end to end: real core, real discord.py, local arXiv/Gemini/Discord."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.discord_server import BOT_ID, GENERAL, PAPERS, FakeDiscord, Message, problems
from support.fakes.gemini_server import FakeGemini
from support.memory_adapter import until
from support.paperkit import gemini_responder, process_env, settings_for, talklora
from support.paths import REPO

from adapters.discord import DiscordAdapter
from bot.app import Core, build_core
from bot.arxiv.ids import parse_paper_ref
from bot.chat.contract import ChatRef, ChatUnreachable
from bot.chat.post import Post
from bot.summaries.card import paper_post

TITLE = "TalkLoRA: *fast* & light_weight @everyone"


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.add(talklora(title=TITLE))
        for n in range(10):
            server.add(talklora(f"2410.1000{n}", title=f"Paper number {n}"))
        yield server


@pytest.fixture
async def bot(
    arxiv: FakeArxiv, gemini: FakeGemini, dc: FakeDiscord, redis_url: str, redis_client: object
) -> AsyncIterator[tuple[Core, DiscordAdapter]]:
    core = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=20))
    adapter = DiscordAdapter(core, token=dc.token, api_url=dc.api_url, gateway_url=dc.gateway_url)
    core.attach(adapter)  # wired as `paperbot run` wires it
    await adapter.start()
    await until(lambda a=adapter: a.connected, what="discord connected")
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
    assert [f["name"] for f in embed["fields"]] == ["Summary", "Key Takeaways", "Keywords", "Code"]
    assert embed["fields"][3]["value"] == "https://github.com/example-lab/talklora"
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
    bot: tuple[Core, DiscordAdapter],
    dc: FakeDiscord,
    options: dict[str, str],
    says: str,
    private: bool,
) -> None:
    ix = dc.push_command("summarize", options)
    await dc.wait_until(lambda: bool(ix.original and says in ix.original.content), timeout=10)
    assert dc.original(ix).ephemeral is private


async def test_a_lost_channel_is_marked_unreachable_and_others_are_served(
    bot: tuple[Core, DiscordAdapter], dc: FakeDiscord
) -> None:
    core, _ = bot
    lost, served = ChatRef("discord", str(GENERAL)), ChatRef("discord", str(PAPERS))
    dc.forbid(GENERAL)
    with pytest.raises(ChatUnreachable) as refused:
        await core.scheduler.send(lost, Post(text="digest"))  # the digests' way out
    await core.chat_unreachable(refused.value.chat, refused.value.reason)  # as the runner does
    assert len((await core.scheduler.send(served, Post(text="digest"))).message_ids) == 1
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


def answer_or_summary(body: dict[str, Any]) -> dict[str, Any]:
    """FakeGemini: "Rank 8." citing the first passage for a question, else a paper analysis."""
    found = re.search(r'<passage id="(\d+)"', FakeGemini.prompt_text(body))
    if found is None:
        return gemini_responder(body)
    return {"answerable": True, "answer": "Rank 8.", "citations": [int(found[1])]}


async def test_a_message_in_a_cards_thread_is_answered_there_even_after_a_restart(
    arxiv: FakeArxiv, gemini: FakeGemini, dc: FakeDiscord, redis_url: str, redis_client: object
) -> None:
    """The digest card goes out, people ask in its thread; the bot restarts; they ask again."""
    gemini.responder = answer_or_summary
    settings = settings_for(arxiv, redis_url, gemini, user_rate_limit=20)
    thread = 0
    for day in ("yesterday", "today"):
        core = await build_core(settings)
        adapter = DiscordAdapter(
            core, token=dc.token, api_url=dc.api_url, gateway_url=dc.gateway_url
        )
        await adapter.start()
        await until(lambda a=adapter: a.connected, what="discord connected")
        try:
            if day == "yesterday":
                meta = (await core.papers.resolve(parse_paper_ref("2408.13714"))).meta
                summary, _ = await core.papers.summary(meta, "en")
                await adapter.send(ChatRef("discord", str(PAPERS)), paper_post(summary, None))
                (card,) = dc.visible(PAPERS)
                thread = dc.thread_of(card) or 0
                assert thread and dc.visible(thread)  # the analysis is in the thread
                dc.push_message("which LoRA rank works best?", channel_id=GENERAL)
                dc.push_message(
                    "which LoRA rank works best?", channel_id=thread, user_id=2000, bot=True
                )
            calls = gemini.calls
            said = dc.push_message("which LoRA rank works best?", channel_id=thread, user_id=7)
            await dc.wait_until(lambda s=said: bool(dc.replies_to(s)), timeout=15)
            (answer,) = dc.replies_to(said)
            assert answer.channel_id == thread and within_limits(answer)
            assert "Rank 8." in answer.text and re.search(r"§\d+ \w+", answer.text)  # a section
            await asyncio.sleep(0.3)  # the bot's own answer, echoed to it, is no question
            assert dc.replies_to(answer) == [] and gemini.calls == calls + 1
        finally:
            await adapter.stop()
            await core.aclose()
    assert [m.author_id for m in dc.visible(GENERAL)] == [42]  # chatter got no answer
    answers = [m for m in dc.visible(thread) if m.author_id == BOT_ID and m.reference]
    assert len(answers) == 2


async def test_run_starts_discord_when_its_token_is_set_and_stops_on_sigterm(
    tmp_path: Path, arxiv: FakeArxiv, dc: FakeDiscord, redis_url: str, redis_client: object
) -> None:
    """``paperbot run`` with DISCORD_BOT_TOKEN: slash commands and replies to its cards work."""
    env = process_env(
        settings_for(arxiv, redis_url),
        DISCORD_BOT_TOKEN=dc.token,
        PAPERBOT_DISCORD_API_URL=dc.api_url,
        PAPERBOT_DISCORD_GATEWAY_URL=dc.gateway_url,
        PAPERBOT_DATA_DIR=str(tmp_path / "data"),
        PAPERBOT_METRICS_PORT="0",  # no /healthz server: port 9108 may be taken here
    )
    command = (sys.executable, "-m", "adapters.cli", "run")
    proc = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        await dc.wait_until(lambda: bool(dc.identified), timeout=30)  # READY was sent
        ix = dc.push_command("summarize", {"paper": "2408.13714"})
        card, *_ = await dc.await_answers(ix, 2, timeout=30)
        assert "TalkLoRA" in card.text
        said = dc.push_message("which LoRA rank works best?", reply_to=card.id)
        await dc.wait_until(lambda: bool(dc.replies_to(said)), timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    assert dc.token not in out.decode() + err.decode()  # the token is never printed
    assert "discord" in out.decode()
