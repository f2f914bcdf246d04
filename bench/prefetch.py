"""Benchmark summaries written ahead: how long a digest takes at its minute, with and without.

Usage::

    .venv/bin/python bench/prefetch.py [--papers 4] [--llm-latency 0.5] [--arxiv-delay 3]

The real core (bot.app.build_core) against FakeArxiv (paced like arxiv.org: --arxiv-delay s
between requests), FakeGemini answering after --llm-latency s, an in-memory chat and a
redis-server of its own. A cs.CV subscription is due Monday 08:00 UTC. "at its time": one
scheduler tick at 08:00 does everything (feed, metadata, full texts, summaries, sending).
"ahead": a tick at 07:40 starts the summaries in the background (PAPERBOT_PREFETCH_MINUTES,
default 30), and the 08:00 tick only reads the feed again, renders and sends. Between the two
ticks the bench waits one arXiv pacing interval, as the 20 minutes between them would.
"""

# ruff: noqa: E402 (the paths must be set before bot and the test helpers are imported)
from __future__ import annotations

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "bench"), str(_ROOT), str(_ROOT / "tests")]
os.environ.setdefault("PTB_TIMEDELTA", "1")

import argparse
import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from _setup import SlowResponder, exit_on_sigterm, heading, redis_server, table, tune_fake_servers
from digest import SLOT, PagedArxiv, fresh_core, publish, subscribe
from support.chatkit import RecordingAdapter
from support.fakes.gemini_server import FakeGemini
from support.paperkit import gemini_responder


@dataclass
class Run:
    """One digest, summarized at its time or ahead."""

    ahead_s: float | None  # wall seconds of the summaries written ahead (None: not ahead)
    at_slot_s: float  # wall seconds of the tick at the digest's minute
    calls_ahead: int
    calls_at_slot: int
    posts: int


async def one_run(args: argparse.Namespace, url: str, ahead: bool) -> Run:
    """A --papers digest to one chat, with or without a tick 20 minutes before its time."""
    responder = SlowResponder(gemini_responder, args.llm_latency)
    with PagedArxiv() as arxiv, FakeGemini(responder) as gemini:
        publish(arxiv, args.papers)
        core = await fresh_core(
            arxiv, url, gemini, arxiv_delay_s=args.arxiv_delay, llm_timeout_s=60.0
        )
        adapter = RecordingAdapter()
        core.attach(adapter)  # type: ignore[arg-type]
        try:
            await subscribe(core, adapter.platform, ["one"], "full", args.papers)
            ahead_s, calls_ahead = None, 0
            if ahead:
                core.scheduler.clock = lambda: SLOT - timedelta(minutes=20)
                started = time.perf_counter()
                await core.scheduler.tick()
                await asyncio.gather(*core.scheduler.prefetching)
                ahead_s, calls_ahead = time.perf_counter() - started, gemini.calls
                # 20 minutes pass: the arXiv pacer, on real time, is idle again by 08:00.
                await asyncio.sleep(args.arxiv_delay)
            core.scheduler.clock = lambda: SLOT
            started = time.perf_counter()
            await core.scheduler.tick()
            at_slot = time.perf_counter() - started
            return Run(
                ahead_s,
                at_slot,
                calls_ahead,
                gemini.calls - calls_ahead,
                len(adapter.posts.get("one", [])),
            )
        finally:
            await core.aclose()


async def run(args: argparse.Namespace) -> list[Run]:
    """Both modes against one private redis-server."""
    with redis_server() as url:
        return [await one_run(args, url, ahead) for ahead in (False, True)]


def main(argv: list[str] | None = None) -> int:
    """Run both modes and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=4, help="papers in the digest")
    parser.add_argument("--llm-latency", type=float, default=0.5, help="fake LLM latency, s")
    parser.add_argument("--arxiv-delay", type=float, default=3.0, help="arXiv pacing, s")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    tune_fake_servers()
    logging.basicConfig(level=logging.ERROR)
    cold, warm = asyncio.run(run(args))
    heading(
        f"Digest of {args.papers} papers at its time: arXiv pacing {args.arxiv_delay:g} s, "
        f"LLM latency {args.llm_latency:g} s"
    )
    rows = [
        ["at its time", "-", f"{cold.at_slot_s:.2f}", f"0 / {cold.calls_at_slot}", cold.posts],
        [
            "ahead (20 min before)",
            f"{warm.ahead_s or 0:.2f}",
            f"{warm.at_slot_s:.2f}",
            f"{warm.calls_ahead} / {warm.calls_at_slot}",
            warm.posts,
        ],
    ]
    headers = ["summaries written", "ahead s", "at 08:00 s", "LLM calls ahead / at 08:00", "posts"]
    print(table(headers, rows))
    print(f"\ndigest at its time: cold {cold.at_slot_s:.2f} s, prefetched {warm.at_slot_s:.2f} s")
    return 0 if cold.posts == warm.posts and warm.calls_at_slot == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
