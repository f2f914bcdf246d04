"""Posting to Discord channels unprompted: the card, its analysis in a thread, lost channels."""

from __future__ import annotations

import io
import logging
from typing import Any, Literal

import discord

from adapters.discord.memory import remember
from adapters.discord.render import Piece, Rendered, render
from adapters.discord.votes import card_view
from bot.chat.contract import ChatRef, ChatUnreachable, PostMemory, SentRef
from bot.chat.post import Link, Post

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080  # a week: digest threads stay open for questions
Channel = discord.abc.Messageable


def link_view(links: tuple[Link, ...]) -> discord.ui.View:
    """Link buttons, five to a row (needs a running event loop, like every discord.py View)."""
    return card_view(links, None)


def _file(piece: Piece) -> discord.File | None:
    if piece.file is None:
        return None
    return discord.File(io.BytesIO(piece.file.data), filename=piece.file.filename)


def send_kwargs(piece: Piece) -> dict[str, Any]:
    """Keyword arguments for ``Messageable.send`` / ``Webhook.send`` (no one is ever pinged)."""
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if piece.content:
        kwargs["content"] = piece.content
    if piece.embeds:
        kwargs["embeds"] = list(piece.embeds)
    if (file := _file(piece)) is not None:
        kwargs["file"] = file
    if piece.links or piece.votes:
        kwargs["view"] = card_view(piece.links, piece.votes)
    return kwargs


def edit_kwargs(piece: Piece) -> dict[str, Any]:
    """Keyword arguments for ``edit_original_response``: replaces whatever it showed before."""
    file = _file(piece)
    return {
        "content": piece.content or None,
        "embeds": list(piece.embeds),
        "attachments": [file] if file is not None else [],
        "view": link_view(piece.links) if piece.links else None,
        "allowed_mentions": NO_MENTIONS,
    }


def reason(exc: discord.HTTPException) -> str:
    """A short reason for logs and the chat store: ``403 Missing Access``."""
    return f"{exc.status} {exc.text or type(exc).__name__}"[:200]


class Delivery:
    """Sends posts to channels by id; a channel the bot lost raises ChatUnreachable.

    The ids of a post about a paper (card, analysis, and the thread started on the card) are
    noted in ``posts`` (see ``adapters.discord.memory``): a message in that thread, or a reply
    to any of them, is a question about the paper.
    """

    def __init__(self, client: discord.Client, posts: PostMemory | None = None) -> None:
        self.client = client
        self._posts = posts

    async def post(self, chat: ChatRef, post: Post) -> SentRef:
        """Send the card where ``chat`` points; the analysis goes in a thread on it when possible.

        A post with ``reply_to`` (an earlier card's message id) goes in the thread started on
        that card, or replies to the card when it has none.

        403/404 on the channel raises ChatUnreachable (nothing was sent).
        A failure with the thread only moves the analysis into the channel itself.
        """
        try:
            channel = await self._channel(chat)
        except (discord.Forbidden, discord.NotFound, ValueError) as exc:
            why = reason(exc) if isinstance(exc, discord.HTTPException) else str(exc)
            raise ChatUnreachable(chat, why) from None
        limit = getattr(getattr(channel, "guild", None), "filesize_limit", None)
        rendered = render(post, limit) if isinstance(limit, int) else render(post)
        try:
            sent = await self._card(channel, _channel_id(chat), rendered, post.reply_to)
        except (discord.Forbidden, discord.NotFound) as exc:
            raise ChatUnreachable(chat, reason(exc)) from None
        ids = [str(message.id) for message in sent]
        more = await self._fold(channel, sent[0] if sent else None, rendered)
        await remember(self._posts, chat, ids + more, post.paper_id)
        return SentRef(chat, tuple(ids))

    async def _card(
        self, channel: Channel, channel_id: int, rendered: Rendered, reply_to: str | None
    ) -> list[discord.Message]:
        """Send the card's pieces; with ``reply_to`` (a card's message id), in the thread
        started on that card, else (no thread, or it is gone) as a reply to that message."""
        if reply_to and reply_to.isdigit():
            thread = await self._thread_on(channel_id, int(reply_to))
            if thread is not None:
                try:
                    return [await thread.send(**send_kwargs(piece)) for piece in rendered.card]
                except (discord.Forbidden, discord.NotFound) as exc:
                    log.info("discord: thread %s refused the reply (%s)", thread.id, reason(exc))
            reference = discord.MessageReference(
                message_id=int(reply_to), channel_id=channel_id, fail_if_not_exists=False
            )
            sent: list[discord.Message] = []
            for piece in rendered.card:
                kwargs = send_kwargs(piece)
                if not sent:
                    kwargs["reference"] = reference
                sent.append(await channel.send(**kwargs))
            return sent
        return [await channel.send(**send_kwargs(piece)) for piece in rendered.card]

    async def _thread_on(self, channel_id: int, message_id: int) -> discord.Thread | None:
        """The thread the bot started on a message of a channel (it bears the message's id)."""
        thread = self.client.get_channel(message_id)
        if thread is None:
            try:
                thread = await self.client.fetch_channel(message_id)
            except discord.HTTPException:
                return None  # no thread was started on it (or it is gone)
        if isinstance(thread, discord.Thread) and thread.parent_id == channel_id:
            return thread
        return None

    async def _channel(self, chat: ChatRef) -> Channel:
        """The channel (or thread) from the gateway's cache, else from the API."""
        channel_id = _channel_id(chat)
        channel = self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)
        if not isinstance(channel, Channel):
            raise ValueError(f"channel {channel_id} is not a text channel")
        return channel

    async def _fold(
        self, channel: Channel, card: discord.Message | None, rendered: Rendered
    ) -> list[str]:
        """The analysis in a thread started on the card; in the channel if that cannot be.

        Returns the ids of the thread (when it was started) and of the analysis messages.
        """
        if not rendered.folded:
            return []
        ids: list[str] = []
        target: Channel = channel
        if card is not None and isinstance(channel, discord.TextChannel):
            try:
                target = await card.create_thread(
                    name=rendered.thread_name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
                ids.append(str(target.id))
            except discord.HTTPException as exc:
                log.info("discord: no thread in %s (%s); analysis goes inline", channel.id, exc)
        pending = list(rendered.folded)
        while pending:
            try:
                message = await target.send(**send_kwargs(pending[0]))
            except (discord.Forbidden, discord.NotFound) as exc:
                if target is channel:
                    log.warning("discord: analysis not delivered: %s", reason(exc))
                    return ids
                log.info("discord: thread gone (%s); analysis goes inline", reason(exc))
                target = channel
                continue
            ids.append(str(message.id))
            pending.pop(0)
        return ids


def _channel_id(chat: ChatRef) -> int:
    """The id of the channel (or thread) ``chat`` names; ValueError when it is not one."""
    raw = chat.thread_id or chat.chat_id
    if not raw.isdigit():
        raise ValueError(f"{raw[:30]!r} is not a Discord channel id")
    return int(raw)
