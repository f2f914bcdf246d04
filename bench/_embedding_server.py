"""An OpenAI-compatible embeddings server on 127.0.0.1 backed by all-MiniLM-L6-v2 (bench/_minilm).

Usage::

    with embedding_server() as server:       # loads the model (about a second)
        client = OpenAICompatClient(api_key=None, model="all-MiniLM-L6-v2", base_url=server.url)
        ...                                   # server.requests, server.tokens, server.seconds

It serves ``POST /v1/embeddings`` like OpenAI's API: ``input`` a string or a list of strings,
``encoding_format`` "float" or "base64" (little-endian float32), ``usage`` counting the tokens
the model really read. Requests run one at a time (NumPy already uses every core).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from _minilm import DIMENSIONS, NAME, MiniLM

MAX_INPUTS = 2048  # OpenAI's limit of inputs in one request


@dataclass
class EmbeddingServer:
    """What the server has done so far, and where it listens."""

    model: MiniLM
    url: str = ""  # e.g. http://127.0.0.1:54321/v1 (an OpenAI client's base_url)
    requests: int = 0  # answered with vectors
    texts: int = 0
    tokens: int = 0
    seconds: float = 0.0  # spent in the model
    lock: threading.Lock = field(default_factory=threading.Lock)

    def embed(self, body: Any) -> tuple[int, dict[str, Any]]:
        """The status and JSON reply for one request body."""
        if not isinstance(body, dict):
            return _invalid("the body must be a JSON object", None)
        raw = body.get("input")
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(texts, list) or not texts:
            return _invalid("'input' is required and must not be an empty list", "input")
        if not all(isinstance(t, str) for t in texts):
            return _invalid("'input' must be a string or a list of strings", "input")
        if len(texts) > MAX_INPUTS:
            return _invalid(f"'input' must have at most {MAX_INPUTS} items", "input")
        dims = body.get("dimensions")
        if dims is not None and dims != DIMENSIONS:
            return _invalid(f"{NAME} has {DIMENSIONS} dimensions only", "dimensions")
        encoding = body.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            return _invalid("'encoding_format' must be 'float' or 'base64'", "encoding_format")
        with self.lock:
            started = time.perf_counter()
            vectors = self.model.encode(texts)
            tokens = self.model.count_tokens(texts)
            self.seconds += time.perf_counter() - started
            self.requests += 1
            self.texts += len(texts)
            self.tokens += tokens
        data = [
            {"object": "embedding", "index": i, "embedding": _encode(v, encoding)}
            for i, v in enumerate(vectors)
        ]
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return 200, {"object": "list", "data": data, "model": NAME, "usage": usage}


def _encode(vector: Any, encoding: str) -> list[float] | str:
    """A float32 vector as a JSON list, or base64 of its little-endian bytes."""
    if encoding == "float":
        return [float(x) for x in vector]
    return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")


def _invalid(message: str, param: str | None) -> tuple[int, dict[str, Any]]:
    """A 400 in OpenAI's error envelope."""
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    return 400, {"error": error}


def _handler(server: EmbeddingServer) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one EmbeddingServer."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.split("?")[0].rstrip("/") != "/v1/embeddings":
                error = {"message": f"no route {self.path}", "type": "invalid_request_error"}
                self._send(404, {"error": error})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(*_invalid("the body is not JSON", None))
                return
            self._send(*server.embed(body))

        def do_GET(self) -> None:
            error = {"message": "only POST /v1/embeddings is served", "type": "not_found"}
            self._send(404, {"error": error})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (e.g. its timeout)

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: the benchmark prints its own counts."""

    return Handler


@contextmanager
def embedding_server(model: MiniLM | None = None) -> Iterator[EmbeddingServer]:
    """Serve ``model`` (all-MiniLM-L6-v2 by default) on a free 127.0.0.1 port until exit."""
    state = EmbeddingServer(model or MiniLM())
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    host, port = httpd.server_address[:2]
    state.url = f"http://{host!s}:{port}/v1"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
