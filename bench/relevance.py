"""Relevance of a subscription's digest on the shared days: keywords, a description, and taps.

Usage (from the repository root)::

    .venv/bin/python bench/relevance.py

On the shared relevance days (``../shared/relevance``: papers.jsonl, days.json, judged.jsonl) for
the topic "Talking Head Generation": precision@5, precision@10 and recall of the judged-true papers
among the papers a digest posts (above the threshold, at most 10; missing places count as misses),
the mean over days, for the keyword query alone, the description alone, and after 5, 10 and 20
simulated taps (the reader taps 👍/👎 on posted cards per the judgements, day after day, through
the real FeedbackStore; the model is refit each day). Then the time to rank a 500-paper day for
100 subscriptions, and the Redis memory of a chat's feedback. Skips (exit 0) without the data.
"""

from __future__ import annotations

# ruff: noqa: E402 (the paths must be set before bot and the bench helpers are imported)
import asyncio
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "bench"), str(_ROOT), str(_ROOT / "tests")]

import redis.asyncio as aioredis
from _setup import exit_on_sigterm, heading, redis_server, table
from support.relevance import DESCRIPTION, KEYWORDS, RELEVANCE, Days, load_days

from bot.chat.contract import ChatRef
from bot.digests.topic_query import parse_query
from bot.papers.models import PaperId, PaperMeta
from bot.ranking.feedback import FeedbackStore
from bot.ranking.ranker import DEFAULT_THRESHOLD, Candidate, Ranker

CAP = 10
TAPS = (5, 10, 20)
Row = tuple[float, float, float, int]  # p@5, p@10, recall, posted


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
    return sum(hits[:5]) / 5, sum(hits[:10]) / 10, recall, len(posted)


def _mean(rows: list[Row]) -> list[str]:
    return [f"{sum(r[k] for r in rows) / len(rows):.2f}" for k in range(4)]


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
        for paper in posted:
            if left <= 0:
                break
            vote = 1 if paper in days.relevant else -1
            await ranker.feedback.rate(chat, "reader", _meta(days, paper), vote)
            left -= 1
    return rows


async def speed(days: Days, ranker: Ranker, subscriptions: int = 100, size: int = 500) -> str:
    """Rank a ``size``-paper day for ``subscriptions`` subscriptions, each with 10 ratings."""
    rng = random.Random(12)
    everything = list(days.papers)
    pool = [
        Candidate(f"{p}-{n}", days.papers[p]["title"], days.papers[p]["abstract"])
        for n, p in enumerate((everything * 2)[:size])
    ]
    chats = [ChatRef("bench", f"speed{n}") for n in range(subscriptions)]
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
    return (
        f"ranking a {size}-paper day for {subscriptions} subscriptions: {total:.2f} s "
        f"(TF-IDF pool {fitted * 1000:.0f} ms once, {(total - fitted) / subscriptions * 1000:.1f} "
        "ms per subscription with 10 ratings)"
    )


async def run(url: str) -> None:
    """Every section, against the redis-server at ``url``."""
    days = load_days()
    client = aioredis.Redis.from_url(url)
    store = FeedbackStore(client, "bench:")
    ranker = Ranker(store)
    heading(f"Relevance on {len(days.days)} shared days (threshold {DEFAULT_THRESHOLD}, cap {CAP})")
    rows = [["keywords only", *_mean(keywords_only(days))]]
    for taps in (0, *TAPS):
        chat = ChatRef("bench", f"taps{taps}")
        found = await with_taps(days, ranker, chat, taps)
        name = "description only" if taps == 0 else f"after {taps} taps"
        rows.append([name, *_mean(found)])
    print(table(["ranking", "P@5", "P@10", "recall", "posted/day"], rows))
    heading("Speed")
    print(await speed(days, ranker))
    heading("Redis memory")
    chat = ChatRef("bench", "taps20")
    names = [f"bench:feedback:{chat.key()}:votes", f"bench:feedback:{chat.key()}:papers"]
    used = [int(await client.memory_usage(n) or 0) for n in names]
    votes = await store.count(chat)
    print(
        f"feedback of one chat with {votes} votes: {sum(used)} bytes (votes {used[0]}, paper "
        f"texts {used[1]}); the model is refit from them each day, nothing else is stored"
    )
    await client.aclose()


def main() -> int:
    """Print the tables (or one line when the shared data is absent)."""
    exit_on_sigterm()
    if not (RELEVANCE / "days.json").is_file():
        print(f"skipped: {RELEVANCE} is absent")
        return 0
    with redis_server() as url:
        asyncio.run(run(url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
