"""A tiny scripted HTTP server on 127.0.0.1 that records requests and plays queued replies.

Usage::

    with ScriptedServer() as srv:                 # or subclass it (FakeGemini, FakeOpenAI)
        srv.queue(Reply(200, {"ok": True}), Reply(503, delay=0.2))
        srv.default = lambda req: Reply(200, {"echo": req.body})  # once the queue runs dry
        ...  # point a real client at srv.url
        assert srv.requests[0].headers["content-type"] == "application/json"

As a pytest fixture::

    @pytest.fixture
    def server() -> Iterator[ScriptedServer]:
        with ScriptedServer() as srv:
            yield srv

Queued items are used first, in order, one per request; then ``default``; then
``fallback()`` (a 501 saying nothing was scripted; subclasses override it). An item is a
``Reply`` or a callable taking the ``Recorded`` request and returning a ``Reply``.
Replies with ``delay`` sleep in the server thread; ``stop()`` wakes sleepers so a test
never waits for a slow reply it abandoned.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request as the server saw it; header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any  # parsed JSON, or None when the body is empty or not JSON
    raw: bytes = b""


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted answer: JSON-encoded unless ``body`` is bytes or str.

    ``headers`` may set Content-Type (it replaces the default); Content-Length is computed.
    """

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


Responder = Callable[[Recorded], Reply]


class ScriptedServer:
    """An HTTP server in a daemon thread that answers from a script and records every request."""

    bind_port = 0  # 0: a free port; a subclass may ask for a fixed one

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.default: Responder | None = None
        self._queue: deque[Reply | Responder] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> Self:
        """Bind to ``bind_port`` (default: a free port) on 127.0.0.1; serve in a daemon thread."""
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.bind_port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake any reply still sleeping, and close the socket."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server's root URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        if self._httpd is None:
            raise RuntimeError("server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # ----------------------------------------------------------------- scripting
    def queue(self, *items: Reply | Responder) -> None:
        """Append replies (or per-request callables) to be used one per request, in order."""
        with self._lock:
            self._queue.extend(items)

    @property
    def pending(self) -> int:
        """How many queued items have not been used yet."""
        with self._lock:
            return len(self._queue)

    def handle(self, request: Recorded) -> Reply:
        """Choose the reply for a request: queue first, then ``default``, then ``fallback``."""
        with self._lock:
            item = self._queue.popleft() if self._queue else None
        if item is None:
            item = self.default or self.fallback
        return item if isinstance(item, Reply) else item(request)

    def fallback(self, request: Recorded) -> Reply:
        """The answer when nothing is scripted: 501, so a test sees a clear failure."""
        message = f"{type(self).__name__}: no reply scripted for {request.method} {request.path}"
        return Reply(501, {"error": {"code": 501, "message": message}})

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def _sleep(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; False when the server is stopping."""
        return not self._stopping.wait(seconds) if seconds > 0 else True


def encode_body(body: Any) -> tuple[bytes, str]:
    """Bytes and content type for a reply body (JSON unless bytes or str)."""
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    if body is None:
        return b"", "application/json"
    return json.dumps(body).encode(), "application/json"


def _make_handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one ScriptedServer."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = None
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Recorded(self.command, self.path, headers, body, raw)
            server._record(request)
            reply = server.handle(request)
            if not server._sleep(reply.delay):
                self.close_connection = True
                return
            data, content_type = encode_body(reply.body)
            try:
                self.send_response(reply.status)
                names = {name.lower() for name in reply.headers}
                if "content-type" not in names:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (e.g. its timeout)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet: tests read ``server.requests`` instead."""

    return Handler
