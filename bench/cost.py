"""Benchmark tokens and estimated cost per paper: paperbot's one call against ChatPaper's three.

Usage::

    .venv/bin/python bench/cost.py [--fixtures DIR]

The papers are bench/summarize.py's (``_cases.summarize_cases``), extracted by the real core
(``papers.meta`` + ``papers.full_text``) from a local FakeArxiv and a redis-server of its own.
paperbot's prompt is built exactly as ``LLMSummarizer.summarize`` builds it; ChatPaper's are
rebuilt by ``_chatpaper`` (what is reproduced and what approximated is in its docstring).
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
from dataclasses import dataclass

from _cases import fixture_pdfs, summarize_cases
from _chatpaper import three_calls
from _setup import FIXTURE_PDFS, exit_on_sigterm, heading, redis_server, table
from support.fakes.arxiv_server import FakeArxiv
from support.paperkit import settings_for

from bot.app import build_core
from bot.infra.metrics import cost_usd
from bot.llm.prompts import LANGUAGE_NAMES, fill, load
from bot.papers.models import Analysis, FullText, PaperId, PaperMeta
from bot.summaries.summarizer import CHARS_PER_TOKEN, build_excerpt

MODELS = ("gemini-2.5-flash", "gpt-4o-mini")
# A realistic English Analysis, in characters per field: what summary_user.md asks for (one
# sentence, 5-9 bullets, 3-8 steps, a few sentences per ChatPaper item), filled with the paper's
# own words so the characters-per-token are those of the paper.
TEXT_FIELDS = {
    "summary": 95,
    "affiliation": 45,
    "background": 400,
    "past_methods": 450,
    "method": 500,
    "performance": 450,
    "significance": 300,
    "innovation": 250,
    "performance_assessment": 300,
    "workload": 200,
}
LIST_FIELDS = {"takeaways": (7, 120), "keywords": (5, 18), "method_steps": (5, 140)}


@dataclass(frozen=True, slots=True)
class PaperCost:
    """Tokens in and out of both approaches for one paper."""

    label: str
    ours_in: int
    ours_out: int
    theirs_in: int
    theirs_out: int
    theirs_calls: int

    def ours(self, model: str) -> float:
        """paperbot's estimated dollars on ``model``."""
        return cost_usd(model, self.ours_in, self.ours_out)

    def theirs(self, model: str) -> float:
        """ChatPaper's estimated dollars on ``model``."""
        return cost_usd(model, self.theirs_in, self.theirs_out)


def realistic_analysis(text: FullText, meta: PaperMeta) -> Analysis:
    """An Analysis with the field lengths a real answer has, cut from the paper's own words."""
    words = " ".join(f"{meta.abstract} {' '.join(s.text for s in text.sections)}".split())
    words = (words + " ") * (1 + 6000 // max(1, len(words)))
    cursor = 0

    def take(chars: int) -> str:
        nonlocal cursor
        piece = words[cursor : cursor + chars].rsplit(" ", 1)[0]
        cursor += chars
        return piece.strip()

    values: dict[str, object] = {k: take(n) for k, n in TEXT_FIELDS.items()}
    values |= {k: [take(n) for _ in range(count)] for k, (count, n) in LIST_FIELDS.items()}
    return Analysis.model_validate({**values, "title_translation": ""})


def paperbot_tokens(meta: PaperMeta, text: FullText, analysis: Analysis) -> tuple[int, int]:
    """(in, out) of paperbot's one call: system + user prompt + response schema, and the JSON."""
    prompts, language = load("summary"), LANGUAGE_NAMES["en"]
    system = fill(prompts.system, language_name=language)
    prompt = fill(
        prompts.user,
        language_name=language,
        title=meta.title,
        authors=", ".join(meta.authors),
        comment=meta.comment or "none",
        excerpt=build_excerpt(meta, text),
    )
    schema = json.dumps(Analysis.model_json_schema(), separators=(",", ":"))
    sent = len(system) + len(prompt) + len(schema)
    return sent // CHARS_PER_TOKEN, len(analysis.model_dump_json()) // CHARS_PER_TOKEN


async def measure(fixtures: Path = FIXTURE_PDFS) -> list[PaperCost]:
    """Extract every case with the real core, then count both approaches' tokens."""
    cases = summarize_cases(fixture_pdfs(fixtures))
    rows = []
    with redis_server() as url, FakeArxiv() as arxiv:
        for case in cases:
            arxiv.add(case.paper)
        core = await build_core(settings_for(arxiv, url))
        try:
            for case in cases:
                meta = await core.papers.meta(PaperId(base=case.paper.base))
                text = await core.papers.full_text(meta)
                analysis = realistic_analysis(text, meta)
                ours_in, ours_out = paperbot_tokens(meta, text, analysis)
                calls = three_calls(meta, text, analysis)
                rows.append(
                    PaperCost(
                        case.label,
                        ours_in,
                        ours_out,
                        sum(c.tokens_in for c in calls),
                        sum(c.tokens_out for c in calls),
                        len(calls),
                    )
                )
        finally:
            await core.aclose()
    return rows


def _money(value: float) -> str:
    return f"{value * 1000:.2f}"


def print_costs(rows: list[PaperCost]) -> None:
    """The per-paper table and the mean."""
    heading("Tokens and estimated cost per paper (tokens ~ chars / 4; $ per 1,000 papers)")
    out = []
    for r in rows:
        cp = f"{r.theirs_in} / {r.theirs_out} ({r.theirs_calls} calls)"
        out.append(
            [r.label, f"{r.ours_in} / {r.ours_out}", cp]
            + [f"{_money(r.ours(m))} vs {_money(r.theirs(m))}" for m in MODELS]
            + [f"{r.theirs(MODELS[0]) / r.ours(MODELS[0]):.2f}"]
        )
    headers = ["paper", "paperbot in/out", "ChatPaper in/out"]
    headers += [f"$/1k {m} (ours vs CP)" for m in MODELS] + ["CP/ours $ (flash)"]
    print(table(headers, out))
    n = len(rows)
    mean = {
        m: (sum(r.ours(m) for r in rows) / n, sum(r.theirs(m) for r in rows) / n) for m in MODELS
    }
    for m, (ours, theirs) in mean.items():
        print(
            f"mean per paper on {m}: paperbot ${ours:.5f}, ChatPaper ${theirs:.5f} "
            f"(ChatPaper/paperbot {theirs / ours:.2f})"
        )
    print(
        "paperbot: one call; in = system + user prompt (build_excerpt, 12k-token budget) + the\n"
        "response schema; out = a realistic English Analysis JSON (about 5,300 characters; see\n"
        "TEXT_FIELDS), not counting gemini-2.5-flash's thinking tokens (billed as output; no\n"
        "thinking budget is set by default). ChatPaper: three calls of at most 4,096 tokens each,\n"
        "the later ones re-reading the earlier answers; same content in its numbered format;\n"
        "see bench/_chatpaper.py for what is reproduced and what approximated."
    )


def main(argv: list[str] | None = None) -> int:
    """Measure and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fixtures", type=Path, default=FIXTURE_PDFS, help="folder of arXiv PDFs")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print("paperbot benchmark: tokens and cost per paper against ChatPaper's three calls")
    if not fixture_pdfs(args.fixtures):
        print(f"note: no fixture PDFs in {args.fixtures}; skipped them.")
    print_costs(asyncio.run(measure(args.fixtures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
