"""The seam between the core and the platforms: where messages go, what they say, who sends them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where a message goes: ("telegram", "-100123"), ("discord", "987", thread)."""

    platform: str
    chat_id: str
    thread_id: str | None = None

    def key(self) -> str:
        """A stable string for Redis keys."""
        tail = f":{self.thread_id}" if self.thread_id else ""
        return f"{self.platform}:{self.chat_id}{tail}"


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of a post: an optional heading followed by paragraphs and/or list items."""

    heading: str | None = None
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    """A labelled URL (rendered as a button where the platform has them)."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Image:
    """An image to attach to a post."""

    data: bytes
    mime: str = "image/png"
    caption: str = ""
    filename: str = "figure.png"


@dataclass(frozen=True, slots=True)
class Post:
    """A platform-neutral message. All strings are plain text: renderers escape them.

    A simple reply uses only ``text``. A paper card uses ``title``/``title_url``, ``blocks``
    (shown), ``folded`` (the long analysis, collapsed where the platform allows), ``links``,
    ``image`` and ``footer``.
    """

    text: str = ""
    title: str | None = None
    title_url: str | None = None
    blocks: tuple[Block, ...] = ()
    folded: tuple[Block, ...] = ()
    links: tuple[Link, ...] = ()
    image: Image | None = None
    footer: str | None = None
    paper_id: str | None = None  # versioned arXiv id the post is about (for replies and questions)


@dataclass(frozen=True, slots=True)
class SentRef:
    """What a platform returned for a sent post (message ids, for replies and threads)."""

    chat: ChatRef
    message_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Command:
    """One command from a user, converted at the adapter's edge."""

    chat: ChatRef
    user_id: str
    name: str  # without the slash or @botname, lower-case
    args: str = ""
    chat_type: str = "private"  # private | group | channel
    user_is_admin: bool = False
    reply_to_paper: str | None = None  # paper id of the bot post this message replies to
    raw: object = field(default=None, compare=False, repr=False)


class Conversation(Protocol):
    """How a handler talks back while serving one command."""

    async def reply(self, post: Post) -> SentRef:
        """Send a post to the chat the command came from."""
        ...

    async def status(self, text: str) -> None:
        """Show or update a transient progress line (replaced by the next reply)."""
        ...


CommandHandler = Callable[[Command, Conversation], Awaitable[None]]


class ChatAdapter(Protocol):
    """A platform: adapters/ implements it; bot/ never imports adapters/ or a platform SDK."""

    platform: ClassVar[str]

    async def start(self, on_command: Callable[[Command, Conversation], Awaitable[None]]) -> None:
        """Connect and begin delivering commands to ``on_command``; returns once running."""
        ...

    async def send(self, chat: ChatRef, post: Post) -> SentRef:
        """Deliver a post unprompted (scheduled digests)."""
        ...

    async def stop(self) -> None:
        """Disconnect cleanly."""
        ...


@runtime_checkable
class ChannelDirectory(Protocol):
    """A platform whose channels are managed from a private chat (Telegram channels)."""

    async def admin_channel(self, handle: str, user_id: str) -> ChatRef:
        """The channel ``handle`` (``@name`` or id), if ``user_id`` administers it and the bot
        can post there; raise UserFacingError saying why not otherwise."""
        ...


class PostMemory(Protocol):
    """Where adapters note which paper their messages were about (bot.chat.post_memory implements it)."""

    async def remember(self, chat: ChatRef, message_ids: tuple[str, ...], paper: str) -> None:
        """Note that these messages were about ``paper``."""
        ...

    async def paper_of(self, chat: ChatRef, message_id: str) -> str | None:
        """The paper one of our messages was about."""
        ...
