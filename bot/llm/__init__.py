"""Language models behind one small interface: LLMClient, its reply and its errors."""

from bot.llm.base import (
    LLMClient,
    LLMInvalidOutput,
    LLMRateLimited,
    LLMReply,
    LLMTimeout,
    LLMUnavailable,
)

__all__ = [
    "LLMClient",
    "LLMInvalidOutput",
    "LLMRateLimited",
    "LLMReply",
    "LLMTimeout",
    "LLMUnavailable",
]
