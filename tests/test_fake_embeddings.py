"""The fakes' embedding endpoints, driven over HTTP by the real google-genai and openai SDKs."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import openai
import pytest
from google import genai
from google.genai import errors, types
from openai import AsyncOpenAI
from support.fakes.embedding import as_float32, bag_embedding, cosine
from support.fakes.gemini_server import FakeGemini
from support.fakes.openai_server import FakeOpenAI

GEMINI_MODEL = "gemini-embedding-001"
OPENAI_MODEL = "text-embedding-3-small"
TEXTS = [
    "Sparse attention for long-context transformers",
    "Protein folding with diffusion models",
    "A survey of graph neural networks",
]


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    """A running fake Gemini server."""
    with FakeGemini() as server:
        yield server


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI-compatible server."""
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def genai_client(gemini: FakeGemini) -> AsyncIterator[genai.Client]:
    """A google-genai client (Gemini API mode, no SDK retries) on our own httpx client."""
    http = httpx.AsyncClient(timeout=10, trust_env=False)
    options = types.HttpOptions(
        base_url=gemini.url,
        api_version="v1beta",
        retry_options=types.HttpRetryOptions(attempts=1),
        httpx_async_client=http,
    )
    client = genai.Client(api_key="k", vertexai=False, http_options=options)
    yield client
    await client.aio.aclose()
    await http.aclose()
    client.close()


@pytest.fixture
async def openai_client(fake_openai: FakeOpenAI) -> AsyncIterator[AsyncOpenAI]:
    """An openai client pointed at the fake, without retries."""
    client = AsyncOpenAI(api_key="k", base_url=fake_openai.base_url, max_retries=0)
    yield client
    await client.close()


async def gemini_vectors(
    client: genai.Client,
    texts: list[str],
    *,
    task_type: str = "RETRIEVAL_DOCUMENT",
    dimensions: int | None = None,
) -> list[list[float]]:
    """Embed ``texts`` through the SDK and return the vectors."""
    config = types.EmbedContentConfig(task_type=task_type, output_dimensionality=dimensions)
    resp = await client.aio.models.embed_content(
        model=GEMINI_MODEL, contents=list(texts), config=config
    )
    return [list(e.values or []) for e in resp.embeddings or []]


def expected(text: str, dimensions: int = 64) -> list[float]:
    """What the fakes send for ``text`` by default: bag_embedding rounded to float32."""
    return as_float32(bag_embedding(text, dimensions))


# ------------------------------------------------------------------ bag_embedding
def test_bag_embedding_is_unit_length_and_the_same_in_every_process() -> None:
    text = "Retrieval-augmented generation for scientific papers"
    here = bag_embedding(text, 48)
    assert len(here) == 48
    assert math.isclose(math.sqrt(sum(v * v for v in here)), 1.0, rel_tol=1e-9)
    code = (
        "import json; from support.fakes.embedding import bag_embedding; "
        f"print(json.dumps(bag_embedding({text!r}, 48)))"
    )
    tests_dir = str(Path(__file__).parent)
    for seed in ("1", "2"):  # Python's hash() would differ between these processes
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": tests_dir}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert json.loads(out.stdout) == here


def test_bag_embedding_of_text_without_words_is_the_first_axis() -> None:
    for text in ("", "   ", "a ! ? -"):
        assert bag_embedding(text, 8) == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert bag_embedding("a transformer", 8) == bag_embedding("TRANSFORMER!", 8)


def test_bag_embedding_signs_words_so_collisions_can_cancel() -> None:
    vector = bag_embedding("we study sparse attention kernels for long documents on gpus", 64)
    assert min(vector) < 0 < max(vector)


def test_bag_embedding_ranks_shared_words_above_unrelated_text() -> None:
    query = bag_embedding("graph neural networks")
    related = bag_embedding("neural networks on large graphs")
    unrelated = bag_embedding("protein folding with diffusion")
    assert cosine(query, related) > cosine(query, unrelated) + 0.3


# ----------------------------------------------------------------------- Gemini
async def test_gemini_batch_gives_vectors_in_order_with_requested_dimension(
    gemini: FakeGemini, genai_client: genai.Client
) -> None:
    vectors = await gemini_vectors(genai_client, TEXTS, dimensions=32)
    assert vectors == [expected(t, 32) for t in TEXTS]
    assert gemini.embedded_texts == [("RETRIEVAL_DOCUMENT", t) for t in TEXTS]
    [request] = gemini.embed_requests
    assert request.path == f"/v1beta/models/{GEMINI_MODEL}:batchEmbedContents"
    items = request.body["requests"]
    assert [i["model"] for i in items] == [f"models/{GEMINI_MODEL}"] * 3  # the SDK adds it
    assert [i["outputDimensionality"] for i in items] == [32] * 3
    assert gemini.calls == 0  # embeddings are not generateContent calls


async def test_gemini_default_dimension_is_64_and_task_type_is_recorded(
    gemini: FakeGemini, genai_client: genai.Client
) -> None:
    [vector] = await gemini_vectors(
        genai_client, ["what is new in RAG?"], task_type="RETRIEVAL_QUERY"
    )
    assert vector == expected("what is new in RAG?")
    assert len(vector) == 64
    assert gemini.embedded_texts == [("RETRIEVAL_QUERY", "what is new in RAG?")]


async def test_gemini_related_texts_score_higher_than_unrelated(
    genai_client: genai.Client,
) -> None:
    query, related, unrelated = await gemini_vectors(
        genai_client,
        [
            "attention in transformer language models",
            "transformer language models need less attention",
            "soil erosion in alpine valleys",
        ],
    )
    assert cosine(query, related) > cosine(query, unrelated)


async def test_gemini_scripted_embed_error_spares_the_generate_queue(
    gemini: FakeGemini, genai_client: genai.Client
) -> None:
    gemini.reply_json({"summary": "kept"})
    gemini.reply_embed_error(429, "embedding quota", retry_delay="3s")
    with pytest.raises(errors.ClientError) as caught:
        await gemini_vectors(genai_client, TEXTS)
    assert caught.value.code == 429
    assert caught.value.status == "RESOURCE_EXHAUSTED"
    assert caught.value.details["error"]["details"][0]["retryDelay"] == "3s"
    assert gemini.pending == 1 and gemini.embed_pending == 0

    reply = await genai_client.aio.models.generate_content(model="gemini-2.5-flash", contents="hi")
    assert json.loads(reply.text or "") == {"summary": "kept"}
    assert gemini.calls == 1
    assert await gemini_vectors(genai_client, TEXTS[:1]) == [expected(TEXTS[0])]  # one use


async def test_gemini_rejects_more_than_100_texts_and_empty_text(
    gemini: FakeGemini, genai_client: genai.Client
) -> None:
    many = [f"paper number {i}" for i in range(101)]
    with pytest.raises(errors.ClientError) as caught:
        await gemini_vectors(genai_client, many)
    assert caught.value.code == 400 and caught.value.status == "INVALID_ARGUMENT"
    assert "100" in (caught.value.message or "")
    assert len(await gemini_vectors(genai_client, many[:100])) == 100
    with pytest.raises(errors.ClientError) as caught:
        await gemini_vectors(genai_client, ["fine", ""])
    assert caught.value.code == 400


async def test_gemini_slow_embed_reply_arrives_late_but_whole(
    gemini: FakeGemini, genai_client: genai.Client
) -> None:
    gemini.reply_embed_slow(0.3)
    started = time.monotonic()
    vectors = await gemini_vectors(genai_client, TEXTS, dimensions=8)
    assert time.monotonic() - started >= 0.3
    assert vectors == [expected(t, 8) for t in TEXTS]


async def test_gemini_uses_a_replaced_embedder(
    gemini: FakeGemini, genai_client: genai.Client
) -> None:
    gemini.embedder = lambda text, dims: [float(len(text))] * dims
    assert await gemini_vectors(genai_client, ["abc", "de"], dimensions=3) == [
        [3.0, 3.0, 3.0],
        [2.0, 2.0, 2.0],
    ]


async def test_gemini_single_embed_content(gemini: FakeGemini) -> None:
    body = {
        "content": {"parts": [{"text": "hello world"}]},
        "taskType": "SEMANTIC_SIMILARITY",
        "outputDimensionality": 8,
    }
    async with httpx.AsyncClient(base_url=gemini.url, trust_env=False) as http:
        resp = await http.post(f"/v1beta/models/{GEMINI_MODEL}:embedContent", json=body)
        empty = await http.post(
            f"/v1beta/models/{GEMINI_MODEL}:embedContent", json={"content": {"parts": []}}
        )
    assert resp.status_code == 200
    assert resp.json() == {"embedding": {"values": expected("hello world", 8)}}
    assert empty.status_code == 400
    assert gemini.embedded_texts[0] == ("SEMANTIC_SIMILARITY", "hello world")


# ----------------------------------------------------------------------- OpenAI
async def test_openai_base64_default_and_float_give_the_same_ordered_vectors(
    fake_openai: FakeOpenAI, openai_client: AsyncOpenAI
) -> None:
    default = await openai_client.embeddings.create(model=OPENAI_MODEL, input=TEXTS, dimensions=16)
    as_float = await openai_client.embeddings.create(
        model=OPENAI_MODEL, input=TEXTS, dimensions=16, encoding_format="float"
    )
    sent = [r.body["encoding_format"] for r in fake_openai.embed_requests]
    assert sent == ["base64", "float"]  # the SDK asks for base64 unless told otherwise
    for resp in (default, as_float):
        assert [d.index for d in resp.data] == [0, 1, 2]
        assert [d.embedding for d in resp.data] == [expected(t, 16) for t in TEXTS]
        assert resp.model == OPENAI_MODEL
        tokens = sum(max(1, len(t) // 4) for t in TEXTS)
        assert (resp.usage.prompt_tokens, resp.usage.total_tokens) == (tokens, tokens)
    assert fake_openai.embedded_texts == TEXTS + TEXTS
    assert fake_openai.calls == 0


async def test_openai_single_string_input_gets_default_dimension(
    fake_openai: FakeOpenAI, openai_client: AsyncOpenAI
) -> None:
    resp = await openai_client.embeddings.create(model=OPENAI_MODEL, input="hello world")
    assert [d.embedding for d in resp.data] == [expected("hello world")]
    assert fake_openai.embedded_texts == ["hello world"]


async def test_same_text_gives_the_same_vector_in_both_fakes(
    genai_client: genai.Client, openai_client: AsyncOpenAI
) -> None:
    text = "Mixture-of-experts routing at scale"
    [from_gemini] = await gemini_vectors(genai_client, [text], dimensions=24)
    resp = await openai_client.embeddings.create(model=OPENAI_MODEL, input=[text], dimensions=24)
    assert resp.data[0].embedding == from_gemini
    assert len(from_gemini) == 24


async def test_openai_related_texts_score_higher_than_unrelated(
    openai_client: AsyncOpenAI,
) -> None:
    resp = await openai_client.embeddings.create(
        model=OPENAI_MODEL,
        input=[
            "reinforcement learning from human feedback",
            "human feedback improves reinforcement learning",
            "medieval trade routes of the baltic sea",
        ],
    )
    query, related, unrelated = (d.embedding for d in resp.data)
    assert cosine(query, related) > cosine(query, unrelated)


async def test_openai_scripted_embed_error_spares_the_chat_queue(
    fake_openai: FakeOpenAI, openai_client: AsyncOpenAI
) -> None:
    fake_openai.reply_text("kept")
    fake_openai.reply_embed_error(429, "slow down", retry_after=2)
    with pytest.raises(openai.RateLimitError) as caught:
        await openai_client.embeddings.create(model=OPENAI_MODEL, input=TEXTS)
    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "2"
    assert fake_openai.pending == 1 and fake_openai.embed_pending == 0

    chat = await openai_client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    assert chat.choices[0].message.content == "kept"
    assert fake_openai.calls == 1
    resp = await openai_client.embeddings.create(model=OPENAI_MODEL, input=TEXTS[:1])
    assert resp.data[0].embedding == expected(TEXTS[0])


async def test_openai_rejects_more_than_2048_inputs_and_empty_strings(
    openai_client: AsyncOpenAI,
) -> None:
    many = [f"abstract {i}" for i in range(2049)]
    with pytest.raises(openai.BadRequestError) as caught:
        await openai_client.embeddings.create(model=OPENAI_MODEL, input=many, dimensions=4)
    assert "2048" in caught.value.message
    ok = await openai_client.embeddings.create(model=OPENAI_MODEL, input=many[:2048], dimensions=4)
    assert len(ok.data) == 2048
    with pytest.raises(openai.BadRequestError):
        await openai_client.embeddings.create(model=OPENAI_MODEL, input=["fine", ""])


async def test_openai_slow_embed_reply_trips_the_client_timeout(
    fake_openai: FakeOpenAI, openai_client: AsyncOpenAI
) -> None:
    fake_openai.reply_embed_slow(5)
    with pytest.raises(openai.APITimeoutError):
        await openai_client.embeddings.create(model=OPENAI_MODEL, input=TEXTS, timeout=0.2)
    resp = await openai_client.embeddings.create(model=OPENAI_MODEL, input=TEXTS, timeout=5)
    assert len(resp.data) == 3  # the slow reply was used up by the request that gave up


async def test_openai_uses_a_replaced_embedder(
    fake_openai: FakeOpenAI, openai_client: AsyncOpenAI
) -> None:
    fake_openai.embedder = lambda text, dims: [0.5] * dims
    resp = await openai_client.embeddings.create(model=OPENAI_MODEL, input="x y", dimensions=2)
    assert resp.data[0].embedding == [0.5, 0.5]
