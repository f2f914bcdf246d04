"""On the shared relevance days: a description beats keywords, taps make it better, and a paper like
the disliked ones stops appearing (real Redis, real arXiv client against the fake arXiv)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
import redis.asyncio as aioredis
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.paperkit import settings_for
from support.relevance import DESCRIPTION, KEYWORDS, Days, load_days, precision

from bot.app import Core, build_core
from bot.chat.contract import ChatRef
from bot.digests.subscriptions import Subscription
from bot.digests.topic_query import parse_query
from bot.papers.models import PaperId, PaperMeta
from bot.ranking.feedback import FeedbackStore
from bot.ranking.ranker import Candidate, Ranker

CHAT = ChatRef("test", "lab")


def meta(days: Days, versioned: str) -> PaperMeta:
    p = days.papers[versioned]
    base, _, version = versioned.rpartition("v")
    return PaperMeta(
        id=PaperId(base=base, version=int(version)),
        title=p["title"],
        authors=tuple(p["authors"]),
        abstract=p["abstract"],
        primary_category="cs.CV",
        published=datetime(2024, 1, 1, tzinfo=UTC),
        updated=datetime(2024, 1, 1, tzinfo=UTC),
    )


def candidates(days: Days, ids: list[str]) -> list[Candidate]:
    return [Candidate(i, days.papers[i]["title"], days.papers[i]["abstract"]) for i in ids]


@pytest.fixture
def days() -> Days:
    return load_days()


@pytest.fixture
async def core(days: Days, redis_url: str, redis_client: aioredis.Redis) -> AsyncIterator[Core]:
    """The real core, with the fake arXiv announcing the largest shared day in cs.CV."""
    _, ids = max(days.days, key=lambda d: len(d[1]))
    with FakeArxiv() as arxiv:
        announced = []
        for versioned in ids:
            p = days.papers[versioned]
            base, _, version = versioned.rpartition("v")
            announced.append(
                (
                    arxiv.add(
                        FakePaper(
                            base,
                            int(version),
                            title=p["title"],
                            abstract=p["abstract"],
                            authors=tuple(p["authors"]),
                        )
                    ),
                    "new",
                )
            )
        arxiv.announce("cs.CV", date(2024, 1, 24), announced)
        built = await build_core(settings_for(arxiv, redis_url, user_rate_limit=0))
        yield built
        await built.aclose()


async def test_a_description_alone_beats_the_keyword_query(core: Core, days: Days) -> None:
    by_about = Subscription(
        id="about1", platform="test", chat_id="a", categories=("cs.CV",), about=DESCRIPTION
    )
    by_words = Subscription(
        id="words1", platform="test", chat_id="b", categories=("cs.CV",), query=KEYWORDS
    )
    described = await core.discovery.find(by_about)
    worded = await core.discovery.find(by_words)
    about_ids = [str(p.id) for p in described.papers]
    word_ids = [str(p.id) for p in worded.papers]
    assert precision(about_ids, days.relevant, 10) > precision(word_ids, days.relevant, 10)
    assert described.threshold is not None and described.below  # the rest is withheld
    assert all(described.scores[str(p.id)] >= described.threshold for p in described.papers)
    assert all(described.scores[str(p.id)] < described.threshold for p in described.below)
    first = str(described.papers[0].id)
    assert described.why[first].startswith("Why: matches your description (0.")
    assert worded.why[word_ids[0]].startswith("Why: matches ")  # the keywords it matched


async def test_taps_on_earlier_days_raise_precision_on_later_ones(
    days: Days, redis_client: aioredis.Redis
) -> None:
    # With embeddings this is measured by bench/relevance.py (a real model's vectors); the
    # fake Gemini's hashed bag of words is too crude a stand-in for precision (see
    # tests/ranking/test_embedded_ranking.py for what a dislike does there).
    store = FeedbackStore(redis_client, "t:")
    ranker = Ranker(store)

    async def posted(ids: list[str]) -> list[str]:
        ranked = await ranker.rank(
            CHAT, candidates(days, ids), about=DESCRIPTION, query=None, language="en"
        )
        return ranked.kept[:10]

    early, late = days.days[:3], days.days[3:]
    before = [await posted(ids) for _, ids in late]
    for _, ids in early:  # the reader taps on every posted card, per the judgements
        for paper in await posted(ids):
            vote = 1 if paper in days.relevant else -1
            await store.rate(CHAT, "reader", meta(days, paper), vote)
    assert len(await store.examples(CHAT)) >= 10
    after = [await posted(ids) for _, ids in late]

    def p_at_10(lists: list[list[str]]) -> float:  # empty places count as misses
        return sum(precision(x, days.relevant, 10) for x in lists) / len(lists)

    def found(lists: list[list[str]]) -> int:
        return sum(p in days.relevant for x in lists for p in x)

    assert p_at_10(after) > p_at_10(before)
    assert found(after) > found(before)  # more of the wanted papers reach the chat


async def test_a_paper_like_the_disliked_one_stops_appearing(
    days: Days, redis_client: aioredis.Redis
) -> None:
    store = FeedbackStore(redis_client, "t:")
    ranker = Ranker(store)
    ids = dict(days.days)["2024-10-19"]
    gesture, similar = "2410.09396v1", "2410.13786v1"  # co-speech gesture generation, both
    assert gesture in days.judged_false and similar in days.judged_false

    async def kept() -> list[str]:
        ranked = await ranker.rank(
            CHAT, candidates(days, ids), about=DESCRIPTION, query=None, language="en"
        )
        return ranked.kept

    assert similar in await kept()  # the description alone lets it through
    await store.rate(CHAT, "reader", meta(days, gesture), -1)
    now = await kept()
    assert similar not in now and gesture not in now
    assert [p for p in now if p in days.relevant]  # the talking-head papers stay


async def test_no_feedback_ranks_by_keywords_and_description_alone(
    days: Days, redis_client: aioredis.Redis
) -> None:
    ranker = Ranker(FeedbackStore(redis_client, "t:"))
    _, ids = days.days[0]
    ranked = await ranker.rank(
        CHAT, candidates(days, ids), about=None, query=parse_query(KEYWORDS), language="zh"
    )
    assert ranked.ratings == 0 and not ranked.below  # no description: nothing withheld
    assert precision(ranked.kept, days.relevant, 5) >= 0.8
    assert ranked.why[ranked.kept[0]].startswith("推荐理由：")
