"""Shared benchmark plumbing: a private redis-server, fake-server tuning, timing proxies, tables."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

FIXTURE_PDFS = ROOT.parent / "shared" / "fixtures" / "pdfs"


def exit_on_sigterm() -> None:
    """Turn SIGTERM (run_all's time limit) into SystemExit, so servers stop and temp dirs go."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def tune_fake_servers(*, nodelay: bool = True) -> None:
    """Make the fake HTTP servers behave like real web servers (only the fakes serve HTTP here).

    ``nodelay``: http.server writes a reply's headers and body in two sends; with Nagle's
    algorithm on, the body waits for the client's delayed ACK of the headers (~40 ms on Linux
    loopback), which would be counted as arXiv download time.
    Also, a client that closes a kept-alive connection with a reply body unread (httpx does after
    a 404 it did not read) resets it; socketserver would print that traceback on stderr.
    """
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    if nodelay:
        BaseHTTPRequestHandler.disable_nagle_algorithm = True
    report = ThreadingHTTPServer.handle_error

    def handle_error(self: ThreadingHTTPServer, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionResetError):
            report(self, request, client_address)

    ThreadingHTTPServer.handle_error = handle_error  # type: ignore[method-assign, assignment]


@contextmanager
def redis_server() -> Iterator[str]:
    """A redis-server of our own in a temporary directory (never the machine's); yields its URL."""
    from support.servers import (
        start_redis,  # tests/support/servers.py: the same server the tests use
    )

    with tempfile.TemporaryDirectory(prefix="paperbot-bench-") as directory:
        proc, port = start_redis(Path(directory))
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


class Stopwatch:
    """Accumulated seconds and call count of one kind of call."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self.bytes = 0

    def reset(self) -> None:
        """Start counting from zero."""
        self.seconds, self.calls, self.bytes = 0.0, 0, 0


class TimedFetcher:
    """Wraps bot.fetch.Fetcher and times every download (the arXiv share of full_text)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.watch = Stopwatch()

    async def get(self, url: str) -> Any:
        """The wrapped ``get``, timed."""
        start = time.perf_counter()
        try:
            found = await self.inner.get(url)
        finally:
            self.watch.seconds += time.perf_counter() - start
            self.watch.calls += 1
        if found is not None:
            self.watch.bytes += len(found.content)
        return found

    async def aclose(self) -> None:
        """Close the wrapped fetcher."""
        await self.inner.aclose()


class TimedSummarizer:
    """Wraps a Summarizer and times ``summarize`` (prompt building plus the model call)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.watch = Stopwatch()

    @property
    def model_id(self) -> str:
        """The wrapped summarizer's model id (so cache keys do not change)."""
        return str(self.inner.model_id)

    @property
    def label(self) -> str:
        """The wrapped summarizer's label."""
        return str(self.inner.label)

    @property
    def extractive(self) -> bool:
        """The wrapped summarizer's flag."""
        return bool(self.inner.extractive)

    async def summarize(self, meta: Any, text: Any, language: Any) -> Any:
        """The wrapped ``summarize``, timed."""
        start = time.perf_counter()
        try:
            return await self.inner.summarize(meta, text, language)
        finally:
            self.watch.seconds += time.perf_counter() - start
            self.watch.calls += 1


class TimedLLM:
    """Wraps an LLMClient and times its calls (the HTTP request and parsing the reply)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.watch = Stopwatch()

    @property
    def provider(self) -> str:
        """The wrapped client's provider (so cache keys do not change)."""
        return str(self.inner.provider)

    @property
    def model(self) -> str:
        """The wrapped client's model (so cache keys do not change)."""
        return str(self.inner.model)

    @property
    def label(self) -> str:
        """The wrapped client's label."""
        return str(self.inner.label)

    async def generate_json(self, **kwargs: Any) -> Any:
        """The wrapped ``generate_json``, timed."""
        start = time.perf_counter()
        try:
            return await self.inner.generate_json(**kwargs)
        finally:
            self.watch.seconds += time.perf_counter() - start
            self.watch.calls += 1

    async def generate_text(self, **kwargs: Any) -> Any:
        """The wrapped ``generate_text``, timed."""
        start = time.perf_counter()
        try:
            return await self.inner.generate_text(**kwargs)
        finally:
            self.watch.seconds += time.perf_counter() - start
            self.watch.calls += 1

    async def aclose(self) -> None:
        """Close the wrapped client."""
        await self.inner.aclose()


class SlowResponder:
    """A FakeGemini responder that waits ``latency`` seconds and records each answer's length."""

    def __init__(self, inner: Callable[[dict[str, Any]], Any], latency: float) -> None:
        self.inner = inner
        self.latency = latency
        self.output_chars: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> Any:
        """Sleep, then answer like ``inner`` (runs in the fake server's request thread)."""
        time.sleep(self.latency)
        out = self.inner(body)
        with self._lock:
            self.output_chars.append(len(out if isinstance(out, str) else json.dumps(out)))
        return out


class LagProbe:
    """Watches the event loop: how much later than asked a 50 ms sleep wakes up, at worst."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.05)
            self.worst = max(self.worst, time.perf_counter() - started - 0.05)

    def start(self) -> None:
        """Start watching."""
        self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        """Stop watching."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    """The median, NaN when empty."""
    return statistics.median(samples) if samples else float("nan")


def ms(seconds: float) -> str:
    """Seconds as milliseconds with one decimal."""
    return f"{seconds * 1000:.1f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """An aligned text table: the first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        pairs = enumerate(zip(row, widths, strict=True))
        parts = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def heading(text: str) -> None:
    """Print a section heading."""
    print(f"\n== {text} ==")
