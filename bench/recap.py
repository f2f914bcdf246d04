"""Benchmark the weekly recap's tokens against summarizing the week's papers afresh.

Usage::

    .venv/bin/python bench/recap.py [--papers 20] [--fixtures DIR]

A week of ``--papers`` papers (bench/cost.py's cases, cycled under new ids) is read by the real
core from a local FakeArxiv; each gets a realistic English summary (``cost.realistic_analysis``:
the field lengths of a real answer, cut from the paper's own words) in the summary cache, as a
week of digests would have left it, and a card in the subscription's archive. Then the real
``Recaps.make`` groups the week and makes its one model call to a local FakeGemini, which answers
with theme names and three-sentence overviews of realistic length.

Compared: the recap call's tokens (system + user prompt + response schema in, the JSON out) and
what summarizing the same papers afresh costs, one call each (bench/cost.py's count). Tokens are
characters / 4, as everywhere in bench/.
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
import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from _cases import fixture_pdfs, summarize_cases
from _setup import FIXTURE_PDFS, exit_on_sigterm, heading, redis_server, table
from cost import paperbot_tokens, realistic_analysis
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.paperkit import analysis_for, settings_for

from bot.app import build_core
from bot.digests.archive import DeliveredCard
from bot.digests.recap import RecapWriting
from bot.digests.subscriptions import Subscription
from bot.infra import keys
from bot.infra.metrics import cost_usd
from bot.papers.models import PaperId, PaperSummary
from bot.papers.service import SUMMARY_FORM
from bot.summaries.summarizer import CHARS_PER_TOKEN

FRIDAY = date(2024, 11, 29)
MODEL = "gemini-2.5-flash"
OVERVIEW = (
    "These papers share a method family and evaluate it on the benchmarks their summaries name. "
    "They differ in what they adapt and in how much data and compute they need to do so. "
    "Two of them release code and models, which makes them the easiest to try this week."
)


@dataclass(frozen=True, slots=True)
class Measured:
    """The week's size and both sides' tokens."""

    papers: int
    themes: int
    recap_in: int
    recap_out: int
    afresh_in: int
    afresh_out: int
    seconds: float  # wall time of Recaps.make (clustering + the fake's answer)


def is_recap(body: dict[str, Any]) -> bool:
    """Whether a generateContent request is the recap's (its system prompt says so)."""
    return "weekly recap" in FakeGemini.system_text(body)


def responder(body: dict[str, Any]) -> dict[str, Any]:
    """A realistic recap answer: a name and a three-sentence overview per theme."""
    if not is_recap(body):
        return analysis_for(FakeGemini.system_text(body) + FakeGemini.prompt_text(body))
    prompt = FakeGemini.prompt_text(body)
    count = prompt.count("<theme id=")
    return {
        "themes": [
            {"theme": i, "name": "Adapting pretrained models efficiently", "overview": OVERVIEW}
            for i in range(1, count + 1)
        ]
    }


async def measure(papers: int, fixtures: Path = FIXTURE_PDFS) -> Measured:
    """Leave a week of summaries and cards as digests would, then make its recap once."""
    cases = summarize_cases(fixture_pdfs(fixtures))
    week = [replace(cases[i % len(cases)].paper, base=f"2411.{i + 1:05d}") for i in range(papers)]
    with redis_server() as url, FakeArxiv() as arxiv, FakeGemini(responder=responder) as gemini:
        for paper in week:
            arxiv.add(paper)
        core = await build_core(settings_for(arxiv, url, gemini))
        try:
            sub = Subscription(id="bench1", platform="test", chat_id="lab", categories=("cs.CV",))
            await core.subscriptions.add(sub)
            afresh_in = afresh_out = 0
            service = core.papers
            for index, paper in enumerate(week):
                meta = await service.meta(PaperId(base=paper.base))
                text = await service.full_text(meta)
                analysis = realistic_analysis(text, meta)
                tokens_in, tokens_out = paperbot_tokens(meta, text, analysis)
                afresh_in, afresh_out = afresh_in + tokens_in, afresh_out + tokens_out
                summary = PaperSummary(
                    meta=meta, language="en", analysis=analysis, model_label=MODEL
                )
                key = keys.summary(
                    core.cache.prefix,
                    meta.id.versioned,
                    "en",
                    service.summarizer.model_id,
                    f"{service.prompt_fingerprint}.{SUMMARY_FORM}",
                )
                await core.cache.set_model(key, summary)
                day = date.fromordinal(FRIDAY.toordinal() - 4 + index % 5)
                card = DeliveredCard(paper=str(meta.id), day=day, posted=False)
                await core.scheduler.runner.archive.record_card(sub.id, card)
            recaps = core.scheduler.runner.recaps
            assert recaps is not None
            started = time.perf_counter()
            recap = await recaps.make(sub, FRIDAY)
            seconds = time.perf_counter() - started
            (request,) = [r for r in gemini.generate_requests if is_recap(r.body or {})]
            body = request.body or {}
            schema = json.dumps(RecapWriting.model_json_schema(), separators=(",", ":"))
            sent = len(FakeGemini.system_text(body)) + len(FakeGemini.prompt_text(body))
            answer = json.dumps(responder(body))
        finally:
            await core.aclose()
    return Measured(
        papers=len(recap.papers),
        themes=len(recap.themes),
        recap_in=(sent + len(schema)) // CHARS_PER_TOKEN,
        recap_out=len(answer) // CHARS_PER_TOKEN,
        afresh_in=afresh_in,
        afresh_out=afresh_out,
        seconds=seconds,
    )


def print_measured(m: Measured) -> None:
    """The comparison table."""
    heading(f"Weekly recap of {m.papers} papers ({m.themes} themes) against summarizing afresh")
    recap_cost, afresh_cost = (
        cost_usd(MODEL, m.recap_in, m.recap_out),
        cost_usd(MODEL, m.afresh_in, m.afresh_out),
    )
    rows = [
        ["recap: one call", "1", f"{m.recap_in} / {m.recap_out}", f"{recap_cost:.5f}"],
        [
            "summarizing the week afresh",
            str(m.papers),
            f"{m.afresh_in} / {m.afresh_out}",
            f"{afresh_cost:.5f}",
        ],
    ]
    print(table(["", "calls", "tokens in / out", f"$ ({MODEL})"], rows))
    total = (m.recap_in + m.recap_out) / max(1, m.afresh_in + m.afresh_out)
    print(
        f"recap / afresh: {total:.3f} of the tokens ({m.recap_in / max(1, m.papers):.0f} in per "
        f"paper against {m.afresh_in / max(1, m.papers):.0f}), {recap_cost / afresh_cost:.3f} of "
        f"the cost; Recaps.make took {m.seconds * 1000:.0f} ms (clustering and the local fake)."
    )
    print(
        "The recap reads each paper's title, one-line summary and takeaways from the cache;\n"
        "afresh = paperbot's one summary call per paper on its full-text excerpt (bench/cost.py),\n"
        "thinking tokens not counted on either side."
    )


def main(argv: list[str] | None = None) -> int:
    """Measure and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--papers", type=int, default=20, help="papers in the week")
    parser.add_argument("--fixtures", type=Path, default=FIXTURE_PDFS, help="folder of arXiv PDFs")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print("paperbot benchmark: the weekly recap's tokens against summarizing its papers afresh")
    if not fixture_pdfs(args.fixtures):
        print(f"note: no fixture PDFs in {args.fixtures}; the week cycles the generated papers.")
    print_measured(asyncio.run(measure(args.papers, args.fixtures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
