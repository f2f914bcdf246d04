"""The console says which message a reply answers (an update under an earlier card)."""

from __future__ import annotations

import io
from pathlib import Path

from support.memory_adapter import RouterHost

from adapters.console import CHAT, ConsoleAdapter
from bot.chat.post import Post
from bot.chat.router import Router


async def test_a_reply_names_the_message_it_answers(tmp_path: Path) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(RouterHost(Router()), tmp_path, out=out)
    await console.send(CHAT, Post(text="📣 Accepted to NeurIPS 2025 (v2)", reply_to="41"))
    await console.send(CHAT, Post(text="plain"))
    printed = out.getvalue()
    assert "↳ reply to 41\n📣 Accepted to NeurIPS 2025 (v2)" in printed
    assert printed.count("↳") == 1  # a post that replies to nothing says nothing of it
