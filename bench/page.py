"""Benchmark a subscription's web page and Atom feed after 30 days of digests.

Usage::

    .venv/bin/python bench/page.py [--per-day 10] [--days 30] [--requests 20]

A redis-server of its own holds what 30 days of a subscription leave behind: on each
announcement day (Monday to Friday) ``--per-day`` delivered cards in the digest archive, each
with a realistic English summary in the summary cache (``cost.realistic_analysis``: the field
lengths of a real answer, each cut from its own stretch of English: the standard library's
docstrings) and a teaser figure, and the day's coverage line. The real core's
HTTP server then serves ``/s/<token>`` and ``/s/<token>/feed.xml`` to httpx ``--requests``
times each, three ways: afresh (the archive was just written, as when a digest lands: the cards
are gathered and the body rendered), again unchanged (served from the rendered bodies) and as a
poll with the ETag (304). Printed: the wall time per request, the longest the event loop went
without running a 1 ms timer during the fresh requests, the part of one fresh request spent
gathering from Redis and the part rendering the templates, and the sizes as sent uncompressed
and gzip-compressed (the page holds the newest 300 cards, the feed the newest 100). No model or
arXiv call is made (checked).
"""

# ruff: noqa: E402 (the paths must be set before bot and the test helpers are imported)
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "bench"), str(_ROOT), str(_ROOT / "tests")]

import argparse
import ast
import asyncio
import gzip
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from functools import cache

import httpx
from _setup import exit_on_sigterm, heading, redis_server, table
from cost import realistic_analysis
from support.digest_days import teaser_png
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.paperkit import TALKLORA_ABSTRACT, settings_for
from support.servers import free_port

from bot.app import Core, build_core
from bot.digests.archive import DeliveredCard, DigestDay
from bot.digests.subscriptions import Subscription
from bot.infra import keys
from bot.infra.health_server import HealthServer, redis_ping
from bot.papers.models import FullText, PaperId, PaperMeta, PaperSummary, TextSection
from bot.papers.service import SUMMARY_FORM, VERSION_TTL, FigureInfo
from bot.web.render import MAX_PAGE_CARDS, Links, feed_xml, page_html

DOCUMENTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
LAST_DAY = date(2024, 11, 29)  # a Friday
AUTHORS = ("Jack Saunders", "Vinay Namboodiri", "Mei Chen", "Ada Lovelace", "Alan Turing", "Li Wei")


@dataclass(frozen=True, slots=True)
class Measured:
    """Per-request wall times and sizes of one URL."""

    seconds: list[float]  # rendered afresh (the archive changed just before)
    cached: list[float]  # unchanged since the last request
    polled: list[float]  # If-None-Match with the ETag: 304
    stall: float  # the longest the event loop was held during the fresh requests
    raw_bytes: int
    gzip_bytes: int
    wire_bytes: int  # as the server sent it to a client accepting gzip/deflate


@cache
def corpus() -> list[str]:
    """About 2 MB of English prose: the docstrings of the standard library's modules (read with
    ast, nothing imported), in a fixed order."""
    words: list[str] = []
    for source in sorted(Path(os.__file__).parent.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8", errors="replace"))
        nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, DOCUMENTED))]
        for node in nodes:
            words += (ast.get_docstring(node) or "").split()
        if len(words) > 300_000:
            break
    return words


def prose(seed: int) -> FullText:
    """A different stretch of English per paper, so that no two summaries share their text and
    the compressed sizes are those of varied, real summaries."""
    words = corpus()
    start = (seed * 1_000) % len(words)
    body = " ".join(words[start : start + 1_000])
    return FullText(source="html", sections=(TextSection(heading="Body", text=body),))


async def fill(core: Core, sub: Subscription, days: int, per_day: int) -> int:
    """Archive ``days`` of digests with ``per_day`` cards each; the number of cards."""
    archive = core.scheduler.runner.archive
    prefix, figure = core.settings.redis_prefix, teaser_png()
    papers = core.papers
    form = f"{papers.prompt_fingerprint}.{SUMMARY_FORM}"
    count = 0
    for back in range(days):
        day = LAST_DAY - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        sent = datetime.combine(day, clock_time(8, 0), UTC)
        for n in range(per_day):
            count += 1
            paper = PaperId(base=f"2411.{count:05d}", version=1)
            meta = PaperMeta(
                id=paper,
                title=f"Low-Rank Adaptation for Speech-Driven Talking Head Animation, part {count}",
                authors=AUTHORS,
                abstract=TALKLORA_ABSTRACT,
                comment="Accepted to INTERSPEECH 2024",
                primary_category="cs.CV",
                categories=("cs.CV", "cs.GR"),
                published=sent,
                updated=sent,
            )
            summary = PaperSummary(
                meta=meta,
                language="en",
                analysis=realistic_analysis(prose(count), meta),
                code_urls=("https://github.com/example-lab/talklora",),
                model_label="Gemini (gemini-2.5-flash)",
                text_source="html",
                has_figure=True,
            )
            versioned = paper.versioned
            key = keys.summary(prefix, versioned, "en", papers.summarizer.model_id, form)
            await core.cache.set_model(key, summary, VERSION_TTL)
            await core.cache.set_bytes(keys.figure(prefix, versioned), figure, VERSION_TTL)
            info = FigureInfo(
                caption="Figure 1: TalkLoRA adapts a transformer with low-rank adaptors."
            )
            await core.cache.set_model(keys.figure_info(prefix, versioned), info, VERSION_TTL)
            await archive.record_card(
                sub.id,
                DeliveredCard(
                    paper=versioned,
                    day=day,
                    why="Why: matches your description (0.42)",
                    message_ids=(str(count),),
                    sent_at=sent + timedelta(seconds=n),
                ),
            )
        coverage = (
            f"arXiv announced 142 in cs.CV, cs.GR (118 new, 24 cross-lists) · {per_day + 3} "
            f"matched · {per_day} posted · 3 below the threshold"
        )
        await archive.record_day(sub.id, DigestDay(day=day, coverage=coverage, sent_at=sent))
    return count


class LoopWatch:
    """The longest gap between ticks of a 1 ms timer: how long the event loop was held."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - 0.001)
            last = now

    def __enter__(self) -> LoopWatch:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def timed(
    client: httpx.AsyncClient, path: str, **headers: str
) -> tuple[float, httpx.Response]:
    """One GET and its wall time."""
    started = time.perf_counter()
    response = await client.get(path, headers=headers)
    return time.perf_counter() - started, response


async def measure(
    server: HealthServer, path: str, requests: int, written: Callable[[], Awaitable[None]]
) -> Measured:
    """GET ``path`` ``requests`` times each afresh (``written`` changes the archive first),
    unchanged and as an ETag poll (uncompressed), then once as a browser would."""
    seconds: list[float] = []
    cached: list[float] = []
    polled: list[float] = []
    plain = {"Accept-Encoding": "identity"}
    async with httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=120) as client:
        with LoopWatch() as watch:
            for _ in range(requests):
                await written()
                took, response = await timed(client, path, **plain)
                seconds.append(took)
                assert response.status_code == 200, response.status_code
        for _ in range(requests):
            took, again = await timed(client, path, **plain)
            cached.append(took)
            assert again.status_code == 200 and again.content == response.content
            took, poll = await timed(
                client, path, **plain, **{"If-None-Match": again.headers["etag"]}
            )
            polled.append(took)
            assert poll.status_code == 304, poll.status_code
        body = response.content
        wire = await client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
        wire_bytes = int(wire.headers.get("content-length") or len(wire.content))
    return Measured(
        seconds, cached, polled, watch.longest, len(body), len(gzip.compress(body)), wire_bytes
    )


async def run(args: argparse.Namespace) -> tuple[int, Measured, Measured, float, float, int]:
    """Fill a subscription, serve it, measure; also the parts (gather, render) and model calls."""
    with redis_server() as url, FakeArxiv() as arxiv, FakeGemini() as gemini:
        core = await build_core(settings_for(arxiv, url, gemini, user_rate_limit=0))
        assert core.site is not None
        sub = Subscription(
            id="bench1", platform="test", chat_id="lab", categories=("cs.CV", "cs.GR")
        )
        await core.subscriptions.add(sub)
        cards = await fill(core, sub, args.days, args.per_day)
        token = await core.site.tokens.token(sub.id)
        server = HealthServer(
            core.metrics,
            redis_ping=redis_ping(core.redis),
            adapters=core.adapter_states,
            port=free_port(),
            routes=core.site.routes(),
        )
        archive = core.scheduler.runner.archive
        (last_day,) = await archive.days(sub.id, since=LAST_DAY)

        async def written() -> None:  # the archive changes, as when a digest lands
            await archive.record_day(sub.id, last_day)

        await server.start()
        try:
            page = await measure(server, f"/s/{token}", args.requests, written)
            feed = await measure(server, f"/s/{token}/feed.xml", args.requests, written)
            started = time.perf_counter()
            digests = await core.site.pages.digests(sub, MAX_PAGE_CARDS)
            gathered = time.perf_counter() - started
            assert digests.total == cards, (digests.total, cards)
            assert len(digests.cards) == min(cards, MAX_PAGE_CARDS)
            started = time.perf_counter()
            page_html(digests, Links.relative(token))
            feed_xml(digests, Links.under(server.url, token))
            rendered = time.perf_counter() - started
        finally:
            await server.stop()
            await core.aclose()
        return cards, page, feed, gathered, rendered, gemini.calls + len(arxiv.requests)


def ms(values: list[float], q: float) -> str:
    """The ``q`` quantile of ``values`` in milliseconds."""
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.1f}"


def kib(size: int) -> str:
    """Bytes as KiB."""
    return f"{size / 1024:.1f}"


def main(argv: list[str] | None = None) -> int:
    """Fill, serve, measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-day", type=int, default=10, help="cards per digest day")
    parser.add_argument("--days", type=int, default=30, help="calendar days of digests")
    parser.add_argument("--requests", type=int, default=20, help="requests per URL")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    logging.basicConfig(level=logging.ERROR)
    cards, page, feed, gathered, rendered, outside = asyncio.run(run(args))
    heading(f"A {args.days}-day subscription's page and feed: {cards} cards")
    rows = [
        [
            name,
            ms(m.seconds, 0.5),
            ms(m.seconds, 0.95),
            f"{m.stall * 1000:.1f}",
            ms(m.cached, 0.5),
            ms(m.polled, 0.5),
            kib(m.raw_bytes),
            kib(m.gzip_bytes),
            kib(m.wire_bytes),
        ]
        for name, m in (("page /s/<token>", page), ("feed /s/<token>/feed.xml", feed))
    ]
    heads = ["served", "fresh p50 ms", "fresh p95 ms", "loop held ms", "unchanged p50 ms"]
    print(table([*heads, "304 p50 ms", "KiB", "gzip KiB", "sent KiB"], rows))
    shown = min(cards, MAX_PAGE_CARDS)
    print(
        f"\nof one fresh request: gathering {shown} of {cards} cards from Redis "
        f"{gathered * 1000:.1f} ms; rendering page + feed {rendered * 1000:.1f} ms"
    )
    print(f"calls to the model or arXiv while serving: {outside}")
    print(
        f"page: {cards} cards, p50 {ms(page.seconds, 0.5)} ms, {kib(page.raw_bytes)} KiB "
        f"({kib(page.gzip_bytes)} KiB gzip); feed {kib(feed.raw_bytes)} KiB "
        f"({kib(feed.gzip_bytes)} KiB gzip); unchanged p50 {ms(page.cached, 0.5)} ms, "
        f"304 p50 {ms(page.polled, 0.5)} ms"
    )
    return 0 if outside == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
