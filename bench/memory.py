"""Benchmark the bot process's peak memory (RSS) during a 50-paper digest.

Usage::

    .venv/bin/python bench/memory.py [--papers 50] [--llm-latency 0.05] [--fixtures DIR]

This process runs redis-server, FakeArxiv and FakeGemini; a child process
(bench/_memory_child.py) runs only the real core, subscribes one in-memory chat to all papers and
runs one digest (one scheduler tick at Monday 08:00 UTC). The papers cycle through the fixture
PDFs (under new ids, when ../shared/fixtures/pdfs is present), the generated PDF paper and
TalkLoRA-like LaTeXML HTML.
"""

# ruff: noqa: E402 (the paths must be set before bot and the test helpers are imported)
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "bench"), str(_ROOT), str(_ROOT / "tests")]

import argparse
import dataclasses
import json
import logging
import subprocess
from typing import Any

from _cases import fixture_pdfs, pdf_as_paper
from _setup import FIXTURE_PDFS, SlowResponder, exit_on_sigterm, redis_server, table
from digest import SLOT, PagedArxiv
from support.fakes.arxiv_server import FakePaper
from support.fakes.gemini_server import FakeGemini
from support.paperkit import gemini_responder, pdf_paper, talklora

CHILD = Path(__file__).resolve().parent / "_memory_child.py"


def papers_for(count: int, fixtures: Path) -> list[FakePaper]:
    """``count`` cs.CV papers: fixture PDFs (re-numbered), the generated PDF, and HTML in turn."""
    real = [pdf_as_paper(pdf) for pdf in fixture_pdfs(fixtures)]
    generated = pdf_paper()
    kinds = ["real", "generated", "html"] if real else ["generated", "html"]
    out = []
    for i in range(count):
        base, title = f"2411.{20001 + i}", f"Memory paper {i}"
        kind = kinds[i % len(kinds)]
        if kind == "real":
            source = real[(i // len(kinds)) % len(real)]
            out.append(dataclasses.replace(source, base=base, version=1, categories=("cs.CV",)))
        elif kind == "generated":
            out.append(talklora(base, title=title, html=None, pdf=generated, categories=("cs.CV",)))
        else:
            out.append(talklora(base, title=title, categories=("cs.CV",)))
    return out


def measure(
    papers: int = 50, llm_latency: float = 0.05, fixtures: Path = FIXTURE_PDFS
) -> dict[str, Any]:
    """Run the child against local fakes; its figures plus the mix of papers served."""
    served = papers_for(papers, fixtures)
    with (
        redis_server() as url,
        PagedArxiv() as arxiv,
        FakeGemini(SlowResponder(gemini_responder, llm_latency)) as gemini,
    ):
        for paper in served:
            arxiv.add(paper)
        arxiv.announce("cs.CV", SLOT.date(), [(p, "new") for p in served])
        fields = {
            "redis_url": url,
            "arxiv_api_url": arxiv.api_url,
            "arxiv_html_url": arxiv.html_url,
            "arxiv_pdf_url": arxiv.pdf_url,
            "arxiv_rss_url": arxiv.rss_url,
            "arxiv_delay_s": 0.0,
            "arxiv_timeout_s": 30.0,
            "llm_provider": "gemini",
            "llm_model": "gemini-2.5-flash",
            "gemini_base_url": gemini.url,
            "llm_timeout_s": 60.0,
        }
        done = subprocess.run(
            [sys.executable, str(CHILD), json.dumps(fields), str(papers)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"memory child failed:\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        result["llm_calls"] = gemini.calls
    result["papers"] = papers
    result["pdf_papers"] = sum(p.html is None for p in served)
    result["fixture_papers"] = sum(not p.title.startswith("Memory paper") for p in served)
    return result


def print_memory(r: dict[str, Any]) -> None:
    """The figures, in MiB."""
    mib = 1024.0
    growth = r["maxrss_kib"] - r["rss_before_kib"]
    rows = [
        [
            "papers in the digest (PDF / of which fixture PDFs)",
            f"{r['papers']} ({r['pdf_papers']} / {r['fixture_papers']})",
        ],
        ["cards delivered / LLM calls", f"{r['cards']} / {r['llm_calls']}"],
        ["digest wall time (s)", f"{r['wall_s']:.1f}"],
        ["RSS before the digest (MiB)", f"{r['rss_before_kib'] / mib:.1f}"],
        ["peak RSS of the process (ru_maxrss, MiB)", f"{r['maxrss_kib'] / mib:.1f}"],
        ["RSS after the digest (MiB)", f"{r['rss_after_kib'] / mib:.1f}"],
        ["peak - before (MiB)", f"{growth / mib:.1f}"],
        ["  per paper (MiB)", f"{growth / mib / r['papers']:.2f}"],
    ]
    print(table(["bot process", "value"], rows))


def main(argv: list[str] | None = None) -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--papers", type=int, default=50, help="papers in the digest (max 50)")
    parser.add_argument("--llm-latency", type=float, default=0.05, help="fake LLM seconds a call")
    parser.add_argument("--fixtures", type=Path, default=FIXTURE_PDFS, help="folder of arXiv PDFs")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(f"paperbot benchmark: peak memory of the bot process during a {args.papers}-paper digest")
    if not fixture_pdfs(args.fixtures):
        print(f"note: no fixture PDFs in {args.fixtures}; generated papers only.")
    print_memory(measure(args.papers, args.llm_latency, args.fixtures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
