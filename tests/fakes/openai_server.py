"""A fake OpenAI-compatible chat-completions API (``POST /v1/chat/completions``), for openai.

Usage::

    with FakeOpenAI() as fake:
        client = AsyncOpenAI(api_key="k", base_url=fake.base_url, max_retries=0)
        fake.reply_json({"summary": "…"}, tokens_in=12, tokens_out=34)
        fake.reply_error(429, retry_after=1)          # sent as a Retry-After header
        fake.responder = lambda body: {"summary": FakeOpenAI.prompt_text(body)[:50]}

Queued replies are used first, one per completion; then ``responder`` (request body -> a
JSON-able object, or a str sent verbatim as the message content); then a 501.
``GET /v1/models`` always lists the models seen so far.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .httpfake import Recorded, Reply, ScriptedServer

ModelResponder = Callable[[dict[str, Any]], Any]

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
) -> dict[str, Any]:
    """A chat.completion object with one choice."""
    return {
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
        },
    }


class FakeOpenAI(ScriptedServer):
    """Answers ``POST …/chat/completions`` from a script, in OpenAI's wire format."""

    def __init__(self, responder: ModelResponder | None = None) -> None:
        super().__init__()
        self.responder = responder

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

    # --------------------------------------------------------------------- routing
    def handle(self, request: Recorded) -> Reply:
        """Route by path: the models list answers directly, completions use the script."""
        path = request.path.split("?")[0]
        if request.method == "GET" and path.endswith("/models"):
            seen = sorted({str((r.body or {}).get("model")) for r in self.completion_requests})
            data = [{"id": m, "object": "model", "owned_by": "fake"} for m in seen]
            return Reply(200, {"object": "list", "data": data})
        if request.method != "POST" or not path.endswith("/chat/completions"):
            return Reply(404, openai_error(404, f"no such route {request.path}"))
        return super().handle(request)

    def fallback(self, request: Recorded) -> Reply:
        """Answer from ``responder`` when set, else a 501 naming what was unscripted."""
        if self.responder is None:
            return super().fallback(request)
        body = request.body or {}
        out = self.responder(body)
        text = out if isinstance(out, str) else json.dumps(out)
        payload = completion(
            text,
            model=str(body.get("model", "fake-model")),
            tokens_in=estimate_tokens(self.prompt_text(body) + self.system_text(body)),
            tokens_out=estimate_tokens(text),
        )
        return Reply(200, payload)


def _text(message: dict[str, Any]) -> str:
    """A message's text, whether its content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content or [] if isinstance(p, dict))


def _delayed(reply: Reply, seconds: float) -> Reply:
    """The same reply, sent after ``seconds``."""
    return Reply(reply.status, reply.body, reply.headers, delay=seconds)
