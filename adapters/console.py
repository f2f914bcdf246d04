"""A chat in the terminal: the same commands and posts as the platforms, for local use and demos."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import ClassVar, TextIO

from bot.chat.contract import AdapterHost, ChatRef, Command, SentRef
from bot.chat.plaintext import post_text
from bot.chat.post import Post

CHAT = ChatRef("console", "local")
RULE = "─" * 72


class ConsoleConversation:
    """Replies print to the terminal; status lines print dimmed (one line each, or overwritten)."""

    def __init__(self, adapter: ConsoleAdapter) -> None:
        self._adapter = adapter

    async def reply(self, post: Post) -> SentRef:
        """Print the post."""
        return await self._adapter.send(CHAT, post)

    async def status(self, text: str) -> None:
        """Print a progress line."""
        self._adapter.print_status(text)


class ConsoleAdapter:
    """Reads commands line by line from ``stdin``; prints posts to ``out``; saves figures to disk."""

    platform: ClassVar[str] = "console"

    def __init__(
        self,
        host: AdapterHost,
        figure_dir: Path,
        *,
        stdin: TextIO | None = None,
        out: TextIO | None = None,
        prompt: str = "you> ",
    ) -> None:
        self.host = host
        self.figure_dir = figure_dir
        self.stdin = stdin or sys.stdin
        self.out = out or sys.stdout
        self.prompt = prompt
        self._task: asyncio.Task[None] | None = None
        self.finished = asyncio.Event()

    @property
    def connected(self) -> bool:
        """True while it reads the terminal."""
        return self._task is not None and not self._task.done()

    def print_status(self, text: str) -> None:
        """A transient progress line."""
        self.out.write(f"  … {text}\n")
        self.out.flush()

    async def start(self) -> None:
        """Begin reading lines in the background."""
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        try:
            while True:
                self.out.write(self.prompt)
                self.out.flush()
                line = await asyncio.to_thread(self.stdin.readline)
                if not line:
                    self.out.write("\n")
                    return
                command = parse_line(line)
                if command is None:
                    continue
                if command.name in ("quit", "exit"):
                    return
                await self.host.handle(command, ConsoleConversation(self))
        finally:
            self.finished.set()

    async def send(self, chat: ChatRef, post: Post) -> SentRef:
        """Print a post, saving its image next to the data and naming the file; a reply
        names the message it replies to."""
        text = post_text(post)
        if post.reply_to:
            text = f"↳ reply to {post.reply_to}\n{text}"
        if post.image is not None:
            self.figure_dir.mkdir(parents=True, exist_ok=True)
            path = self.figure_dir / post.image.filename
            path.write_bytes(post.image.data)
            caption = f" {post.image.caption}" if post.image.caption else ""
            text += f"\n\n[Figure saved to {path}]{caption}"
        self.out.write(f"{RULE}\n{text}\n{RULE}\n")
        self.out.flush()
        return SentRef(chat)

    async def stop(self) -> None:
        """Stop reading."""
        if self._task is not None and not self._task.done():
            self._task.cancel()


def parse_line(line: str) -> Command | None:
    """'/summarize 2408.13714' -> Command; a bare line is taken as /summarize's argument."""
    text = line.strip()
    if not text:
        return None
    if not text.startswith("/"):
        return Command(chat=CHAT, user_id="local", name="summarize", args=text)
    name, _, args = text[1:].partition(" ")
    return Command(chat=CHAT, user_id="local", name=name.lower(), args=args.strip())
