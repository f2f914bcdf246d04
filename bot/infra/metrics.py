"""paperbot's metrics: what is counted, with which labels, and the estimated cost of model calls.

Build one ``Metrics`` in the composition root and pass it to whoever records; ``render()`` is
what ``GET /metrics`` serves. The cache hit ratio is left to Prometheus, which computes it over
any window from the two counters:

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
from typing import TypeVar

from bot.errors import BadInput, DocumentError, LLMError, PaperNotFound, SourceUnavailable
from bot.infra.exposition import Counter, Gauge, Histogram, Metric, Registry
from bot.llm.base import LLMInvalidOutput, LLMRateLimited, LLMTimeout, LLMUnavailable

log = logging.getLogger(__name__)
M = TypeVar("M", bound=Metric)

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
    """``outcome`` of a model call: ok, timeout, rate_limited, invalid_output, unavailable…"""
    return "ok" if exc is None else _outcome(exc, _LLM_OUTCOMES, "error")


def summary_outcome(exc: BaseException) -> str:
    """``outcome`` of a summary that raised: failed_llm, failed_document, not_found…"""
    return _outcome(exc, _SUMMARY_OUTCOMES, "failed_other")


def cache_kind(key: str, prefix: str) -> str:
    """The kind of a cache key (``paperbot:sum:2408.13714v1:…`` → ``sum``)."""
    return key.removeprefix(prefix).split(":", 1)[0] or "other"


@dataclass
class Metrics:
    """Every metric paperbot exposes, registered once in ``registry``."""

    prices: Mapping[str, Price] = field(default_factory=lambda: PRICES)
    registry: Registry = field(init=False, repr=False)
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
    _unpriced: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self.registry = Registry()
        self.llm_calls = self._add(Counter(
            "paperbot_llm_calls_total", "Model calls by how they ended.",
            ("provider", "model", "outcome")))  # fmt: skip
        self.llm_tokens = self._add(Counter(
            "paperbot_llm_tokens_total", "Tokens sent (in) and received (out, thinking included).",
            ("provider", "model", "direction")))  # fmt: skip
        self.llm_cost = self._add(Counter(
            "paperbot_llm_cost_usd_total",
            "Estimated model cost in US dollars from list prices; unknown models count 0.",
            ("provider", "model")))  # fmt: skip
        self.cache_requests = self._add(Counter(
            "paperbot_cache_requests_total", "Cache lookups by kind of record, hit or miss.",
            ("kind", "result")))  # fmt: skip
        self.summaries = self._add(Counter(
            "paperbot_summaries_total", "Summary requests by outcome (ok = newly written).",
            ("outcome",)))  # fmt: skip
        self.digest_duration = self._add(Histogram(
            "paperbot_digest_duration_seconds", "Seconds one digest slot took to deliver.",
            buckets=DIGEST_BUCKETS))  # fmt: skip
        self.deliveries = self._add(Counter(
            "paperbot_deliveries_total", "Digest items by platform and what became of them.",
            ("platform", "outcome")))  # fmt: skip
        self.platform_errors = self._add(Counter(
            "paperbot_platform_errors_total", "Errors chat platforms answered, by kind.",
            ("platform", "kind")))  # fmt: skip
        self.commands = self._add(Counter(
            "paperbot_commands_total", "Commands handled, by command and outcome.",
            ("command", "outcome")))  # fmt: skip
        self.adapter_connected = self._add(Gauge(
            "paperbot_adapter_connected", "1 when the platform adapter is connected, else 0.",
            ("platform",)))  # fmt: skip

    def _add(self, metric: M) -> M:
        self.registry.register(metric)
        return metric

    def render(self) -> str:
        """The exposition text for ``GET /metrics``."""
        return self.registry.render()

    def llm_usage(self, provider: str, model: str, tokens_in: int, tokens_out: int) -> float:
        """Count one reply's tokens and estimated cost; returns that cost in dollars."""
        self.llm_tokens.inc(tokens_in, provider=provider, model=model, direction="in")
        self.llm_tokens.inc(tokens_out, provider=provider, model=model, direction="out")
        cost = cost_usd(model, tokens_in, tokens_out, self.prices)
        self.llm_cost.inc(cost, provider=provider, model=model)
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
            self.llm_calls.inc(provider=provider, model=model, outcome=llm_outcome(exc))
            raise
        self.llm_calls.inc(provider=provider, model=model, outcome="ok")

    def cache_request(self, kind: str, hit: bool) -> None:
        """Count one cache lookup."""
        self.cache_requests.inc(kind=kind, result="hit" if hit else "miss")

    def set_adapters(self, states: Mapping[str, bool]) -> None:
        """Set ``paperbot_adapter_connected`` from each platform's connected state."""
        for platform, connected in states.items():
            self.adapter_connected.set(1.0 if connected else 0.0, platform=platform)
