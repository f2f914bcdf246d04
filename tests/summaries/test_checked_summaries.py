"""Model-written summaries through the whole bot: what the paper does not say is not posted."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.paperkit import analysis_for, settings_for

from bot.app import Core, build_core

CHECKED = "✓ Numbers checked against the paper"
Responder = Callable[[dict[str, Any]], dict[str, Any]]


def faithful(body: dict[str, Any]) -> dict[str, Any]:
    """The shared stand-in model, its figures taken from TalkLoRA's own text."""
    prompt = FakeGemini.system_text(body) + FakeGemini.prompt_text(body)
    analysis = analysis_for(prompt)
    analysis["performance"] = "Lip vertex error 3.2 mm vs 3.9 mm for FaceFormer on VOCASET."
    analysis["performance_assessment"] = "3.2 mm lip vertex error."
    analysis["performance_quotes"] = ["a lip vertex error of 3.2 mm against 3.9 mm"]
    return analysis


def planting(body: dict[str, Any]) -> dict[str, Any]:
    """A model that slips in one invented figure, a swapped dataset and an invented quote."""
    analysis = faithful(body)
    analysis["takeaways"][1] = "TalkLoRA reaches 97.5% lip-sync accuracy."
    analysis["takeaways"][2] = "It beats SadTalker on HDTF."
    analysis["takeaway_quotes"][2] = "TalkLoRA outperforms SadTalker on the HDTF benchmark"
    analysis["performance"] += " It is 41.7% faster than FaceFormer."
    return analysis


def fabulist(body: dict[str, Any]) -> dict[str, Any]:
    """A model whose every takeaway is invented, with invented quotes."""
    analysis = faithful(body)
    analysis["takeaways"] = [f"TalkLoRA wins {60 + i}.5% of user votes." for i in range(6)]
    analysis["takeaway_quotes"] = ["users preferred TalkLoRA in most comparisons"] * 6
    return analysis


@pytest.fixture
def responder() -> Responder:
    return faithful


@pytest.fixture
def gemini(responder: Responder) -> Iterator[FakeGemini]:
    with FakeGemini(responder=responder) as server:
        yield server


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_client: object, redis_url: str
) -> AsyncIterator[Core]:
    built = await build_core(settings_for(arxiv, redis_url, gemini))
    yield built
    await built.aclose()


async def card_text(core: Core, line: str = "/summarize 2408.13714") -> str:
    chat = Transcript()
    await core.handle(command(line), chat)
    return chat.text


def counted(core: Core, action: str) -> float:
    return core.metrics.value("paperbot_claims_unsupported_total", kind="summary", action=action)


async def test_a_faithful_summary_loses_nothing_and_says_it_was_checked(
    core: Core, gemini: FakeGemini
) -> None:
    text = await card_text(core)
    assert CHECKED in text and "removed" not in text and "⚠" not in text
    assert "The paper proposes point 6" in text and "3.2 mm vs 3.9 mm" in text
    assert gemini.calls == 1
    assert core.metrics.value("paperbot_claims_checked_total", kind="summary") >= 8
    assert counted(core, "removed") == counted(core, "marked") == 0


@pytest.mark.parametrize("responder", [planting])
async def test_planted_figures_and_swapped_names_are_not_posted(
    core: Core, gemini: FakeGemini
) -> None:
    text = await card_text(core)
    for planted in ("97.5", "SadTalker", "HDTF", "41.7"):
        assert planted not in text
    assert f"{CHECKED} (2 removed)" in text  # the figures; the unknown name went before
    assert "3.2 mm vs 3.9 mm" in text  # the true part of the performance field stays
    assert gemini.calls == 2  # a name the paper never mentions: asked once more
    assert counted(core, "removed") == 2


@pytest.mark.parametrize("responder", [fabulist])
async def test_a_summary_mostly_invented_is_retried_once_then_posted_marked(
    core: Core, gemini: FakeGemini
) -> None:
    text = await card_text(core, "/summarize 2408.13714 --lang zh")
    assert gemini.calls == 2
    assert text.count("⚠ 未经核实：TalkLoRA wins") == 6  # nothing true is left: shown, marked
    assert "✓ 数字已对照论文核查（6 处标 ⚠）" in text
    assert counted(core, "marked") == 6


async def test_the_extractive_card_claims_no_check(
    arxiv: FakeArxiv, redis_client: object, redis_url: str
) -> None:
    extractive = await build_core(settings_for(arxiv, redis_url))
    try:
        text = await card_text(extractive)
    finally:
        await extractive.aclose()
    assert "extractive summary" in text and "checked against" not in text


def chatty(body: dict[str, Any]) -> dict[str, Any]:
    """A model that leaves a template slot, signs off, and names a person the paper never does."""
    analysis = faithful(body)
    analysis["summary"] = "本文采用了XXXX方法。"
    analysis["background"] += " I hope this summary meets your needs!"
    analysis["past_methods"] = "Geoffrey Hinton et al. proposed the earlier approach."
    return analysis


def chatty_once() -> Responder:
    """Chatty on the first call, faithful after."""
    calls = [0]

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        calls[0] += 1
        return chatty(body) if calls[0] == 1 else faithful(body)

    return respond


@pytest.mark.parametrize("responder", [chatty_once()])
async def test_residue_is_asked_again_and_the_clean_answer_posted(
    core: Core, gemini: FakeGemini
) -> None:
    text = await card_text(core)
    assert gemini.calls == 2
    for residue in ("XXXX", "I hope this summary", "Hinton"):
        assert residue not in text
    assert "The paper proposes point 6" in text  # the faithful second answer


@pytest.mark.parametrize("responder", [chatty])
async def test_residue_that_persists_is_dropped_sentence_by_sentence(
    core: Core, gemini: FakeGemini
) -> None:
    text = await card_text(core)
    assert gemini.calls == 2
    for residue in ("XXXX", "I hope this summary", "Hinton"):
        assert residue not in text
    assert "3.2 mm vs 3.9 mm" in text  # the rest of the summary is posted
    removed = core.metrics.value
    assert removed("paperbot_claims_unsupported_total", kind="residue", action="removed") == 1
    assert removed("paperbot_claims_unsupported_total", kind="placeholder", action="removed") == 1
    assert removed("paperbot_claims_unsupported_total", kind="name", action="removed") == 1


@pytest.mark.parametrize("responder", [fabulist])
async def test_a_failed_second_attempt_posts_the_first_answer_marked(
    core: Core, gemini: FakeGemini
) -> None:
    gemini.reply_slow(0.0)  # the first answer from the responder: mostly invented
    gemini.reply_quota(per="day")  # the second attempt: the daily quota is used up
    text = await card_text(core)
    assert gemini.calls == 2
    assert text.count("⚠ unverified: TalkLoRA wins") == 6  # posted, never as if checked
    assert "daily quota" not in text
