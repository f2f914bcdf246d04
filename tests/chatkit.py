"""An in-memory conversation: the core's twin of a chat, so tests read like transcripts."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.chat import ChatRef, Command, Post, SentRef
from bot.plaintext import post_text

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


def command(text: str, user: str = "u1", chat: ChatRef = CHAT) -> Command:
    """'/summarize 2408.13714' as a Command."""
    name, _, args = text.lstrip("/").partition(" ")
    return Command(chat=chat, user_id=user, name=name, args=args.strip())
