"""paperbot's metric set: names and labels, token cost estimates, outcome labels."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.errors import (
    BadInput,
    DocumentError,
    LLMError,
    PaperNotFound,
    SourceUnavailable,
    UserFacingError,
)
from bot.infra.metrics import (
    PRICES,
    Metrics,
    Price,
    cache_kind,
    cost_usd,
    llm_outcome,
    price_of,
    summary_outcome,
)
from bot.llm.base import LLMInvalidOutput, LLMRateLimited, LLMTimeout, LLMUnavailable

EXPECTED_FAMILIES = {
    "paperbot_llm_calls_total": "counter",
    "paperbot_llm_tokens_total": "counter",
    "paperbot_llm_cost_usd_total": "counter",
    "paperbot_cache_requests_total": "counter",
    "paperbot_summaries_total": "counter",
    "paperbot_digest_duration_seconds": "histogram",
    "paperbot_deliveries_total": "counter",
    "paperbot_platform_errors_total": "counter",
    "paperbot_commands_total": "counter",
    "paperbot_adapter_connected": "gauge",
    "paperbot_ranked_candidates_total": "counter",
    "paperbot_digest_papers_total": "counter",
    "paperbot_feedback_taps_total": "counter",
    "paperbot_posted_verdicts_total": "counter",
    "paperbot_llm_skipped_calls_total": "counter",
    "paperbot_llm_quota_reset_timestamp_seconds": "gauge",
    "paperbot_injection_sentences_total": "counter",
    "paperbot_claims_checked_total": "counter",
    "paperbot_claims_unsupported_total": "counter",
}


EXPECTED_LABELS = {
    "paperbot_llm_calls_total": {"provider", "model", "outcome"},
    "paperbot_llm_tokens_total": {"provider", "model", "direction"},
    "paperbot_llm_cost_usd_total": {"provider", "model"},
    "paperbot_cache_requests_total": {"kind", "result"},
    "paperbot_summaries_total": {"outcome"},
    "paperbot_deliveries_total": {"platform", "outcome"},
    "paperbot_platform_errors_total": {"platform", "kind"},
    "paperbot_commands_total": {"command", "outcome"},
    "paperbot_adapter_connected": {"platform"},
    "paperbot_ranked_candidates_total": set(),
    "paperbot_digest_papers_total": {"outcome"},
    "paperbot_feedback_taps_total": {"vote"},
    "paperbot_posted_verdicts_total": {"verdict"},
    "paperbot_llm_skipped_calls_total": {"provider", "model", "reason"},
    "paperbot_llm_quota_reset_timestamp_seconds": {"provider", "model"},
    "paperbot_injection_sentences_total": {"source"},
}
# One text-format sample line: name, optional escaped labels, a value (as Prometheus writes it).
SAMPLE = re.compile(
    r'[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? '
    r"(-?[0-9.e+-]+|[+-]Inf|NaN)"
)


def record_one_of_each(metrics: Metrics) -> None:
    """One event on every metric, as the bot records them."""
    with metrics.track_llm_call("gemini", "gemini-2.5-flash"):
        metrics.llm_usage("gemini", "gemini-2.5-flash", 10, 5)
    metrics.cache_request("sum", hit=True)
    metrics.summaries.labels(outcome="ok").inc()
    metrics.digest_duration.observe(3.0)
    metrics.deliveries.labels(platform="telegram", outcome="sent").inc()
    metrics.platform_errors.labels(platform="discord", kind="forbidden").inc()
    metrics.commands.labels(command="summarize", outcome="ok").inc()
    metrics.set_adapters({"telegram": True})
    metrics.ranked_candidates.inc(3)
    metrics.digest_papers.labels(outcome="posted").inc()
    metrics.feedback_taps.labels(vote="like").inc()
    metrics.posted_verdicts.labels(verdict="liked").inc()
    metrics.llm_skipped.labels("gemini", "gemini-2.5-flash", "quota_exhausted").inc()
    metrics.llm_quota_reset.labels("gemini", "gemini-2.5-flash").set(1_700_000_000)
    metrics.injection_sentences.labels(source="pdf").inc()


def test_every_metric_is_exposed_with_its_type_and_labels() -> None:
    metrics = Metrics()
    text = metrics.render().decode()
    types = dict(line.split()[2:4] for line in text.splitlines() if line.startswith("# TYPE"))
    assert types == EXPECTED_FAMILIES
    assert 'paperbot_digest_duration_seconds_bucket{le="+Inf"} 0.0' in text
    assert "paperbot_summaries_total{" not in text  # labelled series appear on first use
    record_one_of_each(metrics)
    labels = {
        s.name: set(s.labels)
        for family in text_string_to_metric_families(metrics.render().decode())
        for s in family.samples
    }
    assert {name: labels[name] for name in EXPECTED_LABELS} == EXPECTED_LABELS


def test_only_paperbot_series_and_no_created_timestamps() -> None:
    metrics = Metrics()
    record_one_of_each(metrics)
    text = metrics.render().decode()
    names = {line.split("{")[0].split()[0] for line in text.splitlines() if line[:1] != "#"}
    assert all(name.startswith("paperbot_") for name in names), names  # no process_/python_
    assert not [name for name in names if name.endswith("_created")]
    assert text.endswith("\n")
    for line in text.splitlines():
        assert line.startswith(("# HELP ", "# TYPE ")) or SAMPLE.fullmatch(line), line


def test_two_metrics_objects_share_nothing() -> None:
    first, second = Metrics(), Metrics()
    first.summaries.labels(outcome="ok").inc()
    assert first.value("paperbot_summaries_total", outcome="ok") == 1
    assert second.value("paperbot_summaries_total", outcome="ok") == 0
    assert b"paperbot_summaries_total{" not in second.render()


def test_digest_durations_fill_cumulative_buckets_even_when_the_digest_fails() -> None:
    metrics = Metrics()
    for seconds in (0.5, 5.0, 42.0, 5000.0):  # 5.0 falls in le="5.0": bounds are inclusive
        metrics.digest_duration.observe(seconds)
    with pytest.raises(RuntimeError), metrics.digest_duration.time():
        raise RuntimeError("the digest failed")
    lines = metrics.render().decode().splitlines()
    assert 'paperbot_digest_duration_seconds_bucket{le="1.0"} 2.0' in lines  # 0.5 and the failure
    assert 'paperbot_digest_duration_seconds_bucket{le="5.0"} 3.0' in lines
    assert 'paperbot_digest_duration_seconds_bucket{le="60.0"} 4.0' in lines
    assert 'paperbot_digest_duration_seconds_bucket{le="3600.0"} 4.0' in lines
    assert 'paperbot_digest_duration_seconds_bucket{le="+Inf"} 5.0' in lines
    assert "paperbot_digest_duration_seconds_count 5.0" in lines


def test_odd_label_values_are_escaped() -> None:
    metrics = Metrics()
    metrics.llm_usage("openai", 'my "local"\\model\n2', 1, 1)  # a model name from settings
    text = metrics.render().decode()
    assert 'model="my \\"local\\"\\\\model\\n2"' in text
    for line in text.splitlines():
        assert line.startswith(("# HELP ", "# TYPE ")) or SAMPLE.fullmatch(line), line


@pytest.mark.parametrize(
    ("model", "tokens_in", "tokens_out", "dollars"),
    [
        ("gemini-2.5-flash", 1_000_000, 1_000_000, 0.30 + 2.50),
        ("gemini-2.5-flash", 12_000, 1_500, (12_000 * 0.30 + 1_500 * 2.50) / 1e6),
        ("gemini-2.5-flash-lite", 1_000_000, 0, 0.10),  # not priced as its longer-named sibling
        ("gemini-2.5-flash-lite-preview-06-17", 0, 1_000_000, 0.40),
        ("models/gemini-2.5-pro", 1_000_000, 0, 1.25),
        ("gpt-4o-mini", 2_000_000, 1_000_000, 2 * 0.15 + 0.60),
        ("gpt-4o-mini-2024-07-18", 1_000_000, 0, 0.15),  # dated snapshot of a known model
        ("GPT-4o", 0, 1_000_000, 10.00),
        ("llama3.1:8b", 5_000_000, 5_000_000, 0.0),  # a local model: no price, counts 0
        ("gpt-4oo", 1_000_000, 1_000_000, 0.0),  # not a dated gpt-4o
    ],
)
def test_cost_is_tokens_times_list_price(
    model: str, tokens_in: int, tokens_out: int, dollars: float
) -> None:
    assert cost_usd(model, tokens_in, tokens_out) == pytest.approx(dollars)


def test_the_default_models_have_prices_and_unknown_ones_do_not() -> None:
    assert price_of("gemini-2.5-flash") == Price(0.30, 2.50)  # paperbot's Gemini default
    assert price_of("gpt-4o-mini") == Price(0.15, 0.60)  # its OpenAI default
    assert price_of("qwen2.5:14b") is None
    assert all(p.input_per_mtok > 0 and p.output_per_mtok > 0 for p in PRICES.values())


def test_llm_usage_counts_tokens_and_cost(caplog: pytest.LogCaptureFixture) -> None:
    metrics = Metrics()
    cost = metrics.llm_usage("gemini", "gemini-2.5-flash", 10_000, 2_000)
    metrics.llm_usage("gemini", "gemini-2.5-flash", 10_000, 2_000)
    assert cost == pytest.approx(0.008)
    text = metrics.render().decode()
    assert (
        'paperbot_llm_tokens_total{direction="in",model="gemini-2.5-flash",provider="gemini"} 20000.0'
        in text
    )
    assert (
        'paperbot_llm_tokens_total{direction="out",model="gemini-2.5-flash",provider="gemini"} 4000.0'
        in text
    )
    cost_usd_total = metrics.value(
        "paperbot_llm_cost_usd_total", provider="gemini", model="gemini-2.5-flash"
    )
    assert cost_usd_total == pytest.approx(0.016)
    with caplog.at_level(logging.INFO, logger="bot.infra.metrics"):
        assert metrics.llm_usage("openai", "llama3", 100, 100) == 0.0
        metrics.llm_usage("openai", "llama3", 100, 100)
    assert [r.getMessage() for r in caplog.records] == [
        "no price known for model llama3: its estimated cost counts as 0"
    ]  # noted once, not on every call
    assert b'paperbot_llm_cost_usd_total{model="llama3",provider="openai"} 0.0' in metrics.render()


def test_custom_prices_replace_the_table() -> None:
    metrics = Metrics(prices={"llama3": Price(1.0, 1.0)})
    assert metrics.llm_usage("openai", "llama3", 500_000, 500_000) == pytest.approx(1.0)
    assert metrics.llm_usage("gemini", "gemini-2.5-flash", 1000, 1000) == 0.0


async def test_track_llm_call_counts_each_outcome_and_reraises() -> None:
    metrics = Metrics()

    async def call(error: Exception | None) -> str:
        with metrics.track_llm_call("gemini", "gemini-2.5-flash"):
            await asyncio.sleep(0)
            if error is not None:
                raise error
            return "done"

    assert await call(None) == "done"
    for error in (LLMTimeout(), LLMInvalidOutput(), LLMInvalidOutput(), KeyError("x")):
        with pytest.raises(type(error)):
            await call(error)
    counted = {
        outcome: metrics.value(
            "paperbot_llm_calls_total", provider="gemini", model="gemini-2.5-flash", outcome=outcome
        )
        for outcome in ("ok", "timeout", "invalid_output", "error")
    }
    assert counted == {"ok": 1, "timeout": 1, "invalid_output": 2, "error": 1}


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, "ok"),
        (LLMTimeout(), "timeout"),
        (LLMRateLimited(retry_after=5), "rate_limited"),
        (LLMInvalidOutput(), "invalid_output"),
        (LLMUnavailable(), "unavailable"),
        (LLMError("other"), "error"),
        (asyncio.CancelledError(), "cancelled"),
    ],
)
def test_llm_outcomes(error: BaseException | None, outcome: str) -> None:
    assert llm_outcome(error) == outcome


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (LLMTimeout(), "failed_llm"),
        (LLMError("x"), "failed_llm"),
        (DocumentError("encrypted"), "failed_document"),
        (PaperNotFound("no such paper"), "not_found"),
        (SourceUnavailable("arXiv down"), "failed_source"),
        (BadInput("bad id"), "bad_input"),
        (UserFacingError("x"), "failed_other"),
        (RuntimeError("bug"), "failed_other"),
        (asyncio.CancelledError(), "cancelled"),
    ],
)
def test_summary_outcomes(error: BaseException, outcome: str) -> None:
    assert summary_outcome(error) == outcome


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("paperbot:sum:2408.13714v1:en:gemini/gemini-2.5-flash:abc", "sum"),
        ("paperbot:meta:2408.13714", "meta"),
        ("other:text:2408.13714v1", "text"),
        ("paperbot:", "other"),
    ],
)
def test_cache_kind(key: str, kind: str) -> None:
    prefix = "other:" if key.startswith("other:") else "paperbot:"
    assert cache_kind(key, prefix) == kind


def test_cache_requests_and_adapter_states() -> None:
    metrics = Metrics()
    metrics.cache_request("sum", hit=True)
    metrics.cache_request("sum", hit=False)
    metrics.cache_request("sum", hit=True)
    metrics.set_adapters({"telegram": True, "discord": False})
    text = metrics.render().decode()
    assert 'paperbot_cache_requests_total{kind="sum",result="hit"} 2.0' in text
    assert 'paperbot_cache_requests_total{kind="sum",result="miss"} 1.0' in text
    assert 'paperbot_adapter_connected{platform="telegram"} 1.0' in text
    assert 'paperbot_adapter_connected{platform="discord"} 0.0' in text
