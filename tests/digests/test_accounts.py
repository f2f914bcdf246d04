"""A digest that accounts for itself: the coverage line, /digest ID --all, /why, notices, and the
ranking and feedback metrics operators watch."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime

import pytest
import redis.asyncio as aioredis
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.morning import MONDAY, OFF_TOPIC, talking_head_morning
from support.paperkit import settings_for, talklora

from bot.app import Core, build_core
from bot.chat.contract import ChatRef

LAB = ChatRef("test", "lab")


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        morning = talking_head_morning(server)
        cross = server.add(
            talklora("2411.00006", title="Talking head gestures", categories=("cs.GR", "cs.CV"))
        )
        server.add(talklora("2411.00009", title="A language model", categories=("cs.CL",)))
        server.add(talklora("2410.00007", title="An older vision paper", categories=("cs.CV",)))
        server.announce("cs.CV", MONDAY, [*morning, (cross, "cross")])
        yield server


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[Core]:
    built = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=0))
    built.scheduler.clock = lambda: datetime(2024, 11, 25, 13, 0, tzinfo=UTC)
    yield built
    await built.aclose()


async def say(core: Core, text: str, user: str = "u1") -> Transcript:
    said = Transcript()
    await core.handle(command(text, chat=LAB, user=user), said)
    return said


async def subscribe(core: Core, args: str) -> str:
    said = (await say(core, f"/subscribe {args}")).text
    return said.split("(")[1].split(")")[0]


async def test_the_header_accounts_for_the_day_and_all_lists_what_was_left_out(core: Core) -> None:
    sub_id = await subscribe(core, 'cs.CV --about "talking head animation"')
    digest = await say(core, "/digest")
    header = digest.posts[0].text
    assert header.splitlines()[1] == (
        "arXiv announced 6 in cs.CV (5 new, 1 cross-lists) · 5 matched · 2 posted · "
        "3 below the threshold"
    )
    assert len([p for p in digest.posts if p.paper_id]) == 2  # the header stayed one message

    left = (await say(core, f"/digest {sub_id} --all")).text
    for base, (title, _) in OFF_TOPIC.items():
        assert f"{title} — https://arxiv.org/abs/{base}v1" in left
    assert "2411.00001" not in left and "Threshold 0.10" in left
    scores = [float(line.split()[1]) for line in left.splitlines() if line.startswith("• ")]
    assert len(scores) == 3 and all(s < 0.10 for s in scores)

    metrics = core.metrics
    assert metrics.value("paperbot_digest_papers_total", outcome="posted") == 2
    assert metrics.value("paperbot_digest_papers_total", outcome="withheld") == 3
    assert metrics.value("paperbot_ranked_candidates_total") == 5


async def test_the_coverage_line_in_chinese_and_without_a_threshold(core: Core) -> None:
    await subscribe(core, '"talking head" cs.CV --lang zh')
    header = (await say(core, "/digest")).posts[0].text
    assert header.splitlines()[1] == "arXiv 在 cs.CV 发布 6 篇（新 5，交叉 1） · 匹配 1 · 推送 1"


async def test_why_tells_what_became_of_a_paper_in_each_subscription(core: Core) -> None:
    about = await subscribe(core, 'cs.CV --about "talking head animation"')
    words = await subscribe(core, '"talking head" cs.CV')
    await say(core, "/digest")

    delivered = (await say(core, "/why 2411.00001")).text
    assert f"{about} (" in delivered and f"{words} (" in delivered
    today = datetime.now(UTC).date().isoformat()  # the delivery log records the real send time
    assert delivered.count(f"delivered on {today}") == 2

    below = (await say(core, "/why https://arxiv.org/abs/2411.00004")).text
    line = next(x for x in below.splitlines() if x.startswith(f"• {about}"))
    assert "announced on 2024-11-25, scored 0.0" in line and "below the threshold 0.10" in line
    line = next(x for x in below.splitlines() if x.startswith(f"• {words}"))
    assert line.endswith("announced on 2024-11-25, but it does not match the keywords")

    cross = (await say(core, "/why 2411.00006")).text
    assert cross.count("announced on 2024-11-25 as a cross-list (not included") == 2

    other = (await say(core, "/why 2411.00009")).text
    assert other.count("not in these categories (it is in cs.CL)") == 2
    never = (await say(core, "/why 2410.00007")).text
    assert never.count("not seen in this subscription's announcements") == 2

    assert "not an arXiv id" in (await say(core, "/why hello")).text
    assert "Which paper?" in (await say(core, "/why")).text


async def test_why_in_a_chat_without_subscriptions_says_so(core: Core) -> None:
    assert "no subscriptions" in (await say(core, "/why 2411.00001")).text


async def test_a_day_without_a_match_gets_a_notice_only_when_asked(core: Core) -> None:
    await subscribe(core, "quantum cs.CV --notify-empty")
    said = (await say(core, "/digest")).text
    assert "📭 quantum" not in said  # the topic line starts with the categories
    assert "arXiv announced 6 papers today; none matched." in said


async def test_a_weekday_without_announcements_is_named_a_holiday(
    core: Core, arxiv: FakeArxiv
) -> None:
    arxiv.announce("cs.CV", date(2024, 11, 28))
    core.scheduler.clock = lambda: datetime(2024, 11, 28, 13, 0, tzinfo=UTC)  # Thanksgiving
    await subscribe(core, "cs.CV --notify-empty --lang zh")
    said = (await say(core, "/digest")).text
    assert "今天 arXiv 没有发布新论文（可能是 arXiv 假日）" in said


async def test_feedback_metrics_and_status_show_what_the_ranking_has_seen(core: Core) -> None:
    sub_id = await subscribe(core, 'cs.CV --about "talking head animation"')
    await say(core, "/digest")
    await say(core, "/like 2411.00001")  # posted: the chat now likes it
    await say(core, "/like 2411.00001", user="u2")  # still liked: no change of verdict
    await say(core, "/dislike 2411.00001")
    await say(core, "/dislike 2411.00001", user="u2")  # now disliked
    await say(core, "/like 2411.00009")  # never posted here
    metrics = core.metrics
    assert metrics.value("paperbot_feedback_taps_total", vote="like") == 3
    assert metrics.value("paperbot_feedback_taps_total", vote="dislike") == 2
    assert metrics.value("paperbot_posted_verdicts_total", verdict="liked") == 1
    assert metrics.value("paperbot_posted_verdicts_total", verdict="disliked") == 1

    status = (await say(core, "/status")).text
    assert f"{sub_id} — cs.CV" in status
    assert "threshold 0.10; 3 ratings seen" in status


async def test_why_names_a_later_version_of_a_delivered_paper(core: Core, arxiv: FakeArxiv) -> None:
    await subscribe(core, '"talking head" cs.CV')
    await say(core, "/digest")
    arxiv.add(talklora("2411.00005", 2, title="Audio-driven talking head video generation"))
    said = (await say(core, "/why 2411.00005")).text
    assert "2411.00005v2 is a later version of the one delivered on" in said


async def test_why_says_a_paper_whose_summary_failed_is_retried(
    core: Core, gemini: FakeGemini
) -> None:
    sub_id = await subscribe(core, '"talking head" cs.CV')
    for _ in range(12):  # every summary call of this digest is refused as unsafe
        gemini.reply_blocked()
    digest = await say(core, "/digest")
    assert not [p for p in digest.posts if p.paper_id]  # nothing summarized, nothing posted
    line = next(x for x in (await say(core, "/why 2411.00005")).text.splitlines() if sub_id in x)
    assert line.endswith("its summary failed; it is retried in the next digest")
