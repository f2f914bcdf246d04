"""Plain messages as questions: in a thread on a paper's card, or replying to a post about one."""

from __future__ import annotations

import logging
import re

import discord

from adapters.discord.commands import chat_of, is_admin
from adapters.discord.memory import paper_of
from bot.chat.contract import ChatRef, Command, PostMemory

log = logging.getLogger(__name__)

ASK = "ask"
QUESTION_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def is_from_a_person(message: discord.Message, bot_id: int) -> bool:
    """Written by a person: not by a bot (this one included), a webhook or Discord itself."""
    author = message.author
    return (
        not author.bot
        and not author.system
        and author.id != bot_id
        and message.webhook_id is None
        and message.type in QUESTION_TYPES
    )


def question_text(content: str, bot_id: int) -> str:
    """The question in a message: mentions of the bot removed, whitespace collapsed."""
    return " ".join(re.sub(rf"<@!?{bot_id}>", " ", content).split())


def replied_id(message: discord.Message) -> str | None:
    """The id of the message this one replies to (forwards and other references do not count)."""
    reference = message.reference
    if reference is None or reference.message_id is None:
        return None
    if reference.type is not discord.MessageReferenceType.reply:
        return None
    return str(reference.message_id)


class Questions:
    """Decides which messages are questions about a paper, and turns them into /ask Commands."""

    def __init__(self, client: discord.Client, posts: PostMemory) -> None:
        self._client = client
        self._posts = posts

    async def command_for(self, message: discord.Message) -> Command | None:
        """The /ask Command a message amounts to; None for everything else (chatter, bots).

        A question is a person's message in a thread the bot started on a paper's card, or a
        reply to one of the bot's posts about a paper. Its whole text is the question.
        """
        me = self._client.user
        if me is None or not is_from_a_person(message, me.id):
            return None
        text = question_text(message.content, me.id)
        if not text:  # an image alone, or text Discord hid (no Message Content intent)
            return None
        replied = replied_id(message)
        if replied is None and not isinstance(
            message.channel, discord.Thread | discord.PartialMessageable
        ):
            return None  # plain chatter in a channel: not even a lookup
        channel = await self._resolve(message.channel)
        chat = chat_of(channel, message.channel.id)
        paper = await self._paper(chat, replied)
        if paper is None:
            return None
        private = message.guild is None
        admin = private or _admin(channel, message.author)
        kind = "private" if private else "group"
        return Command(
            chat,
            str(message.author.id),
            ASK,
            args=text,
            chat_type=kind,
            user_is_admin=admin,
            reply_to_paper=paper,
            raw=message,
        )

    async def _paper(self, chat: ChatRef, replied: str | None) -> str | None:
        """The paper of the post replied to, else of the thread the message is in."""
        if replied is not None:
            paper = await paper_of(self._posts, chat, replied)
            if paper is not None:
                return paper
        if chat.thread_id is not None:
            return await paper_of(self._posts, chat, chat.thread_id)
        return None

    async def _resolve(self, channel: object) -> object:
        """A channel the gateway never described (an archived thread, say), fetched once."""
        if not isinstance(channel, discord.PartialMessageable) or channel.guild_id is None:
            return channel
        try:
            return await self._client.fetch_channel(channel.id)
        except (discord.HTTPException, discord.InvalidData) as exc:
            log.info("discord: channel %s not fetched: %s", channel.id, exc)
            return channel


def _admin(channel: object, author: discord.abc.User) -> bool:
    """Whether the author may manage the channel (False when Discord did not say)."""
    if not isinstance(author, discord.Member):
        return False
    if not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        return False
    try:
        return is_admin(channel.permissions_for(author))
    except discord.ClientException:  # a thread whose parent is not cached
        return False
