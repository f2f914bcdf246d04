"""One model call as every feature makes it: within the shared rate gate, counted and priced."""

from __future__ import annotations

from bot.infra.metrics import Metrics
from bot.llm.base import LLMClient, LLMReply, T
from bot.llm.rate_gate import RateGate


async def metered_json(
    llm: LLMClient,
    gate: RateGate,
    metrics: Metrics,
    *,
    system: str,
    prompt: str,
    schema: type[T],
    temperature: float = 0.2,
    max_output_tokens: int = 4096,
) -> LLMReply[T]:
    """``llm.generate_json`` in a gate slot; its outcome, tokens and cost go to ``metrics``."""
    with metrics.track_llm_call(llm.provider, llm.model):
        async with gate.slot():
            reply = await llm.generate_json(
                system=system,
                prompt=prompt,
                schema=schema,
                temperature=temperature,
                max_output_tokens=max_output_tokens,
            )
    metrics.llm_usage(llm.provider, llm.model, reply.tokens_in, reply.tokens_out)
    return reply
