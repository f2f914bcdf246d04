"""paperbot in Telegram end to end: real core, real python-telegram-bot, local arXiv/Gemini/Telegram."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.fakes.telegram_server import FakeTelegram
from support.memory_adapter import until
from support.paperkit import gemini_responder, settings_for, talklora
from support.render_checks import check_telegram as check

from adapters.telegram import TelegramAdapter
from adapters.telegram.render import CAPTION_LIMIT
from bot.app import Core, build_core
from bot.chat.contract import ChatRef
from bot.digests.subscriptions import Detail, Subscription

MONDAY_8AM = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)  # cs.CV announces on Mondays


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.add(talklora(title="TalkLoRA <fast> & light > slow"))
        for n in range(10):
            server.add(talklora(f"2410.1000{n}", title=f"Paper number {n}"))
        yield server


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(
    arxiv: FakeArxiv, gemini: FakeGemini, tg: FakeTelegram, redis_url: str, redis_client: object
) -> AsyncIterator[tuple[Core, TelegramAdapter]]:
    core = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=3))
    adapter = TelegramAdapter(core, token=tg.token, base_url=tg.base_url, poll_timeout=0.5)
    core.attach(adapter)  # wired as `paperbot run` wires it
    await adapter.start()
    await until(lambda: adapter.connected, what="telegram connected")
    yield core, adapter
    await adapter.stop()
    await core.aclose()


def texts(tg: FakeTelegram, chat_id: int) -> list[str]:
    return [c.params.get("text") or c.params.get("caption", "") for c in tg.sent(chat_id)]


async def test_summarize_in_a_private_chat_gives_status_then_one_card_message(
    bot: tuple[Core, TelegramAdapter], tg: FakeTelegram
) -> None:
    tg.push_message(42, 42, "/summarize 2408.13714")
    sent = await tg.await_sent(42, 2, timeout=15)
    assert sent[0].params["text"].startswith("Fetching 2408.13714")  # the status line
    edits = [c.params["text"] for c in tg.calls_of("editMessageText")]
    assert any(t.startswith("Summarizing with Gemini") for t in edits)
    await asyncio.sleep(0.3)
    # The fake's figure has no public URL and the full card is longer than a caption: the card
    # is its text alone, in one message, analysis and buttons included.
    _, card = tg.sent(42)
    assert card.method == "sendMessage" and card.params["parse_mode"] == "HTML"
    html = card.params["text"]
    check(html)
    assert "TalkLoRA &lt;fast&gt; &amp; light &gt; slow" in html
    assert "<blockquote expandable>" in html and "University of Bath" in html
    assert "Gemini (gemini-2.5-flash)" in html
    assert card.json("link_preview_options") == {"is_disabled": True}
    buttons = [b["url"] for row in card.json("reply_markup")["inline_keyboard"] for b in row]
    assert buttons == [
        "https://arxiv.org/abs/2408.13714v1",
        "https://arxiv.org/pdf/2408.13714v1",
        "https://github.com/example-lab/talklora",
    ]
    assert tg.is_deleted(42, sent[0].result["message_id"])  # no stale status line


async def test_summarize_in_a_group_with_the_bots_name(
    bot: tuple[Core, TelegramAdapter], tg: FakeTelegram
) -> None:
    tg.push_message(-100, 7, "/summarize@x_bot 2408.13714 --lang zh", chat_type="group")
    await tg.await_sent(-100, 2, timeout=15)
    await asyncio.sleep(0.3)
    # The Chinese card fits a caption: one photo carries the figure, the card and its buttons.
    _, card = tg.sent(-100)
    assert card.method == "sendPhoto" and card.files["photo"].startswith(b"\x89PNG")
    caption = card.params["caption"]
    check(caption, CAPTION_LIMIT)
    assert "TalkLoRA：用低秩适配" in caption and "<blockquote expandable>" in caption
    assert card.json("reply_markup")["inline_keyboard"]


async def test_ten_users_get_ten_papers_in_parallel(
    bot: tuple[Core, TelegramAdapter], tg: FakeTelegram, gemini: FakeGemini
) -> None:
    def slow(body: dict[str, Any]) -> dict[str, Any]:
        time.sleep(1.0)
        return gemini_responder(body)

    gemini.responder = slow
    started = time.monotonic()
    for n in range(10):
        tg.push_message(1000 + n, 1000 + n, f"/summarize 2410.1000{n}")
    await asyncio.gather(*(tg.await_sent(1000 + n, 2, timeout=20) for n in range(10)))
    elapsed = time.monotonic() - started
    assert gemini.calls == 10
    assert elapsed < 6, f"answers came one by one ({elapsed:.1f}s for 10 one-second model calls)"
    for n in range(10):
        assert any(f"Paper number {n}" in t for t in texts(tg, 1000 + n))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("/summarize", "Which paper?"),
        ("/summarize 2408.1371", "not a valid arXiv id"),
        ("/summarize https://evil.example/abs/2408.13714", "only read papers from arxiv.org"),
        ("/frobnicate", "Unknown command"),
    ],
)
async def test_bad_input_gets_a_helpful_answer(
    bot: tuple[Core, TelegramAdapter], tg: FakeTelegram, text: str, says: str
) -> None:
    tg.push_message(5, 5, text)
    (answer,) = await tg.await_sent(5, 1, timeout=10)
    assert says in answer.params["text"]


async def test_a_user_over_the_limit_is_told_when_to_retry_and_cached_papers_stay_free(
    bot: tuple[Core, TelegramAdapter], tg: FakeTelegram
) -> None:
    for n in range(3):
        tg.push_message(9, 9, f"/summarize 2410.1000{n}")
        await tg.await_sent(9, 2 * (n + 1), timeout=15)
        await asyncio.sleep(0.3)
    before = len(tg.sent(9))
    tg.push_message(9, 9, "/summarize 2410.10005")
    answers = await tg.await_sent(9, before + 2, timeout=10)  # a status line, then the answer
    assert "Try again in" in answers[-1].params["text"]
    tg.push_message(9, 9, "/summarize 2410.10001")  # already summarized: no limit applies
    await asyncio.sleep(1.5)
    assert any("Paper number 1" in t for t in texts(tg, 9)[before + 1 :])


async def test_a_blocked_chat_is_marked_unreachable_and_others_are_served(
    bot: tuple[Core, TelegramAdapter], tg: FakeTelegram
) -> None:
    core, adapter = bot
    from bot.chat.post import Post

    # The user blocks the bot while it answers: the answer is refused and nothing else tried.
    tg.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=77)
    tg.push_message(77, 77, "/help")
    await until(lambda: [c.status for c in tg.calls_of("sendMessage")] == [403], what="a 403")
    await adapter.send(ChatRef("telegram", "78"), Post(text="digest"))
    await asyncio.sleep(0.3)
    assert [c.status for c in tg.calls_of("sendMessage")] == [403, 200]
    reason = await core.chats.unreachable_reason(ChatRef("telegram", "77"))
    assert reason is not None and "blocked" in reason
    assert texts(tg, 78) == ["digest"]
    # The user unblocks the bot and writes again: the chat is reachable again.
    tg.push_message(77, 77, "/help")
    await tg.await_sent(77, 1, timeout=10)
    assert await core.chats.unreachable_reason(ChatRef("telegram", "77")) is None


async def test_a_migrated_group_keeps_its_language(
    bot: tuple[Core, TelegramAdapter], tg: FakeTelegram
) -> None:
    core, adapter = bot
    from bot.chat.post import Post

    old, new = ChatRef("telegram", "-200"), ChatRef("telegram", "-1002000")
    await core.chats.set_language(old, "zh")
    tg.fail_next("sendMessage", 400, "Group migrated", migrate_to_chat_id=-1002000, chat_id=-200)
    await adapter.send(old, Post(text="hello"))
    assert texts(tg, -1002000) == ["hello"]
    assert await core.chats.language(new) == "zh"


async def test_a_channel_is_managed_from_a_private_chat_by_its_admins(
    bot: tuple[Core, TelegramAdapter], tg: FakeTelegram, arxiv: FakeArxiv
) -> None:
    from datetime import date

    core, _ = bot
    arxiv.announce("cs.CV", date(2024, 11, 28))
    tg.add_channel("@papers_daily", -1009, 42, tg.bot_id)
    tg.add_channel("@no_rights", -1010, 42)  # the bot is not an admin there

    tg.push_message(42, 42, "/subscribe @papers_daily cs.CV --at 08:00 --tz Europe/Berlin")
    done = (await tg.await_sent(42, 2, timeout=10))[-1]  # a status line, then the answer
    assert "Subscribed" in done.params["text"]
    (sub,) = await core.subscriptions.for_chat(ChatRef("telegram", "-1009"))
    assert (sub.at, sub.zone) == ("08:00", "Europe/Berlin")

    tg.push_message(43, 43, "/subscribe @papers_daily cs.GR")
    answer = (await tg.await_sent(43, 1, timeout=10))[-1]
    assert "Only admins of @papers_daily" in answer.params["text"]
    tg.push_message(42, 42, "/subscribe @no_rights cs.GR")
    answer = (await tg.await_sent(42, 3, timeout=10))[-1]
    assert "Make me an admin of @no_rights" in answer.params["text"]

    tg.push_message(42, 42, "/subscriptions @papers_daily")
    answer = (await tg.await_sent(42, 4, timeout=10))[-1]
    assert sub.id in answer.params["text"]
    tg.push_message(42, 42, f"/unsubscribe {sub.id}")
    answer = (await tg.await_sent(42, 5, timeout=10))[-1]
    assert "Unsubscribed" in answer.params["text"]
    assert await core.subscriptions.for_chat(ChatRef("telegram", "-1009")) == []


async def test_in_a_group_only_admins_subscribe(
    bot: tuple[Core, TelegramAdapter], tg: FakeTelegram, arxiv: FakeArxiv
) -> None:
    from datetime import date

    arxiv.announce("cs.CV", date(2024, 11, 28))
    tg.set_admins(-300, 7)
    tg.push_message(-300, 8, "/subscribe cs.CV", chat_type="group")
    answer = (await tg.await_sent(-300, 1, timeout=10))[-1]
    assert "Only the chat's admins" in answer.params["text"]
    tg.push_message(-300, 7, "/subscribe cs.CV", chat_type="group")
    answer = (await tg.await_sent(-300, 3, timeout=10))[-1]
    assert "Subscribed" in answer.params["text"]


async def test_a_reply_to_yesterdays_card_is_a_question_about_its_paper(
    arxiv: FakeArxiv, gemini: FakeGemini, tg: FakeTelegram, redis_url: str, redis_client: object
) -> None:
    """The card is sent, the bot restarts overnight, then someone replies to the card."""
    settings = settings_for(arxiv, redis_url, gemini)
    for day in ("yesterday", "today"):
        core = await build_core(settings)
        adapter = TelegramAdapter(core, token=tg.token, base_url=tg.base_url, poll_timeout=0.5)
        await adapter.start()
        try:
            await until(lambda a=adapter: a.connected, what="telegram connected")
            if day == "yesterday":
                tg.push_message(-500, 1, "/summarize 2408.13714", chat_type="group")
                sent = await tg.await_sent(-500, 2, timeout=15)
                card = sent[-1]  # the card: one message
            else:

                def first_passage(body: dict[str, Any]) -> dict[str, Any]:
                    found = re.search(r'<passage id="(\d+)"', FakeGemini.prompt_text(body))
                    assert found is not None, "the question reached the model without passages"
                    return {"answerable": True, "answer": "Rank 8.", "citations": [int(found[1])]}

                gemini.responder = first_passage
                reply_to = card.result["message_id"]
                tg.push_message(
                    -500, 2, "which LoRA rank works best?", chat_type="group", reply_to=reply_to
                )
                before = len(tg.sent(-500))
                answer = (await tg.await_sent(-500, before + 2, timeout=15))[-1]
                assert "Rank 8." in answer.params["text"]
        finally:
            await adapter.stop()
            await core.aclose()


@pytest.mark.parametrize("detail", ["full", "brief"])
async def test_a_ten_paper_digest_is_eleven_messages_each_card_with_its_buttons(
    bot: tuple[Core, TelegramAdapter], tg: FakeTelegram, arxiv: FakeArxiv, detail: Detail
) -> None:
    core, _ = bot
    papers = [arxiv.papers[f"2410.1000{n}"][-1] for n in range(10)]
    arxiv.announce("cs.CV", MONDAY_8AM.date(), [(p, "new") for p in papers])
    await core.subscriptions.add(
        Subscription(
            id="d1",
            platform="telegram",
            chat_id="61",
            categories=("cs.CV",),
            detail=detail,
            created_at=MONDAY_8AM - timedelta(days=1),
        )
    )
    core.scheduler.clock = lambda: MONDAY_8AM
    await core.scheduler.tick()
    header, *cards = tg.sent(61)
    assert len(cards) == 10  # papers + 1: no separate photo message per card
    assert "Paper number" not in (header.params.get("text") or "")
    # The fake's figures have no public URL: a brief card fits a caption (photo + card in one
    # message); the full one does not, so it is the text alone with its folded analysis.
    assert {c.method for c in cards} == {"sendPhoto" if detail == "brief" else "sendMessage"}
    for card in cards:
        markup = _text(card)
        assert card.method == "sendMessage" or card.files["photo"].startswith(b"\x89PNG")
        check(markup, CAPTION_LIMIT if card.method == "sendPhoto" else 4096)
        assert "Paper number" in markup
        rows = card.json("reply_markup")["inline_keyboard"]
        urls = [b["url"] for row in rows for b in row if "url" in b]
        assert urls[0].startswith("https://arxiv.org/abs/2410.1000")
        votes = [b["callback_data"] for row in rows for b in row if "callback_data" in b]
        assert [v[:4] for v in votes] == ["v:+:", "v:-:"]  # 👍 / 👎 on every digest card
        if detail == "full":  # the analysis is in the card, folded
            assert "<blockquote expandable>" in markup
    shown = {re.findall(r"Paper number \d", _text(c))[0] for c in cards}
    assert len(shown) == 10  # ten different papers, none twice


def _text(call: Any) -> str:
    return str(call.params.get("text") or call.params.get("caption", ""))
