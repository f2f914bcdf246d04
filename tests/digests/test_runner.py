"""Subscriptions and the daily digest over a simulated week, against local arXiv and Gemini."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from support.chatkit import RecordingAdapter, Transcript, command
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.fakes.gemini_server import FakeGemini
from support.paperkit import settings_for, talklora

from bot.app import Core, build_core
from bot.chat.contract import ChatRef
from bot.digests.scheduler import DigestScheduler

MONDAY = date(2024, 11, 25)
WEEK = [MONDAY + timedelta(days=i) for i in range(7)]


class Clock:
    """Simulated time for the scheduler."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def papers_of(day: date) -> dict[str, FakePaper]:
    """Each weekday: a talking-head paper and a segmentation paper in cs.CV, a GR paper."""
    n = day.weekday()
    return {
        "head": talklora(
            f"2411.{n}0001", title=f"Talking head synthesis day {n}", categories=("cs.CV", "cs.GR")
        ),
        "seg": talklora(
            f"2411.{n}0002",
            title=f"Segmentation day {n}",
            categories=("cs.CV",),
            abstract="We segment images with a new loss.",
        ),
        "gr": talklora(
            f"2411.{n}0003",
            title=f"Rendering day {n}",
            categories=("cs.GR",),
            abstract="We render scenes faster.",
        ),
    }


def publish(arxiv: FakeArxiv, day: date) -> None:
    """Make ``day``'s announcement feeds current (weekends: empty feeds)."""
    if day.weekday() >= 5:
        arxiv.announce("cs.CV", day)
        arxiv.announce("cs.GR", day)
        return
    p = papers_of(day)
    cv = [(p["head"], "new"), (p["seg"], "new")]
    if day.weekday() == 2:  # Wednesday: Monday's talking-head paper is revised (v2)
        monday = papers_of(MONDAY)["head"]
        v2 = arxiv.add(talklora(monday.base, 2, title=monday.title, categories=monday.categories))
        cv.append((v2, "replace"))
    arxiv.announce("cs.CV", day, cv)
    arxiv.announce("cs.GR", day, [(p["gr"], "new"), (p["head"], "cross")])


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        for day in WEEK[:5]:
            for paper in papers_of(day).values():
                server.add(paper)
        publish(server, MONDAY - timedelta(days=1))
        yield server


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: object
) -> AsyncIterator[Core]:
    built = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=0))
    built.scheduler.clock = Clock(datetime(2024, 11, 24, 12, 0, tzinfo=UTC))
    adapter = RecordingAdapter()
    built.attach(adapter)
    yield built
    await built.aclose()


def chat(name: str) -> ChatRef:
    return ChatRef("test", name)


async def subscribe(core: Core, where: str, args: str, **kw: object) -> str:
    said = Transcript()
    await core.handle(command(f"/subscribe {args}", chat=chat(where), **kw), said)  # type: ignore[arg-type]
    assert said.posts, "no answer"
    return said.text


def adapter_of(core: Core) -> RecordingAdapter:
    adapter = core.adapters["test"]
    assert isinstance(adapter, RecordingAdapter)
    return adapter


async def run_week(
    core: Core, arxiv: FakeArxiv, received: dict[str, list[tuple[datetime, str]]]
) -> None:
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    adapter = adapter_of(core)
    start = datetime.combine(MONDAY, datetime.min.time(), UTC)
    for step in range(7 * 48):
        clock.now = start + timedelta(minutes=30 * step)
        publish(arxiv, (clock.now - timedelta(hours=5)).date())  # feeds turn over ~midnight ET
        before = {k: len(v) for k, v in adapter.posts.items()}
        await core.scheduler.tick()
        for chat_id, posts in adapter.posts.items():
            for post in posts[before.get(chat_id, 0) :]:
                received.setdefault(chat_id, []).append((clock.now, post.paper_id or post.text))


async def test_a_week_of_digests_for_three_chats(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini
) -> None:
    said = await subscribe(core, "a", "cs.CV --at 08:00 --tz Europe/Berlin")
    assert "Subscribed" in said
    await subscribe(core, "b", '"talking head" cs.CV --at 07:30 --tz Asia/Shanghai')
    await subscribe(core, "c", "cs.GR --at 09:00 --tz America/New_York --lang zh")
    received: dict[str, list[tuple[datetime, str]]] = {}
    await run_week(core, arxiv, received)

    adapter = adapter_of(core)
    weekdays = WEEK[:5]
    head = [papers_of(d)["head"].versioned for d in weekdays]
    seg = [papers_of(d)["seg"].versioned for d in weekdays]
    gr = [papers_of(d)["gr"].versioned for d in weekdays]
    assert adapter.papers("a") == [p for pair in zip(head, seg, strict=True) for p in pair]
    assert adapter.papers("b") == head  # keyword-filtered, and Monday's v2 never re-posted
    assert adapter.papers("c") == gr  # no cross-lists unless asked

    # Each chat hears from the bot at its own local time, and never at the weekend.
    local = {
        "a": ("Europe/Berlin", 8, 0),
        "b": ("Asia/Shanghai", 7, 30),
        "c": ("America/New_York", 9, 0),
    }
    from zoneinfo import ZoneInfo

    for name, (zone, hour, minute) in local.items():
        times = {t.astimezone(ZoneInfo(zone)) for t, _ in received[name]}
        assert {(t.hour, t.minute) for t in times} == {(hour, minute)}
        feed_days = {(t - timedelta(hours=5)).astimezone(UTC).weekday() for t, _ in received[name]}
        assert feed_days <= {0, 1, 2, 3, 4}
        assert len(times) == 5  # one digest per announcement day
    headers = adapter.texts("c")
    assert headers[0].startswith("📚 cs.GR 方向最新论文已更新 2024-11-25：1 篇")

    # Overlapping papers were summarized once per language: 10 cs.CV (en) + 5 cs.GR (zh).
    assert gemini.calls == 15
    subs = await core.subscriptions.all()
    assert {s.last_result for s in subs} == {"2024-12-01: no announcements"}  # a quiet Sunday


async def test_a_killed_digest_resumes_and_sends_nothing_twice(
    core: Core, arxiv: FakeArxiv, redis_url: str
) -> None:
    await subscribe(core, "a", "cs.CV --at 08:00 --tz UTC")
    publish(arxiv, MONDAY)
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    clock.now = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
    adapter = adapter_of(core)
    adapter.block_after = 2  # the header and the first card go out, then the process hangs

    run = asyncio.create_task(core.scheduler.tick())
    for _ in range(100):
        await asyncio.sleep(0.05)
        if adapter.sends == 2:
            break
    run.cancel()  # ... and is killed in the middle of the digest
    with pytest.raises(asyncio.CancelledError):
        await run
    assert adapter.sends == 2

    adapter.block_after = None
    restarted = DigestScheduler(
        runner=core.scheduler.runner,
        subscriptions=core.subscriptions,
        redis=core.redis,
        prefix=core.settings.redis_prefix,
        send=core.scheduler.send,
        clock=clock,
    )
    clock.now += timedelta(minutes=5)
    await restarted.tick()
    monday = papers_of(MONDAY)
    assert adapter.papers("a") == [monday["head"].versioned, monday["seg"].versioned]
    assert len([t for t in adapter.texts("a") if t.startswith("📚")]) == 1


async def test_a_restart_mid_digest_finishes_the_message_in_flight_and_sends_the_rest_after(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str
) -> None:
    await subscribe(core, "a", "cs.CV --at 08:00 --tz UTC")
    publish(arxiv, MONDAY)
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    clock.now = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
    adapter = adapter_of(core)
    adapter.send_delay = 0.3  # each message takes a while to go out

    run = asyncio.create_task(core.scheduler.tick())
    for _ in range(200):
        await asyncio.sleep(0.02)
        if adapter.started == 2:  # the header is out, the first card is on its way
            break
    await core.scheduler.stop()  # docker stop / SIGTERM: a graceful shutdown
    await run
    assert adapter.sends == 2  # the card in flight was finished, nothing started after it
    (sub,) = await core.subscriptions.all()
    assert sub.last_slot != "20241125T0800Z"  # the slot stays open

    restarted = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=0))
    try:
        restarted.scheduler.clock = clock
        restarted.attach(adapter)
        clock.now += timedelta(minutes=2)
        await restarted.scheduler.tick()
    finally:
        await restarted.aclose()
    monday = papers_of(MONDAY)
    assert adapter.papers("a") == [monday["head"].versioned, monday["seg"].versioned]  # once each
    assert len([t for t in adapter.texts("a") if t.startswith("📚")]) == 1


async def test_two_processes_deliver_each_digest_exactly_once(core: Core, arxiv: FakeArxiv) -> None:
    await subscribe(core, "a", "cs.CV --at 08:00 --tz UTC")
    await subscribe(core, "b", "cs.GR --at 08:00 --tz UTC")
    publish(arxiv, MONDAY)
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    clock.now = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
    other = DigestScheduler(
        runner=core.scheduler.runner,
        subscriptions=core.subscriptions,
        redis=core.redis,
        prefix=core.settings.redis_prefix,
        send=core.scheduler.send,
        clock=clock,
    )
    await asyncio.gather(core.scheduler.tick(), other.tick(), core.scheduler.tick())
    adapter = adapter_of(core)
    assert len(adapter.papers("a")) == 2 and len(adapter.papers("b")) == 1
    assert len(adapter.texts("a")) == 1 and len(adapter.texts("b")) == 1


async def test_a_chat_that_blocked_the_bot_is_paused_and_the_others_are_served(
    core: Core, arxiv: FakeArxiv
) -> None:
    await subscribe(core, "a", "cs.CV --at 08:00 --tz UTC")
    await subscribe(core, "blocked", "cs.CV --at 08:00 --tz UTC")
    await subscribe(core, "c", "cs.CV --at 08:00 --tz UTC")
    adapter = adapter_of(core)
    adapter.blocked.add("blocked")
    publish(arxiv, MONDAY)
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    clock.now = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
    await core.scheduler.tick()
    assert len(adapter.papers("a")) == 2 and len(adapter.papers("c")) == 2
    listing = Transcript()
    await core.handle(command("/subscriptions", chat=chat("blocked")), listing)
    assert "paused: Forbidden: bot was blocked by the user" in listing.text
    assert "/resume" in listing.text


async def test_weekend_notice_only_when_asked(core: Core, arxiv: FakeArxiv) -> None:
    await subscribe(core, "quiet", "cs.CV --at 08:00 --tz UTC")
    await subscribe(core, "told", "cs.CV --at 08:00 --tz UTC --notify-empty")
    publish(arxiv, WEEK[5])
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    clock.now = datetime(2024, 11, 30, 8, 0, tzinfo=UTC)
    await core.scheduler.tick()
    adapter = adapter_of(core)
    assert adapter.posts.get("quiet") is None
    assert adapter.texts("told") == [
        "📭 cs.CV: arXiv announced no new papers today (arXiv does not announce at weekends)."
    ]


async def test_subscribe_previews_the_latest_feed_and_digest_runs_here(
    core: Core, arxiv: FakeArxiv
) -> None:
    publish(arxiv, MONDAY)
    said = await subscribe(core, "a", '"talking head" OR rendering cs.CV cs.GR --max 1')
    assert "would have brought 2 papers" in said and "Talking head synthesis day 0" in said
    here = Transcript()
    await core.handle(command("/digest", chat=chat("a")), here)
    assert [p.paper_id for p in here.posts if p.paper_id] == ["2411.00001v1"]
    assert any("More papers today:" in p.text and "Rendering day 0" in p.text for p in here.posts)
    again = Transcript()
    await core.handle(command("/digest", chat=chat("a")), again)
    assert [p.paper_id for p in again.posts if p.paper_id] == []  # nothing is sent twice


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ("", "Subscribe to what?"),
        ("cs.CVV", "Did you mean cs.CV"),
        ("cs.CV --at 25:00", "not a time of day"),
        ("cs.CV --tz Mars/Olympus", "not a time zone"),
        ('cs.CV "talking head', "quote is not closed"),
        ("cs.CV (talking OR head", "never closed"),
        ("cs.CV " + "word " * 80, "too long"),
        ("cs.CV --max 500", "from 1 to 50"),
        ("cs.CV --lang fr", "--lang must be"),
    ],
)
async def test_malformed_subscriptions_are_refused_with_an_example(
    core: Core, args: str, says: str
) -> None:
    said = await subscribe(core, "a", args)
    assert says in said
    assert "xample" in said
    assert await core.subscriptions.for_chat(chat("a")) == []


async def test_only_admins_change_a_groups_subscriptions(core: Core) -> None:
    group = chat("group")
    said = await subscribe(core, "group", "cs.CV", chat_type="group", admin=True)
    sub_id = said.split("(")[1].split(")")[0]
    for name in (f"/unsubscribe {sub_id}", f"/pause {sub_id}", "/subscribe cs.GR"):
        refused = Transcript()
        await core.handle(command(name, chat=group, chat_type="group"), refused)
        assert "Only the chat's admins" in refused.text
    assert len(await core.subscriptions.for_chat(group)) == 1
    done = Transcript()
    await core.handle(
        command(f"/unsubscribe {sub_id}", chat=group, chat_type="group", admin=True), done
    )
    assert "Unsubscribed" in done.text and await core.subscriptions.for_chat(group) == []


async def test_status_tells_admins_the_next_digest_and_the_last_result(
    core: Core, arxiv: FakeArxiv
) -> None:
    said = await subscribe(
        core, "g", "cs.CV --at 08:00 --tz Europe/Berlin", chat_type="group", admin=True
    )
    sub_id = said.split("(")[1].split(")")[0]
    publish(arxiv, MONDAY)
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    clock.now = datetime(2024, 11, 25, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
    await core.scheduler.tick()
    status = Transcript()
    await core.handle(command("/status", chat=chat("g"), chat_type="group", admin=True), status)
    assert f"{sub_id} — cs.CV" in status.text
    assert "next digest Tue 2024-11-26 08:00 Europe/Berlin" in status.text
    assert "last: 2024-11-25: 2 papers" in status.text
    refused = Transcript()
    await core.handle(command("/status", chat=chat("g"), chat_type="group"), refused)
    assert "Only the chat's admins" in refused.text


async def test_many_chats_on_one_feed_cost_one_metadata_lookup(
    core: Core, arxiv: FakeArxiv
) -> None:
    for name in ("a", "b", "c", "d"):
        await subscribe(core, name, "cs.CV --at 08:00 --tz UTC")
    publish(arxiv, MONDAY)
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    clock.now = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
    lookups = arxiv.hits("/api/query")
    await core.scheduler.tick()
    assert arxiv.hits("/api/query") - lookups == 1
    assert all(len(adapter_of(core).papers(n)) == 2 for n in ("a", "b", "c", "d"))


async def test_a_digest_is_summarized_ahead_and_only_sent_at_its_time(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str
) -> None:
    await subscribe(core, "a", "cs.CV --at 08:00 --tz UTC")
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    publish(arxiv, MONDAY)
    adapter = adapter_of(core)
    clock.now = datetime(2024, 11, 25, 7, 20, tzinfo=UTC)  # 40 minutes before: too early
    await core.scheduler.tick()
    assert not core.scheduler.prefetching and gemini.calls == 0
    clock.now = datetime(2024, 11, 25, 7, 35, tzinfo=UTC)  # 25 minutes before
    await core.scheduler.tick()
    (task,) = core.scheduler.prefetching  # running in the background
    await core.scheduler.tick()  # a second tick does not start it again
    assert core.scheduler.prefetching <= {task}
    assert await task == 2 and gemini.calls == 2
    assert adapter.papers("a") == []  # nothing sent ahead of time

    other = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=0))
    try:  # another process sharing the Redis does not summarize them again
        other.scheduler.clock = clock
        await other.scheduler.tick()
        assert not other.scheduler.prefetching
    finally:
        await other.aclose()

    clock.now = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)
    await core.scheduler.tick()
    monday = papers_of(MONDAY)
    assert adapter.papers("a") == [monday["head"].versioned, monday["seg"].versioned]
    assert gemini.calls == 2  # the digest used the summaries written ahead
