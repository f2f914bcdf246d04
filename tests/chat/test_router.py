"""The router: known commands run, failures become short replies, internals never leak."""

from __future__ import annotations

import logging

import pytest
from support.chatkit import Transcript, command

from bot.chat.contract import Command, CommandInfo, Conversation
from bot.chat.post import Post
from bot.chat.router import UNKNOWN_FAILURE, Router
from bot.errors import BadInput


def make_router() -> Router:
    router = Router()

    async def echo(cmd: Command, conv: Conversation) -> None:
        await conv.reply(Post(text=f"echo {cmd.args}"))

    async def refuse(cmd: Command, conv: Conversation) -> None:
        raise BadInput("That id is malformed.")

    async def crash(cmd: Command, conv: Conversation) -> None:
        raise RuntimeError("secret-token-123 in a stack trace")

    router.add(CommandInfo("echo", "Echo", "回声"), echo)
    router.add(CommandInfo("refuse", "Refuse", "拒绝"), refuse)
    router.add(CommandInfo("crash", "Crash", "崩溃"), crash)
    return router


async def test_a_command_reaches_its_handler() -> None:
    chat = Transcript()
    await make_router().dispatch(command("/echo hi there"), chat)
    assert chat.text == "echo hi there"


async def test_a_domain_error_becomes_its_message() -> None:
    chat = Transcript()
    await make_router().dispatch(command("/refuse"), chat)
    assert chat.text == "That id is malformed."


async def test_a_crash_is_logged_but_the_user_sees_no_internals(
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat = Transcript()
    with caplog.at_level(logging.ERROR):
        await make_router().dispatch(command("/crash"), chat)
    assert chat.text == UNKNOWN_FAILURE
    assert "secret-token-123" not in chat.text
    assert "RuntimeError" in caplog.text


async def test_an_unknown_command_points_to_help() -> None:
    chat = Transcript()
    await make_router().dispatch(command("/frobnicate"), chat)
    assert "Unknown command /frobnicate" in chat.text and "/help" in chat.text
    assert [c.name for c in make_router().commands()] == ["echo", "refuse", "crash"]


def test_structured_options_become_the_same_text_arguments() -> None:
    from bot.chat.contract import args_from_options
    from bot.commands.basics import SUMMARIZE

    assert args_from_options(SUMMARIZE, {"paper": "2408.13714", "language": "zh"}) == (
        "2408.13714 --lang zh"
    )
    assert args_from_options(SUMMARIZE, {"paper": "talking heads"}) == "talking heads"


async def test_help_lists_every_command_with_an_example_in_the_chats_language(
    redis_url: str, redis_client: object
) -> None:
    from bot.app import build_core
    from bot.infra.settings import Settings

    core = await build_core(Settings(redis_url=redis_url, arxiv_delay_s=0))
    try:
        chat = Transcript()
        await core.handle(command("/help"), chat)
        for name in ("summarize", "ask", "subscribe", "digest", "settings", "status"):
            assert f"/{name} — " in chat.text
        assert "e.g. /summarize 2408.13714" in chat.text
        await core.handle(command("/settings --lang zh"), Transcript())
        chinese = Transcript()
        await core.handle(command("/start"), chinese)
        assert "以 ChatPaper 格式总结" in chinese.text and "/subscribe — 订阅" in chinese.text
    finally:
        await core.aclose()
