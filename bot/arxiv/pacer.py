"""One request to arXiv at a time, spaced by its terms of use, with backoff on 429 and 5xx."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class RetryableError(Exception):
    """A failure worth retrying (HTTP 429/5xx, connection error), with an optional server delay."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Pacer:
    """Serialises requests to one service and keeps ``delay_s`` between them (process-wide)."""

    def __init__(self, delay_s: float, *, attempts: int = 4, retry_base_s: float = 3.0) -> None:
        self.delay_s = delay_s
        self.attempts = attempts
        self.retry_base_s = retry_base_s
        self._lock = asyncio.Lock()
        self._last_end = 0.0
        self.requests = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold the one connection slot, waiting out the delay since the last request."""
        async with self._lock:
            wait = self._last_end + self.delay_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                self.requests += 1
                yield
            finally:
                self._last_end = time.monotonic()

    async def call(self, request: Callable[[], Awaitable[T]]) -> T:
        """Run ``request`` in a slot, retrying RetryableError with exponential backoff."""
        for attempt in range(1, self.attempts + 1):
            try:
                async with self.slot():
                    return await request()
            except RetryableError as exc:
                if attempt == self.attempts:
                    raise
                backoff = self.retry_base_s * 2 ** (attempt - 1)
                delay = max(backoff, exc.retry_after or 0.0)
                log.warning("arXiv request failed (%s); retry %d in %.1fs", exc, attempt, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
