"""A fake OpenAI-compatible API (``/v1/chat/completions``, ``/v1/embeddings``), for openai.

Usage::

    with FakeOpenAI() as fake:
        client = AsyncOpenAI(api_key="k", base_url=fake.base_url, max_retries=0)
        fake.reply_json({"summary": "…"}, tokens_in=12, tokens_out=34)
        fake.reply_error(429, retry_after=1)          # sent as a Retry-After header
        fake.responder = lambda body: {"summary": FakeOpenAI.prompt_text(body)[:50]}

        # embeddings: client.embeddings.create(model=..., input=[...], dimensions=32)
        fake.reply_embed_error(429, retry_after=1)    # the next embedding request fails
        fake.reply_embed_slow(0.5)                    # the one after is answered late
        fake.embedder = lambda text, dims: [1.0] * dims  # replaces bag_embedding
        assert fake.embedded_texts == ["first text", "second text"]

Queued replies are used first, one per completion; then ``responder`` (request body -> a
JSON-able object, or a str sent verbatim as the message content); then a 501.
``GET /v1/models`` always lists the models seen so far.

``POST /v1/embeddings`` has a queue of its own, so it never eats a scripted completion:
queued embedding replies first, one per HTTP request, then vectors from
``embedder(text, dimensions or 64)`` (None: a 501), as a JSON list or, for
``encoding_format="base64"`` (what the SDK asks for unless told otherwise), little-endian
float32 in base64. Like the real API, more than 2048 inputs or an empty string is a 400.
``calls`` counts chat completions only.
"""

from __future__ import annotations

import base64
import json
import re
import struct
from collections import deque
from collections.abc import Callable
from typing import Any

from .embedding import DEFAULT_DIMENSIONS, Embedder, as_float32, bag_embedding
from .httpfake import Recorded, Reply, Responder, ScriptedServer

ModelResponder = Callable[[dict[str, Any]], Any]
MAX_EMBED_INPUTS = 2048  # the real API's limit of inputs in one embeddings request

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_exceeded",
    500: "server_error",
    503: "server_error",
}


def estimate_tokens(text: str) -> int:
    """A rough token count (about four characters a token), at least 1."""
    return max(1, len(text) // 4)


def openai_error(status: int, message: str) -> dict[str, Any]:
    """OpenAI's error envelope."""
    kind = ERROR_TYPES.get(status, "api_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def completion(
    content: str | None,
    *,
    model: str,
    tokens_in: int,
    tokens_out: int,
    finish_reason: str = "stop",
    reasoning: int = 0,
) -> dict[str, Any]:
    """A chat.completion object with one choice (``reasoning`` tokens are part of tokens_out)."""
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": tokens_in,
            "completion_tokens": tokens_out,
            "total_tokens": tokens_in + tokens_out,
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        },
    }
    return body


def reasons(model: str) -> bool:
    """Whether OpenAI serves ``model`` as a reasoning model (o-series, gpt-5 but not -chat)."""
    name = model.rsplit("/", 1)[-1]
    return re.match(r"(o\d|gpt-5)", name) is not None and "-chat" not in name


def reasoning_model_refusal(body: dict[str, Any]) -> Reply | None:
    """The 400 OpenAI gives a reasoning model asked with max_tokens or a temperature other than 1."""
    if not reasons(str(body.get("model", ""))):
        return None
    if "max_tokens" in body:
        return _invalid(
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "max_tokens",
        )
    if body.get("temperature", 1) != 1:
        return _invalid(
            "Unsupported value: 'temperature' does not support "
            f"{body['temperature']} with this model. Only the default (1) value is supported.",
            "temperature",
        )
    return None


class FakeOpenAI(ScriptedServer):
    """Answers ``POST …/chat/completions`` from a script, in OpenAI's wire format."""

    def __init__(self, responder: ModelResponder | None = None) -> None:
        super().__init__()
        self.responder = responder
        # Reasoning tokens a reasoning model (o-series, gpt-5) spends on each responder answer:
        # they count against max_completion_tokens, and an answer that does not fit ends with
        # finish_reason "length" and no (or cut) content, as OpenAI's does.
        self.thinks = 0
        self.embedder: Embedder | None = bag_embedding  # (text, dimensions) -> vector
        self._embed_queue: deque[Reply | Responder] = deque()

    @property
    def base_url(self) -> str:
        """What to pass as the client's ``base_url`` (``…/v1``)."""
        return f"{self.url}/v1"

    # ------------------------------------------------------------- reading requests
    @staticmethod
    def prompt_text(body: dict[str, Any]) -> str:
        """All text of the user messages of a request body."""
        return "\n".join(_text(m) for m in body.get("messages") or [] if m.get("role") == "user")

    @staticmethod
    def system_text(body: dict[str, Any]) -> str:
        """All text of the system messages of a request body."""
        roles = ("system", "developer")
        return "\n".join(_text(m) for m in body.get("messages") or [] if m.get("role") in roles)

    @property
    def completion_requests(self) -> list[Recorded]:
        """The chat-completion requests received so far."""
        return [r for r in self.requests if r.path.split("?")[0].endswith("/chat/completions")]

    @property
    def calls(self) -> int:
        """How many chat-completion requests arrived."""
        return len(self.completion_requests)

    @property
    def embed_requests(self) -> list[Recorded]:
        """The embeddings requests received so far."""
        return [r for r in self.requests if _is_embeddings(r)]

    @property
    def embedded_texts(self) -> list[str]:
        """Every text sent for embedding, in order, errors included."""
        return [t for r in self.embed_requests for t in _inputs(r.body) if isinstance(t, str)]

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
        """Queue a reply whose content is ``obj`` as JSON (a pydantic model is dumped first)."""
        text = obj.model_dump_json() if hasattr(obj, "model_dump_json") else json.dumps(obj)
        self.reply_text(text, tokens_in=tokens_in, tokens_out=tokens_out, delay=delay)

    def reply_text(
        self,
        content: str | None,
        *,
        finish_reason: str = "stop",
        tokens_in: int | None = None,
        tokens_out: int | None = None,
        delay: float = 0.0,
    ) -> None:
        """Queue a reply with this content (None: a null content, e.g. a content filter)."""

        def build(request: Recorded) -> Reply:
            body = request.body or {}
            estimated_in = estimate_tokens(self.prompt_text(body) + self.system_text(body))
            payload = completion(
                content,
                model=str(body.get("model", "fake-model")),
                tokens_in=tokens_in if tokens_in is not None else estimated_in,
                tokens_out=tokens_out if tokens_out is not None else estimate_tokens(content or ""),
                finish_reason=finish_reason,
            )
            return Reply(200, payload, delay=delay)

        self.queue(build)

    def reply_error(
        self, status: int, message: str = "scripted error", retry_after: float | str | None = None
    ) -> None:
        """Queue an error in OpenAI's envelope; ``retry_after`` becomes a Retry-After header."""
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        self.queue(Reply(status, openai_error(status, message), headers))

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
        self, status: int, message: str = "scripted error", retry_after: float | str | None = None
    ) -> None:
        """Fail the next embedding request in OpenAI's envelope (``retry_after``: a header)."""
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        self.queue_embed(Reply(status, openai_error(status, message), headers))

    def reply_embed_slow(self, seconds: float) -> None:
        """Answer the next embedding request as usual, but only after ``seconds``."""
        self.queue_embed(lambda request: _delayed(self.embed_answer(request), seconds))

    # --------------------------------------------------------------------- routing
    def handle(self, request: Recorded) -> Reply:
        """Route by path: the models list answers directly, completions use the script."""
        path = request.path.split("?")[0]
        if request.method == "GET" and path.endswith("/models"):
            used = self.completion_requests + self.embed_requests
            seen = sorted({str((r.body or {}).get("model")) for r in used})
            data = [{"id": m, "object": "model", "owned_by": "fake"} for m in seen]
            return Reply(200, {"object": "list", "data": data})
        if _is_embeddings(request):
            with self._lock:
                item = self._embed_queue.popleft() if self._embed_queue else None
            if item is None:
                return self.embed_answer(request)
            return item if isinstance(item, Reply) else item(request)
        if request.method != "POST" or not path.endswith("/chat/completions"):
            return Reply(404, openai_error(404, f"no such route {request.path}"))
        refusal = reasoning_model_refusal(request.body if isinstance(request.body, dict) else {})
        return refusal or super().handle(request)

    def fallback(self, request: Recorded) -> Reply:
        """Answer from ``responder`` when set, else a 501 naming what was unscripted."""
        if self.responder is None:
            return super().fallback(request)
        body = request.body or {}
        out = self.responder(body)
        text: str | None = out if isinstance(out, str) else json.dumps(out)
        model = str(body.get("model", "fake-model"))
        thought = self.thinks if reasons(model) else 0
        tokens_out = estimate_tokens(text or "")
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        finish = "stop"
        if limit is not None and thought + tokens_out > limit:  # reasoning counts against it
            finish, thought = "length", min(thought, limit)
            room = limit - thought
            text, tokens_out = ((text or "")[: room * 4] if room > 0 else ""), max(room, 0)
        payload = completion(
            text,
            model=model,
            tokens_in=estimate_tokens(self.prompt_text(body) + self.system_text(body)),
            tokens_out=tokens_out + thought,
            finish_reason=finish,
            reasoning=thought,
        )
        return Reply(200, payload)

    def embed_answer(self, request: Recorded) -> Reply:
        """The unscripted answer to an embeddings request: vectors, or the real API's 400s."""
        body = request.body if isinstance(request.body, dict) else {}
        raw = body.get("input")
        texts = _inputs(body)
        if raw is None or texts == []:
            return _invalid("'input' is required and must not be an empty list", "input")
        if not all(isinstance(t, str) for t in texts):
            return _invalid("the fake embeds only strings, not token arrays", "input")
        if len(texts) > MAX_EMBED_INPUTS:
            return _invalid(f"'input' must have at most {MAX_EMBED_INPUTS} items", "input")
        for index, text in enumerate(texts):
            if text == "":
                return _invalid(f"'$.input[{index}]' is invalid: it must not be empty", "input")
        dims = body.get("dimensions")
        if dims is not None and (not isinstance(dims, int) or dims < 1):
            return _invalid("'dimensions' must be a positive integer", "dimensions")
        encoding = body.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            return _invalid("'encoding_format' must be 'float' or 'base64'", "encoding_format")
        if self.embedder is None:
            return super().fallback(request)
        embedder = self.embedder
        vectors = [as_float32(embedder(t, dims or DEFAULT_DIMENSIONS)) for t in texts]
        data = [
            {"object": "embedding", "index": i, "embedding": _encode(v, encoding)}
            for i, v in enumerate(vectors)
        ]
        tokens = sum(estimate_tokens(t) for t in texts)
        payload = {
            "object": "list",
            "data": data,
            "model": str(body.get("model", "fake-embedding")),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        return Reply(200, payload)


def _is_embeddings(request: Recorded) -> bool:
    """Whether a request is ``POST …/embeddings``."""
    return request.method == "POST" and request.path.split("?")[0].endswith("/embeddings")


def _inputs(body: Any) -> list[Any]:
    """The inputs of an embeddings request body: a lone string becomes a one-item list."""
    raw = body.get("input") if isinstance(body, dict) else None
    if isinstance(raw, str):
        return [raw]
    return list(raw) if isinstance(raw, list) else []


def _encode(vector: list[float], encoding: str) -> list[float] | str:
    """A vector as a JSON list, or as base64 of little-endian float32 (``"base64"``)."""
    if encoding == "float":
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


def _invalid(message: str, param: str) -> Reply:
    """A 400 invalid_request_error in OpenAI's envelope, naming the bad parameter."""
    error = openai_error(400, message)
    error["error"]["param"] = param
    return Reply(400, error)


def _text(message: dict[str, Any]) -> str:
    """A message's text, whether its content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content or [] if isinstance(p, dict))


def _delayed(reply: Reply, seconds: float) -> Reply:
    """The same reply, sent after ``seconds``."""
    return Reply(reply.status, reply.body, reply.headers, delay=seconds)
