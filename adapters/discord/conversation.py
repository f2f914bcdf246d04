"""The Conversation a handler gets for one slash command: the deferred response, then follow-ups."""

from __future__ import annotations

import asyncio
import logging

import discord

from adapters.discord.delivery import NO_MENTIONS, edit_kwargs, send_kwargs
from adapters.discord.render import CONTENT_LIMIT, render
from adapters.discord.text import clip
from bot.chat import ChatRef, Post, SentRef

log = logging.getLogger(__name__)


class InteractionConversation:
    """Answers one deferred interaction (the user sees "paperbot is thinking…" until then).

    ``status`` shows its line in the deferred response itself; the first ``reply`` replaces
    that response with the post's first message, and every further message is a follow-up.
    A status line shown after a reply is a follow-up of its own, deleted by the next reply.
    ``close`` deletes a response the handler never filled, so no "thinking…" is left behind.
    Status problems are logged, never raised: they must not cost the user the answer.
    """

    def __init__(self, interaction: discord.Interaction, chat: ChatRef) -> None:
        self._interaction = interaction
        self._chat = chat
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
