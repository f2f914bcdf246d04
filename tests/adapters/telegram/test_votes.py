"""👍/👎 under Telegram digest cards: real core, real python-telegram-bot, local servers, real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.fakes.telegram_server import Call, FakeTelegram
from support.memory_adapter import DictPosts, RouterHost, until
from support.paperkit import settings_for, talklora

from adapters.telegram import TelegramAdapter
from bot.app import Core, build_core
from bot.chat.contract import ChatRef
from bot.chat.post import Post
from bot.chat.router import Router
from bot.digests.subscriptions import Subscription

MONDAY_8AM = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)  # cs.CV announces on Mondays
PAPER = "2410.10001v1"
LIKE, DISLIKE = f"v:+:{PAPER}", f"v:-:{PAPER}"


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        paper = server.add(talklora("2410.10001", title="Paper number 1"))
        server.announce("cs.CV", MONDAY_8AM.date(), [(paper, "new")])
        yield server


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


async def started(
    arxiv: FakeArxiv, gemini: FakeGemini, tg: FakeTelegram, redis_url: str
) -> tuple[Core, TelegramAdapter]:
    """A core with its Telegram adapter, connected (what `paperbot run` starts)."""
    core = await build_core(settings_for(arxiv, redis_url, gemini))
    adapter = TelegramAdapter(core, token=tg.token, base_url=tg.base_url, poll_timeout=0.5)
    core.attach(adapter)
    await adapter.start()
    await until(lambda: adapter.connected, what="telegram connected")
    return core, adapter


@pytest.fixture
async def bot(
    arxiv: FakeArxiv, gemini: FakeGemini, tg: FakeTelegram, redis_url: str, redis_client: object
) -> AsyncIterator[Core]:
    core, adapter = await started(arxiv, gemini, tg, redis_url)
    yield core
    await adapter.stop()
    await core.aclose()


async def digest(core: Core, tg: FakeTelegram, chat_id: int, thread: int | None = None) -> Call:
    """Subscribe the chat to cs.CV and run Monday's digest; the card it got."""
    await core.subscriptions.add(
        Subscription(
            id=f"s{abs(chat_id)}",
            platform="telegram",
            chat_id=str(chat_id),
            thread_id=str(thread) if thread else None,
            categories=("cs.CV",),
            created_at=MONDAY_8AM - timedelta(days=1),
        )
    )
    core.scheduler.clock = lambda: MONDAY_8AM
    await core.scheduler.tick()
    _header, card = tg.sent(chat_id)
    return card


def vote_row(markup: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The (label, callback data) of a keyboard's vote buttons."""
    rows = (markup or {}).get("inline_keyboard", [])
    return [(b["text"], b["callback_data"]) for row in rows for b in row if "callback_data" in b]


async def tap(tg: FakeTelegram, card: Call, user: int, data: str) -> str:
    """A member taps a button of the card; the acknowledgement they see."""
    chat_id, message_id = int(card.params["chat_id"]), card.result["message_id"]
    query = tg.push_callback_query(chat_id, message_id, user, data)
    await until(lambda: tg.answer_to(query) is not None, what="the tap answered")
    answer = tg.answer_to(query)
    assert answer is not None
    return answer.params.get("text", "")


async def eventually(read: Callable[[], Awaitable[object]], wanted: object) -> None:
    """Wait until ``await read()`` gives ``wanted`` (a vote counted in Redis); fail after 10 s."""
    for _ in range(200):
        if await read() == wanted:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still {await read()!r}, not {wanted!r}")


async def settled(tg: FakeTelegram, card: Call, row: list[tuple[str, str]]) -> None:
    """Wait until the card shows this vote row."""
    chat_id, message_id = int(card.params["chat_id"]), card.result["message_id"]
    await until(lambda: vote_row(tg.markup(chat_id, message_id)) == row, what=f"tally {row}")


async def test_a_digest_card_carries_vote_buttons_beside_its_links(
    bot: Core, tg: FakeTelegram
) -> None:
    card = await digest(bot, tg, -61)
    rows = card.json("reply_markup")["inline_keyboard"]
    assert rows[0][0]["url"].startswith("https://arxiv.org/abs/2410.10001")
    assert vote_row(card.json("reply_markup")) == [("👍", LIKE), ("👎", DISLIKE)]
    assert len(tg.sent(-61)) == 2  # header and one card: the buttons add no message


async def test_three_members_change_and_withdraw_votes_in_a_group_and_nothing_counts_twice(
    bot: Core, tg: FakeTelegram, gemini: FakeGemini
) -> None:
    card = await digest(bot, tg, -62)
    model_calls, sent = gemini.calls, len(tg.sent(-62))
    for user in (1, 2, 3):
        assert await tap(tg, card, user, LIKE) == "👍 recorded"
        await settled(tg, card, [(f"👍 {user}", LIKE), ("👎", DISLIKE)])

    assert await tap(tg, card, 2, DISLIKE) == "👎 recorded"  # a change, not a second vote
    await settled(tg, card, [("👍 2", LIKE), ("👎 1", DISLIKE)])
    assert await tap(tg, card, 3, LIKE) == "Vote withdrawn"  # the same button again
    await settled(tg, card, [("👍 1", LIKE), ("👎 1", DISLIKE)])

    chat = ChatRef("telegram", "-62")
    assert await bot.feedback.count(chat) == 2
    assert await bot.feedback.examples(chat) == []  # one up, one down: no net taste to learn
    assert gemini.calls == model_calls  # a tap costs no model call
    assert len(tg.sent(-62)) == sent  # and never a new message
    markup = tg.markup(-62, card.result["message_id"])
    assert markup is not None and markup["inline_keyboard"][0][0]["url"]  # links kept


async def test_votes_reach_the_ranking_of_that_chat(bot: Core, tg: FakeTelegram) -> None:
    card = await digest(bot, tg, -63)
    await tap(tg, card, 1, DISLIKE)
    await settled(tg, card, [("👍", LIKE), ("👎 1", DISLIKE)])
    (example,) = await bot.feedback.examples(ChatRef("telegram", "-63"))
    assert (example.paper, example.title, example.vote) == (PAPER, "Paper number 1", -1)
    assert await bot.feedback.examples(ChatRef("telegram", "-64")) == []  # per chat


async def test_a_tap_on_a_card_from_before_a_restart_counts(
    arxiv: FakeArxiv, gemini: FakeGemini, tg: FakeTelegram, redis_url: str, redis_client: object
) -> None:
    core, adapter = await started(arxiv, gemini, tg, redis_url)
    try:
        card = await digest(core, tg, -65)
        await tap(tg, card, 1, LIKE)
        await settled(tg, card, [("👍 1", LIKE), ("👎", DISLIKE)])
    finally:
        await adapter.stop()
        await core.aclose()
    core, adapter = await started(arxiv, gemini, tg, redis_url)  # the next morning
    try:
        assert await tap(tg, card, 2, LIKE) == "👍 recorded"
        await settled(tg, card, [("👍 2", LIKE), ("👎", DISLIKE)])
        assert await tap(tg, card, 1, LIKE) == "Vote withdrawn"  # yesterday's vote is known
        await settled(tg, card, [("👍 1", LIKE), ("👎", DISLIKE)])
    finally:
        await adapter.stop()
        await core.aclose()


async def test_a_tap_in_a_channel_counts_the_admin_who_tapped(bot: Core, tg: FakeTelegram) -> None:
    tg.add_channel("@papers_daily", -1009, 42, tg.bot_id)
    card = await digest(bot, tg, -1009)
    assert await tap(tg, card, 42, LIKE) == "👍 recorded"
    await settled(tg, card, [("👍 1", LIKE), ("👎", DISLIKE)])
    assert await bot.feedback.vote_of(ChatRef("telegram", "-1009"), "42", "2410.10001") == 1


async def test_a_tap_in_a_forum_topic_counts_for_that_topic(bot: Core, tg: FakeTelegram) -> None:
    card = await digest(bot, tg, -66, thread=7)
    await tap(tg, card, 5, LIKE)
    await settled(tg, card, [("👍 1", LIKE), ("👎", DISLIKE)])
    topic = ChatRef("telegram", "-66", "7")  # the topic the digest subscription names
    assert await bot.feedback.vote_of(topic, "5", "2410.10001") == 1


async def test_a_tap_after_unsubscribing_still_counts_for_the_chat(
    bot: Core, tg: FakeTelegram
) -> None:
    card = await digest(bot, tg, -67)
    chat = ChatRef("telegram", "-67")
    for sub in await bot.subscriptions.for_chat(chat):
        await bot.subscriptions.remove(sub)
    assert await tap(tg, card, 1, LIKE) == "👍 recorded"  # the chat's taste outlives digests
    await settled(tg, card, [("👍 1", LIKE), ("👎", DISLIKE)])
    assert await bot.feedback.count(chat) == 1


async def test_a_forged_or_foreign_button_gets_a_short_answer_and_counts_nothing(
    bot: Core, tg: FakeTelegram
) -> None:
    card = await digest(bot, tg, -68)
    assert await tap(tg, card, 1, "v:+:not-a-paper") == "That button is not about a paper."
    assert await tap(tg, card, 1, "something else") == "This button no longer works."
    assert await bot.feedback.count(ChatRef("telegram", "-68")) == 0
    assert vote_row(tg.markup(-68, card.result["message_id"])) == [("👍", LIKE), ("👎", DISLIKE)]


async def test_three_simultaneous_taps_leave_the_final_tally_on_the_card(
    bot: Core, tg: FakeTelegram
) -> None:
    card = await digest(bot, tg, -69)
    chat_id, message_id = -69, card.result["message_id"]
    tg.delay_next("editMessageReplyMarkup", 0.5)  # the first tally edit is slow on the network
    queries = [tg.push_callback_query(chat_id, message_id, user, LIKE) for user in (1, 2, 3)]
    await until(lambda: all(tg.answer_to(q) for q in queries), what="three taps answered")

    def edits() -> list[Call]:
        return tg.calls_of("editMessageReplyMarkup")

    await until(lambda: any(c.held for c in edits()), what="the slow edit landed")
    await until(
        lambda: vote_row(tg.markup(chat_id, message_id)) == [("👍 3", LIKE), ("👎", DISLIKE)],
        seconds=5,
        what="the final tally on the card",
    )
    shown = [vote_row(c.json("reply_markup"))[0][0] for c in edits()]
    assert shown[-1] == "👍 3" and shown == sorted(shown)  # in the order the votes were recorded
    assert await bot.feedback.count(ChatRef("telegram", "-69")) == 3


THUMBS_UP, THUMBS_DOWN = "👍", "👎"


async def test_the_bot_asks_telegram_for_reactions(bot: Core, tg: FakeTelegram) -> None:
    await until(lambda: tg.allowed_updates is not None, what="the first getUpdates")
    assert tg.allowed_updates is not None
    assert {"message", "callback_query", "message_reaction"} <= set(tg.allowed_updates)


async def test_a_members_reaction_on_a_card_is_a_vote_and_removing_it_withdraws_it(
    bot: Core, tg: FakeTelegram, gemini: FakeGemini
) -> None:
    card = await digest(bot, tg, -70)
    chat, message_id = ChatRef("telegram", "-70"), card.result["message_id"]
    model_calls, sent = gemini.calls, len(tg.sent(-70))
    tg.push_reaction(-70, message_id, 7, new=(THUMBS_UP,))
    await settled(tg, card, [("👍 1", LIKE), ("👎", DISLIKE)])
    assert await bot.feedback.vote_of(chat, "7", "2410.10001") == 1
    markup = tg.markup(-70, message_id)
    assert markup is not None and markup["inline_keyboard"][0][0]["url"]  # links kept

    tg.push_reaction(-70, message_id, 7, old=(THUMBS_UP,))
    await settled(tg, card, [("👍", LIKE), ("👎", DISLIKE)])
    assert await bot.feedback.vote_of(chat, "7", "2410.10001") == 0
    assert await bot.feedback.count(chat) == 0
    assert gemini.calls == model_calls and len(tg.sent(-70)) == sent  # no model, no message


async def test_changing_a_reaction_from_thumbs_up_to_down_changes_the_vote(
    bot: Core, tg: FakeTelegram
) -> None:
    card = await digest(bot, tg, -71)
    message_id = card.result["message_id"]
    tg.push_reaction(-71, message_id, 7, new=(THUMBS_UP,))
    await settled(tg, card, [("👍 1", LIKE), ("👎", DISLIKE)])
    tg.push_reaction(-71, message_id, 7, old=(THUMBS_UP,), new=(THUMBS_DOWN,))
    await settled(tg, card, [("👍", LIKE), ("👎 1", DISLIKE)])
    (example,) = await bot.feedback.examples(ChatRef("telegram", "-71"))
    assert (example.paper, example.vote) == (PAPER, -1)


async def test_reactions_that_are_not_a_members_vote_on_a_card_change_nothing(
    bot: Core, tg: FakeTelegram
) -> None:
    card = await digest(bot, tg, -72)
    header = tg.sent(-72)[0].result["message_id"]
    message_id = card.result["message_id"]
    tg.push_reaction(-72, header, 7, new=(THUMBS_UP,))  # the digest's header: not a card
    tg.push_reaction(-72, message_id, 8, new=("🔥",))  # another emoji
    tg.push_reaction(-72, message_id, None, new=(THUMBS_UP,), actor_chat=-72)  # anonymous admin
    tg.push_reaction_count(-72, message_id, {THUMBS_UP: 5})  # anonymous counts
    tg.push_reaction(-72, message_id, 9, new=(THUMBS_DOWN,))  # the one that counts, last
    await settled(tg, card, [("👍", LIKE), ("👎 1", DISLIKE)])
    chat = ChatRef("telegram", "-72")
    assert await bot.feedback.count(chat) == 1
    assert await bot.feedback.vote_of(chat, "9", "2410.10001") == -1
    assert len(tg.calls_of("editMessageReplyMarkup")) == 1


async def test_a_reaction_in_a_forum_topic_is_not_counted_but_its_buttons_are(
    bot: Core, tg: FakeTelegram
) -> None:
    card = await digest(bot, tg, -73, thread=7)
    tg.push_reaction(-73, card.result["message_id"], 5, new=(THUMBS_UP,))  # which topic? unknown
    assert await tap(tg, card, 6, LIKE) == "👍 recorded"
    await settled(tg, card, [("👍 1", LIKE), ("👎", DISLIKE)])
    topic = ChatRef("telegram", "-73", "7")
    assert await bot.feedback.vote_of(topic, "6", "2410.10001") == 1
    assert await bot.feedback.vote_of(topic, "5", "2410.10001") == 0
    assert await bot.feedback.count(ChatRef("telegram", "-73")) == 0  # nor the whole group's


async def test_a_reaction_on_a_card_from_before_a_restart_counts_and_the_next_tap_shows_it(
    arxiv: FakeArxiv, gemini: FakeGemini, tg: FakeTelegram, redis_url: str, redis_client: object
) -> None:
    core, adapter = await started(arxiv, gemini, tg, redis_url)
    try:
        card = await digest(core, tg, -74)
    finally:
        await adapter.stop()
        await core.aclose()
    core, adapter = await started(arxiv, gemini, tg, redis_url)  # the card's keyboard unknown
    try:
        chat = ChatRef("telegram", "-74")
        tg.push_reaction(-74, card.result["message_id"], 7, new=(THUMBS_UP,))
        await eventually(lambda: core.feedback.count(chat), 1)
        assert await core.feedback.vote_of(chat, "7", "2410.10001") == 1
        assert tg.calls_of("editMessageReplyMarkup") == []  # the links are not known here
        assert await tap(tg, card, 8, LIKE) == "👍 recorded"
        await settled(tg, card, [("👍 2", LIKE), ("👎", DISLIKE)])  # the reaction included
    finally:
        await adapter.stop()
        await core.aclose()


async def paper_post(core: Core, tg: FakeTelegram, chat_id: int, after: int) -> Call:
    """The first message past the chat's first ``after`` that the bot noted as about a paper."""
    chat = ChatRef("telegram", str(chat_id))
    for _ in range(300):
        for call in tg.sent(chat_id)[after:]:
            if await core.posts.paper_of(chat, str(call.result["message_id"])):
                return call
        await asyncio.sleep(0.05)
    raise AssertionError(f"no post about a paper in chat {chat_id}")


async def test_a_reaction_on_a_summary_or_an_answer_is_no_vote_only_one_on_a_digest_card(
    bot: Core, tg: FakeTelegram
) -> None:
    card = await digest(bot, tg, -75)
    tg.push_message(-75, 7, "/summarize 2410.10001", chat_type="group")
    summary = await paper_post(bot, tg, -75, after=2)
    tg.push_message(-75, 7, "/ask 2410.10001 which LoRA rank works best?", chat_type="group")
    answer = await paper_post(bot, tg, -75, after=tg.sent(-75).index(summary) + 1)
    assert vote_row(summary.json("reply_markup")) == []  # on-demand cards carry no buttons

    tg.push_reaction(-75, summary.result["message_id"], 7, new=(THUMBS_UP,))  # liked the card
    tg.push_reaction(-75, answer.result["message_id"], 8, new=(THUMBS_DOWN,))  # or not the answer
    tg.push_reaction(-75, card.result["message_id"], 9, new=(THUMBS_UP,))  # the one that counts
    await settled(tg, card, [("👍 1", LIKE), ("👎", DISLIKE)])
    await asyncio.sleep(0.3)  # the other two were read before it: nothing more arrives
    chat = ChatRef("telegram", "-75")
    assert await bot.feedback.count(chat) == 1
    assert await bot.feedback.vote_of(chat, "9", "2410.10001") == 1
    assert await bot.feedback.vote_of(chat, "7", "2410.10001") == 0
    assert await bot.feedback.vote_of(chat, "8", "2410.10001") == 0
    edited = {c.params["message_id"] for c in tg.calls_of("editMessageReplyMarkup")}
    assert edited == {str(card.result["message_id"])}  # the summary and answer left as sent
    assert await bot.posts.paper_of(chat, str(answer.result["message_id"])) == PAPER  # replies ask


async def test_only_the_message_under_a_long_cards_buttons_takes_reactions(
    tg: FakeTelegram,
) -> None:
    posts = DictPosts()
    adapter = TelegramAdapter(
        RouterHost(Router(), posts), token=tg.token, base_url=tg.base_url, poll_timeout=0.5
    )
    await adapter.start()
    try:
        await until(lambda: adapter.connected, what="telegram connected")
        long_card = Post(text="word " * 1500, paper_id=PAPER, votes=True)  # over one message
        sent = await adapter.send(ChatRef("telegram", "-76"), long_card)
    finally:
        await adapter.stop()
    *head, last = sent.message_ids
    assert head and vote_row(tg.markup(-76, int(last))) == [("👍", LIKE), ("👎", DISLIKE)]
    chat = ChatRef("telegram", "-76")
    assert [await posts.card_paper(chat, m) for m in sent.message_ids] == [None] * len(head) + [
        PAPER
    ]
    assert {await posts.paper_of(chat, m) for m in sent.message_ids} == {PAPER}  # all answer
