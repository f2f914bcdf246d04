"""The LLM gate: never more than C calls at once, never more than R starts per window."""

from __future__ import annotations

import asyncio
import time

from bot.llm.rate_gate import RateGate


async def test_concurrency_is_bounded_and_used() -> None:
    gate = RateGate(concurrency=3)

    async def call() -> None:
        async with gate.slot():
            await asyncio.sleep(0.05)

    await asyncio.gather(*(call() for _ in range(12)))
    assert gate.peak == 3


async def test_starts_per_window_are_bounded() -> None:
    gate = RateGate(concurrency=10, per_minute=4, window_s=0.5)
    starts: list[float] = []

    async def call() -> None:
        async with gate.slot():
            starts.append(time.monotonic())

    began = time.monotonic()
    await asyncio.gather(*(call() for _ in range(8)))
    assert len([s for s in starts if s - began < 0.45]) == 4
    assert max(starts) - began >= 0.5
