"""Gemini behind the LLMClient interface, through google-genai's async API."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence

import httpx
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from pydantic import BaseModel, ValidationError

from bot.llm.base import (
    EmbedReply,
    Failure,
    LLMInvalidOutput,
    LLMQuotaExhausted,
    LLMReply,
    RetryPolicy,
    T,
    call_with_retries,
    connection_failure,
    embed_reply,
    extract_json_text,
    failure_for_status,
    parse_duration,
    redact,
    timeout_failure,
    unreadable_failure,
)
from bot.llm.quota import next_pacific_midnight

log = logging.getLogger("bot.llm.gemini")

_TIMEOUTS = (httpx.TimeoutException,)
_TRANSPORT = (httpx.TransportError,)

# Output tokens allowed on top of an answer's for a model's own (dynamic) thinking: Gemini counts
# thoughts against maxOutputTokens, so without room a long think leaves an empty answer.
THINKING_HEADROOM = 8192
_NON_THINKING = re.compile(r"^(models/)?(gemini-(1\.\d|2\.0)|gemma-)")

_BLOCKING_FINISH = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "OTHER"}


def retry_delay_of(details: object) -> float | None:
    """The RetryInfo.retryDelay (seconds) anywhere in a Google error body, or None."""
    if isinstance(details, dict):
        if str(details.get("@type", "")).endswith("google.rpc.RetryInfo"):
            delay = details.get("retryDelay")
            return parse_duration(delay) if isinstance(delay, str) else None
        details = list(details.values())
    if isinstance(details, list):
        for item in details:
            found = retry_delay_of(item)
            if found is not None:
                return found
    return None


_PER_DAY = re.compile(r"per[_ ]?day", re.IGNORECASE)


def quota_ids_of(details: object) -> list[str]:
    """Every ``QuotaFailure.violations[].quotaId`` anywhere in a Google error body, in order."""
    found: list[str] = []
    if isinstance(details, dict):
        if str(details.get("@type", "")).endswith("google.rpc.QuotaFailure"):
            for violation in details.get("violations") or []:
                quota = violation.get("quotaId") if isinstance(violation, dict) else None
                if isinstance(quota, str):
                    found.append(quota)
            return found
        details = list(details.values())
    if isinstance(details, list):
        for item in details:
            found += quota_ids_of(item)
    return found


def daily_quota_of(details: object) -> str | None:
    """The per-day quota a 429 names (``GenerateRequestsPerDayPerProjectPerModel-FreeTier``), or
    None when every violated quota is shorter (per minute): a used-up day outweighs the rest."""
    return next((q for q in quota_ids_of(details) if _PER_DAY.search(q)), None)


def _finish_reason(resp: types.GenerateContentResponse) -> str:
    """The first candidate's finish reason, or the prompt's block reason, as a plain string."""
    if resp.prompt_feedback is not None and resp.prompt_feedback.block_reason is not None:
        return str(getattr(resp.prompt_feedback.block_reason, "value", "BLOCKED"))
    if resp.candidates and resp.candidates[0].finish_reason is not None:
        return str(getattr(resp.candidates[0].finish_reason, "value", ""))
    return ""


def thinks(model: str) -> bool:
    """Whether a Gemini model thinks before answering (2.5 and later; 1.x, 2.0 and Gemma don't)."""
    return _NON_THINKING.match(model) is None


def output_limit(model: str, answer_tokens: int, thinking_budget: int | None) -> int:
    """maxOutputTokens for an answer of ``answer_tokens``: plus the thinking it may do first."""
    if not thinks(model):
        return answer_tokens
    if thinking_budget is None or thinking_budget < 0:  # the model's own, dynamic budget
        return answer_tokens + THINKING_HEADROOM
    return answer_tokens + thinking_budget


def _tokens(resp: types.GenerateContentResponse) -> tuple[int, int]:
    """Prompt and output tokens (thinking counts as output) from usage metadata, 0 if absent."""
    usage = resp.usage_metadata
    if usage is None:
        return 0, 0
    out = (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
    return usage.prompt_token_count or 0, out


def _text_or_raise(resp: types.GenerateContentResponse, label: str) -> str:
    """The reply's text; LLMInvalidOutput when it was blocked, cut off or empty."""
    reason = _finish_reason(resp)
    text = resp.text
    if text and text.strip() and reason != "MAX_TOKENS":
        return text
    thoughts = resp.usage_metadata.thoughts_token_count if resp.usage_metadata else None
    log.warning(
        "%s returned no usable text (finish reason %s%s)",
        label,
        reason or "none",
        f", {thoughts} tokens of thinking; PAPERBOT_GEMINI_THINKING_BUDGET bounds it"
        if thoughts and reason == "MAX_TOKENS"
        else "",
    )
    if reason in _BLOCKING_FINISH or reason == "BLOCKED" or resp.prompt_feedback is not None:
        raise LLMInvalidOutput(f"the language model declined to answer ({reason or 'blocked'})")
    if reason == "MAX_TOKENS":
        raise LLMInvalidOutput("the language model's answer was cut off at its length limit")
    raise LLMInvalidOutput("the language model returned an empty answer")


class GeminiClient:
    """A Gemini model (google-genai) with our own timeout, retries and error mapping.

    ``timeout_s`` bounds each attempt; 429/5xx/network failures are retried up to
    ``max_attempts`` in all, waiting the server's RetryInfo delay when it gives one.
    """

    provider = "gemini"

    def __init__(
        self,
        api_key: str,
        model: str,
        *,
        base_url: str | None = None,
        api_version: str = "v1beta",
        timeout_s: float = 120.0,
        max_attempts: int = 3,
        max_retry_delay_s: float = 60.0,
        retry_base_delay_s: float = 1.0,
        thinking_budget: int | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("GeminiClient needs an API key")
        self.model = model
        self._key = api_key
        self._timeout_s = timeout_s
        self._thinking_budget = thinking_budget
        self._policy = RetryPolicy(max_attempts, retry_base_delay_s, max_retry_delay_s)
        # Our own httpx client: the SDK's aiohttp path warns (it subclasses ClientSession)
        # and retries connection errors behind our back.
        self._http = httpx.AsyncClient(timeout=timeout_s)
        options = types.HttpOptions(
            base_url=base_url,
            api_version=api_version,
            timeout=int(timeout_s * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),  # ours, honouring retryDelay
            httpx_async_client=self._http,
        )
        self._client = genai.Client(api_key=api_key, vertexai=False, http_options=options)

    @property
    def label(self) -> str:
        """Human label naming the model, e.g. "Gemini (gemini-2.5-flash)"."""
        return f"Gemini ({self.model})"

    async def generate_json(
        self,
        *,
        system: str,
        prompt: str,
        schema: type[T],
        temperature: float = 0.2,
        max_output_tokens: int = 4096,
    ) -> LLMReply[T]:
        """Ask for one JSON object matching ``schema`` (sent as the response schema)."""
        config = self._config(system, temperature, max_output_tokens, schema)
        resp = await self._generate(prompt, config)
        tokens_in, tokens_out = _tokens(resp)
        if isinstance(resp.parsed, schema):
            value = resp.parsed
        else:
            text = _text_or_raise(resp, self.label)
            try:
                value = schema.model_validate_json(extract_json_text(text))
            except ValidationError as exc:
                log.warning(
                    "%s: reply is not a valid %s (%d errors)",
                    self.label,
                    schema.__name__,
                    exc.error_count(),
                )
                raise LLMInvalidOutput(
                    "the language model's answer did not match the expected format"
                ) from None
        return LLMReply(value, tokens_in, tokens_out, resp.model_version)

    async def generate_text(
        self,
        *,
        system: str,
        prompt: str,
        temperature: float = 0.2,
        max_output_tokens: int = 2048,
    ) -> LLMReply[str]:
        """Ask for free text."""
        config = self._config(system, temperature, max_output_tokens, None)
        resp = await self._generate(prompt, config)
        text = _text_or_raise(resp, self.label).strip()
        return LLMReply(text, *_tokens(resp), resp.model_version)

    async def embed(
        self, texts: Sequence[str], *, model: str, query: bool, dimensions: int | None = None
    ) -> EmbedReply:
        """Embed up to 100 texts in one batchEmbedContents call (RETRIEVAL_QUERY/_DOCUMENT)."""
        config = types.EmbedContentConfig(
            task_type="RETRIEVAL_QUERY" if query else "RETRIEVAL_DOCUMENT",
            output_dimensionality=dimensions,
        )
        label = f"Gemini embeddings ({model})"
        contents = [types.Content(parts=[types.Part(text=t)]) for t in texts]

        async def attempt() -> types.EmbedContentResponse:
            return await self._client.aio.models.embed_content(
                model=model, contents=contents, config=config
            )

        resp = await call_with_retries(
            attempt,
            classify=self._classify,
            policy=self._policy,
            timeout_s=self._timeout_s,
            label=label,
        )
        vectors = [list(e.values or []) for e in resp.embeddings or []]
        usage = resp.usage_metadata
        return embed_reply(vectors, texts, usage.prompt_token_count if usage else None, label)

    async def aclose(self) -> None:
        """Close the HTTP clients (ours for async calls, the SDK's idle sync one)."""
        await self._client.aio.aclose()
        await self._http.aclose()
        self._client.close()

    def _config(
        self,
        system: str,
        temperature: float,
        max_output_tokens: int,
        schema: type[BaseModel] | None,
    ) -> types.GenerateContentConfig:
        """Generation settings; with ``schema``, ask for JSON matching it."""
        thinking = None
        if self._thinking_budget is not None and thinks(self.model):
            thinking = types.ThinkingConfig(thinking_budget=self._thinking_budget)
        return types.GenerateContentConfig(
            system_instruction=system,
            temperature=temperature,
            max_output_tokens=output_limit(self.model, max_output_tokens, self._thinking_budget),
            thinking_config=thinking,
            response_mime_type="application/json" if schema is not None else None,
            response_schema=schema,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )

    async def _generate(
        self, prompt: str, config: types.GenerateContentConfig
    ) -> types.GenerateContentResponse:
        """One generateContent call under our timeout and retry policy."""

        async def attempt() -> types.GenerateContentResponse:
            return await self._client.aio.models.generate_content(
                model=self.model, contents=prompt, config=config
            )

        return await call_with_retries(
            attempt,
            classify=self._classify,
            policy=self._policy,
            timeout_s=self._timeout_s,
            label=self.label,
        )

    def _classify(self, exc: Exception) -> Failure | None:
        """Map an SDK or transport exception to a Failure (None: not ours to handle)."""
        if isinstance(exc, genai_errors.APIError):
            detail = redact(f"{exc.status or ''} {exc.message or ''}".strip(), self._key)
            daily = daily_quota_of(exc.details) if exc.code == 429 else None
            if daily is not None:  # retrying in RetryInfo's seconds cannot help a used-up day
                error = LLMQuotaExhausted(next_pacific_midnight(), daily)
                return Failure(error, False, f"HTTP 429 {daily}: {detail}")
            delay = retry_delay_of(exc.details) if exc.code == 429 else None
            return failure_for_status(exc.code, detail, retry_after=delay, model=self.model)
        if isinstance(exc, genai_errors.UnknownApiResponseError | json.JSONDecodeError):
            return unreadable_failure()
        if isinstance(exc, _TIMEOUTS):
            return timeout_failure()
        if isinstance(exc, _TRANSPORT):
            return connection_failure(exc)
        return None
