"""The Discord adapter end to end: real discord.py talking REST and gateway to FakeDiscord."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import redis.asyncio as aioredis
from support.fakes.discord_server import (
    BOT_ID,
    DM,
    GENERAL,
    MESSAGE_CONTENT,
    PAPERS,
    TOPIC,
    FakeDiscord,
    Message,
)
from support.memory_adapter import DictPosts, RouterHost, until
from support.render_checks import card

from adapters.discord import DiscordAdapter
from bot.chat.contract import (
    ChatRef,
    ChatUnreachable,
    Command,
    CommandInfo,
    Conversation,
    OptionInfo,
    PostMemory,
)
from bot.chat.post import Block, Post
from bot.chat.post_memory import PostIndex
from bot.chat.router import Router

SUMMARIZE = CommandInfo(
    "summarize",
    "Summarize an arXiv paper",
    "总结一篇 arXiv 论文",
    usage="/summarize 1",
    options=(
        OptionInfo("paper", "arXiv id or link", required=True),
        OptionInfo("language", "Summary language", choices=("en", "zh"), flag="--lang"),
    ),
)
COMMANDS = (
    CommandInfo("start", "Start", "开始"),
    SUMMARIZE,
    CommandInfo("boom", "Fail", "失败"),
    CommandInfo("note", "Reply twice", "两次"),
    CommandInfo("silent", "Say nothing", "沉默"),
    CommandInfo("ask", "Ask", "提问"),
)


class Core:
    """The core side: a Router whose handlers record commands and answer like paperbot."""

    def __init__(self, delay: float = 0.0) -> None:
        self.seen: list[Command] = []
        self.router = Router()
        self.delay = delay
        handlers = (self.start, self.summarize, self.boom, self.note, self.silent, self.ask)
        for info, handler in zip(COMMANDS, handlers, strict=True):
            self.router.add(info, handler)

    async def start(self, command: Command, conversation: Conversation) -> None:
        """Answer with one line."""
        self.seen.append(command)
        await asyncio.sleep(self.delay)
        await conversation.reply(Post(text=f"hello {command.args} @everyone"))

    async def summarize(self, command: Command, conversation: Conversation) -> None:
        """Two status lines, then the card."""
        self.seen.append(command)
        await conversation.status("⏳ Fetching the paper…")
        await conversation.status("⏳ Reading the paper…")
        await conversation.reply(card())

    async def boom(self, command: Command, conversation: Conversation) -> None:
        """Show a status line, then fail."""
        await conversation.status("⏳ Working…")
        raise RuntimeError("internal detail")

    async def note(self, command: Command, conversation: Conversation) -> None:
        """A note, a status line, then a second answer."""
        await conversation.reply(Post(text="Found it by search."))
        await conversation.status("⏳ Summarizing…")
        await conversation.reply(Post(text="The answer."))
        await asyncio.sleep(self.delay)  # still running: only the reply may remove the status

    async def silent(self, command: Command, conversation: Conversation) -> None:
        """Return without answering."""
        self.seen.append(command)

    async def ask(self, command: Command, conversation: Conversation) -> None:
        """A status, then an answer about the paper the question was about (like /ask's)."""
        self.seen.append(command)
        await conversation.status(f"Reading {command.reply_to_paper} for your question…")
        await asyncio.sleep(self.delay)
        sources = Block("Sources", items=("§4 Ablation, p. 6",))
        paper = command.reply_to_paper
        answer = Post(text=f"About {paper}: rank 8.", blocks=(sources,), paper_id=paper)
        await conversation.reply(answer)


@pytest.fixture
def posts(redis_client: aioredis.Redis) -> PostIndex:
    """The core's index of which paper each bot message was about (a real Redis)."""
    return PostIndex(redis_client, "test:")


@asynccontextmanager
async def running(
    dc: FakeDiscord, core: Core, posts: PostMemory | None = None
) -> AsyncIterator[DiscordAdapter]:
    """A started adapter wired to the core (and ``posts``), connected; stopped on exit."""
    host = RouterHost(core.router, posts or DictPosts())
    adapter = DiscordAdapter(host, token=dc.token, api_url=dc.api_url, gateway_url=dc.gateway_url)
    await adapter.start()
    try:
        await until(lambda: adapter.connected, what="discord connected")
        yield adapter
    finally:
        await adapter.stop()


def card_embed(message: Message) -> dict[str, Any]:
    (embed,) = message.embeds
    return embed


async def test_slash_commands_are_synced_with_options_and_chinese_descriptions(
    dc: FakeDiscord,
) -> None:
    async with running(dc, Core()):
        assert len(dc.identified) == 1 and dc.identified[0]["token"] == dc.token
    synced = {c["name"]: c for c in dc.commands}
    assert list(synced) == [c.name for c in COMMANDS]
    assert synced["start"]["options"] == []
    summarize = synced["summarize"]
    assert summarize["description"] == "Summarize an arXiv paper"
    assert summarize["description_localizations"] == {"zh-CN": "总结一篇 arXiv 论文"}
    paper, language = summarize["options"]
    assert (paper["name"], paper["type"], paper["required"]) == ("paper", 3, True)
    assert (language["name"], language["required"]) == ("language", False)
    assert [c["value"] for c in language["choices"]] == ["en", "zh"]


async def test_a_dm_summarize_is_deferred_then_shows_status_card_and_analysis(
    dc: FakeDiscord,
) -> None:
    core = Core()
    async with running(dc, core):
        ix = dc.push_command("summarize", {"paper": "2408.13714", "language": "zh"}, dm=True)
        answer, analysis = await dc.await_answers(ix, 2)
    assert [c["type"] for c in ix.callbacks] == [5]  # deferred: "paperbot is thinking…"
    (command,) = core.seen
    assert (command.name, command.args) == ("summarize", "2408.13714 --lang zh")
    assert command.chat_type == "private" and command.user_is_admin
    assert command.chat == ChatRef("discord", str(PAPERS)) and command.user_id == "42"
    assert answer is dc.original(ix)
    assert answer.history == ["⏳ Fetching the paper…", "⏳ Reading the paper…"]
    assert answer.content == ""  # the status line is gone: the card replaced it
    embed = card_embed(answer)
    assert embed["title"].startswith(r"Faces \*fast\* \_and\_")
    assert embed["image"]["url"] == "attachment://2408.13714v1.png"
    assert answer.files == {"2408.13714v1.png": b"\x89PNG figure"}
    assert answer.buttons == [
        "https://arxiv.org/abs/2408.13714v1",
        "https://arxiv.org/pdf/2408.13714v1",
    ]
    assert "6. Summary" in analysis.text and not analysis.ephemeral
    assert all(m.allowed_mentions == {"parse": []} for m in (answer, analysis))


async def test_guild_commands_know_who_manages_the_channel_and_which_thread(
    dc: FakeDiscord,
) -> None:
    core = Core()
    async with running(dc, core):
        asked = [
            dc.push_command("start", {}, channel_id=PAPERS, user_id=7, admin=True),
            dc.push_command("start", {}, channel_id=GENERAL, user_id=8),
            dc.push_command("start", {}, channel_id=TOPIC, user_id=9),
        ]
        for ix in asked:
            await dc.await_answers(ix, 1)
    seen = sorted((c.user_id, c.chat, c.chat_type, c.user_is_admin) for c in core.seen)
    assert seen == [
        ("7", ChatRef("discord", str(PAPERS)), "group", True),
        ("8", ChatRef("discord", str(GENERAL)), "group", False),
        ("9", ChatRef("discord", str(PAPERS), str(TOPIC)), "group", False),
    ]
    reply = dc.original(asked[0])
    assert reply.content == "hello  @\u200beveryone"  # shown, but pings nobody
    assert reply.allowed_mentions == {"parse": []}


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"paper": "2408.13714", "language": "fr"}, "choose one of en, zh"),
        ({"paper": "   "}, "needs a paper"),
        ({"paper": "x" * 1500}, "too long"),
    ],
)
async def test_bad_options_get_a_private_explanation_and_never_reach_the_core(
    dc: FakeDiscord, options: dict[str, str], says: str
) -> None:
    core = Core()
    async with running(dc, core):
        ix = dc.push_command("summarize", options)
        (answer,) = await dc.await_answers(ix, 1)
    assert [c["type"] for c in ix.callbacks] == [4] and answer.ephemeral
    assert says in answer.content
    assert core.seen == []


async def test_a_command_discord_still_lists_but_we_dropped_gets_a_private_note(
    dc: FakeDiscord,
) -> None:
    async with running(dc, Core()):
        ix = dc.push_command("retired", {})
        (answer,) = await dc.await_answers(ix, 1)
    assert answer.ephemeral and "This command has changed" in answer.content


async def test_a_failing_handler_leaves_no_status_line_and_says_so(dc: FakeDiscord) -> None:
    async with running(dc, Core()):
        ix = dc.push_command("boom", {})
        await dc.wait_until(lambda: bool(ix.original and ix.original.content.startswith("Some")))
    answer = dc.original(ix)
    assert answer.history == ["⏳ Working…"] and "internal detail" not in answer.content


async def test_a_status_after_a_reply_is_removed_by_the_next_reply(dc: FakeDiscord) -> None:
    async with running(dc, Core(delay=1.0)):
        ix = dc.push_command("note", {})
        await dc.await_answers(ix, 2)
        await dc.wait_until(
            lambda: any(m.content == "⏳ Summarizing…" and m.deleted for m in dc.messages.values()),
            timeout=0.5,
        )
        assert [m.content for m in dc.answers(ix)] == ["Found it by search.", "The answer."]


async def test_a_handler_that_never_answers_leaves_no_thinking_message(dc: FakeDiscord) -> None:
    core = Core()
    async with running(dc, core):
        ix = dc.push_command("silent", {})
        await dc.wait_until(lambda: ix.original is not None and ix.original.deleted)
    assert len(core.seen) == 1 and dc.answers(ix) == []


async def test_send_posts_the_card_and_opens_a_thread_with_the_analysis(dc: FakeDiscord) -> None:
    async with running(dc, Core()) as adapter:
        ref = await adapter.send(ChatRef("discord", str(PAPERS)), card())
    (posted,) = dc.visible(PAPERS)
    assert ref.chat == ChatRef("discord", str(PAPERS)) and ref.message_ids == (str(posted.id),)
    assert card_embed(posted)["url"] == "https://arxiv.org/abs/2408.13714v1"
    assert posted.files and posted.buttons and posted.allowed_mentions == {"parse": []}
    thread = dc.thread_of(posted)
    assert thread is not None and dc.threads[thread] == PAPERS
    (analysis,) = dc.visible(thread)
    assert "4\\. Keywords: LoRA, talking head" in analysis.text
    (create,) = dc.calls_of("thread")
    assert create.status == 200


async def test_sending_into_a_thread_keeps_everything_in_that_thread(dc: FakeDiscord) -> None:
    async with running(dc, Core()) as adapter:
        ref = await adapter.send(ChatRef("discord", str(PAPERS), str(TOPIC)), card())
    posted, analysis = dc.visible(TOPIC)
    assert ref.message_ids == (str(posted.id),) and posted.files
    assert "6. Summary" in analysis.text and dc.calls_of("thread") == []
    assert dc.visible(PAPERS) == []


@pytest.mark.parametrize("trouble", ["thread refused", "thread deleted"])
async def test_thread_trouble_never_stops_the_card_or_the_analysis(
    dc: FakeDiscord, trouble: str
) -> None:
    if trouble == "thread refused":
        dc.fail_next("thread", 403)
    else:
        dc.threads_vanish = True
    async with running(dc, Core()) as adapter:
        ref = await adapter.send(ChatRef("discord", str(PAPERS)), card())
    posted, analysis = dc.visible(PAPERS)
    assert ref.message_ids == (str(posted.id),) and card_embed(posted)["title"]
    assert "6. Summary" in analysis.text


async def test_unreachable_channels_raise_chat_unreachable(dc: FakeDiscord) -> None:
    dc.forbid(GENERAL)
    lost = [ChatRef("discord", str(GENERAL)), ChatRef("discord", "99999"), ChatRef("discord", "x")]
    refused: list[ChatUnreachable] = []
    async with running(dc, Core()) as adapter:
        for chat in lost:
            with pytest.raises(ChatUnreachable) as raised:
                await adapter.send(chat, card())
            refused.append(raised.value)
        served = await adapter.send(ChatRef("discord", str(PAPERS)), Post(text="digest"))
    assert [r.chat for r in refused] == lost and dc.visible(GENERAL) == []
    assert refused[0].reason == "403 Missing Access" and refused[1].reason == "404 Unknown Channel"
    assert len(served.message_ids) == 1 and dc.visible(PAPERS)[0].content == "digest"


async def test_a_rate_limit_is_waited_out_and_the_message_sent_once(dc: FakeDiscord) -> None:
    async with running(dc, Core()) as adapter:
        dc.fail_next("message", 429, retry_after=0.5)
        ref = await adapter.send(ChatRef("discord", str(GENERAL)), Post(text="digest"))
    tries = dc.calls_of("message")
    assert [c.status for c in tries] == [429, 200]
    assert tries[1].at - tries[0].at >= 0.5
    assert [m.content for m in dc.visible(GENERAL)] == ["digest"] and len(ref.message_ids) == 1


async def test_ten_commands_at_once_are_answered_together(dc: FakeDiscord) -> None:
    core = Core(delay=1.0)
    async with running(dc, core):
        began = time.monotonic()
        asked = [dc.push_command("start", {}, user_id=100 + n, dm=True) for n in range(10)]
        await asyncio.gather(*(dc.await_answers(ix, 1) for ix in asked))
        elapsed = time.monotonic() - began
    assert elapsed < 2.5, elapsed
    assert sorted(c.user_id for c in core.seen) == [str(100 + n) for n in range(10)]


async def test_stop_restores_discords_own_urls(dc: FakeDiscord) -> None:
    from discord.gateway import DiscordWebSocket  # imported by adapters.discord already
    from discord.http import Route

    before = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    async with running(dc, Core()):
        assert dc.api_url == Route.BASE
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == dc.gateway_url
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    assert before[0] == "https://discord.com/api/v10"
    assert dc.token not in repr(DiscordAdapter(RouterHost(Router()), token=dc.token))


async def post_card(dc: FakeDiscord, adapter: DiscordAdapter) -> int:
    """A digest-style card in #papers; returns the id of the thread started on it."""
    await adapter.send(ChatRef("discord", str(PAPERS)), card())
    (posted,) = dc.visible(PAPERS)
    thread = dc.thread_of(posted)
    assert thread is not None
    return thread


async def answered(dc: FakeDiscord, said: Message) -> Message:
    """The bot's one reply to a message (waits for it)."""
    await dc.wait_until(lambda: bool(dc.replies_to(said)))
    (answer,) = dc.replies_to(said)
    return answer


async def test_a_message_in_a_cards_thread_is_a_question_answered_there(
    dc: FakeDiscord, posts: PostIndex
) -> None:
    core = Core()
    async with running(dc, core, posts=posts) as adapter:
        assert adapter.reads_messages and dc.identified[0]["intents"] & MESSAGE_CONTENT
        thread = await post_card(dc, adapter)
        said = dc.push_message(f"<@{BOT_ID}> which LoRA  rank works best?", channel_id=thread)
        answer = await answered(dc, said)
    (command,) = core.seen
    assert (command.name, command.args) == ("ask", "which LoRA rank works best?")
    assert command.reply_to_paper == "2408.13714v1"
    assert command.chat == ChatRef("discord", str(PAPERS), str(thread))
    assert (command.user_id, command.chat_type, command.user_is_admin) == ("42", "group", False)
    assert answer.channel_id == thread and answer.author_id == BOT_ID
    assert "About 2408.13714v1: rank 8." in answer.text and "§4 Ablation" in answer.text
    assert answer.allowed_mentions == {"parse": [], "replied_user": True}  # pings the asker only
    assert dc.typed_in(thread) == 1  # "paperbot is typing…" while it worked


async def test_chatter_other_bots_and_its_own_messages_are_not_questions(
    dc: FakeDiscord, posts: PostIndex
) -> None:
    core = Core()
    async with running(dc, core, posts=posts) as adapter:
        thread = await post_card(dc, adapter)  # its own card and analysis come back to it too
        chatter = dc.push_message("which rank works best?", channel_id=GENERAL)
        dc.push_message("me too", channel_id=GENERAL, reply_to=chatter.id)
        dc.push_message("which rank works best?", channel_id=TOPIC)  # a thread of someone else
        dc.push_message("which rank works best?", channel_id=thread, user_id=2000, bot=True)
        dc.push_message(f"<@{BOT_ID}>", channel_id=thread)  # nothing asked
        last = dc.push_message("and on which dataset?", channel_id=thread)
        await answered(dc, last)
        await asyncio.sleep(0.3)  # an answer to the bot's own answer would come now
    assert [c.args for c in core.seen] == ["and on which dataset?"]
    assert [m.author_id for m in dc.visible(GENERAL) + dc.visible(TOPIC)] == [42, 42, 42]
    assert dc.typed_in(GENERAL) == dc.typed_in(TOPIC) == 0


@pytest.mark.parametrize("where", [GENERAL, DM])
async def test_a_reply_to_a_summarize_answer_and_then_to_that_answer_continues_the_paper(
    dc: FakeDiscord, posts: PostIndex, where: int
) -> None:
    core = Core()
    async with running(dc, core, posts=posts):
        ix = dc.push_command("summarize", {"paper": "2408.13714"}, channel_id=where, dm=where == DM)
        card_message, _ = await dc.await_answers(ix, 2)
        first = dc.push_message("which rank?", channel_id=where, reply_to=card_message.id)
        answer = await answered(dc, first)
        second = dc.push_message("why that one?", channel_id=where, reply_to=answer.id)
        await answered(dc, second)
    asks = [c for c in core.seen if c.name == "ask"]
    chat, kind = ChatRef("discord", str(where)), "private" if where == DM else "group"
    assert [(c.args, c.reply_to_paper, c.chat, c.chat_type) for c in asks] == [
        ("which rank?", "2408.13714v1", chat, kind),
        ("why that one?", "2408.13714v1", chat, kind),
    ]


async def test_a_thread_the_gateway_never_described_is_looked_up(
    dc: FakeDiscord, posts: PostIndex
) -> None:
    dc.announce_threads = False  # as for a thread archived while the bot was away
    core = Core()
    async with running(dc, core, posts=posts) as adapter:
        thread = await post_card(dc, adapter)
        await answered(dc, dc.push_message("which rank?", channel_id=thread))
    (command,) = core.seen
    assert command.chat == ChatRef("discord", str(PAPERS), str(thread))
    assert [c.path for c in dc.calls_of("channel")].count(f"/channels/{thread}") == 1


async def test_without_the_message_content_intent_slash_commands_still_work(
    dc: FakeDiscord, posts: PostIndex
) -> None:
    dc.message_content_allowed = False  # the box in the developer portal is not ticked
    core = Core()
    async with running(dc, core, posts=posts) as adapter:
        assert not adapter.reads_messages
        thread = await post_card(dc, adapter)
        dc.push_message("which rank?", channel_id=thread)  # Discord hides its text from us
        ix = dc.push_command("start", {}, channel_id=thread)
        await dc.await_answers(ix, 1)
        await asyncio.sleep(0.3)
    assert [c.name for c in core.seen] == ["start"]
    refused, accepted = dc.identified
    assert refused["intents"] & MESSAGE_CONTENT and not accepted["intents"] & MESSAGE_CONTENT


async def test_a_broken_index_never_costs_the_post(dc: FakeDiscord) -> None:
    class Broken:
        async def remember(self, chat: ChatRef, message_ids: tuple[str, ...], paper: str) -> None:
            raise ConnectionError("redis is down")

        async def paper_of(self, chat: ChatRef, message_id: str) -> str | None:
            raise ConnectionError("redis is down")

    core = Core()
    async with running(dc, core, posts=Broken()) as adapter:
        thread = await post_card(dc, adapter)
        dc.push_message("which rank?", channel_id=thread)
        ix = dc.push_command("start", {}, channel_id=thread)
        await dc.await_answers(ix, 1)
        await asyncio.sleep(0.3)
    assert dc.visible(thread) and [c.name for c in core.seen] == ["start"]
