"""GeminiClient driving the real google-genai SDK over HTTP against a local fake Gemini."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import BaseModel
from support.fakes.gemini_server import FakeGemini
from support.fakes.httpfake import Reply

from bot.errors import LLMError
from bot.llm import LLMInvalidOutput, LLMRateLimited, LLMTimeout, LLMUnavailable
from bot.llm.gemini import THINKING_HEADROOM, GeminiClient, retry_delay_of
from bot.papers.models import Analysis

KEY = "AIzaSy-test-SECRET-0123456789abcdef"
MODEL = "gemini-2.5-flash"


class Answer(BaseModel):
    """A small schema for the tests."""

    summary: str
    score: int


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    """A running fake Gemini server."""
    with FakeGemini() as server:
        yield server


@pytest.fixture
async def client(gemini: FakeGemini) -> AsyncIterator[GeminiClient]:
    """A client with short timeouts and backoff, pointed at the fake."""
    llm = GeminiClient(
        KEY, MODEL, base_url=gemini.url, timeout_s=2, retry_base_delay_s=0.05, max_retry_delay_s=5
    )
    yield llm
    await llm.aclose()


async def ask(llm: GeminiClient) -> Answer:
    """One JSON call with the small schema."""
    reply = await llm.generate_json(system="Be brief.", prompt="Rate it.", schema=Answer)
    return reply.value


def assert_no_secret(caplog: pytest.LogCaptureFixture, error: BaseException) -> None:
    """The key appears in neither the error nor any log record."""
    assert KEY not in str(error)
    assert isinstance(error, LLMError) and KEY not in error.message
    assert error.__cause__ is None or KEY not in str(error.__cause__)
    for record in caplog.records:
        assert KEY not in record.getMessage()


async def test_success_gives_value_tokens_and_label(
    gemini: FakeGemini, client: GeminiClient
) -> None:
    gemini.model_version = "gemini-2.5-flash-001"
    gemini.reply_json({"summary": "good", "score": 4}, tokens_in=123, tokens_out=45)
    reply = await client.generate_json(system="s", prompt="p", schema=Answer)
    assert reply.value == Answer(summary="good", score=4)
    assert (reply.tokens_in, reply.tokens_out) == (123, 45)
    assert reply.model_version == "gemini-2.5-flash-001"
    assert client.label == "Gemini (gemini-2.5-flash)"
    assert client.provider == "gemini" and client.model == MODEL


async def test_request_carries_system_temperature_schema_and_key(
    gemini: FakeGemini, client: GeminiClient
) -> None:
    gemini.reply_json({"summary": "x", "score": 1})
    await client.generate_json(
        system="You are terse.",
        prompt="Paper text",
        schema=Answer,
        temperature=0.7,
        max_output_tokens=321,
    )
    [request] = gemini.requests
    assert request.path == f"/v1beta/models/{MODEL}:generateContent"
    assert request.headers["x-goog-api-key"] == KEY
    assert FakeGemini.system_text(request.body) == "You are terse."
    assert FakeGemini.prompt_text(request.body) == "Paper text"
    config = request.body["generationConfig"]
    assert config["temperature"] == 0.7
    assert config["maxOutputTokens"] == 321 + THINKING_HEADROOM  # 2.5 thinks within the limit
    assert config["responseMimeType"] == "application/json"
    schema = config.get("responseSchema") or config.get("responseJsonSchema")
    assert set(schema["properties"]) == {"summary", "score"}


async def test_analysis_schema_is_sent_and_parsed(gemini: FakeGemini, client: GeminiClient) -> None:
    fields: dict[str, Any] = {
        name: ["a", "b", "c"] if info.annotation == list[str] else f"{name}!"
        for name, info in Analysis.model_fields.items()
        if name != "check"  # set by paperbot, not in the schema
    }
    analysis = Analysis(**fields)
    gemini.reply_json(analysis)
    reply = await client.generate_json(system="s", prompt="p", schema=Analysis)
    assert reply.value == analysis
    config = gemini.requests[0].body["generationConfig"]
    schema = config.get("responseSchema") or config.get("responseJsonSchema")
    assert set(schema["properties"]) == set(Analysis.model_fields) - {"check"}


async def test_generate_text_returns_stripped_text(
    gemini: FakeGemini, client: GeminiClient
) -> None:
    gemini.reply_text("  Hello there.\n", tokens_in=3, tokens_out=2)
    reply = await client.generate_text(system="s", prompt="p")
    assert (reply.value, reply.tokens_in, reply.tokens_out) == ("Hello there.", 3, 2)
    assert "responseMimeType" not in gemini.requests[0].body["generationConfig"]


async def test_fenced_json_is_accepted(gemini: FakeGemini, client: GeminiClient) -> None:
    gemini.reply_text('```json\n{"summary": "fenced", "score": 2}\n```')
    assert await ask(client) == Answer(summary="fenced", score=2)


@pytest.mark.parametrize(
    "text", ['{"summary": "cut', '{"summary": "no score"}', "not json at all", "[]"]
)
async def test_malformed_or_off_schema_json_is_invalid_output(
    gemini: FakeGemini, client: GeminiClient, text: str
) -> None:
    gemini.reply_text(text)
    with pytest.raises(LLMInvalidOutput, match="expected format"):
        await ask(client)
    assert gemini.calls == 1  # the caller decides whether to ask again


async def test_blocked_prompt_is_invalid_output(gemini: FakeGemini, client: GeminiClient) -> None:
    gemini.reply_blocked("SAFETY")
    with pytest.raises(LLMInvalidOutput, match="declined"):
        await ask(client)


async def test_safety_stop_without_text_is_invalid_output(
    gemini: FakeGemini, client: GeminiClient
) -> None:
    gemini.reply_text(None, finish_reason="SAFETY")
    with pytest.raises(LLMInvalidOutput, match=r"declined.*SAFETY"):
        await client.generate_text(system="s", prompt="p")


async def test_truncated_answer_says_cut_off(gemini: FakeGemini, client: GeminiClient) -> None:
    gemini.reply_text('{"summary": "long', finish_reason="MAX_TOKENS")
    with pytest.raises(LLMInvalidOutput, match="cut off"):
        await ask(client)


async def test_429_waits_the_servers_retry_delay_then_succeeds(
    gemini: FakeGemini, client: GeminiClient
) -> None:
    gemini.reply_error(429, "quota", retry_delay="1s")
    gemini.reply_json({"summary": "after wait", "score": 5})
    started = time.monotonic()
    assert await ask(client) == Answer(summary="after wait", score=5)
    elapsed = time.monotonic() - started
    assert gemini.calls == 2
    assert 0.9 <= elapsed < 1.9  # the server's 1 s, not our 0.05 s backoff


async def test_429_forever_raises_rate_limited_with_retry_after(
    gemini: FakeGemini, client: GeminiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for _ in range(3):
        gemini.reply_error(429, "quota", retry_delay="0.1s")
    with pytest.raises(LLMRateLimited) as caught:
        await ask(client)
    assert gemini.calls == 3
    assert caught.value.retry_after == pytest.approx(0.1)
    assert_no_secret(caplog, caught.value)


async def test_429_asking_longer_than_the_cap_gives_up_at_once(
    gemini: FakeGemini, client: GeminiClient
) -> None:
    gemini.reply_error(429, "daily quota", retry_delay="3600s")
    started = time.monotonic()
    with pytest.raises(LLMRateLimited) as caught:
        await ask(client)
    assert time.monotonic() - started < 1
    assert gemini.calls == 1
    assert caught.value.retry_after == 3600


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_error_then_success_is_retried(
    gemini: FakeGemini, client: GeminiClient, status: int
) -> None:
    gemini.reply_error(status, "backend hiccup")
    gemini.reply_json({"summary": "second try", "score": 1})
    assert (await ask(client)).summary == "second try"
    assert gemini.calls == 2


async def test_server_error_forever_is_unavailable(
    gemini: FakeGemini, client: GeminiClient
) -> None:
    for _ in range(3):
        gemini.reply_error(503, "overloaded")
    with pytest.raises(LLMUnavailable, match="unavailable"):
        await ask(client)
    assert gemini.calls == 3


async def test_400_is_not_retried_and_secret_is_redacted(
    gemini: FakeGemini, client: GeminiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gemini.reply_error(400, f"API key {KEY} not valid. Please pass a valid API key.")
    with pytest.raises(LLMUnavailable) as caught:
        await ask(client)
    assert gemini.calls == 1
    assert any("***" in r.getMessage() for r in caplog.records)  # logged, but masked
    assert_no_secret(caplog, caught.value)


async def test_404_names_the_missing_model(gemini: FakeGemini, client: GeminiClient) -> None:
    gemini.reply_error(404, "models/gemini-2.5-flash is not found")
    with pytest.raises(LLMUnavailable, match=r"gemini-2\.5-flash was not found"):
        await ask(client)
    assert gemini.calls == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_rejected_key_is_unavailable_without_echoing_it(
    gemini: FakeGemini, client: GeminiClient, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    caplog.set_level(logging.DEBUG)
    gemini.reply_error(status, "API key not valid")
    with pytest.raises(LLMUnavailable, match="rejected the API key") as caught:
        await ask(client)
    assert gemini.calls == 1
    assert_no_secret(caplog, caught.value)


async def test_slow_server_times_out_quickly_without_retry(gemini: FakeGemini) -> None:
    llm = GeminiClient(KEY, MODEL, base_url=gemini.url, timeout_s=0.3, retry_base_delay_s=0.05)
    gemini.reply_slow(5, {"summary": "too late", "score": 0})
    started = time.monotonic()
    try:
        with pytest.raises(LLMTimeout, match="did not answer in time"):
            await ask(llm)
    finally:
        await llm.aclose()
    assert time.monotonic() - started < 1.5
    assert gemini.calls == 1


async def test_unreachable_server_is_retried_then_unavailable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with FakeGemini() as gone:
        url = gone.url  # a port nobody listens on once the server stops
    llm = GeminiClient(KEY, MODEL, base_url=url, timeout_s=2, retry_base_delay_s=0.01)
    try:
        with pytest.raises(LLMUnavailable, match="could not reach"):
            await ask(llm)
    finally:
        await llm.aclose()
    retries = [r for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == 2  # three attempts in all


async def test_responder_builds_replies_from_the_request(gemini: FakeGemini) -> None:
    gemini.responder = lambda body: {"summary": FakeGemini.prompt_text(body), "score": 9}
    llm = GeminiClient(KEY, MODEL, base_url=gemini.url, timeout_s=2)
    try:
        reply = await llm.generate_json(system="s", prompt="echo me", schema=Answer)
    finally:
        await llm.aclose()
    assert reply.value == Answer(summary="echo me", score=9)
    assert reply.tokens_in > 0 and reply.tokens_out > 0


async def test_non_json_body_is_unavailable(gemini: FakeGemini, client: GeminiClient) -> None:
    gemini.queue(Reply(200, "<html>captive portal</html>"))
    with pytest.raises(LLMUnavailable, match="unreadable"):
        await ask(client)
    assert gemini.calls == 1


async def test_thinking_budget_is_sent_when_set(gemini: FakeGemini) -> None:
    llm = GeminiClient(KEY, MODEL, base_url=gemini.url, timeout_s=2, thinking_budget=0)
    gemini.reply_text("ok")
    try:
        await llm.generate_text(system="s", prompt="p")
    finally:
        await llm.aclose()
    config = gemini.requests[0].body["generationConfig"]
    assert config["thinkingConfig"] in ({"thinkingBudget": 0}, {"thinking_budget": 0})
    assert config["maxOutputTokens"] == 2048  # no thinking: no room needed for it


@pytest.mark.parametrize(
    ("model", "budget", "sent_limit", "sent_budget"),
    [
        ("gemini-2.5-flash", None, 2048 + THINKING_HEADROOM, None),  # dynamic thinking
        ("gemini-2.5-pro", 512, 2048 + 512, 512),
        ("gemini-flash-latest", None, 2048 + THINKING_HEADROOM, None),  # an alias of a 2.5
        ("gemini-2.0-flash", 512, 2048, None),  # does not think; caps output at 8,192
        ("gemma-3-27b-it", None, 2048, None),
    ],
)
async def test_the_output_limit_leaves_room_for_thinking(
    gemini: FakeGemini, model: str, budget: int | None, sent_limit: int, sent_budget: int | None
) -> None:
    llm = GeminiClient(KEY, model, base_url=gemini.url, timeout_s=2, thinking_budget=budget)
    gemini.reply_text("ok")
    try:
        await llm.generate_text(system="s", prompt="p", max_output_tokens=2048)
    finally:
        await llm.aclose()
    config = gemini.requests[0].body["generationConfig"]
    assert config["maxOutputTokens"] == sent_limit
    thinking = config.get("thinkingConfig") or {}
    assert thinking.get("thinkingBudget", thinking.get("thinking_budget")) == sent_budget


@pytest.mark.parametrize(("budget", "thought"), [(None, 6000), (1000, 1000)])
async def test_a_model_that_thinks_at_length_still_answers(
    gemini: FakeGemini, budget: int | None, thought: int
) -> None:
    gemini.responder = lambda body: {"summary": "fits", "score": 3}
    gemini.thinks = 6000  # more than the 4,096 tokens asked for the answer itself
    llm = GeminiClient(KEY, MODEL, base_url=gemini.url, timeout_s=2, thinking_budget=budget)
    try:
        reply = await llm.generate_json(
            system="s", prompt="p", schema=Answer, max_output_tokens=4096
        )
    finally:
        await llm.aclose()
    assert reply.value.summary == "fits"
    assert thought < reply.tokens_out < thought + 100  # thinking is billed as output, and counted


async def test_a_budget_spent_thinking_is_reported_not_returned_as_an_answer(
    gemini: FakeGemini, caplog: pytest.LogCaptureFixture
) -> None:
    gemini.responder = lambda body: {"summary": "never seen", "score": 3}
    gemini.thinks = 20_000  # beyond even the headroom
    llm = GeminiClient(KEY, MODEL, base_url=gemini.url, timeout_s=2)
    try:
        with pytest.raises(LLMInvalidOutput, match="cut off"):
            await llm.generate_json(system="s", prompt="p", schema=Answer, max_output_tokens=100)
    finally:
        await llm.aclose()
    assert "PAPERBOT_GEMINI_THINKING_BUDGET" in caplog.text


def test_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="API key"):
        GeminiClient("", MODEL)


RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
QUOTA_FAILURE = "type.googleapis.com/google.rpc.QuotaFailure"


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ({"error": {"details": [{"@type": RETRY_INFO, "retryDelay": "7s"}]}}, 7.0),
        ([{"@type": RETRY_INFO, "retryDelay": "1.5s"}], 1.5),
        ({"error": {"details": [{"@type": QUOTA_FAILURE}]}}, None),
        ({"@type": RETRY_INFO, "retryDelay": "soon"}, None),
        ({}, None),
        ("not a dict", None),
    ],
)
def test_retry_delay_of(details: object, expected: float | None) -> None:
    assert retry_delay_of(details) == expected


@pytest.mark.parametrize("model", ["gemini-embedding-001", "gemini-embedding-2"])
async def test_each_text_gets_its_own_vector(
    client: GeminiClient, gemini: FakeGemini, model: str
) -> None:
    # The SDK merges a list of strings into one multimodal input for gemini-embedding-2 and later:
    # three passages must still come back as three vectors.
    reply = await client.embed(
        ["rank 8", "head pose", "A100 GPU"], model=model, query=False, dimensions=32
    )
    assert len(reply.vectors) == 3 and all(len(v) == 32 for v in reply.vectors)
    assert reply.vectors[0] != reply.vectors[1]
    assert [kind for kind, _ in gemini.embedded_texts] == ["RETRIEVAL_DOCUMENT"] * 3
    assert reply.tokens_in > 0


async def test_a_failed_embedding_is_an_llm_error(client: GeminiClient, gemini: FakeGemini) -> None:
    gemini.reply_embed_error(403, "API key not valid")
    with pytest.raises(LLMUnavailable, match="API key"):
        await client.embed(["x"], model="gemini-embedding-001", query=True)
