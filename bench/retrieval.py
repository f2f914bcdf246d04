"""Retrieval recall@k of the BM25 chunk index on reader questions about the shared fixture papers.

Usage (from the repository root)::

    .venv/bin/python bench/retrieval.py            # summary
    .venv/bin/python bench/retrieval.py --misses   # also list the questions missed at k=6

A question is answered at k when one of the k best chunks contains one of its evidence phrases
(bench/retrieval_questions.json); "section@k" only asks that one of them is from the expected
section. Skips (exit 0) when ../shared/fixtures is absent.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.chunks import Chunk, chunk_paper, cite  # noqa: E402
from bot.models import FullText  # noqa: E402
from bot.pdf_text import read_pdf  # noqa: E402
from bot.retrieval import BM25Index  # noqa: E402
from bot.sections import split_sections  # noqa: E402

FIXTURES = ROOT.parent / "shared" / "fixtures"
QUESTIONS = Path(__file__).with_name("retrieval_questions.json")
KS = (1, 3, 6)


@dataclass
class Tally:
    """Hits at each k for a group of questions, and the size of what would be sent."""

    questions: int = 0
    hits: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    section_hits: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    top_chars: int = 0

    def add(self, rank: int | None, section_rank: int | None, chars: int) -> None:
        """Count one question answered at ``rank`` (1-based, None if not in the top 6)."""
        self.questions += 1
        self.top_chars += chars
        for k in KS:
            self.hits[k] += rank is not None and rank <= k
            self.section_hits[k] += section_rank is not None and section_rank <= k

    def line(self, name: str) -> str:
        """One row of the results table."""
        n = max(self.questions, 1)
        recall = "  ".join(f"{self.hits[k] / n:5.2f}" for k in KS)
        section = "  ".join(f"{self.section_hits[k] / n:5.2f}" for k in KS)
        chars = self.top_chars / n
        return f"{name:26} {self.questions:3}  {recall}   {section}   {chars:6.0f} {chars / 4:6.0f}"


def normal(text: str) -> str:
    """Lower case with runs of whitespace as one space, for evidence matching."""
    return " ".join(text.lower().split())


def contains(chunk: Chunk, evidence: list[str]) -> bool:
    """Whether a chunk states the answer (holds one of the evidence phrases)."""
    body = normal(chunk.text)
    return any(normal(e) in body for e in evidence)


def load_paper(pdf: Path) -> tuple[tuple[Chunk, ...], float]:
    """The chunks of one fixture PDF, as the pipeline reads it, and the seconds taken to chunk."""
    text = read_pdf(pdf.read_bytes())
    sections = split_sections(text.pages)
    started = time.perf_counter()
    full = FullText(source="pdf", sections=sections, pages=text.page_count)
    chunks = chunk_paper(full, pages=text.pages)
    return chunks, time.perf_counter() - started


def main(argv: list[str]) -> int:
    """Run the benchmark and print the table; 1 when the question set does not fit the papers."""
    if not (FIXTURES / "pdfs").is_dir():
        print(f"skipped: {FIXTURES} is absent (the shared fixture PDFs are needed)")
        return 0
    data = json.loads(QUESTIONS.read_text(encoding="utf-8"))
    names: dict[str, str] = data["papers"]
    overall, per_paper = Tally(), {paper: Tally() for paper in names}
    misses: list[str] = []
    print(f"{'paper':26} {'n':>3}  {'R@1':>5}  {'R@3':>5}  {'R@6':>5}   {'S@1':>5}  {'S@3':>5}  {'S@6':>5}"
          f"   {'top-6 chars':>13}/tokens")  # fmt: skip
    sizes: list[str] = []
    broken = 0
    for paper, name in names.items():
        chunks, chunk_seconds = load_paper(FIXTURES / "pdfs" / f"{paper}.pdf")
        started = time.perf_counter()
        index = BM25Index.build(chunks)
        build_ms = (time.perf_counter() - started) * 1000
        blob = json.dumps(index.to_dict(), ensure_ascii=False)
        started = time.perf_counter()
        BM25Index.from_dict(json.loads(blob))
        load_ms = (time.perf_counter() - started) * 1000
        sizes.append(
            f"{name:26} {len(chunks):3} chunks, JSON {len(blob) / 1024:5.1f} KiB, "
            f"chunking {chunk_seconds * 1000:4.0f} ms, build {build_ms:4.1f} ms, "
            f"load {load_ms:4.1f} ms"
        )
        query_ms = 0.0
        for q in (q for q in data["questions"] if q["paper"] == paper):
            if not any(contains(c, q["evidence"]) for c in chunks):
                print(f"  BROKEN: no chunk of {paper} holds {q['evidence']!r}")
                broken += 1
                continue
            if not any(c.section == q["section"] for c in chunks):
                print(f"  BROKEN: {paper} has no section {q['section']!r}")
                broken += 1
                continue
            started = time.perf_counter()
            results = index.search(q["question"], k=max(KS))
            query_ms += (time.perf_counter() - started) * 1000
            rank = next(
                (i for i, (c, _) in enumerate(results, 1) if contains(c, q["evidence"])), None
            )
            section_rank = next(
                (i for i, (c, _) in enumerate(results, 1) if c.section == q["section"]), None
            )
            chars = sum(len(c.text) for c, _ in results)
            per_paper[paper].add(rank, section_rank, chars)
            overall.add(rank, section_rank, chars)
            if rank is None:
                got = "; ".join(cite(c) for c, _ in results[:3]) or "nothing"
                misses.append(f"  [{name}] {q['question']}\n      want {q['section']}; got {got}")
        print(per_paper[paper].line(name))
        sizes[-1] += f", {query_ms / max(per_paper[paper].questions, 1):.2f} ms/query"
    print(overall.line("all papers"))
    print("\nR@k: a top-k chunk holds the answer; S@k: a top-k chunk is from the expected section;")
    print(
        "top-6 chars/tokens: average size of the six chunks sent per answer (tokens = chars/4).\n"
    )
    print("\n".join(sizes))
    if "--misses" in argv and misses:
        print("\nmissed at k=6:\n" + "\n".join(misses))
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
