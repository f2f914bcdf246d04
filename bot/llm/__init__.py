"""Language models behind one small interface: LLMClient, its reply and its errors; the metered call every feature makes; the rate gate; daily quotas; prompt templates."""

from bot.llm.base import (
    LLMClient,
    LLMInvalidOutput,
    LLMQuotaExhausted,
    LLMRateLimited,
    LLMReply,
    LLMTimeout,
    LLMUnavailable,
)

__all__ = [
    "LLMClient",
    "LLMInvalidOutput",
    "LLMQuotaExhausted",
    "LLMRateLimited",
    "LLMReply",
    "LLMTimeout",
    "LLMUnavailable",
]
