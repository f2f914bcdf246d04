"""OpenAICompatClient driving the real openai SDK over HTTP against a local fake server."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel
from support.fakes.httpfake import Reply
from support.fakes.openai_server import FakeOpenAI

from bot.errors import LLMError
from bot.llm import LLMInvalidOutput, LLMRateLimited, LLMTimeout, LLMUnavailable
from bot.llm.base import extract_json_text, parse_retry_after
from bot.llm.openai_compat import REASONING_HEADROOM, OpenAICompatClient

KEY = "sk-test-SECRET-0123456789abcdef"
MODEL = "gpt-4o-mini"


class Answer(BaseModel):
    """A small schema for the tests."""

    summary: str
    score: int


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI-compatible server."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def client(fake: FakeOpenAI) -> AsyncIterator[OpenAICompatClient]:
    """A client with short timeouts and backoff, pointed at the fake."""
    llm = OpenAICompatClient(
        KEY,
        MODEL,
        base_url=fake.base_url,
        timeout_s=2,
        retry_base_delay_s=0.05,
        max_retry_delay_s=5,
    )
    yield llm
    await llm.aclose()


async def ask(llm: OpenAICompatClient) -> Answer:
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
    fake: FakeOpenAI, client: OpenAICompatClient
) -> None:
    fake.reply_json({"summary": "good", "score": 4}, tokens_in=120, tokens_out=40)
    reply = await client.generate_json(system="s", prompt="p", schema=Answer)
    assert reply.value == Answer(summary="good", score=4)
    assert (reply.tokens_in, reply.tokens_out) == (120, 40)
    assert reply.model_version == MODEL  # the model the server says answered
    assert client.label == "OpenAI-compatible (gpt-4o-mini)"
    assert client.provider == "openai"


def test_label_names_openai_or_the_given_vendor() -> None:
    assert OpenAICompatClient("k", "gpt-4o").label == "OpenAI (gpt-4o)"
    local = OpenAICompatClient(
        None, "qwen2.5:7b", base_url="http://127.0.0.1:1/v1", vendor="Ollama"
    )
    assert local.label == "Ollama (qwen2.5:7b)"


async def test_request_carries_schema_json_mode_temperature_and_key(
    fake: FakeOpenAI, client: OpenAICompatClient
) -> None:
    fake.reply_json({"summary": "x", "score": 1})
    await client.generate_json(
        system="You are terse.",
        prompt="Paper text",
        schema=Answer,
        temperature=0.7,
        max_output_tokens=321,
    )
    [request] = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.body
    assert body["model"] == MODEL
    assert body["response_format"] == {"type": "json_object"}
    assert body["temperature"] == 0.7
    assert body["max_tokens"] == 321
    system = FakeOpenAI.system_text(body)
    assert system.startswith("You are terse.")
    schema = json.loads(system[system.index("{") :])
    assert set(schema["properties"]) == {"summary", "score"}
    assert FakeOpenAI.prompt_text(body) == "Paper text"


async def test_max_completion_tokens_can_replace_max_tokens(fake: FakeOpenAI) -> None:
    llm = OpenAICompatClient(
        KEY, "gpt-4.1", base_url=fake.base_url, token_param="max_completion_tokens"
    )
    fake.reply_text("ok")
    try:
        await llm.generate_text(system="s", prompt="p", max_output_tokens=99)
    finally:
        await llm.aclose()
    body = fake.requests[0].body
    assert body["max_completion_tokens"] == 99 and "max_tokens" not in body
    assert "response_format" not in body


@pytest.mark.parametrize(
    ("model", "reasoning"),
    [
        ("gpt-5-mini", True),
        ("o4-mini", True),
        ("openai/o3", True),  # a router's prefixed name
        ("gpt-5-chat-latest", False),
        ("gpt-4o-mini", False),
        ("qwen2.5:14b", False),
    ],
)
async def test_reasoning_models_get_the_parameters_they_accept(
    fake: FakeOpenAI, model: str, reasoning: bool
) -> None:
    # OpenAI answers 400 to a reasoning model sent max_tokens or a temperature; the fake too.
    fake.responder = lambda body: {"summary": "ok", "score": 1}
    llm = OpenAICompatClient(KEY, model, base_url=fake.base_url, timeout_s=2)
    try:
        reply = await llm.generate_json(
            system="s", prompt="p", schema=Answer, max_output_tokens=500
        )
    finally:
        await llm.aclose()
    assert reply.value.summary == "ok"
    body = fake.requests[0].body
    if reasoning:
        assert "max_tokens" not in body and "temperature" not in body
        assert body["max_completion_tokens"] == 500 + REASONING_HEADROOM  # room to reason
    else:
        assert body["max_tokens"] == 500 and body["temperature"] == 0.2


async def test_a_model_that_reasons_at_length_still_answers(fake: FakeOpenAI) -> None:
    fake.responder = lambda body: {"summary": "fits", "score": 2}
    fake.thinks = 5000  # more than the 2,048 tokens the answer is given
    llm = OpenAICompatClient(KEY, "gpt-5-mini", base_url=fake.base_url, timeout_s=2)
    try:
        reply = await llm.generate_json(
            system="s", prompt="p", schema=Answer, max_output_tokens=2048
        )
    finally:
        await llm.aclose()
    assert reply.value.summary == "fits" and reply.tokens_out > 5000  # reasoning is billed


async def test_no_key_for_local_servers(fake: FakeOpenAI) -> None:
    llm = OpenAICompatClient(None, "llama3.1:8b", base_url=fake.base_url, timeout_s=2)
    fake.reply_text(" Local answer. ", tokens_in=5, tokens_out=3)
    try:
        reply = await llm.generate_text(system="s", prompt="p")
    finally:
        await llm.aclose()
    assert (reply.value, reply.tokens_in, reply.tokens_out) == ("Local answer.", 5, 3)


@pytest.mark.parametrize(
    "content",
    [
        '```json\n{"summary": "fenced", "score": 2}\n```',
        '<think>hmm, score 2</think>\n{"summary": "fenced", "score": 2}',
        'Here you go: {"summary": "fenced", "score": 2} Hope it helps.',
    ],
)
async def test_wrapped_json_is_accepted(
    fake: FakeOpenAI, client: OpenAICompatClient, content: str
) -> None:
    fake.reply_text(content)
    assert await ask(client) == Answer(summary="fenced", score=2)


@pytest.mark.parametrize("content", ['{"summary": "cut', '{"summary": "no score"}', "nope"])
async def test_malformed_or_off_schema_json_is_invalid_output(
    fake: FakeOpenAI, client: OpenAICompatClient, content: str
) -> None:
    fake.reply_text(content)
    with pytest.raises(LLMInvalidOutput, match="expected format"):
        await ask(client)
    assert fake.calls == 1


@pytest.mark.parametrize(
    ("content", "finish", "message"),
    [
        (None, "content_filter", "declined"),
        ("", "stop", "empty"),
        ('{"summary": "lo', "length", "cut off"),
    ],
)
async def test_filtered_empty_or_cut_replies_are_invalid_output(
    fake: FakeOpenAI, client: OpenAICompatClient, content: str | None, finish: str, message: str
) -> None:
    fake.reply_text(content, finish_reason=finish)
    with pytest.raises(LLMInvalidOutput, match=message):
        await ask(client)


async def test_429_waits_retry_after_then_succeeds(
    fake: FakeOpenAI, client: OpenAICompatClient
) -> None:
    fake.reply_error(429, "slow down", retry_after=1)
    fake.reply_json({"summary": "after wait", "score": 5})
    started = time.monotonic()
    assert (await ask(client)).summary == "after wait"
    elapsed = time.monotonic() - started
    assert fake.calls == 2
    assert 0.9 <= elapsed < 1.9  # the server's 1 s, not our 0.05 s backoff


async def test_429_forever_raises_rate_limited_with_retry_after(
    fake: FakeOpenAI, client: OpenAICompatClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for _ in range(3):
        fake.reply_error(429, "slow down", retry_after=0.1)
    with pytest.raises(LLMRateLimited) as caught:
        await ask(client)
    assert fake.calls == 3
    assert caught.value.retry_after == pytest.approx(0.1)
    assert_no_secret(caplog, caught.value)


async def test_429_without_retry_after_backs_off_and_gives_up(
    fake: FakeOpenAI, client: OpenAICompatClient
) -> None:
    for _ in range(3):
        fake.reply_error(429, "slow down")
    with pytest.raises(LLMRateLimited) as caught:
        await ask(client)
    assert fake.calls == 3
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_error_then_success_is_retried(
    fake: FakeOpenAI, client: OpenAICompatClient, status: int
) -> None:
    fake.reply_error(status, "backend hiccup")
    fake.reply_json({"summary": "second try", "score": 1})
    assert (await ask(client)).summary == "second try"
    assert fake.calls == 2


async def test_400_is_not_retried_and_secret_is_redacted(
    fake: FakeOpenAI, client: OpenAICompatClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.reply_error(400, f"Incorrect API key provided: {KEY}")
    with pytest.raises(LLMUnavailable, match="refused the request") as caught:
        await ask(client)
    assert fake.calls == 1
    assert any("***" in r.getMessage() for r in caplog.records)
    assert_no_secret(caplog, caught.value)


@pytest.mark.parametrize("status", [401, 403])
async def test_rejected_key_is_unavailable_without_echoing_it(
    fake: FakeOpenAI, client: OpenAICompatClient, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.reply_error(status, "Incorrect API key provided")
    with pytest.raises(LLMUnavailable, match="rejected the API key") as caught:
        await ask(client)
    assert fake.calls == 1
    assert_no_secret(caplog, caught.value)


async def test_slow_server_times_out_quickly_without_retry(fake: FakeOpenAI) -> None:
    llm = OpenAICompatClient(
        KEY, MODEL, base_url=fake.base_url, timeout_s=0.3, retry_base_delay_s=0.05
    )
    fake.reply_slow(5, {"summary": "too late", "score": 0})
    started = time.monotonic()
    try:
        with pytest.raises(LLMTimeout, match="did not answer in time"):
            await ask(llm)
    finally:
        await llm.aclose()
    assert time.monotonic() - started < 1.5
    assert fake.calls == 1


async def test_unreachable_server_is_retried_then_unavailable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with FakeOpenAI() as gone:
        url = gone.base_url  # a port nobody listens on once the server stops
    llm = OpenAICompatClient(KEY, MODEL, base_url=url, timeout_s=2, retry_base_delay_s=0.01)
    try:
        with pytest.raises(LLMUnavailable, match="could not reach"):
            await ask(llm)
    finally:
        await llm.aclose()
    assert len([r for r in caplog.records if "retrying in" in r.getMessage()]) == 2


async def test_responder_builds_replies_from_the_request(fake: FakeOpenAI) -> None:
    fake.responder = lambda body: {"summary": FakeOpenAI.prompt_text(body), "score": 9}
    llm = OpenAICompatClient(KEY, MODEL, base_url=fake.base_url, timeout_s=2)
    try:
        reply = await llm.generate_json(system="s", prompt="echo me", schema=Answer)
    finally:
        await llm.aclose()
    assert reply.value == Answer(summary="echo me", score=9)
    assert reply.tokens_in > 0 and reply.tokens_out > 0


@pytest.mark.parametrize("content_type", ["text/html", "application/json"])
async def test_non_json_body_is_unavailable(
    fake: FakeOpenAI, client: OpenAICompatClient, content_type: str
) -> None:
    fake.queue(Reply(200, "<html>captive portal</html>", {"Content-Type": content_type}))
    with pytest.raises(LLMUnavailable, match="unreadable"):
        await ask(client)
    assert fake.calls == 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        ("1.5", 1.5),
        ("Thu, 01 Jan 2026 00:00:30 GMT", 30.0),
        ("Wed, 31 Dec 2025 23:59:00 GMT", 0.0),  # already past
        ("soon", None),
        ("inf", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after(header, now) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', '{"a": 1}'),
        ('```json\n{"a": 1}\n```', '{"a": 1}'),
        ('```\n{"a": 1}\n```', '{"a": 1}'),
        ('<think>{"no": 0}</think>{"a": 1}', '{"a": 1}'),
        ('Sure! {"a": {"b": 2}} Done.', '{"a": {"b": 2}}'),
        ("no json", "no json"),
    ],
)
def test_extract_json_text(text: str, expected: str) -> None:
    assert extract_json_text(text) == expected
