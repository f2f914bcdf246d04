"""A digest under a used-up daily model quota: nothing broken posted, no burst of calls, its papers
kept for a later run that delivers them once the quota is back, and never twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from support.chatkit import RecordingAdapter, Transcript, command
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini, quota_error
from support.paperkit import settings_for, talklora

from bot.app import Core, build_core
from bot.chat.contract import ChatRef
from bot.infra import keys
from bot.llm.quota import next_pacific_midnight

MONDAY = date(2024, 11, 25)
AT_EIGHT = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
CHAT = ChatRef("test", "quota")
CONCURRENCY = 2


class Clock:
    """Simulated time for the scheduler."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: object
) -> AsyncIterator[Core]:
    """The core on a simulated Sunday noon, delivering to a recording adapter."""
    settings = settings_for(
        arxiv, redis_url, gemini, user_rate_limit=0, llm_concurrency=CONCURRENCY
    )
    built = await build_core(settings)
    built.scheduler.clock = Clock(datetime(2024, 11, 24, 12, 0, tzinfo=UTC))
    built.attach(RecordingAdapter())
    yield built
    await built.aclose()


async def tick_at(core: Core, when: datetime) -> None:
    """Run the scheduler's tick at simulated time ``when``."""
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    clock.now = when
    await core.scheduler.tick()


async def test_a_digest_under_a_used_up_quota_keeps_its_papers_for_when_it_is_back(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini
) -> None:
    papers = [talklora(f"2411.0000{n}", title=f"Paper {n}") for n in range(1, 6)]
    for paper in papers:
        arxiv.add(paper)
    arxiv.announce("cs.CV", MONDAY, [(p, "new") for p in papers])
    said = Transcript()
    await core.handle(command("/subscribe cs.CV --at 08:00 --tz UTC", chat=CHAT), said)
    assert "Subscribed" in said.text
    adapter = core.adapters["test"]
    assert isinstance(adapter, RecordingAdapter)
    gemini.over_quota = quota_error("day")

    await tick_at(core, AT_EIGHT)  # Monday: the quota is found used up during the run
    assert adapter.papers("quota") == []  # no card, nothing broken
    (notice,) = adapter.texts("quota")
    reset = f"{next_pacific_midnight():%H:%M} UTC (midnight Pacific)"
    assert "5 papers wait for the model's daily quota" in notice and reset in notice
    assert gemini.calls <= CONCURRENCY  # only the calls already under way, no burst

    calls = gemini.calls
    arxiv.announce("cs.CV", MONDAY + timedelta(days=1))  # Tuesday: nothing new, still no quota
    await tick_at(core, AT_EIGHT + timedelta(days=1))
    assert gemini.calls == calls  # the model was not asked at all
    assert adapter.papers("quota") == [] and "5 papers wait" in adapter.texts("quota")[-1]
    (sub,) = await core.subscriptions.for_chat(CHAT)
    assert "5 to retry (the model's daily quota is used up" in (sub.last_result or "")
    status = Transcript()
    await core.handle(command("/status", chat=CHAT), status)
    assert "5 to retry (the model's daily quota is used up" in status.text
    assert "gemini-2.5-flash: daily quota used up" in status.text

    gemini.over_quota = None  # midnight Pacific: the quota is back and the record expires
    await core.redis.delete(keys.llm_quota(core.settings.redis_prefix, "gemini/gemini-2.5-flash"))
    arxiv.announce("cs.CV", MONDAY + timedelta(days=2))
    await tick_at(core, AT_EIGHT + timedelta(days=2))  # Wednesday: Monday's papers arrive
    delivered = adapter.papers("quota")
    assert sorted(delivered) == sorted(p.versioned for p in papers)
    assert gemini.calls == calls + len(papers)

    arxiv.announce("cs.CV", MONDAY + timedelta(days=3))
    await tick_at(core, AT_EIGHT + timedelta(days=3))  # Thursday: none of them again
    assert adapter.papers("quota") == delivered


async def test_only_papers_stopped_by_the_quota_are_said_to_wait_for_it(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini
) -> None:
    papers = [talklora(f"2411.0000{n}", title=f"Paper {n}") for n in range(1, 5)]
    broken = talklora("2411.00009", title="Paper with a broken PDF", html=None, pdf=b"not a pdf")
    for paper in [*papers, broken]:
        arxiv.add(paper)
    arxiv.announce("cs.CV", MONDAY, [(p, "new") for p in [broken, *papers]])
    said = Transcript()
    await core.handle(command("/subscribe cs.CV --at 08:00 --tz UTC", chat=CHAT), said)
    adapter = core.adapters["test"]
    assert isinstance(adapter, RecordingAdapter)
    gemini.over_quota = quota_error("day")

    await tick_at(core, AT_EIGHT)
    (notice,) = adapter.texts("quota")
    assert "4 papers wait for the model's daily quota" in notice  # not the unreadable one
    (sub,) = await core.subscriptions.for_chat(CHAT)
    assert "5 to retry" in (sub.last_result or "")  # all five are tried again next time
