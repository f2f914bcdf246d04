"""What a user sees when the model is out of quota or slow: a quick, clear reply, never a two-minute
wait; /status and /metrics show the quota; a slow summary still lands in the cache."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini, quota_error
from support.paperkit import passages_in, settings_for

from bot.app import Core, build_core
from bot.llm.quota import next_pacific_midnight
from bot.papers.models import PaperId

CHAT = {"provider": "gemini", "model": "gemini-2.5-flash"}


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: object
) -> AsyncIterator[Core]:
    """The real core on local arXiv and Gemini; a user waits at most half a second."""
    settings = settings_for(arxiv, redis_url, gemini, user_rate_limit=1, user_wait_s=0.5)
    built = await build_core(settings)
    yield built
    await built.aclose()


async def said_to(core: Core, text: str) -> tuple[Transcript, float]:
    """What the bot answers to ``text`` in a private chat, and how many seconds it took."""
    said = Transcript()
    started = time.monotonic()
    await core.handle(command(text), said)
    return said, time.monotonic() - started


def reset_words() -> str:
    """How the reply names the reset: the next midnight Pacific, in UTC."""
    return f"resets around {next_pacific_midnight():%H:%M} UTC (midnight Pacific)"


async def check_daily_quota_replies(core: Core, gemini: FakeGemini) -> None:
    """/summarize under a used-up daily quota answers at once, then never calls until the reset."""
    said, took = await said_to(core, "/summarize 2408.13714")
    assert took < 5 and gemini.calls == 1  # the 57 s RetryInfo was not waited out
    assert "daily quota is used up" in said.text and reset_words() in said.text
    assert said.posts[-1].paper_id is None  # no card, nothing invented

    again, took = await said_to(core, "/summarize 2408.13714")  # the failed try was refunded
    assert took < 5 and gemini.calls == 1  # the model was not asked again
    assert reset_words() in again.text

    status, _ = await said_to(core, "/status")
    assert "gemini-2.5-flash: daily quota used up" in status.text
    assert reset_words() in status.text

    metrics = core.metrics.render().decode()
    assert core.metrics.value("paperbot_llm_calls_total", **CHAT, outcome="quota_exhausted") == 1
    assert (
        core.metrics.value("paperbot_llm_skipped_calls_total", **CHAT, reason="quota_exhausted")
        == 1
    )
    assert "paperbot_llm_quota_reset_timestamp_seconds{" in metrics


async def test_summarize_under_a_daily_quota_answers_in_seconds_and_waits_for_the_reset(
    core: Core, gemini: FakeGemini
) -> None:
    gemini.over_quota = quota_error("day")
    await check_daily_quota_replies(core, gemini)


async def test_the_recorded_free_tier_429_is_understood(
    core: Core, gemini: FakeGemini, shared_fixtures: Path
) -> None:
    recorded = shared_fixtures / "gemini" / "generateContent_429_quota_per_day.json"
    body: dict[str, Any] = json.loads(recorded.read_text())["body"]
    gemini.over_quota = body
    await check_daily_quota_replies(core, gemini)


async def test_ask_under_a_daily_quota_quotes_the_paper_at_once(
    core: Core, gemini: FakeGemini
) -> None:
    gemini.over_quota = quota_error("day")
    said, took = await said_to(core, "/ask 2408.13714 which LoRA rank works best?")
    assert took < 5 and gemini.calls <= 1
    assert "Rank 8 works best" in said.text  # the paper's own sentence, quoted


async def test_a_slow_rate_limited_summary_is_promised_and_lands_in_the_cache(
    core: Core, gemini: FakeGemini
) -> None:
    gemini.reply_quota("minute", retry_delay="2s")  # waited out, longer than a user waits
    said, took = await said_to(core, "/summarize 2408.13714")
    assert took < 2 and "still being prepared" in said.text
    assert "Send /summarize 2408.13714 again" in said.text
    await core.patience.drain()  # the summary went on being written
    meta = await core.papers.meta(PaperId(base="2408.13714"))
    assert await core.papers.is_summarized(meta, "en") and gemini.calls == 2

    card, took = await said_to(core, "/summarize 2408.13714")  # the limit is 1 an hour: free now
    assert card.posts[-1].paper_id == "2408.13714v1" and took < 2 and gemini.calls == 2


async def test_a_summary_within_the_bound_is_answered_as_before(
    core: Core, gemini: FakeGemini
) -> None:
    said, _ = await said_to(core, "/summarize 2408.13714")
    assert said.posts[-1].paper_id == "2408.13714v1" and core.patience.pending == 0


async def test_a_slow_rate_limited_answer_is_promised_and_the_same_question_is_then_free(
    core: Core, gemini: FakeGemini
) -> None:
    def grounded(body: dict[str, Any]) -> dict[str, Any]:
        passages = passages_in(FakeGemini.prompt_text(body))
        return {"answerable": True, "answer": "Rank 8.", "citations": [passages[0][0]]}

    gemini.responder = grounded
    gemini.reply_quota("minute", retry_delay="2s")
    question = "/ask 2408.13714 which LoRA rank works best?"
    said, took = await said_to(core, question)
    assert took < 2 and "ask the same question again in a minute" in said.text
    await core.patience.drain()
    calls = gemini.calls
    again, took = await said_to(core, question)  # the limit is 1 an hour: this one is cached
    assert "Rank 8." in again.text and took < 2 and gemini.calls == calls
