"""The paper pipeline against a local arXiv, a local Gemini and a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.fakes.httpfake import Reply
from support.paperkit import settings_for, talklora

from bot.app import Core, build_core
from bot.errors import DocumentError, LLMError, PaperNotFound, SourceUnavailable
from bot.papers.models import PaperId


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_client: object, redis_url: str
) -> AsyncIterator[Core]:
    built = await build_core(settings_for(arxiv, redis_url, gemini))
    yield built
    await built.aclose()


async def test_summary_takes_facts_from_metadata_and_is_served_from_redis_after(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini
) -> None:
    meta = await core.papers.meta(PaperId(base="2408.13714"))
    summary, cached = await core.papers.summary(meta, "zh")
    assert not cached
    assert summary.meta.title == "TalkLoRA: Low-Rank Adaptation for Speech-Driven Animation"
    assert summary.meta.authors == ("Jack Saunders", "Vinay Namboodiri")
    assert summary.code_urls == ("https://github.com/example-lab/talklora",)
    assert summary.analysis.affiliation == "University of Bath"
    assert summary.analysis.summary.startswith("TalkLoRA：")
    assert summary.model_label == "Gemini (gemini-2.5-flash)"
    assert summary.text_source == "html"
    assert summary.has_figure
    assert gemini.calls == 1
    # The model read the paper's real sections, not only the abstract.
    prompt = FakeGemini.prompt_text(gemini.generate_requests[0].body)
    assert "3.2 mm against 3.9 mm" in prompt and "University of Bath" in prompt
    before = len(arxiv.requests)

    meta_again = await core.papers.meta(PaperId(base="2408.13714"))
    again, cached = await core.papers.summary(meta_again, "zh")
    assert cached and again == summary
    assert len(arxiv.requests) == before and gemini.calls == 1


async def test_each_language_gets_its_own_summary(core: Core, gemini: FakeGemini) -> None:
    meta = await core.papers.meta(PaperId(base="2408.13714"))
    zh, _ = await core.papers.summary(meta, "zh")
    en, _ = await core.papers.summary(meta, "en")
    assert zh.analysis.summary != en.analysis.summary
    assert gemini.calls == 2


async def test_two_requests_at_once_cost_one_model_call(core: Core, gemini: FakeGemini) -> None:
    gemini.default = None
    meta = await core.papers.meta(PaperId(base="2408.13714"))
    results = await asyncio.gather(*(core.papers.summary(meta, "en") for _ in range(5)))
    assert gemini.calls == 1
    assert len({r[0].analysis.summary for r in results}) == 1


async def test_a_changed_prompt_never_serves_the_old_summary(
    core: Core, gemini: FakeGemini
) -> None:
    meta = await core.papers.meta(PaperId(base="2408.13714"))
    await core.papers.summary(meta, "en")
    core.papers.prompt_fingerprint = "changed00000"
    _, cached = await core.papers.summary(meta, "en")
    assert not cached and gemini.calls == 2


async def test_unknown_paper_is_reported_and_nothing_cached(core: Core, arxiv: FakeArxiv) -> None:
    with pytest.raises(PaperNotFound, match=r"no paper 2408\.99999"):
        await core.papers.meta(PaperId(base="2408.99999"))
    assert await core.redis.keys("*2408.99999*") == []


async def test_a_pdf_that_is_not_a_pdf_fails_clearly_and_is_retried_later(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini
) -> None:
    arxiv.add(talklora("2409.00001", html=None, pdf=b"<html>this is not a pdf</html>"))
    meta = await core.papers.meta(PaperId(base="2409.00001"))
    with pytest.raises(DocumentError) as err:
        await core.papers.summary(meta, "en")
    assert "PDF" in err.value.message and len(err.value.message) < 200
    assert gemini.calls == 0
    pdf_hits = arxiv.hits("/pdf/")
    with pytest.raises(DocumentError):
        await core.papers.summary(meta, "en")
    assert arxiv.hits("/pdf/") == pdf_hits + 1  # the failure was not cached


async def test_model_garbage_twice_is_a_clear_failure_then_a_later_success(
    core: Core, gemini: FakeGemini
) -> None:
    gemini.reply_text("this is not json")
    gemini.reply_text('{"summary": ""}')
    meta = await core.papers.meta(PaperId(base="2408.13714"))
    with pytest.raises(LLMError, match="unusable summary"):
        await core.papers.summary(meta, "en")
    assert gemini.calls == 2
    summary, cached = await core.papers.summary(meta, "en")
    assert not cached and summary.analysis.takeaways


async def test_model_timeout_is_a_clear_failure(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_client: object, redis_url: str
) -> None:
    core = await build_core(settings_for(arxiv, redis_url, gemini, llm_timeout_s=1.0))
    try:
        gemini.reply_slow(3.0)
        gemini.reply_slow(3.0)
        gemini.reply_slow(3.0)
        meta = await core.papers.meta(PaperId(base="2408.13714"))
        with pytest.raises(LLMError) as err:
            await core.papers.summary(meta, "en")
        assert "in time" in err.value.message
        assert not await core.papers.is_summarized(meta, "en")
    finally:
        await core.aclose()


async def test_arxiv_errors_are_retried_then_reported(core: Core, arxiv: FakeArxiv) -> None:
    arxiv.queue(Reply(503, "busy"))
    meta = await core.papers.meta(PaperId(base="2408.13714"))
    assert meta.id.version == 1
    arxiv.add(talklora("2408.20000"))
    arxiv.queue(*[Reply(503, "busy")] * 4)
    with pytest.raises(SourceUnavailable, match="did not answer"):
        await core.papers.meta(PaperId(base="2408.20000"))
    assert await core.redis.keys("*2408.20000*") == []


async def test_search_picks_a_paper_and_says_so(core: Core) -> None:
    from bot.arxiv.ids import SearchQuery

    resolved = await core.papers.resolve(SearchQuery("low-rank adaptation speaking styles"))
    assert resolved.meta.id.base == "2408.13714"
    assert resolved.note is not None and "Picked 2408.13714" in resolved.note
    with pytest.raises(PaperNotFound, match="No arXiv paper matches"):
        await core.papers.resolve(SearchQuery("quantum gravity bananas"))


async def test_only_arxiv_hosts_are_fetched(core: Core) -> None:
    with pytest.raises(SourceUnavailable, match="only reads arXiv"):
        await core.papers.fetcher.get("http://example.com/pdf/2408.13714v1")


async def test_a_pdf_only_paper_is_read_from_its_pdf(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini
) -> None:
    from support.paperkit import pdf_paper

    arxiv.add(
        talklora(
            "2410.00002",
            title="Residual Adapters for Talking Heads",
            html=None,
            abstract="We propose residual adapters.",
            pdf=pdf_paper(),
        )
    )
    meta = await core.papers.meta(PaperId(base="2410.00002"))
    summary, _ = await core.papers.summary(meta, "en")
    text = await core.papers.full_text(meta)
    assert text.source == "pdf" and text.pages == 3
    kinds = [s.kind for s in text.sections]
    assert {"introduction", "method", "experiments", "conclusion"} <= set(kinds)
    # Its own code, announced in the conclusion; not the baseline's, not the bibliography's.
    assert summary.code_urls == ("https://github.com/mei-chen/residual-adapters",)
    assert "Imperial College London" in text.first_page
    prompt = FakeGemini.prompt_text(gemini.generate_requests[0].body)
    assert "FID of 12.3 against 15.1" in prompt
    assert "not-this/one" not in prompt  # references are not sent to the model


async def test_a_real_arxiv_pdf_gives_its_code_link_and_teaser_figure(
    core: Core, arxiv: FakeArxiv, shared_fixtures: object
) -> None:
    from pathlib import Path

    pdf = (Path(str(shared_fixtures)) / "pdfs" / "2501.10120v1.pdf").read_bytes()
    arxiv.add(
        talklora(
            "2501.10120",
            title="PaSa: An LLM Agent for Comprehensive Academic Paper Search",
            abstract="We introduce PaSa.",
            html=None,
            pdf=pdf,
        )
    )
    meta = await core.papers.meta(PaperId(base="2501.10120"))
    summary, _ = await core.papers.summary(meta, "en")
    figure = await core.papers.figure(meta)
    assert summary.code_urls == ("https://github.com/bytedance/pasa",)
    assert figure is not None and figure.data.startswith(b"\x89PNG") and len(figure.data) > 5000
    assert summary.analysis.affiliation in ("ByteDance Research", "not stated")
