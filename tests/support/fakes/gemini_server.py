"""A fake Gemini API (generateContent, countTokens, embeddings) in Google's wire format.

Usage::

    with FakeGemini() as gemini:
        client = genai.Client(api_key="k", http_options=types.HttpOptions(
            base_url=gemini.url, api_version="v1beta"))
        gemini.reply_json({"summary": "…"}, tokens_in=12, tokens_out=34)
        gemini.reply_error(429, retry_delay="1s")
        gemini.responder = lambda body: {"summary": FakeGemini.prompt_text(body)[:50]}
        gemini.thinks = 3000   # a thinking model: thoughts count against maxOutputTokens
        gemini.over_quota = quota_error("day")  # every generateContent: 429 until set to None
        gemini.reply_quota("minute", retry_delay="2s")  # the next one only: a per-minute 429

        # embeddings: client.aio.models.embed_content(...) posts :batchEmbedContents
        gemini.reply_embed_error(429, retry_delay="2s")   # the next embedding request fails
        gemini.reply_embed_slow(0.5)                      # the one after is answered late
        gemini.embedder = lambda text, dims: [1.0] * dims # replaces bag_embedding
        assert gemini.embedded_texts[0] == ("RETRIEVAL_DOCUMENT", "first text")

Queued replies are used first, one per generateContent call; then ``responder`` (request
body -> a JSON-able object, or a str sent verbatim as the model's text); then a 501.
``countTokens`` is always answered and never consumes the queue.

Embedding requests (``:batchEmbedContents``, and ``:embedContent``) have a queue of their
own, so they never eat a scripted generateContent reply: queued embedding replies first, one
per HTTP request, then vectors from ``embedder(text, outputDimensionality or 64)`` (None: a
501). Like the real API, a batch of more than 100 requests, an empty text, or a request
naming another model is a 400. ``calls`` counts generateContent requests only.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable
from typing import Any

from .embedding import DEFAULT_DIMENSIONS, Embedder, as_float32, bag_embedding
from .httpfake import Recorded, Reply, Responder, ScriptedServer

ModelResponder = Callable[[dict[str, Any]], Any]

_PATH = re.compile(r"^/(?P<version>[^/]+)/models/(?P<model>[^:/?]+):(?P<method>\w+)")
EMBED_METHODS = ("batchEmbedContents", "embedContent")
MAX_EMBED_BATCH = 100  # the real API's limit of requests in one batchEmbedContents call
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def estimate_tokens(text: str) -> int:
    """A rough token count (about four characters a token), at least 1."""
    return max(1, len(text) // 4)


def gemini_error(status: int, message: str, retry_delay: str | None = None) -> dict[str, Any]:
    """Google's error envelope; ``retry_delay`` (e.g. "2s") adds a RetryInfo detail."""
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if retry_delay is not None:
        error["details"] = [
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}
        ]
    return {"error": error}


def quota_error(
    per: str = "day",
    *,
    model: str = "gemini-2.5-flash",
    retry_delay: str | None = "57s",
    quota_value: str | None = None,
) -> dict[str, Any]:
    """A free-tier 429 body shaped like the recorded one: Help, QuotaFailure, RetryInfo.

    ``per="day"`` names a per-minute and a per-day quota (like the recording); ``"minute"`` only
    per-minute ones. ``quota_value`` adds the field newer bodies carry.
    """
    ids = ["GenerateRequestsPerMinutePerProjectPerModel-FreeTier"]
    if per == "day":
        ids.append("GenerateRequestsPerDayPerProjectPerModel-FreeTier")
    violations = []
    for quota_id in ids:
        violation: dict[str, Any] = {
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
            "quotaId": quota_id,
            "quotaDimensions": {"location": "global", "model": model},
        }
        if quota_value is not None:
            violation["quotaValue"] = quota_value
        violations.append(violation)
    details: list[dict[str, Any]] = [
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Learn more about Gemini API quotas",
                    "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                }
            ],
        },
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": violations},
    ]
    if retry_delay is not None:
        details.append(
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}
        )
    body = gemini_error(
        429, "You exceeded your current quota, please check your plan and billing details."
    )
    body["error"]["details"] = details
    return body


def gemini_response(
    text: str | None,
    *,
    tokens_in: int,
    tokens_out: int,
    finish_reason: str = "STOP",
    model_version: str | None = None,
    thoughts: int = 0,
) -> dict[str, Any]:
    """A generateContent answer with one candidate (no content when ``text`` is None)."""
    candidate: dict[str, Any] = {"finishReason": finish_reason, "index": 0}
    if text is not None:
        candidate["content"] = {"role": "model", "parts": [{"text": text}]}
    usage: dict[str, Any] = {
        "promptTokenCount": tokens_in,
        "candidatesTokenCount": tokens_out,
        "totalTokenCount": tokens_in + tokens_out + thoughts,
    }
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    body: dict[str, Any] = {"candidates": [candidate], "usageMetadata": usage}
    if model_version is not None:
        body["modelVersion"] = model_version
    return body


class FakeGemini(ScriptedServer):
    """Answers ``POST /{version}/models/{model}:generateContent`` from a script."""

    def __init__(self, responder: ModelResponder | None = None) -> None:
        super().__init__()
        self.responder = responder
        # Tokens a thinking model spends thinking on each responder answer (within any
        # thinkingBudget): like Gemini 2.5, they count against maxOutputTokens, and a reply
        # that does not fit ends with MAX_TOKENS and no (or cut) text.
        self.thinks = 0
        self.model_version: str | None = None  # sent as modelVersion when set
        self.embedder: Embedder | None = bag_embedding  # (text, dimensions) -> vector
        # While set, every generateContent request is answered 429 with this body (a used-up
        # quota), before anything queued; ``calls`` still counts them.
        self.over_quota: dict[str, Any] | None = None
        self._embed_queue: deque[Reply | Responder] = deque()

    # ------------------------------------------------------------- reading requests
    @staticmethod
    def prompt_text(body: dict[str, Any]) -> str:
        """All text of the user turns of a generateContent request body."""
        contents = body.get("contents") or []
        return "\n".join(_texts(c) for c in contents if c.get("role", "user") == "user")

    @staticmethod
    def system_text(body: dict[str, Any]) -> str:
        """The system instruction's text of a request body ("" when absent)."""
        return _texts(body.get("systemInstruction") or body.get("system_instruction") or {})

    @property
    def generate_requests(self) -> list[Recorded]:
        """The generateContent requests received so far."""
        return [r for r in self.requests if r.path.split("?")[0].endswith(":generateContent")]

    @property
    def calls(self) -> int:
        """How many generateContent requests arrived."""
        return len(self.generate_requests)

    @property
    def embed_requests(self) -> list[Recorded]:
        """The embedding requests (batchEmbedContents, embedContent) received so far."""
        return [r for r in self.requests if _method(r) in EMBED_METHODS]

    @property
    def embedded_texts(self) -> list[tuple[str | None, str]]:
        """(taskType, text) of every text sent for embedding, in order, errors included."""
        return [
            (item.get("taskType"), _embed_text(item))
            for request in self.embed_requests
            for item in _embed_items(request)
        ]

    @property
    def embed_pending(self) -> int:
        """How many queued embedding replies have not been used yet."""
        with self._lock:
            return len(self._embed_queue)

    # ------------------------------------------------------------------- scripting
    def reply_json(
        self,
        obj: Any,
        *,
        tokens_in: int | None = None,
        tokens_out: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Queue a reply whose text is ``obj`` as JSON (a pydantic model is dumped first)."""
        text = obj.model_dump_json() if hasattr(obj, "model_dump_json") else json.dumps(obj)
        self.reply_text(text, tokens_in=tokens_in, tokens_out=tokens_out, delay=delay)

    def reply_text(
        self,
        text: str | None,
        *,
        finish_reason: str = "STOP",
        tokens_in: int | None = None,
        tokens_out: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Queue a reply with this text (None: a candidate with no content, e.g. SAFETY)."""

        def build(request: Recorded) -> Reply:
            body = gemini_response(
                text,
                tokens_in=tokens_in
                if tokens_in is not None
                else estimate_tokens(self.prompt_text(request.body or {})),
                tokens_out=tokens_out if tokens_out is not None else estimate_tokens(text or ""),
                finish_reason=finish_reason,
                model_version=self.model_version,
            )
            return Reply(200, body, delay=delay)

        self.queue(build)

    def reply_blocked(self, reason: str = "SAFETY") -> None:
        """Queue a reply where the prompt itself was blocked: no candidates at all."""
        body = {
            "promptFeedback": {"blockReason": reason},
            "usageMetadata": {"promptTokenCount": 5, "totalTokenCount": 5},
        }
        self.queue(Reply(200, body))

    def reply_error(
        self, status: int, message: str = "scripted error", retry_delay: str | None = None
    ) -> None:
        """Queue an error in Google's envelope; ``retry_delay`` like "2s" adds RetryInfo."""
        self.queue(Reply(status, gemini_error(status, message, retry_delay)))

    def reply_quota(self, per: str = "minute", retry_delay: str | None = "2s") -> None:
        """Queue one 429 with a QuotaFailure naming per-minute (or also per-day) quotas."""
        self.queue(Reply(429, quota_error(per, retry_delay=retry_delay)))

    def reply_slow(self, seconds: float, obj: Any = None) -> None:
        """Queue a reply sent after ``seconds``: ``obj`` as JSON, or else the responder's."""
        if obj is not None:
            self.reply_json(obj, delay=seconds)
        else:
            self.queue(lambda request: _delayed(self.fallback(request), seconds))

    def queue_embed(self, *items: Reply | Responder) -> None:
        """Queue replies (or per-request callables) for embedding requests only, in order."""
        with self._lock:
            self._embed_queue.extend(items)

    def reply_embed_error(
        self, status: int, message: str = "scripted error", retry_delay: str | None = None
    ) -> None:
        """Fail the next embedding request in Google's envelope (``retry_delay`` like "2s")."""
        self.queue_embed(Reply(status, gemini_error(status, message, retry_delay)))

    def reply_embed_slow(self, seconds: float) -> None:
        """Answer the next embedding request as usual, but only after ``seconds``."""
        self.queue_embed(lambda request: _delayed(self.embed_answer(request), seconds))

    # --------------------------------------------------------------------- routing
    def handle(self, request: Recorded) -> Reply:
        """Route by path: countTokens answers directly, unknown paths 404, else the script."""
        match = _PATH.match(request.path)
        if request.method != "POST" or match is None:
            return Reply(404, gemini_error(404, f"no such method {request.path}"))
        if match["method"] in EMBED_METHODS:
            with self._lock:
                item = self._embed_queue.popleft() if self._embed_queue else None
            if item is None:
                return self.embed_answer(request)
            return item if isinstance(item, Reply) else item(request)
        if match["method"] == "countTokens":
            text = self.prompt_text(request.body or {})
            return Reply(200, {"totalTokens": estimate_tokens(text)})
        if match["method"] != "generateContent":
            return Reply(404, gemini_error(404, f"method {match['method']} is not faked"))
        if self.over_quota is not None:
            return Reply(429, self.over_quota)
        return super().handle(request)

    def fallback(self, request: Recorded) -> Reply:
        """Answer from ``responder`` when set, else a 501 naming what was unscripted."""
        if self.responder is None:
            return super().fallback(request)
        out = self.responder(request.body or {})
        text: str | None = out if isinstance(out, str) else json.dumps(out)
        tokens_out = estimate_tokens(text or "")
        config = (request.body or {}).get("generationConfig") or {}
        thinking = config.get("thinkingConfig") or {}  # the SDK sends its own snake_case keys
        budget = thinking.get("thinkingBudget", thinking.get("thinking_budget"))
        thoughts = self.thinks if budget is None or budget < 0 else min(self.thinks, budget)
        limit = config.get("maxOutputTokens")
        finish = "STOP"
        if limit is not None and thoughts + tokens_out > limit:  # thinking counts against it
            finish, thoughts = "MAX_TOKENS", min(thoughts, limit)
            room = limit - thoughts
            text = text[: room * 4] if room > 0 and text else None
            tokens_out = max(room, 0)
        body = gemini_response(
            text,
            tokens_in=estimate_tokens(self.prompt_text(request.body or {})),
            tokens_out=tokens_out,
            finish_reason=finish,
            model_version=self.model_version,
            thoughts=thoughts,
        )
        return Reply(200, body)

    def embed_answer(self, request: Recorded) -> Reply:
        """The unscripted answer to an embedding request: vectors, or the real API's 400s."""
        match = _PATH.match(request.path)
        body = request.body if isinstance(request.body, dict) else {}
        if match is None:
            return Reply(404, gemini_error(404, f"no such method {request.path}"))
        batch = match["method"] == "batchEmbedContents"
        items = _embed_items(request)
        where = "BatchEmbedContentsRequest.requests" if batch else "EmbedContentRequest"
        if batch and not isinstance(body.get("requests"), list):
            return _invalid(f"* {where}: a list of requests is required")
        if batch and not items:
            return _invalid(f"* {where}: at least one request is required")
        if len(items) > MAX_EMBED_BATCH:
            return _invalid(f"* {where}: at most {MAX_EMBED_BATCH} requests can be in one batch")
        model = f"models/{match['model']}"
        for index, item in enumerate(items):
            field = f"{where}[{index}]" if batch else where
            if item.get("model", model) != model:
                return _invalid(f"* {field}.model: must be the batch's model {model}")
            if not _embed_text(item):
                return _invalid(f"* {field}.content: text must be non-empty")
            dims = item.get("outputDimensionality")
            if dims is not None and (not isinstance(dims, int) or dims < 1):
                return _invalid(f"* {field}.output_dimensionality: must be a positive integer")
        if self.embedder is None:
            return super().fallback(request)
        embedder = self.embedder
        vectors = [
            as_float32(
                embedder(_embed_text(item), item.get("outputDimensionality") or DEFAULT_DIMENSIONS)
            )
            for item in items
        ]
        if batch:
            return Reply(200, {"embeddings": [{"values": v} for v in vectors]})
        return Reply(200, {"embedding": {"values": vectors[0]}})


def _method(request: Recorded) -> str | None:
    """The method a request's path names (``generateContent``…), or None."""
    match = _PATH.match(request.path)
    return match["method"] if match else None


def _embed_items(request: Recorded) -> list[dict[str, Any]]:
    """The per-text requests of an embedding request (one for embedContent)."""
    body = request.body if isinstance(request.body, dict) else {}
    if _method(request) == "embedContent":
        return [body]
    items = body.get("requests")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _embed_text(item: dict[str, Any]) -> str:
    """The text one embedding request embeds: its content's text parts, a line apart."""
    content = item.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    texts = [p["text"] for p in parts or [] if isinstance(p, dict) and "text" in p]
    return "\n".join(str(t) for t in texts)


def _invalid(message: str) -> Reply:
    """A 400 INVALID_ARGUMENT in Google's envelope."""
    return Reply(400, gemini_error(400, message))


def _texts(content: dict[str, Any]) -> str:
    """Concatenated text parts of one Content object."""
    return "".join(p.get("text", "") for p in content.get("parts") or [])


def _delayed(reply: Reply, seconds: float) -> Reply:
    """The same reply, sent after ``seconds``."""
    return Reply(reply.status, reply.body, reply.headers, delay=seconds)
