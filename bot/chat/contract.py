"""The adapter contract: everything a chat platform adapter must do and may rely on.

The core (``bot/``) never imports an adapter or a platform SDK; an adapter (``adapters/<name>/``)
talks to the core only through the types in this module.

What an adapter is handed
    One :class:`AdapterHost`, at construction (``Adapter.from_settings(settings, host)``). It
    offers the commands to list (``host.commands()``: names, descriptions, options), the place
    to dispatch them (``await host.handle(command, conversation)``), the memory of which paper
    each of the bot's messages was about (``host.posts``, kept in Redis: one memory, no copy in
    the adapter), and what to call when the adapter learns, outside a send, that a chat is gone
    for good (``host.chat_unreachable``) or changed id (``host.chat_migrated``).

What an adapter must do (:class:`ChatAdapter`)
    * ``platform``: a short class-level name (``"telegram"``); it is ``ChatRef.platform`` of
      every chat the adapter serves and the label of its metrics and ``/healthz`` entry.
    * ``start()``: begin connecting and return promptly. It never raises because the platform
      is unreachable: the adapter retries in the background with exponential backoff (with
      jitter) for as long as it runs, and comes back by itself when the platform does.
    * ``connected``: True only while the platform connection is up (updates or the gateway
      session flowing); ``/healthz`` and ``paperbot_adapter_connected`` report it.
    * turn each user message into a :class:`Command` and call ``host.handle`` with a
      :class:`Conversation` for the replies; handlers run concurrently. A file sent with a
      command (a reference library for ``/like``) is downloaded at the edge, up to
      :data:`MAX_ATTACHMENT_BYTES`, into ``Command.attachment``.
    * ``send(chat, post)``: deliver a post unprompted (scheduled digests) and return its
      :class:`SentRef`. When the platform refused delivery to *that chat* for good (blocked,
      kicked, deleted, no permission) it raises :class:`ChatUnreachable`; the core then marks
      the chat unreachable and pauses its subscriptions. Any other failure (platform down, not
      connected yet, timeouts) raises an ordinary exception: the core retries the delivery
      later, and nothing is recorded as delivered that was not.
    * ``stop()``: stop connecting or retrying, let running handlers finish briefly, close.
    * never log a token or a user's text; render :class:`Post` (plain text) in the platform's
      own markup, splitting to its limits.

What the core guarantees
    * every command reaches ``host.handle`` only through the adapter; a chat that writes to the
      bot is reachable again.
    * a :class:`ChatUnreachable` raised from ``send`` or from ``Conversation.reply`` is handled
      (chat marked, subscriptions paused); a send that failed otherwise is retried, never lost
      and never sent twice.
    * ``host.posts.paper_of`` answers for messages the adapter noted with ``remember``, for a
      month, across restarts.

Votes on cards
    A :class:`Post` with ``votes`` set asks for 👍/👎 buttons carrying :func:`vote_data` (at
    most 64 bytes, Telegram's callback_data limit). A tap, read back with
    :func:`parse_vote_data`, becomes a :class:`Tap` for ``await host.vote(tap)``; the adapter
    shows the returned :class:`VoteResult` as the buttons' tally and acknowledges the tap with
    its ``note``, never with a new message. The data holds the paper, so a tap on a card from
    before a restart works; the core decides toggling (the same button again withdraws).
    A 👍/👎 *reaction* on a card (found with ``host.posts.paper_of``) is a Tap with
    ``mode="set"`` when added and ``mode="unset"`` when removed: reactions do not toggle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import ClassVar, Literal, Protocol, runtime_checkable

from bot.chat.post import Post

MAX_ATTACHMENT_BYTES = 1_000_000  # larger files are refused at the edge, never downloaded


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
class SentRef:
    """What a platform returned for a sent post (message ids, for replies and threads)."""

    chat: ChatRef
    message_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a command (a BibTeX or CSL JSON library), downloaded by the adapter."""

    filename: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Command:
    """One command from a user, converted at the adapter's edge."""

    chat: ChatRef
    user_id: str
    name: str  # without the slash or @botname, lower-case
    _: KW_ONLY
    args: str = ""
    chat_type: str = "private"  # private | group | channel
    user_is_admin: bool = False
    reply_to_paper: str | None = None  # paper id of the bot post this message replies to
    attachment: Attachment | None = None  # a file sent with the command (/like with a .bib)
    raw: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Tap:
    """A 👍 (+1) or 👎 (-1) tap (or reaction) on a paper card, converted at the adapter's edge.

    ``mode``: "toggle" for a button (its own vote again withdraws it), "set" for a reaction
    added (the vote becomes ``value``), "unset" for a reaction removed (the vote is withdrawn
    only while it is still ``value``).
    """

    chat: ChatRef
    user_id: str
    paper: str  # versioned arXiv id, from the button's data
    value: Literal[-1, 1]
    mode: Literal["toggle", "set", "unset"] = "toggle"


@dataclass(frozen=True, slots=True)
class VoteResult:
    """The card's tally in that chat after a tap, the tapper's vote now, and a short note."""

    up: int
    down: int
    mine: Literal[-1, 0, 1]
    note: str  # "👍 recorded", "Vote withdrawn", … (shown as the tap's acknowledgement)
    recorded: bool = True  # False: nothing changed (not a paper, arXiv has no such paper)


VOTE_PREFIX = "v"


def vote_data(paper: str, value: Literal[-1, 1]) -> str:
    """A vote button's data: ``v:+:2408.13714v1`` (short enough for Telegram's 64 bytes)."""
    return f"{VOTE_PREFIX}:{'+' if value > 0 else '-'}:{paper}"


def parse_vote_data(data: str) -> tuple[str, Literal[-1, 1]] | None:
    """The paper and value of a vote button's data; None when it is not one."""
    prefix, _, rest = data.partition(":")
    sign, _, paper = rest.partition(":")
    if prefix != VOTE_PREFIX or sign not in ("+", "-") or not paper or len(paper) > 40:
        return None
    return paper, 1 if sign == "+" else -1


class Conversation(Protocol):
    """How a handler talks back while serving one command."""

    async def reply(self, post: Post) -> SentRef:
        """Send a post to the chat the command came from."""
        ...

    async def status(self, text: str) -> None:
        """Show or update a transient progress line (replaced by the next reply)."""
        ...


CommandHandler = Callable[[Command, Conversation], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class OptionInfo:
    """One argument of a command, for platforms with structured commands (Discord slash options).

    Adapters turn options back into the command's text arguments: positional options (``flag``
    None) in order, separated by spaces, then ``--flag value`` for the others, so every
    platform's input reaches the same parser.
    """

    name: str
    description: str
    _: KW_ONLY
    required: bool = False
    choices: tuple[str, ...] = ()
    flag: str | None = None  # e.g. "--lang": passed as "--lang zh"


@dataclass(frozen=True, slots=True)
class CommandInfo:
    """A command as platforms list it: name, one-line descriptions, usage example, options."""

    name: str
    description_en: str
    description_zh: str
    _: KW_ONLY
    usage: str = ""
    options: tuple[OptionInfo, ...] = ()
    costly: bool = False  # runs an LLM call (counts against the per-user limit)
    reads_file: bool = False  # takes a file sent with it (a BibTeX or CSL JSON library)


def args_from_options(info: CommandInfo, values: dict[str, str]) -> str:
    """Rebuild a command's text arguments from structured option values."""
    positional = [values[o.name] for o in info.options if o.flag is None and values.get(o.name)]
    flagged = [f"{o.flag} {values[o.name]}" for o in info.options if o.flag and values.get(o.name)]
    return " ".join(positional + flagged)


class ChatUnreachable(Exception):
    """The platform refused delivery to this chat for good (blocked, kicked, deleted, no rights).

    Raised by ``ChatAdapter.send`` and ``Conversation.reply``; never for a platform-wide outage.
    """

    def __init__(self, chat: ChatRef, reason: str) -> None:
        super().__init__(f"{chat.key()} is unreachable: {reason}")
        self.chat = chat
        self.reason = reason


class PostMemory(Protocol):
    """Where adapters note which paper their messages were about (bot.chat.post_memory implements it).

    A reply to any of them is a question about its paper (``paper_of``). Only messages remembered
    with ``votes=True`` (those carrying 👍/👎 buttons: digest cards) take votes by reaction
    (``card_paper``); a reaction on a /summarize card, an /ask answer or an update reply is none.
    """

    async def remember(
        self, chat: ChatRef, message_ids: tuple[str, ...], paper: str, votes: bool = False
    ) -> None:
        """Note that these messages were about ``paper``; ``votes``: they carry vote buttons."""
        ...

    async def paper_of(self, chat: ChatRef, message_id: str) -> str | None:
        """The paper one of our messages was about."""
        ...

    async def card_paper(self, chat: ChatRef, message_id: str) -> str | None:
        """The paper of one of our messages with vote buttons; None for any other message."""
        ...


class AdapterHost(Protocol):
    """The one object an adapter is given: the core, as far as a platform needs to know it."""

    @property
    def posts(self) -> PostMemory:
        """Which paper each of the bot's messages was about (kept in Redis)."""
        ...

    def commands(self) -> Sequence[CommandInfo]:
        """The commands to list in the platform's menu (registration order)."""
        ...

    async def handle(self, command: Command, conversation: Conversation) -> None:
        """Serve one command; replies go through ``conversation``."""
        ...

    async def chat_unreachable(self, chat: ChatRef, reason: str) -> None:
        """The platform said, outside a send, that the bot lost this chat for good."""
        ...

    async def chat_migrated(self, old: ChatRef, new: ChatRef) -> None:
        """A chat changed id (a Telegram group became a supergroup): its data follows."""
        ...

    async def vote(self, tap: Tap) -> VoteResult:
        """Record a 👍/👎 tap on a card (the same button again withdraws the vote); the tally."""
        ...


class ChatAdapter(Protocol):
    """A platform: adapters/ implements it; bot/ never imports adapters/ or a platform SDK."""

    platform: ClassVar[str]

    @property
    def connected(self) -> bool:
        """True only while the platform connection is up."""
        ...

    async def start(self) -> None:
        """Begin connecting (retrying in the background); returns promptly, never raises."""
        ...

    async def send(self, chat: ChatRef, post: Post) -> SentRef:
        """Deliver a post unprompted; raise ChatUnreachable when the chat refuses it for good."""
        ...

    async def stop(self) -> None:
        """Stop connecting and disconnect cleanly."""
        ...


@runtime_checkable
class ChannelDirectory(Protocol):
    """A platform whose channels are managed from a private chat (Telegram channels)."""

    async def admin_channel(self, handle: str, user_id: str) -> ChatRef:
        """The channel ``handle`` (``@name`` or id), if ``user_id`` administers it and the bot
        can post there; raise UserFacingError saying why not otherwise."""
        ...
