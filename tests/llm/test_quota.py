"""Daily quotas: a per-day 429 told from a per-minute one, the reset time, and the shared record
that keeps every caller (this process, another, after a restart) off the model until then."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from pydantic import BaseModel
from support.fakes.gemini_server import FakeGemini, quota_error

from bot.infra import keys
from bot.infra.metrics import Metrics
from bot.llm import LLMRateLimited
from bot.llm.base import LLMQuotaExhausted, quota_message
from bot.llm.gemini import GeminiClient, daily_quota_of, quota_ids_of, retry_delay_of
from bot.llm.metered import MeteredLLM
from bot.llm.quota import QuotaBook, next_pacific_midnight
from bot.llm.rate_gate import RateGate

MODEL = "gemini-2.5-flash"
MODEL_ID = f"gemini/{MODEL}"
CHAT = {"provider": "gemini", "model": MODEL}
PER_DAY = "GenerateRequestsPerDayPerProjectPerModel-FreeTier"


class Verdict(BaseModel):
    """A small schema for the tests."""

    summary: str


def recorded_body(shared_fixtures: Path) -> dict[str, Any]:
    """The real free-tier 429 body from ../shared."""
    raw = (shared_fixtures / "gemini" / "generateContent_429_quota_per_day.json").read_text()
    body: dict[str, Any] = json.loads(raw)["body"]
    return body


# ----------------------------------------------------------------------------- reading a 429


def test_the_recorded_body_names_a_per_day_quota_beside_per_minute_ones(
    shared_fixtures: Path,
) -> None:
    body = recorded_body(shared_fixtures)
    assert len(quota_ids_of(body)) >= 2  # minute and day quotas, however many
    assert daily_quota_of(body) == PER_DAY
    assert retry_delay_of(body) == 57.0  # what the server suggests, and cannot help


@pytest.mark.parametrize(
    ("body", "daily"),
    [
        (quota_error("day"), PER_DAY),
        (quota_error("day", quota_value="250"), PER_DAY),  # newer bodies add quotaValue
        (quota_error("minute"), None),
        (quota_error("minute", retry_delay=None), None),
        ({"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}, None),
        (
            {  # one violation only, in another order of details
                "error": {
                    "details": [
                        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "3s"},
                        {
                            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                            "violations": [{"quotaId": "GenerateContentInputTokensPerModelPerDay"}],
                        },
                    ]
                }
            },
            "GenerateContentInputTokensPerModelPerDay",
        ),
    ],
    ids=["day", "day-with-quotaValue", "minute", "minute-no-retryinfo", "no-details", "one-day"],
)
def test_a_per_day_quota_is_told_from_a_per_minute_one(
    body: dict[str, Any], daily: str | None
) -> None:
    assert daily_quota_of(body) == daily


@pytest.mark.parametrize(
    ("now", "reset"),
    [
        ("2024-11-25T12:00:00+00:00", "2024-11-26T08:00:00+00:00"),  # winter: PST, UTC-8
        ("2024-07-01T12:00:00+00:00", "2024-07-02T07:00:00+00:00"),  # summer: PDT, UTC-7
        ("2024-11-26T07:59:00+00:00", "2024-11-26T08:00:00+00:00"),  # a minute before
        ("2024-11-26T08:00:00+00:00", "2024-11-27T08:00:00+00:00"),  # just reset: the next one
        ("2024-03-10T07:30:00+00:00", "2024-03-10T08:00:00+00:00"),  # the eve of DST: still PST
        ("2024-03-10T12:00:00+00:00", "2024-03-11T07:00:00+00:00"),  # DST began at 02:00
    ],
)
def test_gemini_quotas_reset_at_the_next_pacific_midnight(now: str, reset: str) -> None:
    assert next_pacific_midnight(datetime.fromisoformat(now)) == datetime.fromisoformat(reset)


def test_the_message_says_the_daily_quota_is_used_up_and_when_it_resets() -> None:
    now = datetime(2024, 11, 25, 23, 0, tzinfo=UTC)
    text = quota_message(next_pacific_midnight(now), now)
    assert "daily quota is used up" in text
    assert "resets around 08:00 UTC (midnight Pacific), in about 9 hours" in text
    soon = quota_message(datetime(2024, 11, 26, 8, 0, tzinfo=UTC), now + timedelta(hours=8.5))
    assert "in about 30 minutes" in soon


# ----------------------------------------------------------------------------- the record


async def test_the_record_expires_at_the_reset_and_is_read_by_another_process(
    redis_client: aioredis.Redis,
) -> None:
    book = QuotaBook(redis_client, "paperbot:")
    reset = next_pacific_midnight()
    await book.record(MODEL_ID, LLMQuotaExhausted(reset, PER_DAY))
    key = keys.llm_quota("paperbot:", MODEL_ID)
    assert key == "paperbot:quota:gemini/gemini-2.5-flash"
    assert await redis_client.pexpiretime(key) == int(reset.timestamp() * 1000)
    other = QuotaBook(redis_client, "paperbot:")  # a second process, or after a restart
    standing = await other.exhausted(MODEL_ID)
    assert standing is not None and standing.until == reset and standing.quota_id == PER_DAY
    assert await other.exhausted("gemini/gemini-2.5-pro") is None  # per model
    assert [e.model_id for e in await other.all()] == [MODEL_ID]
    await other.clear(MODEL_ID)
    assert await book.exhausted(MODEL_ID) is None and await book.all() == []


# ----------------------------------------------------------------------------- the real client


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    """A running fake Gemini server."""
    with FakeGemini() as server:
        yield server


@pytest.fixture
async def client(gemini: FakeGemini) -> AsyncIterator[GeminiClient]:
    """A real client with the production retry budget (3 attempts, delays up to 60 s)."""
    llm = GeminiClient("test-key", MODEL, base_url=gemini.url, timeout_s=5)
    yield llm
    await llm.aclose()


async def test_a_per_day_429_fails_at_once_and_nobody_calls_again_until_the_reset(
    gemini: FakeGemini, client: GeminiClient, redis_client: aioredis.Redis
) -> None:
    metrics = Metrics()
    book = QuotaBook(redis_client, "paperbot:")
    llm = MeteredLLM(client, gate=RateGate(), metrics=metrics, quota=book)
    gemini.over_quota = quota_error("day")  # RetryInfo says 57 s, which cannot help
    started = time.monotonic()
    with pytest.raises(LLMQuotaExhausted) as raised:
        await llm.generate_json(system="s", prompt="p", schema=Verdict)
    assert time.monotonic() - started < 3 and gemini.calls == 1  # not retried
    assert "daily quota is used up" in raised.value.message
    assert raised.value.resets_at == next_pacific_midnight()

    gemini.over_quota = None  # even if the model would answer, nobody asks before the reset
    gemini.reply_json({"summary": "too early"})
    with pytest.raises(LLMQuotaExhausted):
        await llm.generate_text(system="s", prompt="p")
    other = MeteredLLM(
        client, gate=RateGate(), metrics=Metrics(), quota=QuotaBook(redis_client, "paperbot:")
    )
    with pytest.raises(LLMQuotaExhausted):
        await other.generate_json(system="s", prompt="p", schema=Verdict)
    assert gemini.calls == 1

    assert metrics.value("paperbot_llm_calls_total", **CHAT, outcome="quota_exhausted") == 1
    assert metrics.value("paperbot_llm_skipped_calls_total", **CHAT, reason="quota_exhausted") == 1
    reset = metrics.value("paperbot_llm_quota_reset_timestamp_seconds", **CHAT)
    assert reset == next_pacific_midnight().timestamp()

    await book.clear(MODEL_ID)  # the reset came: the record expired
    assert (await llm.generate_text(system="s", prompt="p")).value == '{"summary": "too early"}'


async def test_calls_queued_behind_the_first_per_day_429_never_reach_the_model(
    gemini: FakeGemini, client: GeminiClient, redis_client: aioredis.Redis
) -> None:
    llm = MeteredLLM(
        client, gate=RateGate(concurrency=2), metrics=Metrics(), quota=QuotaBook(redis_client, "p:")
    )
    gemini.over_quota = quota_error("day")
    outcomes = await asyncio.gather(
        *(llm.generate_text(system="s", prompt=f"p{i}") for i in range(8)), return_exceptions=True
    )
    assert all(isinstance(o, LLMQuotaExhausted) for o in outcomes)
    assert gemini.calls <= 2  # at most the calls already under way when the first answered


async def test_a_per_minute_429_is_still_waited_out(
    gemini: FakeGemini, client: GeminiClient, redis_client: aioredis.Redis
) -> None:
    book = QuotaBook(redis_client, "paperbot:")
    llm = MeteredLLM(client, gate=RateGate(), metrics=Metrics(), quota=book)
    gemini.reply_quota("minute", retry_delay="1s")
    gemini.reply_json({"summary": "after a second"})
    started = time.monotonic()
    reply = await llm.generate_json(system="s", prompt="p", schema=Verdict)
    assert reply.value.summary == "after a second" and gemini.calls == 2
    assert time.monotonic() - started >= 0.95  # the server's delay was honoured
    assert await book.exhausted(MODEL_ID) is None  # nothing recorded for a minute's limit


async def test_a_per_minute_429_past_the_retry_budget_is_plain_rate_limiting(
    gemini: FakeGemini, redis_client: aioredis.Redis
) -> None:
    client = GeminiClient("k", MODEL, base_url=gemini.url, timeout_s=5, max_attempts=2)
    try:
        llm = MeteredLLM(
            client, gate=RateGate(), metrics=Metrics(), quota=QuotaBook(redis_client, "p:")
        )
        gemini.reply_quota("minute", retry_delay="0.1s")
        gemini.reply_quota("minute", retry_delay="0.1s")
        with pytest.raises(LLMRateLimited) as raised:
            await llm.generate_text(system="s", prompt="p")
        assert not isinstance(raised.value, LLMQuotaExhausted) and gemini.calls == 2
    finally:
        await client.aclose()
