"""Benchmark /ask: answer latency cold, warm and repeated with an LLM of fixed latency; tokens.

Usage::

    .venv/bin/python bench/answers.py [--llm-latency 1.0] [--questions N] [--fixtures DIR]

Every question of bench/retrieval_questions.json goes through the real core's
``papers.meta`` + ``QAService.ask`` (English, no history), one at a time, paper by paper, against
a local FakeArxiv serving the fixture PDFs (no HTML), a FakeGemini that answers after a fixed
latency L, and a redis-server of its own. Skips (exit 0) when the fixture PDFs are absent.
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

from _cases import PdfFile, fixture_pdfs, pdf_as_paper
from _setup import (
    FIXTURE_PDFS,
    SlowResponder,
    TimedFetcher,
    TimedLLM,
    exit_on_sigterm,
    heading,
    median,
    ms,
    percentile,
    redis_server,
    table,
    tune_fake_servers,
)
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.fakes.gemini_server import FakeGemini
from support.fakes.httpfake import Recorded
from support.paperkit import gemini_responder, passages_in, settings_for

from bot.app import Core, build_core
from bot.papers.models import PaperId
from bot.questions.answer import PASSAGE_BUDGET
from bot.questions.service import TOP_K

QUESTIONS = Path(__file__).with_name("retrieval_questions.json")
STATES = ("cold", "warm", "repeated", "unmatched")
STATE_LABELS = {
    "cold": "cold (first question on a paper)",
    "warm": "warm (index cached, new question)",
    "repeated": "repeated (answer cached)",
    "unmatched": "no passage matched (no LLM call)",
}
CALLS_LLM = ("cold", "warm")
ANSWER_CHARS = 600  # the fake's answer: the start of the first passage, about 100 words


def answer_model(body: dict[str, Any]) -> dict[str, Any]:
    """FakeGemini: a grounded answer citing the first passage of the prompt (else an analysis)."""
    found = passages_in(FakeGemini.prompt_text(body))
    if not found:
        return gemini_responder(body)
    pid, first = found[0]
    text = " ".join(first.split())[:ANSWER_CHARS]
    return {"answerable": True, "answer": text or "Yes.", "citations": [pid]}


@dataclass
class Sample:
    """One question asked: its state, wall time, the LLM's share, and the calls it made."""

    state: str
    seconds: float
    llm_seconds: float
    llm_calls: int


@dataclass
class ColdSplit:
    """Where the first question on one paper spent its time (seconds)."""

    paper: str
    meta: float
    download: float
    llm: float
    total: float
    downloaded: int
    chunks: int

    @property
    def rest(self) -> float:
        """Extraction, chunking, index build, retrieval and cache traffic: all but the others."""
        return self.total - self.meta - self.download - self.llm


@dataclass
class Run:
    """Everything measured."""

    samples: list[Sample] = field(default_factory=list)
    colds: list[ColdSplit] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)  # the answer calls FakeGemini got
    unanswered: int = 0  # answers that were not grounded (not answerable or citing nothing)
    index_reads: list[float] = field(default_factory=list)  # seconds of one cached index read


def load_questions(limit: int | None) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Paper names, and each paper's questions in file order (at most ``limit`` per paper)."""
    data = json.loads(QUESTIONS.read_text(encoding="utf-8"))
    names: dict[str, str] = data["papers"]
    by_paper: dict[str, list[str]] = {paper: [] for paper in names}
    for q in data["questions"]:
        by_paper[q["paper"]].append(q["question"])
    if limit is not None:
        by_paper = {paper: qs[:limit] for paper, qs in by_paper.items()}
    return names, by_paper


async def ask_paper(
    core: Core, gemini: FakeGemini, paper: FakePaper, questions: list[str], run: Run
) -> None:
    """Ask one paper's questions (the first one cold), then every one of them again."""
    fetcher, llm = core.papers.fetcher, core.qa.llm
    assert isinstance(fetcher, TimedFetcher) and isinstance(llm, TimedLLM)
    base = paper.base
    for n, (state, question) in enumerate(
        [("cold", questions[0])]
        + [("warm", q) for q in questions[1:]]
        + [("repeated", q) for q in questions]
    ):
        fetcher.watch.reset()
        llm.watch.reset()
        calls = gemini.calls
        t0 = time.perf_counter()
        meta = await core.papers.meta(PaperId(base=base))
        t1 = time.perf_counter()
        answer = await core.qa.ask(meta, question, "en", [])
        seconds = time.perf_counter() - t0
        made = gemini.calls - calls
        if state == "repeated":
            assert made == 0, f"a repeated question called the LLM ({made} calls): {question}"
        elif made == 0:  # retrieval found nothing above MIN_SCORE: "the paper does not say"
            state = "unmatched"
        else:
            run.requests += gemini.generate_requests[calls:]
            run.unanswered += not (answer.answerable and answer.citations)
        run.samples.append(Sample(state, seconds, llm.watch.seconds, made))
        if n == 0:
            index = await core.qa.index(meta)
            run.colds.append(
                ColdSplit(
                    paper.versioned,
                    t1 - t0,
                    fetcher.watch.seconds,
                    llm.watch.seconds,
                    seconds,
                    fetcher.watch.bytes,
                    len(index.chunks),
                )
            )
    meta = await core.papers.meta(PaperId(base=base))
    for _ in range(5):  # what another process's first question spends loading the index
        core.qa._indexes.clear()  # this process keeps recent indexes in memory
        t0 = time.perf_counter()
        await core.qa.index(meta)
        run.index_reads.append(time.perf_counter() - t0)


async def measure(
    args: argparse.Namespace, pdfs: list[PdfFile], by_paper: dict[str, list[str]]
) -> Run:
    """Ask every paper's questions through the real core against the fakes."""
    run = Run()
    responder = SlowResponder(answer_model, args.llm_latency)
    with redis_server() as url, FakeArxiv() as arxiv, FakeGemini(responder) as gemini:
        papers = [pdf_as_paper(pdf) for pdf in pdfs]
        for paper in papers:
            arxiv.add(paper)
        settings = settings_for(arxiv, url, gemini, llm_timeout_s=60.0, user_rate_limit=10_000)
        assert settings.arxiv_delay_s == 0
        core = await build_core(settings)
        core.papers.fetcher = TimedFetcher(core.papers.fetcher)  # type: ignore[assignment]
        core.qa.llm = TimedLLM(core.qa.llm)  # type: ignore[assignment]
        try:
            for pdf, paper in zip(pdfs, papers, strict=True):
                await ask_paper(core, gemini, paper, by_paper[pdf.label], run)
        finally:
            await core.aclose()
    return run


def latency_rows(run: Run, latency: float) -> list[list[str]]:
    """One row per state: n, p50, p95, max, overhead beyond L, LLM calls per question."""
    rows = []
    for state in STATES:
        secs = [s.seconds for s in run.samples if s.state == state]
        calls = [s.llm_calls for s in run.samples if s.state == state]
        if not secs:
            continue
        p50, p95 = percentile(secs, 50), percentile(secs, 95)
        over = [ms(p50 - latency), ms(p95 - latency)] if state in CALLS_LLM else ["-", "-"]
        rows.append(
            [
                STATE_LABELS[state],
                str(len(secs)),
                ms(p50),
                ms(p95),
                ms(max(secs)),
                *over,
                f"{sum(calls) / len(calls):.2f}",
            ]
        )
    return rows


def print_latency(run: Run, latency: float) -> None:
    """Section 1: latency per state."""
    heading(f"1. Answer latency per question (ms; LLM = FakeGemini, L = {latency * 1000:.0f} ms)")
    headers = ["state", "n", "p50", "p95", "max", "p50 - L", "p95 - L", "LLM calls/q"]
    print(table(headers, latency_rows(run, latency)))
    warm = [s for s in run.samples if s.state == "warm"]
    if warm:
        client = median([s.llm_seconds - latency for s in warm])
        rest = median([s.seconds - s.llm_seconds for s in warm])
        print(
            f"warm overhead, median: LLM client beyond L {ms(client)} ms; meta + answer-cache "
            f"miss + index read + retrieval + prompt + cache write {ms(rest)} ms"
        )
    if run.index_reads:
        print(
            f"index read by a process that has not seen the paper (Redis GET + "
            f"BM25Index.from_dict), timed apart: median {ms(median(run.index_reads))} ms; "
            f"warm questions use the copy kept in memory"
        )
    print("Each question is timed as the /ask handler calls the core: papers.meta + QAService.ask;")
    print("repeated = the same question again after all of that paper's questions; the fake LLM's")
    print("call count was checked not to grow on any of them. Cold has one sample per paper, so")
    print("its p95 is its max.")


def print_cold(run: Run) -> None:
    """Section 2: the split of each paper's first question."""
    heading("2. Cold question, split by stage (ms)")
    rows = []
    for c in run.colds:
        rows.append(
            [
                c.paper,
                f"{c.downloaded / 1024:.0f}",
                str(c.chunks),
                ms(c.meta),
                ms(c.download),
                ms(c.rest),
                ms(c.llm),
                ms(c.total),
            ]
        )
    headers = ["paper", "KB", "chunks", "meta", "download", "extract+index", "LLM", "total"]
    print(table(headers, rows))
    print(
        "meta = papers.meta (arXiv API lookup); download = Fetcher.get (the HTML 404, then the\n"
        "PDF); extract+index = the rest: PDF text in the capped child process, sections, chunks,\n"
        "BM25 build, Redis writes, retrieval, prompt; LLM = generate_json including L."
    )


@dataclass
class Sizes:
    """Characters of one answer call's parts."""

    system: int
    prompt: int
    passages: int
    count: int
    schema: int

    @property
    def total(self) -> int:
        """Everything sent: system instruction, user prompt and response schema."""
        return self.system + self.prompt + self.schema


def sizes(request: Recorded) -> Sizes:
    """What one generateContent request carried."""
    body = request.body or {}
    prompt = FakeGemini.prompt_text(body)
    config = body.get("generationConfig") or {}
    schema = config.get("responseJsonSchema") or config.get("responseSchema") or {}
    found = passages_in(prompt)
    schema_chars = len(json.dumps(schema, separators=(",", ":"))) if schema else 0
    passage_chars = sum(len(text) for _, text in found)
    return Sizes(
        len(FakeGemini.system_text(body)), len(prompt), passage_chars, len(found), schema_chars
    )


def print_tokens(run: Run) -> None:
    """Section 3: what each answer call sent, from the requests FakeGemini recorded."""
    heading(
        f"3. Tokens sent per answer ({len(run.requests)} generateContent requests; "
        "tokens ~ chars / 4)"
    )
    all_sizes = [sizes(r) for r in run.requests]
    if not all_sizes:
        print("no answer calls were made")
        return
    rows = []
    for label, values in (
        ("system instruction", [s.system for s in all_sizes]),
        ("user prompt", [s.prompt for s in all_sizes]),
        ("  of which passage text", [s.passages for s in all_sizes]),
        ("response schema", [s.schema for s in all_sizes]),
        ("total sent", [s.total for s in all_sizes]),
    ):
        mean = sum(values) / len(values)
        rows.append(
            [label, f"{mean:.0f}", str(max(values)), f"{mean / 4:.0f}", str(max(values) // 4)]
        )
    print(table(["part", "mean ch", "max ch", "mean ~tok", "max ~tok"], rows))
    passages = [s.count for s in all_sizes]
    print(
        f"passages per answer: mean {sum(passages) / len(passages):.1f}, max {max(passages)} "
        f"(TOP_K {TOP_K}, budget {PASSAGE_BUDGET} chars of passage text)"
    )
    prompt_tokens = [s.prompt // 4 for s in all_sizes]
    print(
        f"FakeGemini's promptTokenCount (user prompt / 4): mean "
        f"{sum(prompt_tokens) / len(prompt_tokens):.0f}"
    )


def print_key_figures(run: Run, latency: float) -> None:
    """The lines bench/report.py reads."""
    heading("Key figures")
    print(f"LLM latency L {latency * 1000:.0f} ms")
    for state in STATES:
        secs = [s.seconds for s in run.samples if s.state == state]
        if secs:
            p50, p95 = percentile(secs, 50), percentile(secs, 95)
            line = f"answer latency {state} p50 {ms(p50)} ms p95 {ms(p95)} ms n {len(secs)}"
            if state in CALLS_LLM:
                line += f" overhead p50 {ms(p50 - latency)} ms"
            print(line)
    totals = [sizes(r).total for r in run.requests]
    if totals:
        mean = sum(totals) / len(totals)
        print(
            f"tokens sent per answer mean {mean / 4:.0f} max {max(totals) // 4} "
            f"(chars mean {mean:.0f} max {max(totals)})"
        )
    asked = [s for s in run.samples if s.state in CALLS_LLM]
    if asked:
        print(
            f"LLM calls per new question {sum(s.llm_calls for s in asked) / len(asked):.2f}; "
            "per repeated question 0"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--llm-latency", type=float, default=1.0, help="fake LLM seconds per call")
    parser.add_argument("--questions", type=int, default=None, help="at most N per paper")
    parser.add_argument("--fixtures", type=Path, default=FIXTURE_PDFS, help="folder of arXiv PDFs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Ask every question in its three states and print the figures."""
    args = parse_args(argv)
    exit_on_sigterm()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    names, by_paper = load_questions(args.questions)
    pdfs = [p for p in fixture_pdfs(args.fixtures) if by_paper.get(p.label)]
    if not pdfs:
        print(f"skipped: no fixture PDFs with questions in {args.fixtures}")
        return 0
    missing = sorted(set(names) - {p.label for p in pdfs})
    print("paperbot benchmark: /ask answers")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print("arXiv pacing delay: 0 s in this bench (production default 3 s between requests)")
    print(
        f"LLM: local FakeGemini, fixed latency {args.llm_latency * 1000:.0f} ms per call; "
        "retrieval: BM25 (no embedding model configured)"
    )
    asked = sum(len(by_paper[p.label]) for p in pdfs)
    print(
        f"papers: {', '.join(f'{p.label} ({names[p.label]})' for p in pdfs)}; "
        f"{asked} questions, asked one at a time"
    )
    if missing:
        print(f"note: skipped {', '.join(missing)} (no PDF in --fixtures, or no questions)")
    tune_fake_servers()
    run = asyncio.run(measure(args, pdfs, by_paper))
    print_latency(run, args.llm_latency)
    print_cold(run)
    print_tokens(run)
    if run.unanswered:
        print(f"note: {run.unanswered} answer(s) were not grounded (see the fake's answer_model)")
    print_key_figures(run, args.llm_latency)
    print(f"\ndone in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
