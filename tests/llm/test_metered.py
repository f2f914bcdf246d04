"""MeteredLLM: the real GeminiClient against a local fake, every call gated, counted and priced."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from pydantic import BaseModel
from support.fakes.gemini_server import FakeGemini

from bot.infra.metrics import Metrics
from bot.llm import LLMInvalidOutput, LLMUnavailable
from bot.llm.gemini import GeminiClient
from bot.llm.metered import MeteredLLM
from bot.llm.rate_gate import RateGate

MODEL = "gemini-2.5-flash"
EMBEDDING_MODEL = "gemini-embedding-001"
CHAT = {"provider": "gemini", "model": MODEL}
EMBEDDING = {"provider": "gemini", "model": EMBEDDING_MODEL}


class Verdict(BaseModel):
    """A small schema for the tests."""

    summary: str


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    """A running fake Gemini server."""
    with FakeGemini() as server:
        yield server


@pytest.fixture
async def client(gemini: FakeGemini) -> AsyncIterator[GeminiClient]:
    """A real client with short timeouts, pointed at the fake."""
    llm = GeminiClient(
        "test-key",
        MODEL,
        base_url=gemini.url,
        timeout_s=2,
        retry_base_delay_s=0.05,
        max_retry_delay_s=5,
    )
    yield llm
    await llm.aclose()


async def test_every_call_is_counted_by_outcome_with_its_tokens_and_cost(
    gemini: FakeGemini, client: GeminiClient
) -> None:
    metrics = Metrics()
    llm = MeteredLLM(client, gate=RateGate(), metrics=metrics)
    assert (llm.provider, llm.model, llm.label) == ("gemini", MODEL, client.label)
    gemini.reply_json({"summary": "good"}, tokens_in=1000, tokens_out=200)
    reply = await llm.generate_json(system="s", prompt="p", schema=Verdict)
    assert reply.value == Verdict(summary="good")
    gemini.reply_text("free text", tokens_in=500, tokens_out=100)
    assert (await llm.generate_text(system="s", prompt="p")).value == "free text"
    gemini.reply_blocked()
    with pytest.raises(LLMInvalidOutput):
        await llm.generate_json(system="s", prompt="p", schema=Verdict)
    gemini.reply_error(400, "bad request")
    with pytest.raises(LLMUnavailable):
        await llm.generate_text(system="s", prompt="p")

    calls = {
        outcome: metrics.value("paperbot_llm_calls_total", **CHAT, outcome=outcome)
        for outcome in ("ok", "invalid_output", "unavailable")
    }
    assert calls == {"ok": 2, "invalid_output": 1, "unavailable": 1}
    assert metrics.value("paperbot_llm_tokens_total", **CHAT, direction="in") == 1500
    assert metrics.value("paperbot_llm_tokens_total", **CHAT, direction="out") == 300
    dollars = (1500 * 0.30 + 300 * 2.50) / 1_000_000  # gemini-2.5-flash list prices
    assert metrics.value("paperbot_llm_cost_usd_total", **CHAT) == pytest.approx(dollars)


async def test_embeddings_are_counted_under_the_embedding_model(
    gemini: FakeGemini, client: GeminiClient
) -> None:
    metrics = Metrics()
    llm = MeteredLLM(client, gate=RateGate(), metrics=metrics)
    assert llm.embeds
    reply = await llm.embed(
        ["a passage", "another"], model=EMBEDDING_MODEL, query=False, dimensions=8
    )
    assert [len(v) for v in reply.vectors] == [8, 8]
    gemini.reply_embed_error(400, "bad request")
    with pytest.raises(LLMUnavailable):
        await llm.embed(["q"], model=EMBEDDING_MODEL, query=True)
    assert metrics.value("paperbot_llm_calls_total", **EMBEDDING, outcome="ok") == 1
    assert metrics.value("paperbot_llm_calls_total", **EMBEDDING, outcome="unavailable") == 1
    assert metrics.value("paperbot_llm_tokens_total", **EMBEDDING, direction="in") > 0
    assert metrics.value("paperbot_llm_tokens_total", **EMBEDDING, direction="out") == 0
    assert metrics.value("paperbot_llm_calls_total", **CHAT, outcome="ok") == 0


async def test_text_and_embedding_calls_share_one_rate_gate(
    gemini: FakeGemini, client: GeminiClient
) -> None:
    gate = RateGate(concurrency=1)
    llm = MeteredLLM(client, gate=gate, metrics=Metrics())
    gemini.reply_slow(0.3, {"summary": "slow"})
    gemini.reply_embed_slow(0.3)
    started = time.monotonic()
    await asyncio.gather(
        llm.generate_json(system="s", prompt="p", schema=Verdict),
        llm.embed(["a passage"], model=EMBEDDING_MODEL, query=False),
    )
    assert time.monotonic() - started >= 0.6  # one after the other, not side by side
    assert gate.peak == 1


async def test_a_call_cancelled_while_it_waits_for_the_gate_is_counted_as_cancelled(
    gemini: FakeGemini, client: GeminiClient
) -> None:
    metrics = Metrics()
    gate = RateGate(concurrency=1)
    llm = MeteredLLM(client, gate=gate, metrics=metrics)
    gemini.reply_slow(0.5, {"summary": "slow"})
    first = asyncio.create_task(llm.generate_json(system="s", prompt="p", schema=Verdict))
    await asyncio.sleep(0.1)
    waiting = asyncio.create_task(llm.generate_text(system="s", prompt="p"))
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await first
    assert metrics.value("paperbot_llm_calls_total", **CHAT, outcome="cancelled") == 1
    assert metrics.value("paperbot_llm_calls_total", **CHAT, outcome="ok") == 1
    assert len(gemini.generate_requests) == 1  # the cancelled call never reached the model
