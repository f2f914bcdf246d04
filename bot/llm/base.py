"""The LLM port: one small client interface, its errors, and the retry loop both providers share."""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Generic, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from bot.errors import LLMError

log = logging.getLogger("bot.llm")

T = TypeVar("T", bound=BaseModel)
V = TypeVar("V")
R = TypeVar("R")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class LLMReply(Generic[V]):
    """What a model returned (a validated model or text) and what it cost."""

    value: V
    tokens_in: int
    tokens_out: int
    model_version: str | None = None  # the exact model the server says answered, when it says


class LLMTimeout(LLMError):
    """The model did not answer within the per-attempt timeout."""

    def __init__(self, message: str = "the language model did not answer in time") -> None:
        super().__init__(message)


class LLMInvalidOutput(LLMError):
    """The reply was empty, blocked, or not valid JSON for the requested schema."""

    def __init__(self, message: str = "the language model returned an unusable answer") -> None:
        super().__init__(message)


class LLMRateLimited(LLMError):
    """The provider kept answering 429 past the retry budget."""

    def __init__(
        self,
        message: str = "the language model is rate-limited; try again later",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMQuotaExhausted(LLMRateLimited):
    """A quota that lasts until a known time (Gemini's per-day quota) is used up.

    Retrying before ``resets_at`` cannot help: callers stop calling the model until then.
    """

    def __init__(
        self, resets_at: datetime, quota_id: str = "", now: datetime | None = None
    ) -> None:
        super().__init__(quota_message(resets_at, now), retry_after=None)
        self.resets_at = resets_at
        self.quota_id = quota_id


class LLMUnavailable(LLMError):
    """The provider failed (5xx, unreachable), rejected the key, or refused the request."""

    def __init__(self, message: str = "the language model is unavailable right now") -> None:
        super().__init__(message)


class LLMClient(Protocol):
    """A language model that answers a system + user prompt with JSON or text."""

    provider: str  # "gemini" | "openai"
    model: str  # e.g. "gemini-2.5-flash"

    @property
    def label(self) -> str:
        """Human label naming the model used, e.g. "Gemini (gemini-2.5-flash)"."""
        ...

    async def generate_json(
        self,
        *,
        system: str,
        prompt: str,
        schema: type[T],
        temperature: float = 0.2,
        max_output_tokens: int = 4096,
    ) -> LLMReply[T]:
        """Ask for one JSON object matching ``schema``; raise LLMInvalidOutput otherwise."""
        ...

    async def generate_text(
        self,
        *,
        system: str,
        prompt: str,
        temperature: float = 0.2,
        max_output_tokens: int = 2048,
    ) -> LLMReply[str]:
        """Ask for free text; raise LLMInvalidOutput when the reply is empty or blocked."""
        ...

    async def aclose(self) -> None:
        """Release the client's connections."""
        ...


@dataclass(frozen=True, slots=True)
class EmbedReply:
    """Vectors for a batch of texts, in order, and the input tokens they cost."""

    vectors: list[list[float]]
    tokens_in: int  # the provider's count, else an estimate (four characters a token)


@runtime_checkable
class Embedder(Protocol):
    """A provider that turns texts into embedding vectors (both LLM clients are one)."""

    provider: str

    async def embed(
        self, texts: Sequence[str], *, model: str, query: bool, dimensions: int | None = None
    ) -> EmbedReply:
        """One vector per text; ``query`` marks a search question rather than a passage."""
        ...


def embed_reply(
    vectors: list[list[float]], texts: Sequence[str], tokens: int | None, label: str
) -> EmbedReply:
    """The reply when there is one non-empty vector per text, else LLMInvalidOutput.

    ``tokens`` is the provider's count; without one, about four characters a token.
    """
    if len(vectors) != len(texts) or any(not v for v in vectors):
        log.warning("%s returned %d embeddings for %d texts", label, len(vectors), len(texts))
        raise LLMInvalidOutput("the embedding model returned an unusable answer")
    return EmbedReply(vectors, tokens or sum(max(1, len(t) // 4) for t in texts))


def quota_message(resets_at: datetime, now: datetime | None = None) -> str:
    """What a user reads when the model's daily quota is used up, with when it comes back."""
    return (
        f"The language model's daily quota is used up; it {reset_phrase(resets_at, now)}. "
        "Please try again after that."
    )


def reset_phrase(resets_at: datetime, now: datetime | None = None) -> str:
    """'resets around 07:00 UTC (midnight Pacific), in about 5 hours' for a reset time."""
    utc = resets_at.astimezone(UTC)
    left = (utc - (now or datetime.now(UTC))).total_seconds()
    if left >= 5400:
        within = f"in about {round(left / 3600)} hours"
    else:
        minutes = max(1, math.ceil(left / 60))
        within = f"in about {minutes} minute{'' if minutes == 1 else 's'}"
    return f"resets around {utc:%H:%M} UTC (midnight Pacific), {within}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry; the server's own delay wins when it gives one."""

    max_attempts: int = 3
    base_delay_s: float = 1.0
    max_retry_delay_s: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt, classified: the error to raise if we give up, and whether to retry."""

    error: LLMError
    retryable: bool
    detail: str  # for logs: status and provider message, never a secret
    retry_after: float | None = None


def failure_for_status(
    status: int, detail: str, *, retry_after: float | None = None, model: str = ""
) -> Failure:
    """Classify an HTTP error status the same way for every provider."""
    if status == 429:
        error: LLMError = LLMRateLimited(retry_after=retry_after)
    elif status in (401, 403):
        error = LLMUnavailable("the language model rejected the API key; check its configuration")
    elif status == 404:
        error = LLMUnavailable(f"the language model {model or '(unnamed)'} was not found")
    elif 400 <= status < 500:
        error = LLMUnavailable("the language model refused the request")
    else:
        error = LLMUnavailable()
    return Failure(error, status in RETRYABLE_STATUSES, f"HTTP {status} {detail}", retry_after)


def connection_failure(exc: BaseException) -> Failure:
    """A network failure before any HTTP status: retryable."""
    return Failure(LLMUnavailable("could not reach the language model"), True, type(exc).__name__)


def unreadable_failure() -> Failure:
    """A 200 whose body is not the provider's JSON (a proxy or captive portal): not retried."""
    error = LLMUnavailable("the language model sent an unreadable response")
    return Failure(error, False, "HTTP 200 with a body that is not the expected JSON")


def timeout_failure() -> Failure:
    """The attempt ran out of time: not retried (a slow model stays slow)."""
    return Failure(LLMTimeout(), False, "timeout")


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` masked, shortened for a log line."""
    if secret:
        text = text.replace(secret, "***")
    return text if len(text) <= 300 else text[:297] + "..."


def backoff_delay(attempt: int, policy: RetryPolicy, retry_after: float | None) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): the server's, else 1, 2, 4…"""
    if retry_after is not None:
        return max(0.0, retry_after)
    return min(policy.base_delay_s * 2.0 ** (attempt - 1), policy.max_retry_delay_s)


def parse_duration(text: str) -> float | None:
    """Seconds in a protobuf Duration string such as "7s" or "1.5s" (None if malformed)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)s\s*", text)
    return float(match[1]) if match else None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds in an HTTP Retry-After header: delta-seconds or an HTTP date (None if unusable)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def extract_json_text(text: str) -> str:
    """The JSON object in a model's reply, without ```json fences, <think> blocks or chatter."""
    text = re.sub(r"(?s)<think>.*?</think>", "", text).strip()
    fenced = re.search(r"(?s)```(?:json|JSON)?\s*\n?(.*?)```", text)
    if fenced:
        text = fenced[1].strip()
    if not text.startswith(("{", "[")):
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            text = text[start : end + 1]
    return text


async def call_with_retries(
    attempt: Callable[[], Awaitable[R]],
    *,
    classify: Callable[[Exception], Failure | None],
    policy: RetryPolicy,
    timeout_s: float,
    label: str,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> R:
    """Run ``attempt`` under a timeout, retrying classified transient failures with backoff.

    Each attempt is bounded by ``timeout_s``. A server delay above ``policy.max_retry_delay_s``
    ends the loop at once (waiting less would only earn another 429). Unclassified exceptions
    propagate unchanged.
    """
    for number in range(1, policy.max_attempts + 1):
        try:
            return await asyncio.wait_for(attempt(), timeout_s)
        except TimeoutError:
            failure = timeout_failure()
        except Exception as exc:
            classified = classify(exc)
            if classified is None:
                raise
            failure = classified
        delay = backoff_delay(number, policy, failure.retry_after)
        give_up = (
            not failure.retryable
            or number == policy.max_attempts
            or delay > policy.max_retry_delay_s
        )
        if give_up:
            log.warning("%s failed after %d attempt(s): %s", label, number, failure.detail)
            raise failure.error from None
        log.warning(
            "%s attempt %d/%d failed (%s); retrying in %.1fs",
            label,
            number,
            policy.max_attempts,
            failure.detail,
            delay,
        )
        await sleep(delay)
    raise AssertionError("unreachable: max_attempts must be at least 1")
