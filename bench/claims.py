"""Benchmark the claim check: planted claims caught, faithful claims kept, time added per summary.

Usage::

    .venv/bin/python bench/claims.py [--fixtures DIR]

Over the fixture PDFs (``../shared/fixtures/pdfs``; without them it says so and exits 0), each
paper's text is read as paperbot reads it (pypdfium2, then sections), and two stand-in models
write an Analysis of it:

- **faithful**: takeaways and performance sentences built from the paper's own sentences that
  state numbers, lightly paraphrased ("we achieve" -> "the authors reach", "outperforms" -> "beats",
  leading connectives dropped), each with an honest quote (the sentence's opening words, copied);
- **planting**: the faithful Analysis with, in turn, a number changed to one the paper never
  prints, a name swapped for a dataset or baseline the paper never names, and a quote invented.

Printed: the share of planted claims removed or marked (goal: all), the share of faithful
claims wrongly removed or marked (goal: under 2 %), and the time the check adds per summary
(building the paper's index and checking the Analysis).
"""

# ruff: noqa: E402 (the paths must be set before bot and the test helpers are imported)
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "bench"), str(_ROOT), str(_ROOT / "tests")]

import argparse
import random
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from _cases import PdfFile, fixture_pdfs, pdf_as_paper
from _setup import FIXTURE_PDFS, exit_on_sigterm, heading, median, ms, table

from bot.papers.models import Analysis, FullText, PaperId, PaperMeta
from bot.papers.pdf_text import read_pdf
from bot.papers.sections import first_page_text, split_sections
from bot.summaries.claims import check_claims
from bot.summaries.evidence import PaperText, names_in, numbers_in
from bot.summaries.summarizer import paper_evidence
from bot.summaries.textstats import split_sentences

SEEDS = (7, 8, 9)  # three summaries per paper, from different sentences
TAKEAWAYS = 7
PERFORMANCE = 3
SWAP_NAMES = ("VoxCeleb2", "HDTF", "ImageNet-21K", "SadTalker", "COCO-Stuff", "LibriSpeech")
PARAPHRASE = (
    (r"^(?:However|Moreover|Furthermore|In addition|Additionally|Overall|Finally),\s*", ""),
    (r"\b[Ww]e achieve\b", "the authors reach"),
    (r"\b[Ww]e obtain\b", "the authors get"),
    (r"\b[Ww]e show\b", "the paper shows"),
    (r"\b[Ww]e use\b", "the authors use"),
    (r"\b[Ww]e\b", "the authors"),
    (r"\bour\b", "their"),
    (r"\boutperforms\b", "beats"),
    (r"\bsignificantly\b", "markedly"),
)


@dataclass(frozen=True, slots=True)
class Paper:
    """A fixture paper as paperbot reads it."""

    label: str
    meta: PaperMeta
    text: FullText


@dataclass
class Score:
    """Claims per paper: faithful kept or lost, planted caught or missed, and timings."""

    label: str
    faithful: int = 0
    lost: int = 0
    planted: int = 0
    caught: int = 0
    seconds: float = 0.0


def load(label: str, data: bytes) -> Paper:
    """Read a fixture PDF into metadata and full text (no network, no Redis)."""
    fake = pdf_as_paper(PdfFile(label, data))
    pages = read_pdf(data).pages
    when = datetime(2000, 1, 1, tzinfo=UTC)
    meta = PaperMeta(
        id=PaperId(base=fake.base, version=fake.version),
        title=fake.title,
        authors=("Anonymous",),
        abstract=fake.abstract,
        primary_category="cs.CV",
        published=when,
        updated=when,
    )
    text = FullText(source="pdf", sections=split_sections(pages), first_page=first_page_text(pages))
    return Paper(label, meta, text)


def paraphrase(sentence: str) -> str:
    """A light rewording, as a model would write it: the same facts, a few words changed."""
    for pattern, repl in PARAPHRASE:
        sentence = re.sub(pattern, repl, sentence)
    return sentence[:1].upper() + sentence[1:]


def claim_sentences(paper: Paper, evidence: PaperText) -> list[str]:
    """The paper's sentences a model would build claims from: they state numbers or names."""
    kinds = ("experiments", "conclusion", "method", "abstract", "introduction", "other")
    found = []
    for kind in kinds:
        body = paper.meta.abstract if kind == "abstract" else paper.text.text_of(kind)
        for sentence in split_sentences(body):
            words = sentence.split()
            if not 8 <= len(words) <= 40 or not numbers_in(sentence):
                continue
            if not evidence.has_quote(" ".join(words[:12])):  # text the reader would not have
                continue
            found.append(sentence)
    return list(dict.fromkeys(found))


def faithful(paper: Paper, evidence: PaperText, rng: random.Random) -> tuple[Analysis, int]:
    """A realistic faithful Analysis and how many claims it makes (takeaways + performance)."""
    pool = claim_sentences(paper, evidence)
    rng.shuffle(pool)
    chosen = pool[: TAKEAWAYS + PERFORMANCE]
    takeaways = [paraphrase(s) for s in chosen[:TAKEAWAYS]]
    quotes = [" ".join(s.split()[:14]) for s in chosen[:TAKEAWAYS]]
    performance = [paraphrase(s) for s in chosen[TAKEAWAYS:]]
    analysis = Analysis(
        summary="A paper summarized from its own sentences.",
        takeaways=takeaways,
        takeaway_quotes=quotes,
        title_translation="",
        affiliation="not stated",
        keywords=["paper"],
        background="not stated",
        past_methods="not stated",
        method="not stated",
        performance=" ".join(performance) or "not stated",
        performance_quotes=[" ".join(s.split()[:14]) for s in chosen[TAKEAWAYS:]],
        method_steps=["not stated"],
        significance="not stated",
        innovation="not stated",
        performance_assessment="not stated",
        workload="not stated",
    )
    return analysis, len(takeaways) + len(performance)


def absent_number(evidence: PaperText, near: Decimal, rng: random.Random) -> str:
    """A number like ``near`` (same decimals) that the paper never prints."""
    places = max(0, -near.as_tuple().exponent) if isinstance(near.as_tuple().exponent, int) else 1
    for _ in range(200):
        value = near * Decimal(str(round(rng.uniform(1.13, 1.61), 2))) + Decimal(11)
        value = value.quantize(Decimal(1).scaleb(-max(places, 1)))
        if not evidence.has_number(numbers_in(str(value))[0]):
            return str(value)
    return "987.65"


def plant(
    analysis: Analysis, evidence: PaperText, rng: random.Random
) -> tuple[Analysis, list[str]]:
    """Each takeaway in turn: a foreign number, a swapped name, or an invented quote."""
    takeaways, quotes, planted = list(analysis.takeaways), list(analysis.takeaway_quotes), []
    for i, takeaway in enumerate(takeaways):
        kind = ("number", "name", "quote")[i % 3]
        if kind == "number" and numbers_in(takeaway):
            number = numbers_in(takeaway)[0]
            fake = absent_number(evidence, number.value, rng)
            takeaways[i] = takeaway.replace(number.written.rstrip("%"), fake, 1)
        elif kind == "name":
            name = next(iter(names_in(takeaway)), None)
            swap = next(n for n in SWAP_NAMES if not evidence.has_name(n))
            takeaways[i] = takeaway.replace(name, swap, 1) if name else f"{takeaway} (on {swap})"
        else:
            words = quotes[i].split()
            quotes[i] = " ".join(["Notably,", *words[len(words) // 2 :], *words[: len(words) // 2]])
        planted.append(takeaways[i])
    performance = analysis.performance
    for number in numbers_in(performance)[:1]:
        fake = absent_number(evidence, number.value, rng)
        performance = performance.replace(number.written.rstrip("%"), fake, 1)
        planted.append("performance")
    planted_analysis = analysis.model_copy(
        update={"takeaways": takeaways, "takeaway_quotes": quotes, "performance": performance}
    )
    return planted_analysis, planted


def score(paper: Paper, seed: int = 7) -> Score:
    """Check both stand-ins' Analyses of one paper."""
    rng = random.Random(seed)
    started = time.perf_counter()
    evidence = paper_evidence(paper.meta, paper.text)
    good, claims = faithful(paper, evidence, rng)
    checked = check_claims(good, evidence, "en")
    seconds = time.perf_counter() - started
    result = Score(paper.label, faithful=claims, seconds=seconds)
    assert checked.check is not None
    result.lost = sum(t not in checked.takeaways for t in good.takeaways)
    result.lost += sum(1 for t in checked.takeaways if t.startswith("⚠"))
    before = good.performance
    result.lost += sum(
        1 for s in re.split(r"(?<=[.!?])\s+", before) if s and s not in checked.performance
    )
    bad, planted = plant(good, evidence, rng)
    caught = check_claims(bad, evidence, "en")
    result.planted = len(planted)
    for i, takeaway in enumerate(bad.takeaways):
        survived = takeaway in caught.takeaways and bad.takeaways[i] != good.takeaways[i]
        survived |= (
            takeaway in caught.takeaways and bad.takeaway_quotes[i] != good.takeaway_quotes[i]
        )
        result.caught += not survived
    if "performance" in planted:
        changed = [s for s in re.split(r"(?<=[.!?])\s+", bad.performance) if s not in before]
        result.caught += all(s not in caught.performance for s in changed)
    return result


def merge(runs: list[Score]) -> Score:
    """One paper's runs added up; the time is their median."""
    total = Score(runs[0].label, seconds=median([r.seconds for r in runs]))
    for run in runs:
        total.faithful += run.faithful
        total.lost += run.lost
        total.planted += run.planted
        total.caught += run.caught
    return total


def main(argv: list[str] | None = None) -> int:
    """Score every fixture paper and print the table and the totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fixtures", type=Path, default=FIXTURE_PDFS, help="folder of arXiv PDFs")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    print("paperbot benchmark: claims in summaries checked against the paper's full text")
    pdfs = fixture_pdfs(args.fixtures)
    if not pdfs:
        print(f"note: no fixture PDFs in {args.fixtures}; nothing to measure.")
        return 0
    papers = [load(pdf.label, pdf.data) for pdf in pdfs]
    scores = [merge([score(paper, seed) for seed in SEEDS]) for paper in papers]
    heading("Planted and faithful claims per paper")
    rows = [
        [s.label, f"{s.caught}/{s.planted}", f"{s.lost}/{s.faithful}", ms(s.seconds)]
        for s in scores
    ]
    print(table(["paper", "planted caught", "faithful lost", "check ms"], rows))
    planted, caught = sum(s.planted for s in scores), sum(s.caught for s in scores)
    faithful_total, lost = sum(s.faithful for s in scores), sum(s.lost for s in scores)
    print(
        f"planted claims removed or marked: {caught}/{planted} = {caught / planted:.0%} (goal: all)"
    )
    print(
        f"faithful claims wrongly removed or marked: {lost}/{faithful_total} = "
        f"{lost / faithful_total:.1%} (goal: under 2%)"
    )
    print(
        f"time added per summary (index the paper + check): median "
        f"{ms(median([s.seconds for s in scores]))} ms, max {ms(max(s.seconds for s in scores))} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
