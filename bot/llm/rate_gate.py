"""Bound calls to a provider: at most N at once and at most R starts per minute (process-wide)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class RateGate:
    """A semaphore for concurrency plus a sliding one-minute window for requests per minute."""

    def __init__(self, concurrency: int = 4, per_minute: int = 0, window_s: float = 60.0) -> None:
        self.concurrency = max(1, concurrency)
        self.per_minute = per_minute  # 0: no per-minute bound
        self.window_s = window_s
        self._slots = asyncio.Semaphore(self.concurrency)
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.active = 0
        self.peak = 0

    async def _wait_for_rate(self) -> None:
        if self.per_minute <= 0:
            return
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._starts and now - self._starts[0] >= self.window_s:
                    self._starts.popleft()
                if len(self._starts) < self.per_minute:
                    self._starts.append(now)
                    return
                await asyncio.sleep(self.window_s - (now - self._starts[0]))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the concurrent slots, started within the per-minute budget."""
        async with self._slots:
            await self._wait_for_rate()
            self.active += 1
            self.peak = max(self.peak, self.active)
            try:
                yield
            finally:
                self.active -= 1
