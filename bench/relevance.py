"""Relevance of a subscription's digest on the shared days: keywords, a description, and taps.

Usage (from the repository root)::

    .venv/bin/python bench/relevance.py

On the shared relevance days (``../shared/relevance``: papers.jsonl, days.json, judged.jsonl) for
the topic "Talking Head Generation": precision@5, precision@10 and recall of the judged-true papers
among the papers a digest posts (above the threshold, at most 10; missing places count as misses),
and the share of posted papers that are on topic, for the keyword query alone, the description
alone, and after 5, 10 and 20 simulated taps (day after day the reader taps 👎 on the posted
off-topic cards, then 👍 on good ones, per the judgements, through the real FeedbackStore; the
model is refit each day). Means over the days after the first (the first day's taps can only
show later). Offline (TF-IDF) and with embeddings: all-MiniLM-L6-v2 (bench/_minilm.py) behind a
local OpenAI-compatible server, through the production PaperVectors (needs the packages
bench/_minilm.py names; those rows are skipped without them). Then the time to rank a 500-paper
day for 100 subscriptions (and, with embeddings, how many texts were embedded), and the Redis
memory of a chat's feedback. Skips (exit 0) without the data.
"""

from __future__ import annotations

# ruff: noqa: E402 (the paths must be set before bot and the bench helpers are imported)
import asyncio
import contextlib
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "bench"), str(_ROOT), str(_ROOT / "tests")]

import redis.asyncio as aioredis
from _setup import exit_on_sigterm, heading, redis_server, table
from support.relevance import DESCRIPTION, KEYWORDS, RELEVANCE, Days, load_days

from bot.chat.contract import ChatRef
from bot.digests.topic_query import parse_query
from bot.infra.cache import Cache
from bot.papers.models import PaperId, PaperMeta
from bot.ranking.feedback import FeedbackStore
from bot.ranking.paper_vectors import PaperVectors
from bot.ranking.ranker import Candidate, Ranker

CAP = 10
TAPS = (5, 10, 20)
Row = tuple[float, float, float, float, float]  # p@5, p@10, recall, posted, on-topic share


def _meta(days: Days, versioned: str) -> PaperMeta:
    p = days.papers[versioned]
    base, _, version = versioned.rpartition("v")
    when = datetime(2024, 1, 1, tzinfo=UTC)
    return PaperMeta(
        id=PaperId(base=base, version=int(version)),
        title=p["title"],
        authors=tuple(p["authors"]),
        abstract=p["abstract"],
        primary_category="cs.CV",
        published=when,
        updated=when,
    )


def _candidates(days: Days, ids: list[str]) -> list[Candidate]:
    return [Candidate(i, days.papers[i]["title"], days.papers[i]["abstract"]) for i in ids]


def _measure(days: Days, ids: list[str], posted: list[str]) -> Row:
    relevant = [i for i in ids if i in days.relevant]
    hits = [p in days.relevant for p in posted]
    recall = sum(hits) / len(relevant) if relevant else 1.0
    share = sum(hits) / len(posted) if posted else 0.0
    return sum(hits[:5]) / 5, sum(hits[:10]) / 10, recall, len(posted), share


def _mean(rows: list[Row]) -> list[str]:
    """Means over the days after the first (the first day's taps show from the second on)."""
    later = rows[1:]
    return [f"{sum(r[k] for r in later) / len(later):.2f}" for k in range(5)]


def keywords_only(days: Days) -> list[Row]:
    """Today's behaviour: papers matching the query, most query words first, up to the cap."""
    query = parse_query(KEYWORDS)
    rows = []
    for _, ids in days.days:
        matched = [
            i for i in ids if query.matches(days.papers[i]["title"], days.papers[i]["abstract"])
        ]
        matched.sort(
            key=lambda i: -query.score(days.papers[i]["title"], days.papers[i]["abstract"])
        )
        rows.append(_measure(days, ids, matched[:CAP]))
    return rows


async def with_taps(days: Days, ranker: Ranker, chat: ChatRef, taps: int) -> list[Row]:
    """The description, and the reader tapping on posted cards until ``taps`` are spent."""
    rows, left = [], taps
    for _, ids in days.days:
        ranked = await ranker.rank(
            chat, _candidates(days, ids), about=DESCRIPTION, query=None, language="en"
        )
        posted = ranked.kept[:CAP]
        rows.append(_measure(days, ids, posted))
        off_topic_first = sorted(posted, key=lambda p: p in days.relevant)
        for paper in off_topic_first[: max(left, 0)]:
            vote = 1 if paper in days.relevant else -1
            await ranker.feedback.rate(chat, "reader", _meta(days, paper), vote)
            left -= 1
    return rows


async def speed(
    days: Days, ranker: Ranker, name: str = "speed", subscriptions: int = 100, size: int = 500
) -> str:
    """Rank a ``size``-paper day for ``subscriptions`` subscriptions, each with 10 ratings."""
    rng = random.Random(12)
    everything = list(days.papers)
    pool = [
        Candidate(f"{p}-{n}", days.papers[p]["title"], days.papers[p]["abstract"])
        for n, p in enumerate((everything * 2)[:size])
    ]
    chats = [ChatRef("bench", f"{name}{n}") for n in range(subscriptions)]
    for chat in chats:
        for paper in rng.sample(everything, 10):
            vote = 1 if paper in days.relevant or rng.random() < 0.3 else -1
            await ranker.feedback.rate(chat, "reader", _meta(days, paper), vote)
    started = time.perf_counter()
    await ranker.pool(pool)
    fitted = time.perf_counter() - started
    for chat in chats:
        await ranker.rank(chat, pool, about=DESCRIPTION, query=None, language="en")
    total = time.perf_counter() - started
    embedded = ""
    if ranker.vectors is not None:
        embedded = f"; {ranker.vectors.embedded} texts embedded in all"
    return (
        f"ranking a {size}-paper day for {subscriptions} subscriptions: {total:.2f} s "
        f"(TF-IDF pool {fitted * 1000:.0f} ms once, {(total - fitted) / subscriptions * 1000:.1f} "
        f"ms per subscription with 10 ratings{embedded})"
    )


async def rows_of(days: Days, ranker: Ranker, space: str) -> list[list[str]]:
    """The description alone and after each number of taps, for one ranker."""
    rows = []
    for taps in (0, *TAPS):
        chat = ChatRef("bench", f"{space}taps{taps}")
        found = await with_taps(days, ranker, chat, taps)
        name = "description only" if taps == 0 else f"after {taps} taps"
        rows.append([f"{name}, {space} (threshold {ranker.threshold:.2f})", *_mean(found)])
    return rows


@contextlib.contextmanager
def minilm_server() -> Iterator[Any]:
    """The local embedding server, or None when the model's packages are missing."""
    try:
        from _embedding_server import embedding_server
    except ImportError as exc:
        print(f"embedding rows skipped: {exc}")
        yield None
        return
    with embedding_server() as server:
        yield server


async def run(url: str, server: Any) -> None:
    """Every section, against the redis-server at ``url`` (and the embedding ``server``)."""
    days = load_days()
    client = aioredis.Redis.from_url(url)
    store = FeedbackStore(client, "bench:")
    ranker = Ranker(store)
    embedded: Ranker | None = None
    if server is not None:
        from _minilm import NAME

        from bot.llm.openai_compat import OpenAICompatClient

        vectors = PaperVectors(
            client=OpenAICompatClient(
                api_key=None, model=NAME, base_url=server.url, timeout_s=600.0
            ),
            model=NAME,
            cache=Cache(client, "bench:"),
            ttl_s=3600,
            timeout_s=600.0,
        )
        embedded = Ranker(store, vectors=vectors)
    heading(
        f"Relevance on {len(days.days)} shared days (cap {CAP}; means over days 2-"
        f"{len(days.days)}, after the first day's taps)"
    )
    rows = [["keywords only", *_mean(keywords_only(days))]]
    rows += await rows_of(days, ranker, "offline")
    if embedded is not None:
        rows += await rows_of(days, embedded, "embeddings")
    print(table(["ranking", "P@5", "P@10", "recall", "posted/day", "on topic"], rows))
    heading("Speed")
    print(await speed(days, ranker))
    if embedded is not None:
        assert embedded.vectors is not None
        for n, when in enumerate(("first sight of the day's papers", "again, vectors in Redis")):
            before = embedded.vectors.embedded
            print(f"with embeddings, {when}:")
            print(await speed(days, embedded, f"embedded{n}-"))
            print(f"({embedded.vectors.embedded - before} texts embedded for that day)")
    heading("Redis memory")
    chat = ChatRef("bench", "offlinetaps20")
    names = [f"bench:feedback:{chat.key()}:votes", f"bench:feedback:{chat.key()}:papers"]
    used = [int(await client.memory_usage(n) or 0) for n in names]
    votes = await store.count(chat)
    print(
        f"feedback of one chat with {votes} votes: {sum(used)} bytes (votes {used[0]}, paper "
        f"texts {used[1]}); the model is refit from them each day, nothing else is stored"
    )
    if embedded is not None and embedded.vectors is not None:
        key = embedded.vectors.key(next(iter(days.papers)))
        print(
            f"one paper's embedding, shared by every chat: {await client.memory_usage(key)} bytes"
        )
    await client.aclose()


def main() -> int:
    """Print the tables (or one line when the shared data is absent)."""
    exit_on_sigterm()
    if not (RELEVANCE / "days.json").is_file():
        print(f"skipped: {RELEVANCE} is absent")
        return 0
    with redis_server() as url, minilm_server() as server:
        asyncio.run(run(url, server))
    return 0


if __name__ == "__main__":
    sys.exit(main())
