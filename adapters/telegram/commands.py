"""Incoming Telegram messages to core Commands, and the command menu Telegram shows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import BotCommand, Message, MessageEntity
from telegram.constants import ChatType

from bot.chat.contract import ChatRef, Command, CommandInfo

PLATFORM = "telegram"
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?", re.DOTALL)
_MENU_NAME = re.compile(r"[a-z0-9_]{1,32}")
DESCRIPTION_LIMIT = 256
ASK = "ask"


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """A command's name (lower-case, no slash or @bot) and its argument text."""

    name: str
    args: str


def parse_command(text: str, bot_username: str) -> ParsedCommand | None:
    """Read ``/name[@bot] args``; None when it is not a command or is meant for another bot."""
    match = _COMMAND.fullmatch(text.strip())
    if match is None:
        return None
    target = match.group(2)
    if target is not None and target.lower() != bot_username.lower():
        return None
    return ParsedCommand(match.group(1).lower(), (match.group(3) or "").strip())


def chat_kind(telegram_type: str) -> str:
    """The core's chat type for a Telegram chat type (a supergroup is a group)."""
    if telegram_type == ChatType.PRIVATE:
        return "private"
    if telegram_type == ChatType.CHANNEL:
        return "channel"
    return "group"


def chat_ref(message: Message) -> ChatRef:
    """Where answers to this message go (with the forum topic, if any)."""
    thread = message.message_thread_id if message.is_topic_message else None
    return ChatRef(PLATFORM, str(message.chat.id), str(thread) if thread else None)


def starts_with_command(message: Message) -> bool:
    """True when Telegram marked a bot command at the start of the text (or a file's caption)."""
    return any(
        entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0
        for entity in (message.entities or message.caption_entities)
    )


def wants_file(message: Message, command: Command, commands: Sequence[CommandInfo]) -> bool:
    """True when the message carries a document for a command that reads one (/like a .bib).

    ``commands`` are the host's; those whose info says ``reads_file`` take a file.
    """
    if message.document is None:
        return False
    return any(info.reads_file and info.name == command.name for info in commands)


def to_command(
    message: Message, *, bot_username: str, bot_id: int, paper: str | None = None
) -> Command | None:
    """The core Command for a message, or None when the bot should stay silent.

    Commands (``/name args``) pass through, including unknown ones. Plain text passes only as
    a reply to one of the bot's own messages, as ``ask``: always in private chats, and in groups
    only when that message was about a paper. ``user_is_admin`` is True in private chats and
    channels (only admins post there) and for anonymous group admins; the adapter looks the
    others up. ``paper`` is what the message it replies to was about (from the post memory).

    A document passes with its caption as the command (``/like`` or ``/dislike`` with a .bib
    or Zotero export, in any chat); a document without a caption counts as ``/like`` in a
    private chat only, so files shared in a group never trigger the bot.
    """
    text = message.text or message.caption or ""
    kind = chat_kind(message.chat.type)
    replied = message.reply_to_message
    paper = paper if replied else None
    sender = message.from_user
    user_id = str(sender.id) if sender else str((message.sender_chat or message.chat).id)
    anonymous_admin = message.sender_chat is not None and message.sender_chat.id == message.chat.id
    admin = kind in ("private", "channel") or anonymous_admin
    if starts_with_command(message):
        parsed = parse_command(text, bot_username)
        if parsed is None:
            return None
        name, args = parsed.name, parsed.args
    elif message.document is not None:
        if kind != "private" or text.strip():
            return None
        name, args = "like", ""
    elif (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == bot_id
        and text.strip()
        and (kind == "private" or paper is not None)
    ):
        name, args = ASK, text.strip()
    else:
        return None
    return Command(
        chat_ref(message),
        user_id,
        name,
        args=args,
        chat_type=kind,
        user_is_admin=admin,
        reply_to_paper=paper,
        raw=message,
    )


def menu(commands: Sequence[CommandInfo], language: str) -> list[BotCommand]:
    """The setMyCommands list in ``en`` or ``zh``; names Telegram would refuse are left out."""
    entries: list[BotCommand] = []
    for info in commands:
        if not _MENU_NAME.fullmatch(info.name):
            continue
        text = info.description_zh if language == "zh" else info.description_en
        text = " ".join(text.split()) or info.name
        entries.append(BotCommand(info.name, text[:DESCRIPTION_LIMIT]))
    return entries
