"""The Conversations handlers get: a slash command's deferred response, or a reply to a message."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import discord

from adapters.discord.delivery import NO_MENTIONS, edit_kwargs, send_kwargs
from adapters.discord.memory import remember
from adapters.discord.render import CONTENT_LIMIT, render
from adapters.discord.text import clip
from bot.chat.contract import ChatRef, PostMemory, SentRef
from bot.chat.post import Post

log = logging.getLogger(__name__)

TYPING_EVERY = 8.0  # seconds; Discord shows "is typing…" for 10 s or until the bot's message
ASKER_ONLY = discord.AllowedMentions(everyone=False, users=False, roles=False, replied_user=True)


class InteractionConversation:
    """Answers one deferred interaction (the user sees "paperbot is thinking…" until then).

    ``status`` shows its line in the deferred response itself; the first ``reply`` replaces
    that response with the post's first message, and every further message is a follow-up.
    A status line shown after a reply is a follow-up of its own, deleted by the next reply.
    ``close`` deletes a response the handler never filled, so no "thinking…" is left behind.
    Status problems are logged, never raised: they must not cost the user the answer.
    Posts about a paper are noted in ``posts``, so a reply to them is a question about it.
    """

    def __init__(
        self, interaction: discord.Interaction, chat: ChatRef, posts: PostMemory | None = None
    ) -> None:
        self._interaction = interaction
        self._chat = chat
        self._posts = posts
        self._original_free = True  # the deferred response still shows "thinking…" or a status
        self._status: discord.WebhookMessage | None = None
        self._status_text = ""
        self._lock = asyncio.Lock()

    async def status(self, text: str) -> None:
        """Show or update the transient progress line."""
        text = clip(text.strip() or "…", CONTENT_LIMIT)
        async with self._lock:
            if text == self._status_text:
                return
            self._status_text = text
            try:
                if self._original_free:
                    await self._interaction.edit_original_response(
                        content=text, allowed_mentions=NO_MENTIONS
                    )
                elif self._status is None:
                    followup = self._interaction.followup
                    self._status = await followup.send(
                        text, wait=True, allowed_mentions=NO_MENTIONS
                    )
                else:
                    await self._status.edit(content=text)
            except discord.HTTPException as exc:
                log.info("discord: status line not shown: %s", exc)

    async def reply(self, post: Post) -> SentRef:
        """Send a post: the card, then its analysis as follow-ups; then drop the status line."""
        rendered = render(post, self._interaction.filesize_limit)
        ids: list[str] = []
        message: discord.Message
        async with self._lock:
            try:
                for piece in rendered.card + rendered.folded:
                    if self._original_free:
                        message = await self._interaction.edit_original_response(
                            **edit_kwargs(piece)
                        )
                        self._original_free = False
                    else:
                        message = await self._interaction.followup.send(
                            wait=True, **send_kwargs(piece)
                        )
                    ids.append(str(message.id))
            finally:
                await self._clear_status()
                await remember(self._posts, self._chat, ids, post.paper_id)
        return SentRef(self._chat, tuple(ids))

    async def close(self) -> None:
        """Remove a leftover status line, and a response that never got an answer."""
        async with self._lock:
            await self._clear_status()
            if self._original_free:
                self._original_free = False
                try:
                    await self._interaction.delete_original_response()
                except discord.HTTPException as exc:
                    log.info("discord: empty response not removed: %s", exc)

    async def _clear_status(self) -> None:
        status, self._status = self._status, None
        self._status_text = ""
        if status is None:
            return
        try:
            await status.delete()
        except discord.HTTPException as exc:
            log.info("discord: status line not deleted: %s", exc)


class MessageConversation:
    """Answers a message where it was written (its thread or channel), as a Discord reply.

    ``status`` shows "paperbot is typing…", renewed until the reply, instead of a line of text:
    in a thread where people talk, progress messages would be noise. The first message of each
    reply answers the user's message and pings only them; the rest follow it. Answers about a
    paper are noted in ``posts``. A channel the bot may no longer write to is logged, not raised.
    """

    def __init__(
        self, message: discord.Message, chat: ChatRef, posts: PostMemory | None = None
    ) -> None:
        self._message = message
        self._chat = chat
        self._posts = posts
        self._typing: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def status(self, text: str) -> None:
        """Show the typing indicator (the text itself is not shown)."""
        if self._typing is not None and not self._typing.done():
            return
        if await self._type():
            self._typing = asyncio.create_task(self._keep_typing(), name="discord-typing")

    async def _type(self) -> bool:
        try:
            await self._message.channel.typing()
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            log.info("discord: typing not shown: %s", exc)
            return False
        return True

    async def _keep_typing(self) -> None:
        while True:
            await asyncio.sleep(TYPING_EVERY)
            if not await self._type():
                return

    async def reply(self, post: Post) -> SentRef:
        """Send a post into the message's channel, its first message replying to the user's."""
        guild = self._message.guild
        rendered = render(post, guild.filesize_limit) if guild is not None else render(post)
        ids: list[str] = []
        async with self._lock:
            await self._stop_typing()
            try:
                for piece in rendered.card + rendered.folded:
                    kwargs = send_kwargs(piece)
                    if not ids:
                        kwargs["reference"] = self._message.to_reference(fail_if_not_exists=False)
                        kwargs["allowed_mentions"] = ASKER_ONLY
                    sent = await self._message.channel.send(**kwargs)
                    ids.append(str(sent.id))
            except (discord.Forbidden, discord.NotFound) as exc:
                log.warning("discord: answer in %s not delivered: %s", self._chat.key(), exc)
            finally:
                await remember(self._posts, self._chat, ids, post.paper_id)
        return SentRef(self._chat, tuple(ids))

    async def close(self) -> None:
        """Stop the typing indicator."""
        await self._stop_typing()

    async def _stop_typing(self) -> None:
        typing, self._typing = self._typing, None
        if typing is not None:
            typing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await typing
