"""The Conversation a handler gets for one Telegram command: a status line, then replies."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram.error import TelegramError

from adapters.telegram.delivery import Delivery
from bot.chat.contract import ChatRef, SentRef
from bot.chat.post import Post

log = logging.getLogger(__name__)

TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for about 5


class TelegramConversation:
    """Talks back to the chat a command came from, replying to the user's message.

    ``status`` sends one plain status line (and keeps "typing…" alive) and edits it on later
    calls; ``reply`` sends the post and deletes the status line, so the user ends with the
    answer, never a stale "⏳". Status problems are logged, never raised: they must not cost
    the user the answer.
    """

    def __init__(self, delivery: Delivery, chat: ChatRef, message_id: int | None) -> None:
        self._delivery = delivery
        self._chat = chat
        self._message_id = message_id
        self._status_id: int | None = None
        self._status_text = ""
        self._typing: asyncio.Task[None] | None = None

    async def status(self, text: str) -> None:
        """Show or update the transient progress line."""
        text = text.strip() or "…"
        if text == self._status_text:
            return
        self._status_text = text
        try:
            if self._status_id is None:
                self._status_id = await self._delivery.status(self._chat, text, self._message_id)
                self._typing = asyncio.create_task(self._keep_typing())
            else:
                await self._delivery.edit(self._chat, self._status_id, text)
        except TelegramError as exc:
            log.info("status line not shown in %s: %s", self._chat.chat_id, exc)

    async def reply(self, post: Post) -> SentRef:
        """Send a post as a reply to the command, then remove the status line."""
        await self._stop_typing()
        try:
            return await self._delivery.post(self._chat, post, self._message_id)
        finally:
            await self._clear_status()

    async def close(self) -> None:
        """Stop "typing…" and remove a status line left behind (the handler has finished)."""
        await self._stop_typing()
        await self._clear_status()

    async def _keep_typing(self) -> None:
        while True:
            await asyncio.sleep(TYPING_EVERY)
            with contextlib.suppress(TelegramError):
                await self._delivery.typing(self._chat)

    async def _stop_typing(self) -> None:
        task, self._typing = self._typing, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _clear_status(self) -> None:
        status_id, self._status_id = self._status_id, None
        self._status_text = ""
        if status_id is None:
            return
        try:
            await self._delivery.delete(self._chat, status_id)
        except TelegramError as exc:
            log.info("status line not deleted in %s: %s", self._chat.chat_id, exc)
