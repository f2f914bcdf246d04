"""An in-memory conversation: the core's twin of a chat, so tests read like transcripts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.chat.contract import ChatRef, ChatUnreachable, Command, SentRef
from bot.chat.plaintext import post_text
from bot.chat.post import Post

CHAT = ChatRef("test", "chat-1")


@dataclass
class Transcript:
    """Records what the bot said (posts) and showed (status lines)."""

    posts: list[Post] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)

    async def reply(self, post: Post) -> SentRef:
        """Keep the post."""
        self.posts.append(post)
        return SentRef(CHAT, (str(len(self.posts)),))

    async def status(self, text: str) -> None:
        """Keep the status line."""
        self.statuses.append(text)

    @property
    def text(self) -> str:
        """Everything said, as plain text."""
        return "\n\n".join(post_text(p) for p in self.posts)


def command(
    text: str,
    user: str = "u1",
    chat: ChatRef = CHAT,
    chat_type: str = "private",
    admin: bool = False,
) -> Command:
    """'/summarize 2408.13714' as a Command."""
    name, _, args = text.lstrip("/").partition(" ")
    return Command(
        chat=chat,
        user_id=user,
        name=name,
        args=args.strip(),
        chat_type=chat_type,
        user_is_admin=admin or chat_type == "private",
    )


class RecordingAdapter:
    """An in-memory platform: records every post per chat; blocked chats refuse delivery."""

    platform = "test"

    def __init__(self) -> None:
        self.posts: dict[str, list[Post]] = {}
        self.blocked: set[str] = set()
        self.block_after: int | None = None  # sends beyond this many hang (a dying process)
        self.send_delay = 0.0  # seconds each send takes (a platform's round trip)
        self.started = 0  # sends begun (in flight or done)
        self.sends = 0

    connected = True

    async def start(self) -> None:
        """Nothing to connect."""

    async def send(self, chat: ChatRef, post: Post) -> SentRef:
        """Record the post (a blocked chat raises ChatUnreachable)."""
        self.started += 1
        if self.block_after is not None and self.sends >= self.block_after:
            await asyncio.Event().wait()
        await asyncio.sleep(self.send_delay)
        if chat.chat_id in self.blocked:
            raise ChatUnreachable(chat, "Forbidden: bot was blocked by the user")
        self.sends += 1
        self.posts.setdefault(chat.chat_id, []).append(post)
        return SentRef(chat, (str(self.sends),))

    async def stop(self) -> None:
        """Nothing to close."""

    def papers(self, chat_id: str) -> list[str]:
        """Paper ids of the cards a chat received, in order."""
        return [p.paper_id for p in self.posts.get(chat_id, []) if p.paper_id]

    def texts(self, chat_id: str) -> list[str]:
        """The plain-text posts (headers, notices) a chat received."""
        return [p.text for p in self.posts.get(chat_id, []) if p.text]
