"""The numbers of a model's answer are checked against the passages it cites, and marked if absent."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.fakes.gemini_server import FakeGemini
from support.htmlgen import latexml_html
from support.paperkit import analysis_for, passages_in, settings_for

from bot.app import Core, build_core
from bot.questions.answer import check_numbers
from bot.questions.chunks import Chunk

ABLATION = "Among LoRA ranks 2, 4, 8 and 16, rank 8 works best, with a lip vertex error of 3.24 mm."


def chunk(text: str) -> Chunk:
    return Chunk(id=0, section="4.2 Ablation", page=None, text=text)


def test_numbers_the_cited_passages_state_pass_unmarked() -> None:
    text = "Rank 8 is best (3.2 mm lip vertex error); ranks up to 16 were tried."
    assert check_numbers(text, [chunk(ABLATION)], "which rank?", "en") == (text, 2, 0)


def test_a_number_the_passages_do_not_state_is_marked_where_it_stands() -> None:
    text = "Rank 8 is best at 2.9 mm. Rank 16 overfits by 35%."
    marked, checked, unsupported = check_numbers(text, [chunk(ABLATION)], "why?", "en")
    assert marked == (
        "Rank 8 is best at 2.9 mm [⚠ not in the cited passages: 2.9]. "
        "Rank 16 overfits by 35% [⚠ not in the cited passages: 35%]."
    )
    assert (checked, unsupported) == (3, 2)


def test_a_number_from_the_question_is_not_held_against_the_answer() -> None:
    text, _, unsupported = check_numbers(
        "Rank 32 was not tested.", [chunk(ABLATION)], "does rank 32 help?", "zh"
    )
    assert unsupported == 0 and "⚠" not in text


def paper() -> FakePaper:
    html = latexml_html(
        "TalkLoRA",
        [("Jack Saunders", "University of Bath")],
        "We adapt talking heads with LoRA.",
        [("4.2 Ablation", [ABLATION])],
    )
    return FakePaper(
        "2408.13714", 1, title="TalkLoRA", abstract="We adapt talking heads with LoRA.", html=html
    )


def inventive_model(body: dict[str, Any]) -> dict[str, Any]:
    """Answers from the first passage, but adds a figure of its own."""
    prompt = FakeGemini.prompt_text(body)
    if "<passage" not in prompt:
        return analysis_for(prompt)
    pid, _ = passages_in(prompt)[0]
    answer = "Rank 8 works best (3.24 mm), and it trains 4.5 times faster than rank 16."
    return {"answerable": True, "answer": answer, "citations": [pid]}


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.add(paper())
        yield server


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    with FakeGemini(responder=inventive_model) as server:
        yield server


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: object
) -> AsyncIterator[Core]:
    built = await build_core(settings_for(arxiv, redis_url, gemini))
    yield built
    await built.aclose()


async def test_an_answers_invented_figure_is_marked_and_counted(core: Core) -> None:
    chat = Transcript()
    await core.handle(command("/ask 2408.13714 which LoRA rank works best?"), chat)
    assert "3.24 mm" in chat.text
    assert "faster than rank 16 [⚠ not in the cited passages: 4.5]." in chat.text
    value = core.metrics.value
    assert value("paperbot_claims_checked_total", kind="answer") == 3
    assert value("paperbot_claims_unsupported_total", kind="answer", action="marked") == 1
