"""A platform that lives only in tests (``memo``), a host around a bare Router, and a waiter.

``MemoryAdapter`` follows the adapter contract (bot/chat/contract.py) and nothing else: a new
platform needs no more than this to serve commands and digests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from bot.chat.contract import (
    AdapterHost,
    ChatRef,
    ChatUnreachable,
    Command,
    CommandInfo,
    Conversation,
    PostMemory,
    SentRef,
    Tap,
    VoteResult,
)
from bot.chat.post import Post
from bot.chat.router import Router


async def until(check: Callable[[], bool], seconds: float = 15.0, what: str = "") -> None:
    """Wait (polling) until ``check()`` is true; fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.05)


class MemoryConversation:
    """Replies to one command land in the adapter's record of that chat."""

    def __init__(self, adapter: MemoryAdapter, chat: ChatRef) -> None:
        self._adapter = adapter
        self._chat = chat

    async def reply(self, post: Post) -> SentRef:
        """Deliver like any post (a chat that is gone raises ChatUnreachable)."""
        return await self._adapter.send(self._chat, post)

    async def status(self, text: str) -> None:
        """Keep the status line."""
        self._adapter.statuses.append(text)


class MemoryAdapter:
    """An in-memory platform: users ``say`` commands; posts are kept per chat id."""

    platform: ClassVar[str] = "memo"

    def __init__(self, host: AdapterHost) -> None:
        self.host = host
        self.posts: dict[str, list[Post]] = {}
        self.statuses: list[str] = []
        self.gone: dict[str, str] = {}  # chat id -> why the platform refuses it
        self.up = False
        self._next_id = 0

    @property
    def connected(self) -> bool:
        """Up between start and stop."""
        return self.up

    async def start(self) -> None:
        """Nothing to reach: up at once."""
        self.up = True

    async def stop(self) -> None:
        """Down."""
        self.up = False

    async def send(self, chat: ChatRef, post: Post) -> SentRef:
        """Keep the post; a chat in ``gone`` raises ChatUnreachable, a stopped adapter fails."""
        if not self.up:
            raise ConnectionError("memo is not connected")
        if chat.chat_id in self.gone:
            raise ChatUnreachable(chat, self.gone[chat.chat_id])
        self._next_id += 1
        self.posts.setdefault(chat.chat_id, []).append(post)
        ids = (str(self._next_id),)
        if post.paper_id:
            await self.host.posts.remember(chat, ids, post.paper_id, votes=post.votes)
        return SentRef(chat, ids)

    async def say(self, chat_id: str, text: str, user: str = "u1") -> None:
        """A user writes ``/name args`` in a private chat; the host serves it."""
        name, _, args = text.lstrip("/").partition(" ")
        chat = ChatRef(self.platform, chat_id)
        command = Command(chat, user, name.lower(), args=args.strip(), user_is_admin=True)
        await self.host.handle(command, MemoryConversation(self, chat))

    def papers(self, chat_id: str) -> list[str]:
        """Paper ids of the cards a chat received, in order."""
        return [p.paper_id for p in self.posts.get(chat_id, []) if p.paper_id]


class DictPosts:
    """A PostMemory in a dict (for adapter tests without Redis)."""

    def __init__(self) -> None:
        self.papers: dict[tuple[str, str], str] = {}
        self.cards: dict[tuple[str, str], str] = {}

    async def remember(
        self, chat: ChatRef, message_ids: tuple[str, ...], paper: str, votes: bool = False
    ) -> None:
        """Note the messages (and, with ``votes``, that they carry vote buttons)."""
        for message_id in message_ids:
            self.papers[(chat.key(), message_id)] = paper
            if votes:
                self.cards[(chat.key(), message_id)] = paper

    async def paper_of(self, chat: ChatRef, message_id: str) -> str | None:
        """The paper noted for a message."""
        return self.papers.get((chat.key(), message_id))

    async def card_paper(self, chat: ChatRef, message_id: str) -> str | None:
        """The paper noted for a message with vote buttons."""
        return self.cards.get((chat.key(), message_id))


@dataclass
class RouterHost:
    """An AdapterHost around a bare Router: records unreachable and migrated chats."""

    router: Router
    posts: PostMemory = field(default_factory=DictPosts)
    unreachable: list[tuple[ChatRef, str]] = field(default_factory=list)
    migrated: list[tuple[ChatRef, ChatRef]] = field(default_factory=list)
    votes: dict[tuple[ChatRef, str, str], Literal[-1, 0, 1]] = field(default_factory=dict)

    def commands(self) -> Sequence[CommandInfo]:
        """The router's commands."""
        return self.router.commands()

    async def handle(self, command: Command, conversation: Conversation) -> None:
        """Dispatch; a chat that went away is recorded like the core records it."""
        try:
            await self.router.dispatch(command, conversation)
        except ChatUnreachable as exc:
            self.unreachable.append((exc.chat, exc.reason))

    async def chat_unreachable(self, chat: ChatRef, reason: str) -> None:
        """Record it."""
        self.unreachable.append((chat, reason))

    async def chat_migrated(self, old: ChatRef, new: ChatRef) -> None:
        """Record it."""
        self.migrated.append((old, new))

    async def vote(self, tap: Tap) -> VoteResult:
        """Keep each user's latest vote per paper (the same button again withdraws); the tally."""
        key = (tap.chat, tap.paper, tap.user_id)
        mine = 0 if self.votes.get(key) == tap.value else tap.value
        self.votes[key] = mine
        tally = [v for (c, p, _), v in self.votes.items() if (c, p) == key[:2]]
        note = "Vote withdrawn" if mine == 0 else ("👍 recorded" if mine > 0 else "👎 recorded")
        return VoteResult(tally.count(1), tally.count(-1), mine, note)
