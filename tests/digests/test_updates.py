"""--updates end to end: a delivered paper's new version states an acceptance or names its code,
and the chat gets one reply under the card, once across runs, restarts and processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime

import pytest
import redis.asyncio as aioredis
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.paperkit import settings_for, talklora

from bot.app import Core, build_core
from bot.chat.contract import ChatRef, SentRef
from bot.chat.post import Post
from bot.digests.runner import DeliveryFailed
from bot.infra.settings import Settings

LAB = ChatRef("test", "lab")
MONDAY, TUESDAY, WEDNESDAY = date(2024, 11, 25), date(2024, 11, 26), date(2024, 11, 27)
ABSTRACT = "We animate talking heads from speech with low-rank adapters and little data."
BASE = "2411.00001"


def paper(version: int, comment: str | None = "8 pages, 4 figures", **fields: str) -> FakePaper:
    """Version ``version`` of the delivered paper (no code link unless ``abstract`` names one)."""
    fields.setdefault("abstract", ABSTRACT)
    return talklora(BASE, version, comment=comment, categories=("cs.CV",), **fields)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 13, 0, tzinfo=UTC)


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.announce("cs.CV", MONDAY, [(server.add(paper(1)), "new")])
        yield server


@pytest.fixture
def settings(arxiv: FakeArxiv, redis_url: str, redis_client: aioredis.Redis) -> Settings:
    return settings_for(arxiv, redis_url, user_rate_limit=0)


async def started(settings: Settings, day: date) -> Core:
    """A core (a bot process) on the shared Redis, its clock at ``day``'s digest time."""
    core = await build_core(settings)
    core.scheduler.clock = lambda: at(day)
    return core


@pytest.fixture
async def core(settings: Settings) -> AsyncIterator[Core]:
    built = await started(settings, MONDAY)
    yield built
    await built.aclose()


async def say(core: Core, text: str) -> Transcript:
    said = Transcript()
    await core.handle(command(text, chat=LAB, user="u1"), said)
    return said


async def delivered(core: Core, args: str = "cs.CV --updates") -> tuple[str, str]:
    """Subscribe, get Monday's digest; the subscription id and the card's first message id."""
    said = (await say(core, f"/subscribe {args}")).text
    assert ("a new version is accepted" in said) == ("--updates" in args)  # says what it does
    sub_id = said.split("(")[1].split(")")[0]
    digest = await say(core, "/digest")
    assert [p.paper_id for p in digest.posts if p.paper_id] == [f"{BASE}v1"]
    card = await core.scheduler.runner.archive.card(sub_id, BASE)
    assert card is not None and card.message_ids
    return sub_id, card.message_ids[0]


def replaced(arxiv: FakeArxiv, day: date, new: FakePaper) -> None:
    """``day``'s cs.CV feed lists ``new`` as a replacement (and nothing new)."""
    arxiv.announce("cs.CV", day, [(arxiv.add(new), "replace")])


def replies(said: Transcript) -> list[Post]:
    return [p for p in said.posts if p.reply_to is not None]


def next_day(core: Core, day: date) -> None:
    core.scheduler.clock = lambda: at(day)


async def test_an_acceptance_gets_one_reply_under_the_card_and_never_again(
    core: Core, arxiv: FakeArxiv, settings: Settings
) -> None:
    _, card_id = await delivered(core)
    replaced(arxiv, TUESDAY, paper(2, "Accepted to NeurIPS 2025. 8 pages, 4 figures"))
    next_day(core, TUESDAY)
    api_calls = arxiv.hits("/api/query")

    (reply,) = replies(await say(core, "/digest"))
    assert reply.text == f"📣 Accepted to NeurIPS 2025 (v2): https://arxiv.org/abs/{BASE}v2"
    assert reply.reply_to == card_id
    assert arxiv.hits("/api/query") - api_calls <= 1  # both versions' metadata in one batch

    assert replies(await say(core, "/digest")) == []  # a second run
    await core.aclose()
    restarted = await started(settings, TUESDAY)  # a restart: same Redis, new process
    try:
        assert replies(await say(restarted, "/digest")) == []
        # v3 only fixes a typo: the acceptance it repeats was already told
        replaced(arxiv, WEDNESDAY, paper(3, "Accepted to NeurIPS 2025. 8 pages, 5 figures"))
        next_day(restarted, WEDNESDAY)
        assert replies(await say(restarted, "/digest")) == []
    finally:
        await restarted.aclose()


async def test_two_processes_on_one_redis_reply_once(
    core: Core, arxiv: FakeArxiv, settings: Settings
) -> None:
    await delivered(core)
    replaced(arxiv, TUESDAY, paper(2, "Accepted to NeurIPS 2025"))
    next_day(core, TUESDAY)
    other = await started(settings, TUESDAY)
    try:
        both = await asyncio.gather(say(core, "/digest"), say(other, "/digest"))
    finally:
        await other.aclose()
    assert len([r for said in both for r in replies(said)]) == 1


async def test_a_typo_fix_says_nothing(core: Core, arxiv: FakeArxiv) -> None:
    await delivered(core)
    fixed = ABSTRACT.replace("little data", "very little data")
    replaced(arxiv, TUESDAY, paper(2, "8 pages, 4 figures", abstract=fixed))
    next_day(core, TUESDAY)
    assert replies(await say(core, "/digest")) == []


async def test_a_newly_named_repository_gets_a_code_released_reply(
    core: Core, arxiv: FakeArxiv
) -> None:
    _, card_id = await delivered(core)
    named = f"{ABSTRACT} Code: https://github.com/talk-lab/talklora-v2."
    replaced(arxiv, TUESDAY, paper(2, abstract=named))
    next_day(core, TUESDAY)
    (reply,) = replies(await say(core, "/digest"))
    assert reply.text == (
        "📣 Code released (v2): https://github.com/talk-lab/talklora-v2 · "
        f"https://arxiv.org/abs/{BASE}v2"
    )
    assert reply.reply_to == card_id


async def test_in_chinese_for_a_chinese_subscription(core: Core, arxiv: FakeArxiv) -> None:
    await delivered(core, "cs.CV --updates --lang zh")
    replaced(arxiv, TUESDAY, paper(2, "Accepted to NeurIPS 2025"))
    next_day(core, TUESDAY)
    (reply,) = replies(await say(core, "/digest"))
    assert reply.text == (
        f"📣 新版本（v2）注明：Accepted to NeurIPS 2025：https://arxiv.org/abs/{BASE}v2"
    )


async def test_a_subscription_without_updates_gets_no_reply_and_reads_no_more(
    core: Core, arxiv: FakeArxiv
) -> None:
    await delivered(core, "cs.CV")
    replaced(arxiv, TUESDAY, paper(2, "Accepted to NeurIPS 2025"))
    next_day(core, TUESDAY)
    api_calls = arxiv.hits("/api/query")
    assert replies(await say(core, "/digest")) == []
    assert arxiv.hits("/api/query") == api_calls  # no metadata fetched for updates


async def test_a_failed_reply_is_sent_by_the_next_run(core: Core, arxiv: FakeArxiv) -> None:
    sub_id, card_id = await delivered(core)
    replaced(arxiv, TUESDAY, paper(2, "Accepted to NeurIPS 2025"))
    next_day(core, TUESDAY)
    sub = await core.scheduler.subscriptions.get(sub_id)
    assert sub is not None
    runner, sent = core.scheduler.runner, list[Post]()

    async def down(_chat: ChatRef, _post: Post) -> SentRef:
        raise ConnectionError("platform down")

    async def up(chat: ChatRef, post: Post) -> SentRef:
        sent.append(post)
        return SentRef(chat, (str(len(sent)),))

    with pytest.raises(DeliveryFailed):  # the slot stays open: the next tick runs it again
        await runner.run(sub, down, "slot-1", now=at(TUESDAY))
    await runner.run(sub, up, "slot-1", now=at(TUESDAY))
    assert [(p.text, p.reply_to) for p in sent] == [
        (f"📣 Accepted to NeurIPS 2025 (v2): https://arxiv.org/abs/{BASE}v2", card_id)
    ]


async def test_a_reworded_acceptance_in_a_later_version_is_not_replied_again(
    core: Core, arxiv: FakeArxiv
) -> None:
    _, card_id = await delivered(core)
    replaced(arxiv, TUESDAY, paper(2, "Accepted at ICML 2025 (Oral)"))
    next_day(core, TUESDAY)
    (reply,) = replies(await say(core, "/digest"))
    assert reply.text == f"📣 Accepted at ICML 2025 (Oral) (v2): https://arxiv.org/abs/{BASE}v2"
    assert reply.reply_to == card_id

    replaced(arxiv, WEDNESDAY, paper(3, "Accepted at ICML 2025 with an oral presentation"))
    next_day(core, WEDNESDAY)
    assert replies(await say(core, "/digest")) == []  # the same acceptance, reworded


async def test_each_newly_named_repository_gets_its_own_reply_once(
    core: Core, arxiv: FakeArxiv
) -> None:
    await delivered(core)
    first = f"{ABSTRACT} Code: https://github.com/talk-lab/talklora."
    replaced(arxiv, TUESDAY, paper(2, abstract=first))
    next_day(core, TUESDAY)
    (reply,) = replies(await say(core, "/digest"))
    assert "https://github.com/talk-lab/talklora ·" in reply.text

    moved = f"{ABSTRACT} Code: https://github.com/talk-lab/talklora-official."
    replaced(arxiv, WEDNESDAY, paper(3, abstract=moved))
    next_day(core, WEDNESDAY)
    (again,) = replies(await say(core, "/digest"))
    assert "https://github.com/talk-lab/talklora-official ·" in again.text
    assert replies(await say(core, "/digest")) == []
