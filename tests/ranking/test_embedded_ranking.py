"""Ranking on the provider's embeddings (PAPERBOT_EMBEDDING_MODEL): each paper version embedded
once for every chat and across restarts, the description once, TF-IDF when the model fails."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.paperkit import settings_for

from bot.app import Core, build_core
from bot.chat.contract import ChatRef
from bot.infra.settings import Settings
from bot.papers.models import PaperId, PaperMeta
from bot.ranking.ranker import DEFAULT_THRESHOLD, EMBEDDED_THRESHOLD, Candidate, Ranker

ABOUT = "audio-driven talking head video generation"
ON_TOPIC = [
    Candidate(
        f"2411.0000{i}v1",
        f"Audio-driven talking head video generation {name}",
        "We generate talking head video from audio with lip sync and head motion.",
    )
    for i, name in enumerate(("with diffusion", "in real time", "for dubbing"), start=1)
]
OFF_TOPIC = [
    Candidate(
        f"2411.001{i:02d}v1",
        f"{topic} at scale",
        f"We study {topic.lower()} on standard benchmarks and report strong results.",
    )
    for i, topic in enumerate(
        (
            "Graph neural networks for molecules",
            "Sparse attention for long documents",
            "Reinforcement learning for robot grasping",
            "Quantum error correction codes",
            "Federated learning under privacy",
            "Protein structure prediction",
            "Speech recognition for low-resource languages",
            "Weather forecasting with transformers",
            "Compiler autotuning",
        )
    )
]
GESTURES = [
    Candidate(
        f"2411.0020{i}v1",
        f"Audio-driven gesture video generation {name}",
        "We generate co-speech gesture video from audio with full-body motion.",
    )
    for i, name in enumerate(("with diffusion", "in real time"), start=1)
]
MORE = [  # the rest of a usual day: a ranking measures what stands out against 20 or more
    Candidate(
        f"2411.002{i:02d}v1",
        f"{topic} revisited",
        f"We revisit {topic.lower()} with a simple baseline.",
    )
    for i, topic in enumerate(
        (
            "Tabular data",
            "Point clouds",
            "Code generation",
            "Time series",
            "Causal discovery",
            "Optical flow",
            "Neural compression",
            "Active learning",
            "Graph matching",
        )
    )
]
DAY = ON_TOPIC + OFF_TOPIC + MORE


def embedded_settings(arxiv: FakeArxiv, redis_url: str, gemini: FakeGemini) -> Settings:
    return settings_for(
        arxiv, redis_url, gemini, embedding_model="gemini-embedding-001", embedding_dimensions=256
    )


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_client: object, redis_url: str
) -> AsyncIterator[Core]:
    built = await build_core(embedded_settings(arxiv, redis_url, gemini))
    yield built
    await built.aclose()


def ranker_of(core: Core) -> Ranker:
    ranker = core.discovery.ranker
    assert ranker is not None
    return ranker


async def rank(ranker: Ranker, chat: str) -> tuple[list[str], bool, float]:
    ranked = await ranker.rank(ChatRef("test", chat), DAY, about=ABOUT, query=None, language="en")
    return ranked.kept, ranked.embedded, ranked.threshold


async def test_papers_are_embedded_once_for_every_chat_and_across_restarts(
    core: Core, gemini: FakeGemini, arxiv: FakeArxiv, redis_url: str
) -> None:
    for chat in ("a", "b", "c"):
        kept, embedded, threshold = await rank(ranker_of(core), chat)
        assert embedded and threshold == EMBEDDED_THRESHOLD
        assert set(kept[:3]) == {c.paper for c in ON_TOPIC}
        assert not set(kept) & {c.paper for c in OFF_TOPIC[:6]}  # nothing like it posted
    texts = gemini.embedded_texts
    assert len(texts) == len(DAY) + 1  # every paper once, the description once
    assert sum(kind == "RETRIEVAL_QUERY" for kind, _ in texts) == 1
    restarted = await build_core(embedded_settings(arxiv, redis_url, gemini))
    try:
        kept, embedded, _ = await rank(ranker_of(restarted), "d")
    finally:
        await restarted.aclose()
    assert embedded and set(kept[:3]) == {c.paper for c in ON_TOPIC}
    assert len(gemini.embedded_texts) == len(texts)  # all of it came from Redis


async def test_a_failing_embedding_model_falls_back_to_tfidf(
    core: Core, gemini: FakeGemini
) -> None:
    gemini.reply_embed_error(400, "API key not valid for embeddings")
    kept, embedded, threshold = await rank(ranker_of(core), "a")
    assert not embedded and threshold == DEFAULT_THRESHOLD
    assert set(kept[:3]) == {c.paper for c in ON_TOPIC}  # still the right papers, by TF-IDF
    kept, embedded, _ = await rank(ranker_of(core), "a")
    assert embedded  # the next ranking tries the model again


async def test_without_an_embedding_model_the_ranking_is_offline(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_client: object, redis_url: str
) -> None:
    plain = await build_core(settings_for(arxiv, redis_url, gemini))
    try:
        kept, embedded, threshold = await rank(ranker_of(plain), "a")
    finally:
        await plain.aclose()
    assert not embedded and threshold == DEFAULT_THRESHOLD and gemini.embedded_texts == []
    assert set(kept[:3]) == {c.paper for c in ON_TOPIC}


def meta_of(candidate: Candidate) -> PaperMeta:
    base, _, version = candidate.paper.rpartition("v")
    when = datetime(2024, 11, 25, tzinfo=UTC)
    return PaperMeta(
        id=PaperId(base=base, version=int(version)),
        title=candidate.title,
        authors=("A. Author",),
        abstract=candidate.abstract,
        primary_category="cs.CV",
        published=when,
        updated=when,
    )


CONCEPTS = (
    {"talking", "head", "heads", "face", "lip"},
    {"audio", "driven", "speech", "co"},
    {"video", "generation", "generate"},
    {"gesture", "body", "full", "motion"},
)
FIELDS = [f"field{n}" for n in range(40)]  # a busy day's other topics, one axis each


def concept_embedding(text: str, dimensions: int = 64) -> list[float]:
    """A stand-in model with one axis per concept and per other field, so meaning is explicit."""
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    vector = [float(len(words & concept)) for concept in CONCEPTS]
    vector += [float(field in words) for field in FIELDS] + [0.05]
    return (vector + [0.0] * dimensions)[:dimensions]


async def test_with_embeddings_a_paper_like_the_disliked_one_stops_appearing(
    core: Core, gemini: FakeGemini
) -> None:
    gemini.embedder = concept_embedding
    ranker, chat = ranker_of(core), ChatRef("test", "lab")
    others = [
        Candidate(f"2411.1{n:04d}v1", f"Advances in {f}", f"We study {f} and report results.")
        for n, f in enumerate(FIELDS)
    ]
    day = ON_TOPIC + GESTURES + others

    async def kept() -> list[str]:
        ranked = await ranker.rank(chat, day, about=ABOUT, query=None, language="en")
        assert ranked.embedded
        return ranked.kept

    before = await kept()
    assert {g.paper for g in GESTURES} <= set(before)  # the description alone lets them in
    await ranker.feedback.rate(chat, "reader", meta_of(GESTURES[0]), -1)
    after = await kept()
    assert not {g.paper for g in GESTURES} & set(after)  # the other gesture paper too
    assert {c.paper for c in ON_TOPIC} <= set(after)  # the talking heads stay


async def test_a_small_pool_is_measured_against_the_day(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str
) -> None:
    """A keyword-filtered handful cannot say what stands out: it is scored against the day's
    usual pool once one was ranked, and on TF-IDF before that (never an empty digest)."""
    few = [*ON_TOPIC[:2], OFF_TOPIC[0]]
    fresh = await build_core(embedded_settings(arxiv, redis_url, gemini))
    try:
        alone = await ranker_of(fresh).rank(
            ChatRef("test", "a"), few, about=ABOUT, query=None, language="en"
        )
    finally:
        await fresh.aclose()
    assert not alone.embedded and set(alone.kept) == {c.paper for c in ON_TOPIC[:2]}
    ranker = ranker_of(core)
    await rank(ranker, "a")  # the day's usual pool, for another subscription
    small = await ranker.rank(ChatRef("test", "b"), few, about=ABOUT, query=None, language="en")
    assert small.embedded and set(small.kept) == {c.paper for c in ON_TOPIC[:2]}
