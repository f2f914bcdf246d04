"""The weekly recap: a week of digests, then /recap gives themes with overviews from one model
call (liked papers first); a --weekly subscription posts no cards, only the recap at the week's
end, once; without a model the themes have names but no overview."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis
from support.chatkit import RecordingAdapter, Transcript, command
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.fakes.gemini_server import FakeGemini
from support.morning import MONDAY
from support.paperkit import analysis_for, settings_for, talklora

from bot.app import Core, build_core
from bot.chat.contract import ChatRef

LAB = ChatRef("test", "lab")
TOPICS = {
    "head": [
        ("2411.10001", "Audio-driven talking head generation with lip sync",
         "We generate talking head videos from speech audio with accurate lip sync."),
        ("2411.10002", "Expressive talking head portraits",
         "We animate a talking head portrait with expressive lip motion driven by audio."),
        ("2411.10003", "Lip sync evaluation for talking faces",
         "We evaluate the lip sync of talking head videos generated from audio."),
    ],
    "seg": [
        ("2411.20001", "Medical image segmentation with a boundary loss",
         "We segment tumours in medical images with a boundary loss."),
        ("2411.20002", "Boundary-aware segmentation of organs",
         "Boundary-aware segmentation of organs in medical images."),
        ("2411.20003", "Semi-supervised medical image segmentation",
         "We segment medical images with few labels using boundary consistency."),
    ],
    "asr": [
        ("2411.30001", "Streaming speech recognition with a large encoder",
         "We transcribe speech in real time with a large encoder for speech recognition."),
        ("2411.30002", "Speech recognition for low-resource languages",
         "Speech recognition transfers to low-resource languages with a shared encoder."),
        ("2411.30003", "Noise-robust speech recognition",
         "We make speech recognition robust to noise with encoder augmentation."),
    ],
}  # fmt: skip
TITLES = {base: title for papers in TOPICS.values() for base, title, _ in papers}
TOPIC_OF = {base: topic for topic, papers in TOPICS.items() for base, _, _ in papers}
SCHEDULE = [  # Monday .. Friday: what each day announces
    ("2411.10001", "2411.20001"),
    ("2411.30001", "2411.10002"),
    ("2411.20002", "2411.30002"),
    ("2411.10003",),
    ("2411.20003", "2411.30003"),
]
FRIDAY = MONDAY + timedelta(days=4)
INVENTED = "They improve accuracy by 97.3% over every baseline."
_THEME = re.compile(r'<theme id="(\d+)" terms="([^"]*)">')


def is_recap(body: dict[str, Any]) -> bool:
    return "weekly recap" in FakeGemini.system_text(body)


def responder(body: dict[str, Any]) -> dict[str, Any]:
    """Summaries as usual; a recap names each theme by its terms, with an invented number."""
    if not is_recap(body):
        return analysis_for(FakeGemini.system_text(body) + FakeGemini.prompt_text(body))
    themes = _THEME.findall(FakeGemini.prompt_text(body))
    return {
        "themes": [
            {
                "theme": int(tid),
                "name": f"Work on {terms.split(' · ')[0]}",
                "overview": f"This week's papers study {terms.split(' · ')[0]}. {INVENTED}",
            }
            for tid, terms in themes
        ]
    }


def recap_calls(gemini: FakeGemini) -> int:
    return sum(is_recap(r.body or {}) for r in gemini.generate_requests)


class Clock:
    """The scheduler's simulated time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        for papers in TOPICS.values():
            for base, title, abstract in papers:
                server.add(talklora(base, title=title, abstract=abstract, categories=("cs.CV",)))
        yield server


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    with FakeGemini(responder=responder) as server:
        yield server


async def started(arxiv: FakeArxiv, redis_url: str, gemini: FakeGemini | None) -> Core:
    built = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=0))
    built.scheduler.clock = Clock(datetime(2024, 11, 24, 13, 0, tzinfo=UTC))
    built.attach(RecordingAdapter())
    return built


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[Core]:
    built = await started(arxiv, redis_url, gemini)
    yield built
    await built.aclose()


@pytest.fixture
async def extractive(
    arxiv: FakeArxiv, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[Core]:
    built = await started(arxiv, redis_url, None)
    yield built
    await built.aclose()


def clock_of(core: Core) -> Clock:
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    return clock


def announce(arxiv: FakeArxiv, day: date) -> None:
    """The feed of ``day`` (US Eastern): its papers, or nothing at weekends."""
    index = (day - MONDAY).days
    bases = SCHEDULE[index] if 0 <= index < len(SCHEDULE) else ()
    found = [arxiv.find(b) for b in bases]
    arxiv.announce("cs.CV", day, [(p, "new") for p in found if isinstance(p, FakePaper)])


async def say(core: Core, text: str, chat: ChatRef = LAB) -> Transcript:
    said = Transcript()
    await core.handle(command(text, chat=chat, user="u1"), said)
    return said


async def subscribe(core: Core, args: str) -> str:
    said = (await say(core, f"/subscribe {args}")).text
    return said.split("(")[1].split(")")[0]


async def digest_week(core: Core, arxiv: FakeArxiv) -> None:
    """Monday to Friday: each morning's digest, posted here by /digest."""
    for offset in range(5):
        day = MONDAY + timedelta(days=offset)
        announce(arxiv, day)
        clock_of(core).now = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=13)
        await say(core, "/digest")


def sections(text: str) -> list[list[str]]:
    """The recap's blocks (header, liked, each theme), as lists of lines."""
    return [block.splitlines() for block in text.split("\n\n")]


async def test_a_week_then_recap_gives_themes_with_overviews_from_one_call_liked_first(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini
) -> None:
    await subscribe(core, "cs.CV")
    await digest_week(core, arxiv)
    await say(core, "/like 2411.20002")
    summaries = gemini.calls
    assert recap_calls(gemini) == 0

    said = await say(core, "/recap")

    assert recap_calls(gemini) == 1 and gemini.calls == summaries + 1  # one call, no summaries
    (post,) = said.posts
    header, liked, *themes = sections(post.text)
    assert header[0] == "🗓 Week in review: cs.CV (2024-11-23 to 2024-11-29)"
    assert header[1].startswith("9 papers in 3 themes · overviews by Gemini (gemini-2.5-flash)")
    assert liked == [
        "👍 Liked here",
        f"👍 {TITLES['2411.20002']} — https://arxiv.org/abs/2411.20002v1",
        "   LoRA adapts talking heads fast",
    ]
    assert len(themes) == 3
    grouped = []
    for theme in themes:
        name, overview, *listed = theme
        assert name.startswith("🔹 Work on ") and name.endswith(" (3)")
        assert overview.startswith("This week's papers study ")
        bases = [line.split("/abs/")[1][:10] for line in listed]
        assert all(line.startswith("• ") for line in listed)
        grouped.append({TOPIC_OF[b] for b in bases})
        assert "2411.20002" not in bases  # liked: listed once, above
    assert sorted(len(g) for g in grouped) == [1, 1, 1]  # each theme is one topic
    assert "97.3" not in post.text  # a number no summary holds never reaches the chat
    assert "3 sentences with numbers or names not in the summaries removed" in header[1]
    request = next(r for r in gemini.generate_requests if is_recap(r.body or {}))
    sent = FakeGemini.prompt_text(request.body or {})
    assert "Summary: LoRA adapts talking heads fast" in sent and "<paper>" not in sent

    again = await say(core, "/recap")  # the same week again: the overviews are cached
    assert recap_calls(gemini) == 1 and again.posts[0].text == post.text


async def test_a_weekly_subscription_posts_only_the_recap_at_the_week_end_once(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str
) -> None:
    said = (await say(core, "/subscribe cs.CV --weekly --at 08:00 --tz UTC")).text
    assert "A weekly recap on Fridays at 08:00 UTC" in said and "Every announcement" not in said
    sub_id = said.split("(")[1].split(")")[0]
    adapter = core.adapters["test"]
    assert isinstance(adapter, RecordingAdapter)
    clock = clock_of(core)
    for offset in range(5):
        day = MONDAY + timedelta(days=offset)
        announce(arxiv, day)
        clock.now = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8, minutes=1)
        await core.scheduler.tick()
        if offset < 4:
            assert adapter.posts.get("lab", []) == []  # gathered silently
            (sub,) = await core.subscriptions.all()
            assert sub.last_result is not None and "kept for the weekly recap" in sub.last_result
    posts = adapter.posts["lab"]
    assert len(posts) == 1 and not adapter.papers("lab")  # no card all week, one recap
    assert posts[0].text.startswith("🗓 Week in review: cs.CV (2024-11-23 to 2024-11-29)")
    assert "9 papers in 3 themes" in posts[0].text and recap_calls(gemini) == 1
    cards = await core.scheduler.runner.archive.cards(sub_id)
    assert len(cards) == 9 and not any(c.posted or c.message_ids for c in cards)
    (sub,) = await core.subscriptions.all()
    assert sub.last_result is not None and "recap posted (9 papers, 3 themes)" in sub.last_result

    restarted = await started(arxiv, redis_url, gemini)  # a restart; then Saturday's slot
    try:
        restarted.attach(adapter)
        restarted.scheduler.clock = Clock(datetime(2024, 11, 30, 8, 1, tzinfo=UTC))
        announce(arxiv, FRIDAY + timedelta(days=1))
        await restarted.scheduler.tick()
        await restarted.scheduler.runner.run_weekly(sub, adapter.send, "again", clock.now)
    finally:
        await restarted.aclose()
    assert len(adapter.posts["lab"]) == 1  # not twice
    assert recap_calls(gemini) == 1


async def test_a_missed_friday_is_recapped_at_the_first_slot_after_it(
    core: Core, arxiv: FakeArxiv
) -> None:
    await subscribe(core, "cs.CV --weekly --at 08:00 --tz UTC")
    adapter = core.adapters["test"]
    assert isinstance(adapter, RecordingAdapter)
    for offset in (0, 1, 5):  # Monday, Tuesday, then nothing until Saturday
        day = MONDAY + timedelta(days=offset)
        announce(arxiv, day)
        clock_of(core).now = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8)
        await core.scheduler.tick()
    (recap,) = adapter.texts("lab")
    assert recap.startswith("🗓 Week in review") and "4 papers in" in recap


async def test_without_a_model_themes_are_named_by_their_terms_with_no_overview(
    extractive: Core, arxiv: FakeArxiv
) -> None:
    await subscribe(extractive, "cs.CV")
    await digest_week(extractive, arxiv)
    (post,) = (await say(extractive, "/recap")).posts
    header, *themes = sections(post.text)
    assert header[1] == (
        "9 papers in 3 themes · extractive recap (no LLM configured): themes are named by "
        "their most distinctive terms, without overviews"
    )
    names = []
    for theme in themes:
        name, *listed = theme
        assert name.startswith("🔹 ") and name.endswith(" (3)")
        assert all(line.startswith("• ") for line in listed) and len(listed) == 3
        names.append(name)
    words = " ".join(names)
    assert "segmentation" in words and "speech recognition" in words and "lip sync" in words


async def test_a_recap_in_chinese(core: Core, arxiv: FakeArxiv, gemini: FakeGemini) -> None:
    await subscribe(core, "cs.CV --lang zh")
    await digest_week(core, arxiv)
    (post,) = (await say(core, "/recap")).posts
    assert post.text.startswith("🗓 本周回顾：cs.CV（2024-11-23 至 2024-11-29）")
    assert "9 篇论文，3 个主题" in post.text
    request = next(r for r in gemini.generate_requests if is_recap(r.body or {}))
    assert "Simplified Chinese" in FakeGemini.system_text(request.body or {})


async def test_a_week_with_nothing_gets_one_line(core: Core, gemini: FakeGemini) -> None:
    clock_of(core).now = datetime(2024, 11, 29, 13, 0, tzinfo=UTC)
    await subscribe(core, "cs.CV")
    said = await say(core, "/recap")
    assert (
        said.text
        == "🗓 cs.CV: no papers from 2024-11-23 to 2024-11-29, so there is no recap this week."
    )
    assert recap_calls(gemini) == 0


async def test_recap_of_an_unknown_subscription_says_so(core: Core) -> None:
    await subscribe(core, "cs.CV")
    said = (await say(core, "/recap BADID")).text
    assert said == "This chat has no subscription 'BADID'. Send /subscriptions to see the ids."
    elsewhere = (await say(core, "/recap", chat=ChatRef("test", "other"))).text
    assert elsewhere.startswith("This chat has no subscriptions.")


async def test_a_weekly_and_a_daily_subscription_in_one_chat_both_get_every_paper(
    core: Core, arxiv: FakeArxiv
) -> None:
    weekly = await subscribe(core, "cs.CV --weekly --at 08:00 --tz UTC")
    daily = await subscribe(core, "cs.CV --at 08:00 --tz UTC")
    adapter = core.adapters["test"]
    assert isinstance(adapter, RecordingAdapter)
    for offset in range(5):
        day = MONDAY + timedelta(days=offset)
        announce(arxiv, day)
        clock_of(core).now = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8)
        await core.scheduler.tick()
    posted = sorted(p.split("v")[0] for p in adapter.papers("lab"))
    assert posted == sorted(TITLES)  # the daily's cards: none taken by the weekly
    recap = next(t for t in adapter.texts("lab") if t.startswith("🗓 Week in review"))
    assert "9 papers in 3 themes" in recap and all(title in recap for title in TITLES.values())
    assert len(await core.scheduler.runner.archive.cards(weekly)) == 9
    assert len(await core.scheduler.runner.archive.cards(daily)) == 9


async def test_a_weekly_subscription_keeps_only_the_papers_within_its_cap(
    core: Core, arxiv: FakeArxiv
) -> None:
    sub_id = await subscribe(core, "cs.CV --weekly --max 1 --at 08:00 --tz UTC")
    announce(arxiv, MONDAY)  # two papers, one over the cap
    clock_of(core).now = datetime.combine(MONDAY, datetime.min.time(), UTC) + timedelta(hours=8)
    await core.scheduler.tick()
    (kept,) = await core.scheduler.runner.archive.cards(sub_id)
    assert kept.base in SCHEDULE[0] and not kept.posted
    (sub,) = await core.subscriptions.all()
    assert sub.last_result is not None and "1 papers kept for the weekly recap" in sub.last_result
    (left,) = set(SCHEDULE[0]) - {kept.base}
    assert "delivered on 2024-11-25" in (await say(core, f"/why {kept.base}")).text
    assert "over the cap" in (await say(core, f"/why {left}")).text


async def test_a_weekly_recap_comes_on_the_subscribers_friday_in_its_time_zone(
    core: Core, arxiv: FakeArxiv
) -> None:
    said = (await say(core, "/subscribe cs.CV --weekly --at 08:00 --tz Asia/Shanghai")).text
    assert "A weekly recap on Fridays at 08:00 Asia/Shanghai" in said
    adapter = core.adapters["test"]
    assert isinstance(adapter, RecordingAdapter)
    for offset in range(6):  # Monday .. Saturday, 08:00 in Shanghai (the evening before in NY)
        local = MONDAY + timedelta(days=offset)
        announce(arxiv, local - timedelta(days=1))  # the feed New York dates the day before
        clock_of(core).now = datetime.combine(local, datetime.min.time(), UTC)  # 08:00 +08:00
        await core.scheduler.tick()
        texts = adapter.texts("lab")
        if offset < 4:
            assert texts == []  # Monday to Thursday in Shanghai: gathered silently
        else:
            (recap,) = texts  # Friday in Shanghai (Thursday in New York); once, not Saturday
            assert recap.startswith("🗓 Week in review: cs.CV (2024-11-22 to 2024-11-28)")
            assert "7 papers in" in recap  # Thursday's New York feed and those before it


async def test_weekly_with_updates_is_refused_with_the_reason(core: Core) -> None:
    said = (await say(core, "/subscribe cs.CV --weekly --updates")).text
    assert said == (
        "--updates replies under a paper's card, and a --weekly subscription posts no cards, "
        "only its recap: subscribe with one of them."
    )
    assert await core.subscriptions.all() == []
