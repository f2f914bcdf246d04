"""OpenAI and OpenAI-compatible servers (Ollama, vLLM, DeepSeek…) behind the LLMClient interface."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Literal

import openai
from openai import AsyncOpenAI, omit
from openai.types import CreateEmbeddingResponse
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from pydantic import ValidationError

from bot.llm.base import (
    EmbedReply,
    Failure,
    LLMInvalidOutput,
    LLMReply,
    RetryPolicy,
    T,
    call_with_retries,
    connection_failure,
    embed_reply,
    extract_json_text,
    failure_for_status,
    parse_retry_after,
    redact,
    timeout_failure,
    unreadable_failure,
)

log = logging.getLogger("bot.llm.openai")

TokenParam = Literal["max_tokens", "max_completion_tokens"]
# Completion tokens allowed on top of an answer's for a reasoning model's own reasoning, which
# counts against max_completion_tokens: without room a long reasoning leaves an empty answer.
REASONING_HEADROOM = 8192


def reasons(model: str) -> bool:
    """Whether ``model`` is an OpenAI reasoning model (o1, o3, o4-mini, gpt-5…; not gpt-5-chat).

    They take ``max_completion_tokens`` (reasoning included) and only the default temperature.
    """
    name = model.rsplit("/", 1)[-1].lower()
    return re.match(r"(o\d|gpt-5)", name) is not None and "-chat" not in name


def json_instructions(system: str, schema_json: str) -> str:
    """The system prompt plus the JSON-only instruction and the schema the reply must match."""
    return (
        f"{system.rstrip()}\n\nAnswer with one JSON object and nothing else (no prose, no code "
        f"fences). It must validate against this JSON Schema:\n{schema_json}"
    )


def _content_or_raise(resp: ChatCompletion, label: str) -> str:
    """The first choice's text; LLMInvalidOutput when it is missing, filtered, cut or empty."""
    choice = resp.choices[0] if resp.choices else None
    reason = choice.finish_reason if choice is not None else None
    text = choice.message.content if choice is not None else None
    if text and text.strip() and reason != "length":
        return text
    log.warning("%s returned no usable text (finish reason %s)", label, reason or "none")
    if reason == "content_filter" or (choice is not None and choice.message.refusal):
        raise LLMInvalidOutput("the language model declined to answer")
    if reason == "length":
        raise LLMInvalidOutput("the language model's answer was cut off at its length limit")
    raise LLMInvalidOutput("the language model returned an empty answer")


class _NotACompletion(Exception):
    """The server answered 200 with something that is not a chat completion."""


class OpenAICompatClient:
    """A chat-completions model with JSON mode, our own timeout, retries and error mapping.

    ``timeout_s`` bounds each attempt; 429/5xx/network failures are retried up to
    ``max_attempts`` in all, waiting the server's Retry-After when it gives one.
    """

    provider = "openai"

    def __init__(
        self,
        api_key: str | None,
        model: str,
        *,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        max_attempts: int = 3,
        max_retry_delay_s: float = 60.0,
        retry_base_delay_s: float = 1.0,
        vendor: str | None = None,
        token_param: TokenParam | None = None,
    ) -> None:
        self.model = model
        self._key = api_key
        self._vendor = vendor or ("OpenAI" if base_url is None else "OpenAI-compatible")
        self._reasoning = reasons(model)
        # max_tokens is what every compatible server knows; reasoning models refuse it.
        self._token_param = token_param or (
            "max_completion_tokens" if self._reasoning else "max_tokens"
        )
        self._timeout_s = timeout_s
        self._policy = RetryPolicy(max_attempts, retry_base_delay_s, max_retry_delay_s)
        self._client = AsyncOpenAI(
            api_key=api_key or "unused",  # local servers (Ollama, vLLM) need no key
            base_url=base_url,
            timeout=timeout_s,
            max_retries=0,  # ours, honouring Retry-After
        )

    @property
    def label(self) -> str:
        """Human label naming the model, e.g. "OpenAI (gpt-4o-mini)"."""
        return f"{self._vendor} ({self.model})"

    async def generate_json(
        self,
        *,
        system: str,
        prompt: str,
        schema: type[T],
        temperature: float = 0.2,
        max_output_tokens: int = 4096,
    ) -> LLMReply[T]:
        """Ask for one JSON object matching ``schema`` (JSON mode, schema in the system prompt)."""
        schema_json = json.dumps(schema.model_json_schema(), ensure_ascii=False)
        resp = await self._complete(
            json_instructions(system, schema_json), prompt, temperature, max_output_tokens, True
        )
        text = _content_or_raise(resp, self.label)
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
        return LLMReply(value, *_tokens(resp), resp.model or None)

    async def generate_text(
        self,
        *,
        system: str,
        prompt: str,
        temperature: float = 0.2,
        max_output_tokens: int = 2048,
    ) -> LLMReply[str]:
        """Ask for free text."""
        resp = await self._complete(system, prompt, temperature, max_output_tokens, False)
        text = _content_or_raise(resp, self.label).strip()
        return LLMReply(text, *_tokens(resp), resp.model or None)

    async def embed(
        self, texts: Sequence[str], *, model: str, query: bool, dimensions: int | None = None
    ) -> EmbedReply:
        """Embed texts in one /embeddings call (floats, which every compatible server speaks)."""
        label = f"{self._vendor} embeddings ({model})"

        async def attempt() -> CreateEmbeddingResponse:
            resp = await self._client.embeddings.create(
                model=model,
                input=list(texts),
                dimensions=dimensions if dimensions is not None else omit,
                encoding_format="float",
            )
            if not isinstance(resp, CreateEmbeddingResponse):
                raise _NotACompletion
            return resp

        resp = await call_with_retries(
            attempt,
            classify=self._classify,
            policy=self._policy,
            timeout_s=self._timeout_s,
            label=label,
        )
        ordered = sorted(resp.data, key=lambda d: d.index)
        vectors = [list(d.embedding) for d in ordered]
        return embed_reply(vectors, texts, resp.usage.prompt_tokens if resp.usage else None, label)

    async def aclose(self) -> None:
        """Close the SDK's HTTP client."""
        await self._client.close()

    async def _complete(
        self, system: str, prompt: str, temperature: float, max_tokens: int, json_mode: bool
    ) -> ChatCompletion:
        """One chat completion under our timeout and retry policy."""
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system},
            {"role": "user", "content": prompt},
        ]
        use_max = self._token_param == "max_tokens"
        if self._reasoning:
            max_tokens += REASONING_HEADROOM

        async def attempt() -> ChatCompletion:
            resp = await self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                temperature=omit if self._reasoning else temperature,  # they take only 1
                max_tokens=max_tokens if use_max else omit,
                max_completion_tokens=omit if use_max else max_tokens,
                response_format={"type": "json_object"} if json_mode else omit,
            )
            if not isinstance(resp, ChatCompletion):  # a non-JSON 200 comes back as str
                raise _NotACompletion
            return resp

        return await call_with_retries(
            attempt,
            classify=self._classify,
            policy=self._policy,
            timeout_s=self._timeout_s,
            label=self.label,
        )

    def _classify(self, exc: Exception) -> Failure | None:
        """Map an SDK exception to a Failure (None: not ours to handle)."""
        if isinstance(exc, openai.APIStatusError):
            headers = exc.response.headers
            delay = parse_retry_after(headers.get("retry-after"))
            if headers.get("retry-after-ms"):
                delay = parse_retry_after(headers["retry-after-ms"])
                delay = delay / 1000 if delay is not None else None
            detail = redact(exc.message, self._key)
            return failure_for_status(exc.status_code, detail, retry_after=delay, model=self.model)
        if isinstance(exc, _NotACompletion | json.JSONDecodeError):
            return unreadable_failure()
        if isinstance(exc, openai.APITimeoutError):
            return timeout_failure()
        if isinstance(exc, openai.APIConnectionError):
            return connection_failure(exc)
        return None


def _tokens(resp: ChatCompletion) -> tuple[int, int]:
    """Prompt and completion tokens from the usage block, 0 when absent."""
    if resp.usage is None:
        return 0, 0
    return resp.usage.prompt_tokens or 0, resp.usage.completion_tokens or 0
