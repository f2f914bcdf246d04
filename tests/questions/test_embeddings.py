"""Questions matched to passages by meaning: provider embeddings, cached, fused with BM25.

The fake providers embed with a stand-in model: ``concept_embedding`` gives words of one concept
the same direction, as a real embedding model does for paraphrases ("fitting a speaker" and
"personalising a subject"), so a question sharing no word with its passage can still find it.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.fakes.gemini_server import FakeGemini
from support.fakes.openai_server import FakeOpenAI
from support.htmlgen import latexml_html
from support.paperkit import analysis_for, passages_in, settings_for

from bot.app import Core, build_core
from bot.chat.contract import ChatRef, Command
from bot.infra.settings import Settings
from bot.papers.models import PaperId

PAPER = "2408.13714"
COMPUTE = "Personalising a new subject takes 9 minutes on a single A100 GPU."
SECTIONS = [
    ("1 Introduction", ["Talking heads must adapt to new speakers quickly."]),
    ("3 Method", ["We insert LoRA adaptors into every attention layer of the decoder."]),
    ("4.2 Ablation", ["Among LoRA ranks 2, 4, 8 and 16, rank 8 works best."]),
    ("6 Compute", [COMPUTE]),
]
# A question sharing no content word with COMPUTE: BM25 cannot find it, meaning can.
PARAPHRASE = "How much hardware does fitting one speaker need?"
CONCEPTS = (
    {"hardware", "gpu", "a100", "minutes", "hours", "compute"},
    {"speaker", "speakers", "subject", "subjects", "person"},
    {"fitting", "personalising", "adapt", "adaptation", "fine"},
    {"lora", "rank", "ranks", "adaptors"},
    {"attention", "decoder", "layer"},
)


def concept_embedding(text: str, dimensions: int = 64) -> list[float]:
    """A stand-in embedding model: one axis per concept, a small constant so none is zero."""
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    vector = [float(len(words & concept)) for concept in CONCEPTS] + [0.05]
    return (vector + [0.0] * dimensions)[:dimensions]


def paper(sections: list[tuple[str, list[str]]] = SECTIONS, arxiv_id: str = PAPER) -> FakePaper:
    html = latexml_html(
        "TalkLoRA",
        [("Jack Saunders", "University of Bath")],
        "We adapt talking heads with LoRA.",
        sections,
    )
    return FakePaper(
        arxiv_id, 1, title="TalkLoRA", abstract="We adapt talking heads with LoRA.", html=html
    )


def model_reply(prompt: str) -> dict[str, Any]:
    """A stand-in model that answers only from a passage stating the compute or the best rank."""
    if "<passage" not in prompt:
        return analysis_for(prompt)
    for pid, text in passages_in(prompt):
        if "9 minutes" in text or "rank 8 works best" in text:
            return {
                "answerable": True,
                "answer": f"The paper says: {text}",
                "citations": [pid],
            }
    return {"answerable": False, "answer": "The passages do not say.", "citations": []}


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.add(paper())
        yield server


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    with FakeGemini(responder=lambda body: model_reply(FakeGemini.prompt_text(body))) as server:
        server.embedder = concept_embedding
        yield server


def with_embeddings(arxiv: FakeArxiv, redis_url: str, gemini: FakeGemini) -> Settings:
    return settings_for(
        arxiv, redis_url, gemini, embedding_model="gemini-embedding-001", embedding_dimensions=768
    )


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: object
) -> AsyncIterator[Core]:
    built = await build_core(with_embeddings(arxiv, redis_url, gemini))
    yield built
    await built.aclose()


def ask(text: str) -> Command:
    """A question from a chat of its own, so no earlier turn makes it a follow-up."""
    return command(f"/ask {text}", chat=ChatRef("test", uuid.uuid4().hex))


def texts(gemini: FakeGemini, task: str) -> list[str]:
    return [text for kind, text in gemini.embedded_texts if kind == task]


async def test_a_question_in_other_words_finds_its_passage_by_meaning(
    core: Core, gemini: FakeGemini, arxiv: FakeArxiv, redis_url: str
) -> None:
    chat = Transcript()
    await core.handle(ask(f"{PAPER} {PARAPHRASE}"), chat)
    assert "9 minutes" in chat.text
    assert chat.posts[0].blocks[0].items == ("§6 Compute",)

    words_only = await build_core(settings_for(arxiv, redis_url, gemini))  # BM25 alone
    try:
        plain = Transcript()
        await words_only.handle(ask(f"{PAPER} {PARAPHRASE}"), plain)
        assert "not" in plain.text.lower() and "9 minutes" not in plain.text
        assert not plain.posts[0].blocks  # a refusal cites nothing
    finally:
        await words_only.aclose()


async def test_exact_terms_are_still_found_by_words(core: Core, gemini: FakeGemini) -> None:
    gemini.embedder = lambda text, dimensions: [1.0] + [0.0] * (dimensions - 1)  # no signal
    chat = Transcript()
    await core.handle(ask(f"{PAPER} which LoRA rank works best?"), chat)
    assert "rank 8 works best" in chat.text and "§4.2 Ablation" in chat.text


async def test_a_paper_is_embedded_once_for_every_question_and_process(
    core: Core, gemini: FakeGemini, arxiv: FakeArxiv, redis_url: str
) -> None:
    await core.handle(ask(f"{PAPER} {PARAPHRASE}"), Transcript())
    await core.handle(ask(f"{PAPER} which LoRA rank works best?"), Transcript())
    passages = texts(gemini, "RETRIEVAL_DOCUMENT")
    assert any(COMPUTE in p for p in passages) and len(passages) == len(set(passages))
    assert len(gemini.embed_requests) == 3  # the paper in one batch, then each question
    assert texts(gemini, "RETRIEVAL_QUERY") == [PARAPHRASE, "which LoRA rank works best?"]
    assert all(r.body["requests"][0]["outputDimensionality"] == 768 for r in gemini.embed_requests)
    assert await core.redis.exists(core.qa.embeddings.key(f"{PAPER}v1"))  # type: ignore[union-attr]
    embedding = {"provider": "gemini", "model": "gemini-embedding-001"}
    assert core.metrics.value("paperbot_llm_calls_total", **embedding, outcome="ok") == 3
    assert core.metrics.value("paperbot_llm_tokens_total", **embedding, direction="in") > 0

    other = await build_core(with_embeddings(arxiv, redis_url, gemini))  # another process
    try:
        chat = Transcript()
        await other.handle(ask(f"{PAPER} what GPU is needed to adapt a subject?"), chat)
        assert "9 minutes" in chat.text
        assert len(texts(gemini, "RETRIEVAL_DOCUMENT")) == len(passages)  # not embedded again
    finally:
        await other.aclose()


async def test_damaged_stored_vectors_are_replaced(core: Core, gemini: FakeGemini) -> None:
    assert core.qa.embeddings is not None
    await core.redis.set(core.qa.embeddings.key(f"{PAPER}v1"), b"not vectors")
    chat = Transcript()
    await core.handle(ask(f"{PAPER} {PARAPHRASE}"), chat)
    assert "9 minutes" in chat.text
    assert texts(gemini, "RETRIEVAL_DOCUMENT")  # embedded afresh
    stored = await core.redis.get(core.qa.embeddings.key(f"{PAPER}v1"))
    assert stored is not None and stored != b"not vectors"


async def test_long_papers_are_embedded_in_batches_the_api_accepts(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: object
) -> None:
    many = [
        (f"{n} Part {n}", [f"Observation number {n} concerns topic {n}."]) for n in range(7, 137)
    ]
    arxiv.add(paper([*SECTIONS, *many], arxiv_id="2501.00001"))
    core = await build_core(with_embeddings(arxiv, redis_url, gemini))
    try:
        chat = Transcript()
        await core.handle(ask(f"2501.00001 {PARAPHRASE}"), chat)
        assert "9 minutes" in chat.text
        sizes = [len(r.body["requests"]) for r in gemini.embed_requests]
        assert sizes[0] == 100 and 130 < sum(sizes[:-1]) <= 200 and sizes[-1] == 1
    finally:
        await core.aclose()


async def test_when_embeddings_fail_questions_are_answered_from_words(
    core: Core, gemini: FakeGemini
) -> None:
    assert core.qa.embeddings is not None
    gemini.reply_embed_error(400, "model not found for embedContent")
    chat = Transcript()
    await core.handle(ask(f"{PAPER} which LoRA rank works best?"), chat)
    assert "rank 8 works best" in chat.text and "§4.2 Ablation" in chat.text
    assert not await core.redis.exists(core.qa.embeddings.key(f"{PAPER}v1"))  # nothing half-made
    meta = await core.papers.meta(PaperId(base=PAPER))
    assert await core.qa.cached(meta, "which LoRA rank works best?", "en") is None  # nor kept

    gemini.reply_embed_error(429, "quota", retry_delay="3600s")  # far beyond any wait
    started = time.monotonic()
    second = Transcript()
    await core.handle(ask(f"{PAPER} how were the LoRA ranks compared?"), second)
    assert time.monotonic() - started < 5 and "rank 8 works best" in second.text

    recovered = Transcript()  # the provider is back: the paper is embedded and kept
    await core.handle(ask(f"{PAPER} {PARAPHRASE}"), recovered)
    assert "9 minutes" in recovered.text
    assert await core.redis.exists(core.qa.embeddings.key(f"{PAPER}v1"))


async def test_a_slow_embedding_model_does_not_keep_the_asker_waiting(
    core: Core, gemini: FakeGemini
) -> None:
    assert core.qa.embeddings is not None
    await core.handle(ask(f"{PAPER} {PARAPHRASE}"), Transcript())  # paper embedded
    core.qa.embeddings.query_timeout_s = 0.5
    gemini.reply_embed_slow(10)
    started = time.monotonic()
    chat = Transcript()
    await core.handle(ask(f"{PAPER} which LoRA rank works best?"), chat)
    assert time.monotonic() - started < 5
    assert "rank 8 works best" in chat.text


async def test_an_openai_compatible_server_embeds_too(
    arxiv: FakeArxiv, redis_url: str, redis_client: object
) -> None:
    with FakeOpenAI(responder=lambda body: model_reply(FakeOpenAI.prompt_text(body))) as server:
        server.embedder = concept_embedding
        settings = settings_for(
            arxiv,
            redis_url,
            llm_provider="openai",
            llm_model="qwen2.5:14b",
            openai_base_url=server.base_url,
            llm_timeout_s=5.0,
            embedding_model="nomic-embed-text",
        )
        core = await build_core(settings)
        try:
            chat = Transcript()
            await core.handle(ask(f"{PAPER} {PARAPHRASE}"), chat)
            assert "9 minutes" in chat.text and "§6 Compute" in chat.text
            bodies = [r.body for r in server.embed_requests]
            assert {b["model"] for b in bodies} == {"nomic-embed-text"}
            assert all(b["encoding_format"] == "float" and "dimensions" not in b for b in bodies)
            assert server.embedded_texts[-1] == PARAPHRASE
        finally:
            await core.aclose()


async def test_two_questions_at_once_embed_the_paper_once(core: Core, gemini: FakeGemini) -> None:
    await core.qa.index(await core.papers.meta(PaperId(base=PAPER)))  # text read, not embedded
    gemini.reply_embed_slow(0.3)  # the paper's batch takes a while: the second ask must wait for it
    first, second = Transcript(), Transcript()
    await asyncio.gather(
        core.handle(ask(f"{PAPER} {PARAPHRASE}"), first),
        core.handle(ask(f"{PAPER} which LoRA rank works best?"), second),
    )
    assert "9 minutes" in first.text and "rank 8 works best" in second.text
    passages = texts(gemini, "RETRIEVAL_DOCUMENT")
    assert len(passages) == len(set(passages))  # each passage embedded once


async def test_vectors_of_the_wrong_size_fall_back_to_words(core: Core, gemini: FakeGemini) -> None:
    assert core.qa.embeddings is not None
    gemini.embedder = lambda text, dimensions: [1.0] * (3 if "rank" in text else 5)
    chat = Transcript()
    await core.handle(ask(f"{PAPER} which LoRA rank works best?"), chat)
    assert "rank 8 works best" in chat.text  # answered from BM25
    assert not await core.redis.exists(core.qa.embeddings.key(f"{PAPER}v1"))

    gemini.embedder = concept_embedding  # the paper is embedded at 768 dims…
    await core.handle(ask(f"{PAPER} {PARAPHRASE}"), Transcript())
    gemini.embedder = lambda text, dimensions: [1.0] * 12  # …then questions come back at 12
    again = Transcript()
    await core.handle(ask(f"{PAPER} how were the LoRA ranks compared?"), again)
    assert "rank 8 works best" in again.text
