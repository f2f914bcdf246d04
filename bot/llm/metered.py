"""The one model client every feature calls: each call within the shared rate gate, counted and priced.

``MeteredLLM`` wraps the configured client and is itself an ``LLMClient`` and an ``Embedder``:
summaries, answers, search terms and embeddings all call through it, so every model call waits
for the same ``RateGate`` and lands in ``Metrics`` by outcome, with its tokens and estimated cost.
With a ``QuotaBook``, a model whose daily quota is used up is not called again until the reset
(in any process): such a call raises ``LLMQuotaExhausted`` at once and counts as skipped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.infra.metrics import Metrics, llm_outcome
from bot.llm.base import (
    Embedder,
    EmbedReply,
    LLMClient,
    LLMQuotaExhausted,
    LLMReply,
    LLMUnavailable,
    T,
    V,
)
from bot.llm.quota import QuotaBook
from bot.llm.rate_gate import RateGate


class MeteredLLM:
    """An ``LLMClient`` and ``Embedder`` that gates, counts and prices every call of ``client``."""

    def __init__(
        self,
        client: LLMClient,
        *,
        gate: RateGate,
        metrics: Metrics,
        quota: QuotaBook | None = None,
    ) -> None:
        self.client = client
        self.gate = gate
        self.metrics = metrics
        self.quota = quota  # None: quotas are not remembered between calls
        self.provider = client.provider
        self.model = client.model

    @property
    def label(self) -> str:
        """The wrapped model's label, e.g. "Gemini (gemini-2.5-flash)"."""
        return self.client.label

    @property
    def embeds(self) -> bool:
        """Whether the wrapped client can embed texts."""
        return isinstance(self.client, Embedder)

    async def _metered(
        self, model: str, call: Callable[[], Awaitable[V]], tokens: Callable[[V], tuple[int, int]]
    ) -> V:
        model_id = f"{self.provider}/{model}"
        await self._refuse_if_exhausted(model, model_id)  # before queueing at the gate
        reached = False
        try:
            async with self.gate.slot():
                await self._refuse_if_exhausted(model, model_id)  # another call may have learnt it
                reached = True
                reply = await call()
        except BaseException as exc:
            if reached or not isinstance(exc, LLMQuotaExhausted):
                self.metrics.llm_calls.labels(self.provider, model, llm_outcome(exc)).inc()
            if reached and isinstance(exc, LLMQuotaExhausted):
                await self._exhausted(model, model_id, exc)
            raise
        self.metrics.llm_calls.labels(self.provider, model, "ok").inc()
        self.metrics.llm_usage(self.provider, model, *tokens(reply))
        return reply

    async def _refuse_if_exhausted(self, model: str, model_id: str) -> None:
        """Raise LLMQuotaExhausted, counted as a skipped call, while the model's quota is out."""
        if self.quota is None:
            return
        standing = await self.quota.exhausted(model_id)
        if standing is None:
            return
        self.metrics.llm_skipped.labels(self.provider, model, "quota_exhausted").inc()
        self.metrics.llm_quota_reset.labels(self.provider, model).set(standing.until.timestamp())
        raise standing.error()

    async def _exhausted(self, model: str, model_id: str, exc: LLMQuotaExhausted) -> None:
        """The provider said the quota is used up: record it for every process, and show it."""
        self.metrics.llm_quota_reset.labels(self.provider, model).set(exc.resets_at.timestamp())
        if self.quota is not None:
            await self.quota.record(model_id, exc)

    async def generate_json(
        self,
        *,
        system: str,
        prompt: str,
        schema: type[T],
        temperature: float = 0.2,
        max_output_tokens: int = 4096,
    ) -> LLMReply[T]:
        """The wrapped client's ``generate_json``, gated and metered."""

        def call() -> Awaitable[LLMReply[T]]:
            return self.client.generate_json(
                system=system,
                prompt=prompt,
                schema=schema,
                temperature=temperature,
                max_output_tokens=max_output_tokens,
            )

        return await self._metered(self.model, call, _reply_tokens)

    async def generate_text(
        self,
        *,
        system: str,
        prompt: str,
        temperature: float = 0.2,
        max_output_tokens: int = 2048,
    ) -> LLMReply[str]:
        """The wrapped client's ``generate_text``, gated and metered."""

        def call() -> Awaitable[LLMReply[str]]:
            return self.client.generate_text(
                system=system,
                prompt=prompt,
                temperature=temperature,
                max_output_tokens=max_output_tokens,
            )

        return await self._metered(self.model, call, _reply_tokens)

    async def embed(
        self, texts: Sequence[str], *, model: str, query: bool, dimensions: int | None = None
    ) -> EmbedReply:
        """The wrapped client's ``embed``, gated and metered under the embedding ``model``."""
        client = self.client
        if not isinstance(client, Embedder):
            raise LLMUnavailable(f"{self.provider} offers no embeddings here")

        def call() -> Awaitable[EmbedReply]:
            return client.embed(texts, model=model, query=query, dimensions=dimensions)

        return await self._metered(model, call, lambda reply: (reply.tokens_in, 0))

    async def aclose(self) -> None:
        """Release the wrapped client's connections."""
        await self.client.aclose()


def _reply_tokens(reply: LLMReply[Any]) -> tuple[int, int]:
    return reply.tokens_in, reply.tokens_out
