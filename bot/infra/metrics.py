"""paperbot's metrics: what is counted, with which labels, and the estimated cost of model calls.

Build one ``Metrics`` in the composition root and pass it to whoever records; each has its own
prometheus_client registry (never the global one), and ``render()`` is what ``GET /metrics``
serves. Record with the library's API: ``metrics.summaries.labels(outcome="ok").inc()``.

The cache hit ratio is left to Prometheus, which computes it over any window from the two
counters:

    sum(rate(paperbot_cache_requests_total{result="hit"}[1h]))
      / sum(rate(paperbot_cache_requests_total[1h]))

Costs are **estimates**: tokens times the list price per million tokens in ``PRICES`` (paid
tier, standard text prompts under 200k tokens, no batch or cache discounts; checked in 2025 and
prone to change). A model missing from the table costs 0 — a local Ollama or vLLM model, or one
added after this table — and is logged once so the zero is not mistaken for free usage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from bot.errors import BadInput, DocumentError, LLMError, PaperNotFound, SourceUnavailable
from bot.infra import keys
from bot.llm.base import (
    LLMInvalidOutput,
    LLMQuotaExhausted,
    LLMRateLimited,
    LLMTimeout,
    LLMUnavailable,
)

log = logging.getLogger(__name__)

# No ``*_created`` series (process-wide in prometheus_client): /metrics shows the same series
# as before the library was adopted, and each labelled child is not doubled by a timestamp.
disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in prometheus_client

DIGEST_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)


@dataclass(frozen=True, slots=True)
class Price:
    """List price of a model in US dollars per million tokens."""

    input_per_mtok: float
    output_per_mtok: float


PRICES: Mapping[str, Price] = MappingProxyType(
    {
        "gemini-2.5-pro": Price(1.25, 10.00),
        "gemini-2.5-flash": Price(0.30, 2.50),
        "gemini-2.5-flash-lite": Price(0.10, 0.40),
        "gemini-2.0-flash": Price(0.10, 0.40),
        "gemini-2.0-flash-lite": Price(0.075, 0.30),
        "gpt-4o": Price(2.50, 10.00),
        "gpt-4o-mini": Price(0.15, 0.60),
        "gpt-4.1": Price(2.00, 8.00),
        "gpt-4.1-mini": Price(0.40, 1.60),
        "gpt-4.1-nano": Price(0.10, 0.40),
        "gpt-5": Price(1.25, 10.00),
        "gpt-5-mini": Price(0.25, 2.00),
        "gpt-5-nano": Price(0.05, 0.40),
    }
)


def price_of(model: str, prices: Mapping[str, Price] = PRICES) -> Price | None:
    """The price of ``model``, also for dated or prefixed names (``models/…``, ``…-2024-07-18``).

    The longest table name that equals the model or starts it followed by ``-`` wins, so
    ``gemini-2.5-flash-lite-001`` is priced as flash-lite, not flash.
    """
    name = model.strip().lower().removeprefix("models/")
    found = [k for k in prices if name == k or name.startswith(k + "-")]
    return prices[max(found, key=len)] if found else None


def cost_usd(
    model: str, tokens_in: int, tokens_out: int, prices: Mapping[str, Price] = PRICES
) -> float:
    """Estimated dollars for one call; 0 for a model without a known price."""
    price = price_of(model, prices)
    if price is None:
        return 0.0
    return (tokens_in * price.input_per_mtok + tokens_out * price.output_per_mtok) / 1_000_000


def _outcome(exc: BaseException, table: Mapping[type[BaseException], str], other: str) -> str:
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    return next((label for cls, label in table.items() if isinstance(exc, cls)), other)


_LLM_OUTCOMES: Mapping[type[BaseException], str] = {
    LLMQuotaExhausted: "quota_exhausted",  # before LLMRateLimited, which it specialises
    LLMTimeout: "timeout",
    LLMRateLimited: "rate_limited",
    LLMInvalidOutput: "invalid_output",
    LLMUnavailable: "unavailable",
}
_SUMMARY_OUTCOMES: Mapping[type[BaseException], str] = {
    LLMError: "failed_llm",
    DocumentError: "failed_document",
    PaperNotFound: "not_found",
    SourceUnavailable: "failed_source",
    BadInput: "bad_input",
}


def llm_outcome(exc: BaseException | None) -> str:
    """``outcome`` of a model call: ok, timeout, rate_limited, quota_exhausted, invalid_output…"""
    return "ok" if exc is None else _outcome(exc, _LLM_OUTCOMES, "error")


def summary_outcome(exc: BaseException) -> str:
    """``outcome`` of a summary that raised: failed_llm, failed_document, not_found…"""
    return _outcome(exc, _SUMMARY_OUTCOMES, "failed_other")


def cache_kind(key: str, prefix: str) -> str:
    """The kind of a cache key (``paperbot:sum:2408.13714v1:…`` → ``sum``)."""
    return keys.family(key, prefix)


@dataclass
class Metrics:
    """Every metric paperbot exposes, registered once in this instance's own ``registry``."""

    prices: Mapping[str, Price] = field(default_factory=lambda: PRICES)
    registry: CollectorRegistry = field(init=False, repr=False)
    llm_calls: Counter = field(init=False, repr=False)
    llm_tokens: Counter = field(init=False, repr=False)
    llm_cost: Counter = field(init=False, repr=False)
    cache_requests: Counter = field(init=False, repr=False)
    summaries: Counter = field(init=False, repr=False)
    digest_duration: Histogram = field(init=False, repr=False)
    deliveries: Counter = field(init=False, repr=False)
    platform_errors: Counter = field(init=False, repr=False)
    commands: Counter = field(init=False, repr=False)
    adapter_connected: Gauge = field(init=False, repr=False)
    ranked_candidates: Counter = field(init=False, repr=False)
    digest_papers: Counter = field(init=False, repr=False)
    feedback_taps: Counter = field(init=False, repr=False)
    posted_verdicts: Counter = field(init=False, repr=False)
    injection_sentences: Counter = field(init=False, repr=False)
    claims_checked: Counter = field(init=False, repr=False)
    claims_unsupported: Counter = field(init=False, repr=False)
    llm_skipped: Counter = field(init=False, repr=False)
    llm_quota_reset: Gauge = field(init=False, repr=False)
    _unpriced: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        # Counters are declared without "_total": prometheus_client appends it when rendering.
        self.registry = reg = CollectorRegistry()  # not the global REGISTRY

        def counter(name: str, doc: str, labels: tuple[str, ...]) -> Counter:
            return Counter(name, doc, labels, registry=reg)

        self.llm_calls = counter(
            "paperbot_llm_calls",
            "Model calls by how they ended.",
            ("provider", "model", "outcome"),
        )
        self.llm_tokens = counter(
            "paperbot_llm_tokens",
            "Tokens sent (in) and received (out, thinking included).",
            ("provider", "model", "direction"),
        )
        self.llm_cost = counter(
            "paperbot_llm_cost_usd",
            "Estimated model cost in US dollars from list prices; unknown models count 0.",
            ("provider", "model"),
        )
        self.cache_requests = counter(
            "paperbot_cache_requests",
            "Cache lookups by kind of record, hit or miss.",
            ("kind", "result"),
        )
        self.summaries = counter(
            "paperbot_summaries",
            "Summary requests by outcome (ok = newly written).",
            ("outcome",),
        )
        self.digest_duration = Histogram(
            "paperbot_digest_duration_seconds",
            "Seconds one digest slot took to deliver.",
            buckets=DIGEST_BUCKETS,
            registry=reg,
        )
        self.deliveries = counter(
            "paperbot_deliveries",
            "Digest items by platform and what became of them.",
            ("platform", "outcome"),
        )
        self.platform_errors = counter(
            "paperbot_platform_errors",
            "Errors chat platforms answered, by kind.",
            ("platform", "kind"),
        )
        self.commands = counter(
            "paperbot_commands",
            "Commands handled, by command and outcome.",
            ("command", "outcome"),
        )
        self.adapter_connected = Gauge(
            "paperbot_adapter_connected",
            "1 when the platform adapter is connected, else 0.",
            ("platform",),
            registry=reg,
        )

        self.ranked_candidates = Counter(
            "paperbot_ranked_candidates",
            "Digest candidates scored by a chat's ranking.",
            registry=reg,
        )
        self.digest_papers = counter(
            "paperbot_digest_papers",
            "Digest papers posted as cards, or withheld under the relevance threshold.",
            ("outcome",),
        )
        self.feedback_taps = counter(
            "paperbot_feedback_taps",
            "Votes recorded on papers (like, dislike, withdrawn).",
            ("vote",),
        )
        self.posted_verdicts = counter(
            "paperbot_posted_verdicts",
            "Posted papers whose chat's net vote became liked or disliked; the share liked "
            "among rated is liked / (liked + disliked).",
            ("verdict",),
        )
        self.injection_sentences = counter(
            "paperbot_injection_sentences",
            "Sentences addressed to an AI reader dropped from papers' text before any model "
            "read it, by source (html, pdf).",
            ("source",),
        )

        self.llm_skipped = counter(
            "paperbot_llm_skipped_calls",
            "Model calls not made, by why (quota_exhausted: its daily quota is used up).",
            ("provider", "model", "reason"),
        )
        self.llm_quota_reset = Gauge(
            "paperbot_llm_quota_reset_timestamp_seconds",
            "When the model's used-up daily quota resets (Unix time); past: not used up.",
            ("provider", "model"),
            registry=reg,
        )

        self.claims_checked = counter(
            "paperbot_claims_checked",
            "Claims of model-written text checked against the paper (kind=summary) or an "
            "answer's cited passages (kind=answer).",
            ("kind",),
        )
        self.claims_unsupported = counter(
            "paperbot_claims_unsupported",
            "Checked claims the paper did not support, removed or kept with a visible mark.",
            ("kind", "action"),
        )

    def render(self) -> bytes:
        """The exposition for ``GET /metrics`` (served as ``CONTENT_TYPE_LATEST``)."""
        return generate_latest(self.registry)

    def value(self, name: str, **labels: str) -> float:
        """One sample's value, e.g. ``value("paperbot_summaries_total", outcome="ok")``; 0 if unseen."""
        return self.registry.get_sample_value(name, labels) or 0.0

    def llm_usage(self, provider: str, model: str, tokens_in: int, tokens_out: int) -> float:
        """Count one reply's tokens and estimated cost; returns that cost in dollars."""
        self.llm_tokens.labels(provider, model, "in").inc(tokens_in)
        self.llm_tokens.labels(provider, model, "out").inc(tokens_out)
        cost = cost_usd(model, tokens_in, tokens_out, self.prices)
        self.llm_cost.labels(provider, model).inc(cost)
        if price_of(model, self.prices) is None and model not in self._unpriced:
            self._unpriced.add(model)
            log.info("no price known for model %s: its estimated cost counts as 0", model[:80])
        return cost

    @contextmanager
    def track_llm_call(self, provider: str, model: str) -> Iterator[None]:
        """Count the model call in the ``with`` block by how it ended; exceptions propagate."""
        try:
            yield
        except BaseException as exc:
            self.llm_calls.labels(provider, model, llm_outcome(exc)).inc()
            raise
        self.llm_calls.labels(provider, model, "ok").inc()

    def cache_request(self, kind: str, hit: bool) -> None:
        """Count one cache lookup."""
        self.cache_requests.labels(kind, "hit" if hit else "miss").inc()

    def set_adapters(self, states: Mapping[str, bool]) -> None:
        """Set ``paperbot_adapter_connected`` from each platform's connected state."""
        for platform, connected in states.items():
            self.adapter_connected.labels(platform).set(1.0 if connected else 0.0)
