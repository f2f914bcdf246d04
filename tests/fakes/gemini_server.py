"""A fake Gemini API (generateContent, countTokens) in Google's wire format, for google-genai.

Usage::

    with FakeGemini() as gemini:
        client = genai.Client(api_key="k", http_options=types.HttpOptions(
            base_url=gemini.url, api_version="v1beta"))
        gemini.reply_json({"summary": "…"}, tokens_in=12, tokens_out=34)
        gemini.reply_error(429, retry_delay="1s")
        gemini.responder = lambda body: {"summary": FakeGemini.prompt_text(body)[:50]}

Queued replies are used first, one per generateContent call; then ``responder`` (request
body -> a JSON-able object, or a str sent verbatim as the model's text); then a 501.
``countTokens`` is always answered and never consumes the queue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .httpfake import Recorded, Reply, ScriptedServer

ModelResponder = Callable[[dict[str, Any]], Any]

_PATH = re.compile(r"^/(?P<version>[^/]+)/models/(?P<model>[^:/?]+):(?P<method>\w+)")
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


def gemini_response(
    text: str | None,
    *,
    tokens_in: int,
    tokens_out: int,
    finish_reason: str = "STOP",
    model_version: str | None = None,
) -> dict[str, Any]:
    """A generateContent answer with one candidate (no content when ``text`` is None)."""
    candidate: dict[str, Any] = {"finishReason": finish_reason, "index": 0}
    if text is not None:
        candidate["content"] = {"role": "model", "parts": [{"text": text}]}
    body: dict[str, Any] = {
        "candidates": [candidate],
        "usageMetadata": {
            "promptTokenCount": tokens_in,
            "candidatesTokenCount": tokens_out,
            "totalTokenCount": tokens_in + tokens_out,
        },
    }
    if model_version is not None:
        body["modelVersion"] = model_version
    return body


class FakeGemini(ScriptedServer):
    """Answers ``POST /{version}/models/{model}:generateContent`` from a script."""

    def __init__(self, responder: ModelResponder | None = None) -> None:
        super().__init__()
        self.responder = responder
        self.model_version: str | None = None  # sent as modelVersion when set

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

    def reply_slow(self, seconds: float, obj: Any = None) -> None:
        """Queue a reply sent after ``seconds``: ``obj`` as JSON, or else the responder's."""
        if obj is not None:
            self.reply_json(obj, delay=seconds)
        else:
            self.queue(lambda request: _delayed(self.fallback(request), seconds))

    # --------------------------------------------------------------------- routing
    def handle(self, request: Recorded) -> Reply:
        """Route by path: countTokens answers directly, unknown paths 404, else the script."""
        match = _PATH.match(request.path)
        if request.method != "POST" or match is None:
            return Reply(404, gemini_error(404, f"no such method {request.path}"))
        if match["method"] == "countTokens":
            text = self.prompt_text(request.body or {})
            return Reply(200, {"totalTokens": estimate_tokens(text)})
        if match["method"] != "generateContent":
            return Reply(404, gemini_error(404, f"method {match['method']} is not faked"))
        return super().handle(request)

    def fallback(self, request: Recorded) -> Reply:
        """Answer from ``responder`` when set, else a 501 naming what was unscripted."""
        if self.responder is None:
            return super().fallback(request)
        out = self.responder(request.body or {})
        text = out if isinstance(out, str) else json.dumps(out)
        body = gemini_response(
            text,
            tokens_in=estimate_tokens(self.prompt_text(request.body or {})),
            tokens_out=estimate_tokens(text),
            model_version=self.model_version,
        )
        return Reply(200, body)


def _texts(content: dict[str, Any]) -> str:
    """Concatenated text parts of one Content object."""
    return "".join(p.get("text", "") for p in content.get("parts") or [])


def _delayed(reply: Reply, seconds: float) -> Reply:
    """The same reply, sent after ``seconds``."""
    return Reply(reply.status, reply.body, reply.headers, delay=seconds)
