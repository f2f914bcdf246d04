"""The Telegram adapter end to end: real python-telegram-bot talking HTTP to FakeTelegram."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from support.fakes.telegram_server import Call, FakeTelegram
from support.memory_adapter import RouterHost, until
from support.render_checks import check_telegram as check
from support.servers import free_port

from adapters.telegram import TelegramAdapter
from adapters.telegram.commands import ParsedCommand, parse_command
from adapters.telegram.render import CAPTION_LIMIT
from bot.chat.contract import (
    Attachment,
    ChatRef,
    ChatUnreachable,
    Command,
    CommandInfo,
    Conversation,
)
from bot.chat.post import Block, Image, Link, Post
from bot.chat.router import Router

COMMANDS = (
    CommandInfo("start", "Start", "开始"),
    CommandInfo(
        "summarize", "Summarize an arXiv paper", "总结一篇 arXiv 论文", usage="/summarize 1"
    ),
)
FOLDED = "Results on <VoxCeleb> & HDTF: FID 12.3 > 15.1 (baseline), trained on 5 A100s. " * 8
FIGURE_URL = "https://arxiv.org/html/2408.13714v1/x1.png"


def card(parts: int = 12, figure_url: str | None = FIGURE_URL) -> Post:
    """A paper-like post: tricky title, blocks, a folded analysis (12 parts: over one message)."""
    return Post(
        title="Talking <Heads> & Faces > Voices",
        title_url="https://arxiv.org/abs/2408.13714v1",
        blocks=(Block("Summary", ("One <line> & done.",)), Block("Key Takeaways", items=("a",))),
        folded=tuple(Block(f"Part {n}", (FOLDED,)) for n in range(parts)),
        links=(
            Link("arXiv", "https://arxiv.org/abs/2408.13714v1"),
            Link("PDF", "https://arxiv.org/pdf/2408.13714v1"),
            Link("Code", "https://github.com/x/y"),
        ),
        image=Image(b"\x89PNG not really", caption="Figure 1: overview", url=figure_url),
        footer="extractive summary (no LLM)",
        paper_id="2408.13714v1",
    )


class Core:
    """The core side: a Router whose handlers record commands and answer like paperbot."""

    def __init__(self, delay: float = 0.0) -> None:
        self.seen: list[Command] = []
        self.router = Router()
        self.host = RouterHost(self.router)
        self.delay = delay
        self.router.add(COMMANDS[0], self.start)
        self.router.add(COMMANDS[1], self.summarize)
        self.router.add(CommandInfo("ask", "Ask", "提问"), self.start)
        self.router.add(CommandInfo("boom", "Fail", "失败"), self.boom)

    async def start(self, command: Command, conversation: Conversation) -> None:
        """Answer with one line."""
        self.seen.append(command)
        await asyncio.sleep(self.delay)
        await conversation.reply(Post(text=f"hello {command.args}"))

    async def boom(self, command: Command, conversation: Conversation) -> None:
        """Show a status line, then fail."""
        await conversation.status("⏳ Working…")
        raise RuntimeError("internal detail")

    async def summarize(self, command: Command, conversation: Conversation) -> None:
        """Two status lines, some work, then the card."""
        self.seen.append(command)
        await conversation.status("⏳ Fetching the paper…")
        await conversation.status("⏳ Reading the paper…")
        await asyncio.sleep(self.delay)
        await conversation.reply(card())


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@asynccontextmanager
async def running(tg: FakeTelegram, core: Core, **options: Any) -> AsyncIterator[TelegramAdapter]:
    """A started adapter wired to the core; stopped on exit."""
    adapter = TelegramAdapter(core.host, token=tg.token, base_url=tg.base_url, **options)
    await adapter.start()
    try:
        await until(lambda: adapter.connected, what="telegram connected")
        yield adapter
    finally:
        await adapter.stop()


def texts(calls: list[Call]) -> list[str]:
    return [c.params.get("text") or c.params.get("caption", "") for c in calls]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/summarize 2408.13714", ParsedCommand("summarize", "2408.13714")),
        ("/Summarize@X_Bot  2408.13714 ", ParsedCommand("summarize", "2408.13714")),
        ("/start", ParsedCommand("start", "")),
        ("/ask what is\nthis?", ParsedCommand("ask", "what is\nthis?")),
        ("/summarize@otherbot 2408.13714", None),
        ("hello /start", None),
    ],
)
def test_commands_are_read_and_other_bots_commands_ignored(
    text: str, expected: ParsedCommand | None
) -> None:
    assert parse_command(text, "x_bot") == expected


async def test_private_summarize_shows_status_then_the_card_under_its_figure(
    tg: FakeTelegram,
) -> None:
    core = Core()
    async with running(tg, core):
        asked = tg.push_message(42, 42, "/summarize 2408.13714")
        await tg.await_sent(42, 3)
    (command,) = core.seen
    assert (command.name, command.args) == ("summarize", "2408.13714")
    assert command.chat_type == "private" and command.user_is_admin
    assert command.chat == ChatRef("telegram", "42")
    sent = tg.sent(42)
    status, *cards = sent
    assert status.params["text"] == "⏳ Fetching the paper…" and "parse_mode" not in status.params
    assert [c.params["text"] for c in tg.calls_of("editMessageText")] == ["⏳ Reading the paper…"]
    assert tg.calls_of("sendChatAction")[0].params["action"] == "typing"
    assert tg.is_deleted(42, status.result["message_id"])
    assert tg.calls_of("sendPhoto") == []  # the figure is the first message's preview
    first = cards[0]
    assert json.loads(first.params["reply_parameters"])["message_id"] == asked
    preview = {"url": FIGURE_URL, "prefer_large_media": True, "show_above_text": True}
    assert first.json("link_preview_options") == preview
    assert first.result["link_preview_options"] == preview
    assert len(cards) >= 2  # this analysis is longer than one message: it continues
    for message in cards:
        assert message.params["parse_mode"] == "HTML"
        check(message.params["text"])
    for message in cards[1:]:
        assert "reply_parameters" not in message.params  # only the first piece replies
        assert message.json("link_preview_options") == {"is_disabled": True}
    html = "".join(texts(cards))
    assert first.params["text"].startswith("<b><a href=")
    assert "Talking &lt;Heads&gt; &amp; Faces &gt; Voices" in first.params["text"]
    assert "<blockquote expandable>" in html
    keyboard = cards[-1].json("reply_markup")["inline_keyboard"]
    assert [b["url"] for row in keyboard for b in row][1] == "https://arxiv.org/pdf/2408.13714v1"
    assert all("reply_markup" not in c.params for c in cards[:-1])


async def test_a_card_is_one_message_with_figure_text_and_buttons(tg: FakeTelegram) -> None:
    """Public figure: text under a large preview. Else a photo captioned with the whole card
    when it fits, else the text alone: one message each, replies to it are about the paper."""
    core = Core()
    async with running(tg, core) as adapter:
        chat = ChatRef("telegram", "60")
        for post in (card(parts=1), card(parts=1, figure_url=None), card(5, None)):
            ref = await adapter.send(chat, post)
            assert len(ref.message_ids) == 1
        preview, photo, alone = sent = tg.sent(60)
        for message in sent:
            keyboard = message.json("reply_markup")["inline_keyboard"]
            assert keyboard[0][0] == {"text": "arXiv", "url": "https://arxiv.org/abs/2408.13714v1"}
        assert preview.method == "sendMessage"
        assert preview.json("link_preview_options")["url"] == FIGURE_URL
        assert photo.method == "sendPhoto" and photo.files["photo"] == b"\x89PNG not really"
        caption = photo.params["caption"]
        check(caption, CAPTION_LIMIT)
        assert "<blockquote expandable><b>Part 0</b>" in caption  # the analysis, folded
        assert caption.endswith("<i>extractive summary (no LLM)</i>")
        assert alone.method == "sendMessage"
        assert alone.json("link_preview_options") == {"is_disabled": True}
        assert (
            alone.params["text"].count("Part ") == 5
            and "<blockquote expandable>" in alone.params["text"]
        )
        tg.push_message(60, 60, "and <speed>?", reply_to=photo.result["message_id"])
        await tg.await_sent(60, 4)
    assert core.seen[-1].name == "ask" and core.seen[-1].reply_to_paper == "2408.13714v1"


async def test_group_commands_are_for_us_only_and_know_who_is_admin(tg: FakeTelegram) -> None:
    core = Core()
    tg.set_admins(-1001, 7)
    async with running(tg, core):
        tg.push_message(-1001, 7, "/summarize@otherbot 2408.13714", chat_type="supergroup")
        tg.push_message(-1001, 7, "/start@x_bot admin", chat_type="supergroup", thread_id=5)
        tg.push_message(-1001, 8, "/START member", chat_type="supergroup")
        tg.push_message(-1002, 0, "/start channel", chat_type="channel")
        await tg.await_sent(-1001, 2)
        await tg.await_sent(-1002, 1)
    seen = sorted((c.args, c.chat_type, c.user_is_admin, c.chat.thread_id) for c in core.seen)
    assert seen == [
        ("admin", "group", True, "5"),
        ("channel", "channel", True, None),
        ("member", "group", False, None),
    ]
    topic = [c for c in tg.sent(-1001) if c.params.get("message_thread_id")]
    assert texts(topic) == ["hello admin"] and topic[0].params["message_thread_id"] == "5"


async def test_group_summarize_with_bot_name_gets_the_card(tg: FakeTelegram) -> None:
    core = Core()
    async with running(tg, core):
        tg.push_message(-1003, 9, "/summarize@x_bot 2408.13714", chat_type="supergroup")
        sent = await tg.await_sent(-1003, 3)
    assert [c.method for c in sent] == ["sendMessage"] * 3  # status, then the card in two
    for message in sent[1:]:
        check(message.params["text"])
    assert core.seen[0].chat_type == "group" and not core.seen[0].user_is_admin


async def test_unknown_commands_reach_the_core_and_replies_to_cards_become_questions(
    tg: FakeTelegram,
) -> None:
    core = Core()
    async with running(tg, core):
        tg.push_message(42, 42, "/nope")
        (unknown,) = await tg.await_sent(42, 1)
        assert unknown.params["text"].startswith("Unknown command /nope")
        tg.push_message(42, 42, "/summarize 2408.13714")
        sent = await tg.await_sent(42, 4)
        tg.push_message(42, 42, "what about <speed>?", reply_to=sent[-1].result["message_id"])
        tg.push_message(42, 42, "plain text is ignored")
        await tg.await_sent(42, len(sent) + 1)
    question = core.seen[-1]
    assert (question.name, question.args) == ("ask", "what about <speed>?")
    assert question.reply_to_paper == "2408.13714v1"
    assert len(core.seen) == 2


async def test_ten_chats_at_once_are_answered_together(tg: FakeTelegram) -> None:
    core = Core(delay=1.0)
    async with running(tg, core):
        began = time.monotonic()
        for chat in range(1, 11):
            tg.push_message(chat, chat, f"/start {chat}")
        for chat in range(1, 11):
            await tg.await_sent(chat, 1, timeout=5)
        elapsed = time.monotonic() - began
    assert elapsed < 2.5, elapsed
    assert sorted(texts([c for chat in range(1, 11) for c in tg.sent(chat)])) == sorted(
        f"hello {chat}" for chat in range(1, 11)
    )


async def test_flood_wait_is_honoured_and_the_message_sent_once(tg: FakeTelegram) -> None:
    async with running(tg, Core()) as adapter:
        tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        ref = await adapter.send(ChatRef("telegram", "77"), Post(text="digest"))
    tries = tg.calls_of("sendMessage")
    assert [c.status for c in tries] == [429, 200]
    assert tries[1].at - tries[0].at >= 1.0
    assert texts(tg.sent(77)) == ["digest"] and len(ref.message_ids) == 1


async def test_a_network_error_is_retried(tg: FakeTelegram) -> None:
    async with running(tg, Core()) as adapter:
        tg.fail_next("sendMessage", 502, "Bad Gateway")
        await adapter.send(ChatRef("telegram", "78"), Post(text="digest"))
    assert [c.status for c in tg.calls_of("sendMessage")] == [502, 200]
    assert texts(tg.sent(78)) == ["digest"]


async def test_a_blocked_chat_raises_chat_unreachable_and_gets_nothing(tg: FakeTelegram) -> None:
    async with running(tg, Core()) as adapter:
        tg.fail_next("sendPhoto", 403, "Forbidden: bot was blocked by the user")
        with pytest.raises(ChatUnreachable) as raised:
            await adapter.send(ChatRef("telegram", "79"), card(parts=1, figure_url=None))
    assert raised.value.chat == ChatRef("telegram", "79")
    assert raised.value.reason == "Forbidden: bot was blocked by the user"
    assert tg.sent(79) == []


async def test_a_failing_handler_leaves_no_stale_status_line(tg: FakeTelegram) -> None:
    async with running(tg, Core()):
        tg.push_message(43, 43, "/boom")
        status, answer = await tg.await_sent(43, 2)
    assert status.params["text"] == "⏳ Working…" and tg.is_deleted(43, status.result["message_id"])
    assert answer.params["text"].startswith("Something went wrong")


async def test_a_refused_photo_still_lets_the_card_through(tg: FakeTelegram) -> None:
    async with running(tg, Core()) as adapter:
        tg.fail_next("sendPhoto", 400, "Bad Request: IMAGE_PROCESS_FAILED")
        ref = await adapter.send(ChatRef("telegram", "81"), card(parts=1, figure_url=None))
    (refused,) = tg.calls_of("sendPhoto")
    (sent,) = tg.sent(81)
    assert sent.method == "sendMessage" and sent.params["text"] == refused.params["caption"]
    assert ref.message_ids == (str(sent.result["message_id"]),)
    assert "reply_markup" in sent.params


async def test_unparsable_html_is_resent_as_plain_text(tg: FakeTelegram) -> None:
    async with running(tg, Core()) as adapter:
        tg.fail_next("sendMessage", 400, "Bad Request: can't parse entities: unexpected end tag")
        await adapter.send(ChatRef("telegram", "80"), Post(title="A <b> & c", text="x > y"))
    (sent,) = tg.sent(80)
    assert "parse_mode" not in sent.params
    assert sent.params["text"] == "A <b> & c\n\nx > y"


async def test_migrated_group_is_reported_and_gets_the_post(tg: FakeTelegram) -> None:
    core = Core()
    async with running(tg, core) as adapter:
        upgraded = "Bad Request: group chat was upgraded to a supergroup chat"
        tg.fail_next("sendMessage", 400, upgraded, migrate_to_chat_id=-100999, chat_id=-5)
        ref = await adapter.send(ChatRef("telegram", "-5"), Post(text="digest"))
    assert core.host.migrated == [(ChatRef("telegram", "-5"), ChatRef("telegram", "-100999"))]
    assert texts(tg.sent(-100999)) == ["digest"] and ref.chat.chat_id == "-100999"


async def test_a_file_reaches_the_commands_that_declare_reading_one(tg: FakeTelegram) -> None:
    core, read = Core(), list[Command]()

    async def seed(command: Command, conversation: Conversation) -> None:
        read.append(command)
        await conversation.reply(Post(text="library read"))

    core.router.add(CommandInfo("seed", "Seed", "导入", reads_file=True), seed)
    async with running(tg, core):
        tg.push_document(60, 60, "refs.bib", b"@misc{a, title={A}}", caption="/seed")
        tg.push_document(60, 60, "notes.txt", b"hello", caption="/start")  # reads no file
        await tg.await_sent(60, 2)
    [seeded] = read
    assert seeded.attachment == Attachment("refs.bib", b"@misc{a, title={A}}")
    [started] = core.seen
    assert started.name == "start" and started.attachment is None
    assert len(tg.calls_of("getFile")) == 1  # the other file was never downloaded


async def test_command_menu_is_published_in_english_and_chinese(tg: FakeTelegram) -> None:
    async with running(tg, Core()):
        pass
    assert tg.commands()[1] == {"command": "summarize", "description": "Summarize an arXiv paper"}
    assert tg.commands("zh")[1] == {"command": "summarize", "description": "总结一篇 arXiv 论文"}


async def test_webhook_mode_receives_updates_with_the_secret(tg: FakeTelegram) -> None:
    pytest.importorskip("tornado")
    core = Core()
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg-hook"
    options = {"webhook_url": url, "webhook_listen": "127.0.0.1", "webhook_port": port}
    async with running(tg, core, webhook_secret="s3cret", **options):
        assert tg.webhook["url"] == url and tg.webhook["secret_token"] == "s3cret"
        assert tg.allowed_updates is not None and "message_reaction" in tg.allowed_updates
        async with httpx.AsyncClient() as client:
            bad = await client.post(url, json=tg.update_payload(50, 50, "/start no"))
            good = await client.post(
                url,
                json=tg.update_payload(50, 50, "/start yes"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"},
            )
        await tg.await_sent(50, 1)
    assert bad.status_code == 403 and good.status_code == 200
    assert texts(tg.sent(50)) == ["hello yes"]
