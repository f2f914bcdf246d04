"""The bot side of bench/memory.py: the real core, one 50-paper digest, its RSS before and after.

Run by memory.py as ``python bench/_memory_child.py SETTINGS_JSON PAPERS``; the fakes and Redis
live in the parent, so this process holds only what the bot holds. Prints one JSON line.
"""

# ruff: noqa: E402 (the paths must be set before bot and the test helpers are imported)
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT), str(_ROOT / "tests")]

import asyncio
import json
import resource
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr
from support.chatkit import RecordingAdapter

from bot.app import build_core
from bot.digests.subscriptions import Subscription
from bot.infra.settings import Settings

SLOT = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)  # a Monday, as in bench/digest.py


def status_kib(field: str) -> int:
    """A ``/proc/self/status`` figure in KiB (VmRSS: now, VmHWM: peak so far); 0 if unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


async def run(fields: dict[str, Any], papers: int) -> dict[str, Any]:
    """Build the core, subscribe one chat to ``papers`` cs.CV papers, run one tick."""
    settings = Settings(**fields, gemini_api_key=SecretStr("bench-key-123456"))
    core = await build_core(settings)
    adapter = RecordingAdapter()
    core.attach(adapter)  # type: ignore[arg-type, unused-ignore]  # platform: not a ClassVar
    try:
        await core.redis.flushdb()
        core.scheduler.clock = lambda: SLOT
        await core.subscriptions.add(
            Subscription(
                id="mem1",
                platform=adapter.platform,
                chat_id="one",
                categories=("cs.CV",),
                at="08:00",
                zone="UTC",
                detail="full",
                max_papers=papers,
                created_at=SLOT - timedelta(days=1),
            )
        )
        before = {"rss_before_kib": status_kib("VmRSS"), "hwm_before_kib": status_kib("VmHWM")}
        started = time.perf_counter()
        await core.scheduler.tick()
        wall = time.perf_counter() - started
        return {
            **before,
            "rss_after_kib": status_kib("VmRSS"),
            "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "cards": len(adapter.papers("one")),
            "posts": len(adapter.posts.get("one", [])),
            "wall_s": wall,
        }
    finally:
        await core.aclose()


def main() -> int:
    """Run and print the figures as one JSON line."""
    fields, papers = json.loads(sys.argv[1]), int(sys.argv[2])
    print(json.dumps(asyncio.run(run(fields, papers))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
