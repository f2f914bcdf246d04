"""Benchmark the daily digest: fan-out to many Telegram chats, and LLM concurrency.

Usage::

    .venv/bin/python bench/digest.py [--chats 60] [--detail brief|full] [--llm-latency 0.5]
                                     [--concurrency 1 4 8] [--timeout 300] [--arxiv-delay 0]

Everything is local: FakeArxiv, FakeGemini and FakeTelegram on 127.0.0.1, the real core
(bot.app.build_core) and the real TelegramAdapter (python-telegram-bot with its AIORateLimiter),
and a redis-server of its own. Time is simulated: the scheduler's clock says Monday 08:00 UTC.
See bench/README.md for what each figure means.
"""

# ruff: noqa: E402 (the paths must be set before bot and the test helpers are imported)
from __future__ import annotations

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "bench"), str(_ROOT), str(_ROOT / "tests")]
os.environ.setdefault("PTB_TIMEDELTA", "1")  # as the tests do: no deprecation warning from PTB

import argparse
import asyncio
import logging
import math
import platform
import re
import signal
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from _setup import (
    LagProbe,
    SlowResponder,
    exit_on_sigterm,
    heading,
    redis_server,
    table,
    tune_fake_servers,
)
from support.chatkit import RecordingAdapter
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.fakes.gemini_server import FakeGemini
from support.fakes.httpfake import Reply
from support.fakes.telegram_server import SENDS, Call, FakeTelegram
from support.memory_adapter import until
from support.paperkit import gemini_responder, settings_for, talklora

from adapters.telegram import TelegramAdapter
from bot.app import Core, build_core
from bot.digests.schedule import slot_key
from bot.digests.subscriptions import Detail, Subscription

SLOT = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)  # a Monday: cs.CV has announcements
TELEGRAM_PER_S = 30.0  # Telegram's overall bound, which AIORateLimiter enforces
FULL_SCALE = 1000  # the chat count the issue asks about
DEFAULT_CHATS = 60  # keeps the default run under run_all's two minutes (see --chats)
PRODUCTION_ARXIV_DELAY_S = 3.0


class PagedArxiv(FakeArxiv):  # type: ignore[misc]  # Any when tests/ is not on MYPYPATH
    """FakeArxiv whose API pages report the true total, so the arxiv package pages on.

    The stock fake reports the page's own length as ``totalResults``, so a lookup of more ids
    than ``arxiv.Client.page_size`` (10 in bot.arxiv.api) silently stops after one page.
    """

    def _api(self, query: dict[str, list[str]]) -> Reply:
        page = super()._api(query)
        every = super()._api({**query, "start": ["0"], "max_results": ["1000000"]})
        total = f"<opensearch:totalResults>{every.body.count(b'<entry>')}<".encode()
        body = re.sub(rb"<opensearch:totalResults>\d+<", total, page.body)
        return Reply(page.status, body, page.headers)


def publish(arxiv: FakeArxiv, count: int) -> list[FakePaper]:
    """``count`` new cs.CV papers (LaTeXML HTML with a teaser figure) in Monday's feed."""
    papers = [
        arxiv.add(talklora(f"2411.{10001 + i}", title=f"Digest paper {i}", categories=("cs.CV",)))
        for i in range(count)
    ]
    arxiv.announce("cs.CV", SLOT.date(), [(p, "new") for p in papers])
    return papers


async def subscribe(
    core: Core, platform: str, chat_ids: list[str], detail: Detail, top: int
) -> None:
    """One cs.CV subscription per chat, all due at 08:00 UTC."""
    for n, chat_id in enumerate(chat_ids):
        sub = Subscription(
            id=f"b{n:05d}",
            platform=platform,
            chat_id=chat_id,
            categories=("cs.CV",),
            at="08:00",
            zone="UTC",
            detail=detail,
            max_papers=top,
            created_at=SLOT - timedelta(days=1),
        )
        await core.subscriptions.add(sub)


async def fresh_core(arxiv: FakeArxiv, url: str, gemini: FakeGemini, **extra: Any) -> Core:
    """The real core on an empty database, its scheduler's clock stopped at the slot."""
    core = await build_core(settings_for(arxiv, url, gemini, **extra))
    await core.redis.flushdb()
    core.scheduler.clock = lambda: SLOT
    return core


async def tick_within(core: Core, seconds: float) -> tuple[float, bool]:
    """Wall seconds of one scheduler tick, and whether it was cut off after ``seconds``."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(seconds):
            await core.scheduler.tick()
    except TimeoutError:
        return time.perf_counter() - started, True
    return time.perf_counter() - started, False


async def finished_digests(core: Core) -> int:
    """Subscriptions whose digest for the slot completed."""
    return sum(s.last_slot == slot_key(SLOT) for s in await core.subscriptions.all())


@dataclass
class FanOut:
    """What one fan-out run did."""

    chats: int
    done: int
    llm_calls: int
    messages: int
    photos: int  # cards sent as a photo whose caption is the whole card
    previews: int  # cards sent as text under the figure's link preview
    refused: int
    wall: float
    first: float  # seconds from the tick's start to the first message
    span: float  # seconds from the first message to the last
    burst: int  # messages in the first second (AIORateLimiter starts with a full bucket)
    api_requests: int
    arxiv_requests: int  # every request to arXiv: feed, API, HTML, figures
    timed_out: bool
    parallel: int
    llm_concurrency: int
    rate_peak: int
    chat_rate: float  # median over chats of messages a second while its digest went out
    chat_burst: int  # most messages one chat got within one second
    quarters: list[float]  # messages/s in each quarter of the messages, in order
    cpu: float  # CPU seconds this process (core, PTB and the fakes) spent during the tick
    lag: float  # the event loop's worst lateness waking a 50 ms sleep, in seconds


def quarter_rates(times: list[float]) -> list[float]:
    """Messages a second over each quarter of the messages (time-ordered)."""
    times, rates = sorted(times), []
    n = len(times)
    for q in range(4):
        lo, hi = q * n // 4, (q + 1) * n // 4
        seconds = times[min(hi, n - 1)] - times[lo] if n else 0.0
        rates.append((hi - lo) / seconds if seconds > 0 else float("nan"))
    return rates


def per_chat(sends: list[Call]) -> tuple[float, int]:
    """Median per-chat rate (messages/s, first to last) and the largest one-second burst."""
    by_chat: dict[str, list[float]] = {}
    for call in sends:
        by_chat.setdefault(call.chat_id or "", []).append(call.at)
    rates, burst = [], 0
    for times in by_chat.values():
        times.sort()
        if len(times) > 1 and times[-1] > times[0]:
            rates.append((len(times) - 1) / (times[-1] - times[0]))
        start = 0
        for end, at in enumerate(times):
            while at - times[start] >= 1.0:
                start += 1
            burst = max(burst, end - start + 1)
    return (statistics.median(rates) if rates else float("nan")), burst


async def run_fanout(args: argparse.Namespace, url: str) -> FanOut:
    """A 10-paper digest to ``--chats`` Telegram chats through the real adapter, one tick."""
    responder = SlowResponder(gemini_responder, args.llm_latency)
    with PagedArxiv() as arxiv, FakeGemini(responder) as gemini, FakeTelegram() as tg:
        publish(arxiv, args.papers)
        core = await fresh_core(
            arxiv, url, gemini, llm_timeout_s=60.0, arxiv_delay_s=args.arxiv_delay
        )
        adapter = TelegramAdapter(core, token=tg.token, base_url=tg.base_url, poll_timeout=0.5)
        try:
            core.attach(adapter)
            await adapter.start()
            await until(lambda: adapter.connected, what="telegram log-in")  # start() returns first
            chat_ids = [str(100_000 + n) for n in range(args.chats)]  # private chats
            await subscribe(core, "telegram", chat_ids, args.detail, args.papers)
            api_before, calls_before = arxiv.hits("/api/query"), len(tg.calls)
            arxiv_before = len(arxiv.requests)
            probe, t0, cpu0 = LagProbe(), time.monotonic(), time.process_time()
            probe.start()
            wall, timed_out = await tick_within(core, args.timeout)
            cpu = time.process_time() - cpu0
            await probe.stop()
            sends = [c for c in tg.calls[calls_before:] if c.method in SENDS]
            times = [c.at for c in sends] or [t0]
            gate = getattr(getattr(core.summarizer, "client", None), "gate", None)
            chat_rate, chat_burst = per_chat(sends)
            return FanOut(
                chats=args.chats,
                done=await finished_digests(core),
                llm_calls=gemini.calls,
                messages=len(sends),
                photos=sum(c.method == "sendPhoto" for c in sends),
                previews=sum(
                    bool((c.json("link_preview_options") or {}).get("url")) for c in sends
                ),
                refused=sum(c.status != 200 for c in sends),
                wall=wall,
                first=min(times) - t0,
                span=max(times) - min(times),
                burst=sum(t < min(times) + 1.0 for t in times),
                api_requests=arxiv.hits("/api/query") - api_before,
                arxiv_requests=len(arxiv.requests) - arxiv_before,
                timed_out=timed_out,
                parallel=int(getattr(core.scheduler, "parallel", 1)),
                llm_concurrency=core.settings.llm_concurrency,
                rate_peak=int(getattr(gate, "peak", 0)),
                chat_rate=chat_rate,
                chat_burst=chat_burst,
                quarters=quarter_rates(times),
                cpu=cpu,
                lag=probe.worst,
            )
        finally:
            await adapter.stop()
            await core.aclose()


def print_fanout(f: FanOut, args: argparse.Namespace) -> None:
    """Section 1: messages, LLM calls, wall time against Telegram's 30 messages a second."""
    heading(f"1. Fan-out: a {args.papers}-paper digest to {f.chats} Telegram chats (one tick)")
    expected = args.papers
    verdict = "yes" if f.llm_calls == expected else "NO"
    bound = f.messages / TELEGRAM_PER_S
    per_chat = f.messages / f.done if f.done else float("nan")
    goal = args.papers + 1  # the header and one message per paper
    met = "met" if f.messages <= goal * f.done else "NOT met"
    met = met if f.done == f.chats else "partial run"  # unfinished digests' messages count too
    texts = f.messages - f.photos - f.previews - f.done  # the headers are text too
    steady = (f.messages - f.burst) / (f.span - 1.0) if f.span > 1.0 else float("nan")
    rows: list[list[object]] = [
        ["chats (N) / digests completed", f"{f.chats} / {f.done}"],
        ["cards", f"--detail {args.detail}"],
        [f"LLM calls (must be {expected})", f"{f.llm_calls}: {verdict}"],
        ["peak LLM calls in flight", f.rate_peak],
        ["messages sent (sendMessage + sendPhoto)", f.messages],
        ["  refused by the fake (non-200)", f.refused],
        ["  per completed digest", f"{per_chat:.1f}" if f.done else "-"],
        [f"messages per digest (papers + 1 = {goal} goal)", f"{per_chat:.1f}: {met}"],
        [
            "  cards: photo+caption / text+figure preview / text",
            f"{f.photos} / {f.previews} / {texts}",
        ],
        ["arXiv API requests", f.api_requests],
        ["arXiv requests, all (feed, API, HTML, figures)", f.arxiv_requests],
        ["wall time of the tick (s)", f"{f.wall:.1f}"],
        ["  first message after (s)", f"{f.first:.1f}"],
        ["  first to last message (s)", f"{f.span:.1f}"],
        ["Telegram bound: messages / 30 (s)", f"{bound:.1f}"],
        ["ratio wall / bound", f"{f.wall / bound:.2f}" if bound else "-"],
        ["achieved messages / s (first to last)", f"{f.messages / f.span:.1f}" if f.span else "-"],
        ["  in the first second / after it", f"{f.burst} / {steady:.1f}"],
        ["  by quarter of the messages", " ".join(f"{r:.1f}" for r in f.quarters)],
        ["CPU seconds of this process in the tick", f"{f.cpu:.1f}"],
        ["event loop's worst lateness (s)", f"{f.lag:.2f}"],
        ["median messages / s within one chat", f"{f.chat_rate:.1f}"],
        ["most messages to one chat in 1 s", f.chat_burst],
    ]
    print(table(["", "value"], rows))
    print(
        f"The scheduler runs up to {f.parallel} digests side by side; LLM concurrency "
        f"{f.llm_concurrency}, fake LLM latency {args.llm_latency * 1000:.0f} ms; "
        f"arXiv pacing {args.arxiv_delay:g} s."
    )
    if f.timed_out or not f.done:
        print(f"TIMED OUT after {args.timeout:g} s (--timeout): the figures above are partial.")
        return
    api_full = f.api_requests / f.done * FULL_SCALE
    if f.chats < FULL_SCALE:
        # The summaries are made once; after the first second, delivery goes at ``steady``.
        # Each digest also waits for its own arXiv lookup, one at a time ``--arxiv-delay`` apart.
        total = per_chat * FULL_SCALE
        delivery = f.first + 1.0 + (total - f.burst) / steady
        wall = max(delivery, api_full * args.arxiv_delay)
        limit = "Telegram" if wall == delivery else "arXiv pacing"
        print(
            f"Extrapolated to {FULL_SCALE} chats (summaries once, delivery linear in messages): "
            f"{total:.0f} messages, bound {total / TELEGRAM_PER_S:.0f} s; {api_full:.0f} arXiv "
            f"API requests; wall about {wall:.0f} s ({wall / 60:.1f} min, set by {limit})."
        )
    print(
        f"At the production arXiv pacing ({PRODUCTION_ARXIV_DELAY_S:g} s between requests, one "
        f"at a time) {api_full:.0f} API requests for {FULL_SCALE} chats alone take at least "
        f"{api_full * PRODUCTION_ARXIV_DELAY_S / 60:.0f} min."
    )


@dataclass
class Concurrency:
    """One concurrency run: summaries and delivery of a digest to one chat."""

    concurrency: int
    llm_calls: int
    peak: int
    posts: int
    wall: float
    timed_out: bool
    api_requests: int
    arxiv_requests: int


async def run_concurrency(args: argparse.Namespace, url: str, c: int) -> Concurrency:
    """A ``--batch``-paper digest to one in-memory chat with LLM concurrency ``c``."""
    responder = SlowResponder(gemini_responder, args.llm_latency)
    with PagedArxiv() as arxiv, FakeGemini(responder) as gemini:
        publish(arxiv, args.batch)
        timeout_s = max(60.0, 4 * args.llm_latency)
        core = await fresh_core(
            arxiv,
            url,
            gemini,
            llm_concurrency=c,
            llm_timeout_s=timeout_s,
            arxiv_delay_s=args.arxiv_delay,
        )
        adapter = RecordingAdapter()
        core.attach(adapter)  # type: ignore[arg-type]  # platform: not a ClassVar
        try:
            await subscribe(core, adapter.platform, ["one"], "full", args.batch)
            before, api_before = len(arxiv.requests), arxiv.hits("/api/query")
            wall, timed_out = await tick_within(core, args.timeout)
            gate = getattr(getattr(core.summarizer, "client", None), "gate", None)
            return Concurrency(
                c,
                gemini.calls,
                int(getattr(gate, "peak", 0)),
                len(adapter.posts.get("one", [])),
                wall,
                timed_out,
                arxiv.hits("/api/query") - api_before,
                len(arxiv.requests) - before,
            )
        finally:
            await core.aclose()


def print_concurrency(runs: list[Concurrency], args: argparse.Namespace) -> None:
    """Section 2: wall time against N·L/C."""
    n, latency = args.batch, args.llm_latency
    heading(f"2. Concurrency: a {n}-paper digest to one chat, LLM latency L = {latency:g} s")
    rows: list[list[object]] = []
    for r in runs:
        ideal = n * latency / r.concurrency
        floor = math.ceil(n / r.concurrency) * latency
        note = " (timed out)" if r.timed_out else ""
        rows.append(
            [
                r.concurrency,
                r.llm_calls,
                r.peak,
                r.posts,
                f"{r.arxiv_requests} ({r.api_requests})",
                f"{r.wall:.2f}{note}",
                f"{ideal:.2f}",
                "-" if r.timed_out else f"{r.wall / ideal:.2f}",
                f"{floor:.2f}",
                "-" if r.timed_out else f"{r.wall - floor:.2f}",
            ]
        )
    headers = ["C", "LLM calls", "peak", "posts", "arXiv req (API)", "wall s", "N·L/C s"]
    print(table([*headers, "wall/(N·L/C)", "⌈N/C⌉·L s", "rest s"], rows))
    print(
        "wall = one scheduler tick: feed and metadata, full texts, summaries, and delivery of the\n"
        "header and the cards to an in-memory chat; peak = most LLM calls in flight at once.\n"
        "⌈N/C⌉·L is the floor when every call takes L; rest = wall - that floor, the pipeline's\n"
        f"own time (arXiv requests go one at a time, {args.arxiv_delay:g} s apart: --arxiv-delay)."
    )


async def run(args: argparse.Namespace) -> int:
    """Both sections against one private redis-server; 1 when a run timed out."""
    with redis_server() as url:
        fanout = await run_fanout(args, url)
        print_fanout(fanout, args)
        runs = [await run_concurrency(args, url, c) for c in args.concurrency]
        print_concurrency(runs, args)
    return 1 if fanout.timed_out or any(r.timed_out for r in runs) else 0


def hard_stop_after(seconds: float) -> None:
    """SIGALRM after ``seconds`` raises SystemExit, so a wedged run still cleans up and exits."""

    limit = max(1, math.ceil(seconds))

    def stop(signum: int, frame: object) -> None:
        print(f"\nHARD STOP: still running after {limit} s; stopping.", file=sys.stderr, flush=True)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGALRM, stop)
    signal.alarm(limit)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=DEFAULT_CHATS, help="fan-out chats (N)")
    parser.add_argument("--detail", choices=("brief", "full"), default="brief", help="card kind")
    parser.add_argument("--papers", type=int, default=10, help="papers in the fan-out digest")
    parser.add_argument("--batch", type=int, default=20, help="papers in the concurrency digest")
    parser.add_argument("--llm-latency", type=float, default=0.5, help="fake LLM seconds a call")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8], help="C values")
    parser.add_argument("--arxiv-delay", type=float, default=0.0, help="arXiv pacing (s)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a run may take")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the fan-out and the concurrency measurements and print them."""
    args = parse_args(argv)
    exit_on_sigterm()
    hard_stop_after(args.timeout * (1 + len(args.concurrency)) + 60)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    tune_fake_servers()
    started = time.perf_counter()
    print("paperbot benchmark: daily digest")
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    if args.chats < FULL_SCALE:
        print(
            f"fan-out to N = {args.chats} chats (not {FULL_SCALE}: see the extrapolation; "
            f"--chats {FULL_SCALE} runs it in full)"
        )
    code = asyncio.run(run(args))
    print(f"\ndone in {time.perf_counter() - started:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
