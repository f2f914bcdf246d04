"""Benchmark /summarize: cold time split, cache-hit latency, PDF extraction speed, prompt size.

Usage::

    .venv/bin/python bench/summarize.py [--llm-latency 0.5] [--repeat 3] [--requests 1000]

Everything is local: a FakeArxiv and a FakeGemini on 127.0.0.1 and a redis-server of its own.
See bench/README.md for what each figure means.
"""

# ruff: noqa: E402 (the paths must be set before bot and the test helpers are imported)
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "bench"), str(_ROOT), str(_ROOT / "tests")]

import argparse
import asyncio
import json
import logging
import os
import platform
import time
from dataclasses import dataclass, field
from typing import Any

from _cases import Case, PdfFile, fixture_pdfs, generated_pdfs, summarize_cases
from _pdf_timing import time_pdfs
from _setup import (
    FIXTURE_PDFS,
    SlowResponder,
    TimedFetcher,
    TimedSummarizer,
    exit_on_sigterm,
    heading,
    median,
    ms,
    percentile,
    redis_server,
    table,
    tune_fake_servers,
)
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.paperkit import gemini_responder, settings_for

from bot.app import Core, build_core
from bot.papers.models import PaperId

STAGES = ("meta", "download", "extract", "llm", "other", "total")
P99_TARGET_MS = 5.0


@dataclass
class Cold:
    """Stage times (seconds, one per repetition) of one paper's first /summarize."""

    case: Case
    times: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    source: str = ""
    pages: int | None = None
    downloaded: int = 0
    figure: bool = False
    request: dict[str, Any] | None = None  # the generateContent body of the first repetition
    output_chars: int = 0
    usage_in: int = 0
    usage_out: int = 0


async def cold_summarize(core: Core, cold: Cold, responder: SlowResponder, first: bool) -> None:
    """One uncached /summarize of a paper, stage by stage: meta, full_text, summary."""
    papers = core.papers
    fetcher, summarizer = papers.fetcher, papers.summarizer
    assert isinstance(fetcher, TimedFetcher) and isinstance(summarizer, TimedSummarizer)
    fetcher.watch.reset()
    summarizer.watch.reset()
    llm = summarizer.inner
    before = (llm.tokens_in, llm.tokens_out, len(responder.output_chars))
    t0 = time.perf_counter()
    meta = await papers.meta(PaperId(base=cold.case.paper.base))
    t1 = time.perf_counter()
    text = await papers.full_text(meta)
    t2 = time.perf_counter()
    summary, cached = await papers.summary(meta, "en")
    t3 = time.perf_counter()
    assert not cached, "the cache was not empty"
    download = fetcher.watch.seconds
    stages = {
        "meta": t1 - t0,
        "download": download,
        "extract": (t2 - t1) - download,
        "llm": summarizer.watch.seconds,
        "other": (t3 - t2) - summarizer.watch.seconds,
        "total": t3 - t0,
    }
    for stage, seconds in stages.items():
        cold.times[stage].append(seconds)
    if first:
        cold.source, cold.pages, cold.figure = text.source, text.pages, summary.has_figure
        cold.downloaded = fetcher.watch.bytes
        cold.usage_in, cold.usage_out = llm.tokens_in - before[0], llm.tokens_out - before[1]
        cold.output_chars = sum(responder.output_chars[before[2] :])


def print_cold(colds: list[Cold], latency: float, repeat: int) -> None:
    """Section 1: the median split of a cold /summarize."""
    heading(f"1. Cold /summarize, split by stage (median of {repeat} run(s), ms)")
    rows = []
    for c in colds:
        med = {s: median(c.times[s]) for s in STAGES}
        pages = f"{c.pages}p" if c.pages else "-"
        rows.append(
            [
                c.case.label,
                c.source,
                pages,
                f"{c.downloaded / 1024:.0f}",
                "yes" if c.figure else "no",
            ]
            + [ms(med[s]) for s in STAGES]
        )
    headers = ["paper", "text", "pages", "KB", "fig", "meta", "download", "extract", "LLM"]
    headers += ["other", "total"]
    print(table(headers, rows))
    print(
        "arXiv = meta (papers.meta: API lookup + cache write) + download (full text, and the HTML\n"
        "figure); extract = HTML parsing, or PDF -> text -> sections -> teaser figure, incl. cache\n"
        "writes; LLM = summarize() (prompt + one call to FakeGemini, which sleeps"
        f" {latency * 1000:.0f} ms);\nother = the summary stage's cache reads and writes."
    )
    overhead = [median(c.times["llm"]) - latency for c in colds]
    print(f"LLM client overhead beyond the fake latency: median {ms(median(overhead))} ms.")


async def cache_hits(core: Core, base: str, n: int) -> tuple[list[float], list[float]]:
    """Seconds per cached request: papers.meta + papers.summary, and the full /summarize handler."""
    pid = PaperId(base=base)
    direct: list[float] = []
    handler: list[float] = []
    for i in range(n + 20):  # the first 20 warm up
        t0 = time.perf_counter()
        meta = await core.papers.meta(pid)
        _, cached = await core.papers.summary(meta, "en")
        if i >= 20:
            direct.append(time.perf_counter() - t0)
        assert cached
    for i in range(n + 20):
        transcript = Transcript()
        t0 = time.perf_counter()
        await core.handle(command(f"/summarize {base}"), transcript)
        if i >= 20:
            handler.append(time.perf_counter() - t0)
        assert len(transcript.posts) == 1 and not transcript.statuses
    return direct, handler


def print_hits(direct: list[float], handler: list[float]) -> None:
    """Section 2: p50/p99 of cache hits against the 5 ms target."""
    heading(f"2. Cache-hit latency over {len(direct)} requests (in process, ms)")
    rows = []
    for label, samples in (
        ("papers.meta + papers.summary", direct),
        ("CoreCommands.summarize via Core.handle", handler),
    ):
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        met = "met" if p99 * 1000 < P99_TARGET_MS else "NOT met"
        rows.append([label, ms(p50), ms(p99), ms(max(samples)), met])
    print(table(["path", "p50", "p99", "max", f"p99 < {P99_TARGET_MS:g} ms"], rows))
    print("The handler path adds the chat lookups, is_summarized, the figure read and rendering.")


def print_tokens(colds: list[Cold]) -> None:
    """Section 4: what each paper's one model call sent and got back."""
    heading("4. Tokens per paper (one generateContent call each; tokens ~ chars / 4)")
    rows = []
    for c in colds:
        body = c.request or {}
        system, user = FakeGemini.system_text(body), FakeGemini.prompt_text(body)
        config = body.get("generationConfig") or {}
        schema = config.get("responseJsonSchema") or config.get("responseSchema") or {}
        schema_chars = len(json.dumps(schema, separators=(",", ":"))) if schema else 0
        sent = len(system) + len(user)
        tokens_out = c.output_chars // 4
        rows.append([c.case.label, len(system), len(user), schema_chars, sent // 4, c.usage_in])
        rows[-1] += [c.output_chars, tokens_out, c.usage_out]
    headers = ["paper", "system ch", "prompt ch", "schema ch", "~tok in", "usage in"]
    print(table([*headers, "output ch", "~tok out", "usage out"], rows))
    print(
        "~tok in = (system + prompt chars) / 4; usage = what FakeGemini reported in usageMetadata\n"
        "(user prompt only). The output is FakeGemini's canned analysis, not a real model's answer."
    )


async def run_pipeline(args: argparse.Namespace, fixtures: list[PdfFile]) -> list[Cold]:
    """Sections 1 and 2 against local fakes and a private Redis; returns the cold records."""
    responder = SlowResponder(gemini_responder, args.llm_latency)
    colds = [Cold(case) for case in summarize_cases(fixtures)]
    with redis_server() as url, FakeArxiv() as arxiv, FakeGemini(responder) as gemini:
        for c in colds:
            arxiv.add(c.case.paper)
        core = await build_core(settings_for(arxiv, url, gemini, llm_timeout_s=60.0))
        core.papers.fetcher = TimedFetcher(core.papers.fetcher)  # type: ignore[assignment]
        core.papers.summarizer = TimedSummarizer(core.papers.summarizer)
        try:
            for rep in range(args.repeat):
                await core.redis.flushdb()
                for c in colds:
                    calls = gemini.calls
                    await cold_summarize(core, c, responder, first=rep == 0)
                    if rep == 0:
                        c.request = gemini.generate_requests[calls].body
            print_cold(colds, args.llm_latency, args.repeat)
            print_hits(*await cache_hits(core, colds[0].case.paper.base, args.requests))
        finally:
            await core.aclose()
    return colds


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--llm-latency", type=float, default=0.5, help="fake LLM seconds per call")
    parser.add_argument("--repeat", type=int, default=3, help="cold runs per paper (median)")
    parser.add_argument("--requests", type=int, default=1000, help="cache-hit requests per path")
    parser.add_argument("--fixtures", type=Path, default=FIXTURE_PDFS, help="folder of arXiv PDFs")
    parser.add_argument(
        "--keep-nagle", action="store_true", help="leave Nagle on in the fakes (adds ~40 ms)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the four measurements and print them."""
    args = parse_args(argv)
    exit_on_sigterm()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    fixtures = fixture_pdfs(args.fixtures)
    note = None if fixtures else f"note: no fixture PDFs in {args.fixtures}; skipped them."
    print("paperbot benchmark: /summarize")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print("arXiv pacing delay: 0 s in this bench (production default 3 s between requests)")
    print(f"LLM: local FakeGemini, fixed latency {args.llm_latency * 1000:.0f} ms per call")
    tune_fake_servers(nodelay=not args.keep_nagle)
    if not args.keep_nagle:
        print("fake servers: TCP_NODELAY on (--keep-nagle adds ~40 ms per small reply)")
    if note:
        print(note)
    colds = asyncio.run(run_pipeline(args, fixtures))
    time_pdfs(generated_pdfs() + fixtures, args.repeat, note)
    print_tokens(colds)
    print(f"\ndone in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
