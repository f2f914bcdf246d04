"""Tests for bot.questions.bm25: BM25 ranking of a paper's chunks, serialisation, and the async port."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.papers.models import FullText, TextSection
from bot.papers.pdf_text import read_pdf
from bot.papers.sections import split_sections
from bot.questions.bm25 import BM25Index, BM25Retriever, Retriever, root, terms
from bot.questions.chunks import Chunk, chunk_paper

SECTIONS = [
    (
        "Abstract",
        "We present TalkLoRA, which adapts a speech-driven face animation model to new "
        "speakers with low-rank adapters and limited data.",
    ),
    (
        "1 Introduction",
        "Transformers animate faces from speech well, but they are slow on long sentences and "
        "hard to adapt to the speaking style of a new person.",
    ),
    (
        "3 Method",
        "Each subject gets an adapter of rank 8 inserted into every attention layer. Audio is "
        "split into windows of four seconds so the attention cost stays bounded.",
    ),
    (
        "4.1 Datasets",
        "We train on VOCASET, twelve subjects reading sentences, and test on BIWI recordings "
        "captured with a structured-light scanner.",
    ),
    (
        "4.2 Ablation",
        "Removing the adapters from the decoder raises the lip vertex error from 3.2 mm to "
        "3.6 mm, and rank 16 brings no further gain over rank 8.",
    ),
    (
        "5 Conclusion",
        "The approach runs in linear time and adapts within minutes; future work covers emotion.",
    ),
]


@pytest.fixture
def index() -> BM25Index:
    text = FullText(
        source="pdf",
        sections=tuple(TextSection(heading=h, text=t, page=1) for h, t in SECTIONS),
    )
    return BM25Index.build(chunk_paper(text))


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("Which datasets were used for training and testing?", "4.1 Datasets"),
        ("What did the ablation show?", "4.2 Ablation"),  # 'ablation' is only in the heading
        ("Where are the adapters inserted?", "3 Method"),
        ("How is the audio split into windows?", "3 Method"),
        ("Does removing the decoder adapters hurt lip error?", "4.2 Ablation"),
        ("What is left for future work?", "5 Conclusion"),
        ("Why are transformers hard to adapt to a new speaker's style?", "1 Introduction"),
        ("Which scanner captured the test recordings?", "4.1 Datasets"),
    ],
)
def test_the_section_holding_the_answer_ranks_first(
    index: BM25Index, question: str, section: str
) -> None:
    results = index.search(question)
    assert results[0][0].section == section


def test_results_are_at_most_k_best_first(index: BM25Index) -> None:
    results = index.search("adapters rank attention subjects speech", k=3)
    assert len(results) == 3
    scores = [score for _, score in results]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert len(index.search("adapters", k=0)) == 0


@pytest.mark.parametrize(
    "question", ["What is it and what does it do?", "Why would they have been there?", "", "?!"]
)
def test_questions_of_stopwords_only_find_nothing(index: BM25Index, question: str) -> None:
    assert index.search(question) == []


def test_a_question_about_something_absent_finds_nothing(index: BM25Index) -> None:
    assert index.search("quantum chromodynamics lattice gauge") == []


def test_the_json_round_trip_gives_identical_results(index: BM25Index) -> None:
    blob = json.dumps(index.to_dict())
    again = BM25Index.from_dict(json.loads(blob))
    for question, _ in [("What rank do the adapters have?", ""), ("ablation", ""), ("time", "")]:
        assert again.search(question) == index.search(question)
    assert again.chunks == index.chunks


def test_an_index_of_another_format_is_refused(index: BM25Index) -> None:
    data = index.to_dict() | {"format": 0}
    with pytest.raises(ValueError, match="format"):
        BM25Index.from_dict(data)


def test_ties_are_broken_by_position_and_builds_are_deterministic() -> None:
    chunks = [
        Chunk(id=i, section="Body", text="Residual learning eases training.") for i in range(3)
    ]
    results = BM25Index.build(chunks).search("residual training")
    assert [c.id for c, _ in results] == [0, 1, 2]
    assert BM25Index.build(chunks).search("residual") == BM25Index.build(chunks).search("residual")


def test_an_empty_index_finds_nothing() -> None:
    assert BM25Index.build([]).search("anything at all") == []


@pytest.mark.parametrize(
    ("forms", "shared"),
    [
        (("trained", "training", "trains", "train"), True),
        (("evaluation", "evaluated", "evaluate"), True),
        (("networks", "network"), True),
        (("layer", "player"), False),
    ],
)
def test_word_forms_meet_at_one_root(forms: tuple[str, ...], shared: bool) -> None:
    assert (len({root(f) for f in forms}) == 1) is shared


def test_terms_drop_stopwords_and_split_hyphenated_words() -> None:
    assert terms("The results on CIFAR-10 of the fully-convolutional model") == [
        root("results"),
        "cifar-10",
        "cifar",
        "10",
        root("fully-convolutional"),
        "fully",
        root("convolutional"),
        "model",
    ]
    assert "paper" in terms("the paper") and "paper" not in terms("the paper", question=True)


async def test_the_bm25_retriever_serves_the_retriever_port(index: BM25Index) -> None:
    retriever: Retriever = BM25Retriever(index)
    found = await retriever.search("Which adapters help the decoder?", k=2)
    assert found == index.search("Which adapters help the decoder?", k=2)
    assert len(found) == 2


def test_a_real_paper_question_finds_its_answer(shared_fixtures: Path) -> None:
    pdf = read_pdf((shared_fixtures / "pdfs" / "1512.03385v1.pdf").read_bytes())
    text = FullText(source="pdf", sections=split_sections(pdf.pages), pages=pdf.page_count)
    index = BM25Index.build(chunk_paper(text, pages=pdf.pages))
    top = index.search("How deep was the deepest network they trained on CIFAR-10?", k=3)
    assert any("1202-layer network" in c.text for c, _ in top)
    size = len(json.dumps(index.to_dict()))
    assert size < 100_000  # what one cached index of a 12-page paper costs in Redis
