"""The Telegram ChatAdapter: python-telegram-bot 22 run inside the caller's event loop."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar, Self

from telegram import Document, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from adapters.reconnect import Backoff
from adapters.telegram.channels import admin_channel, is_admin
from adapters.telegram.commands import chat_ref, to_command, wants_file
from adapters.telegram.connection import Connection, Updates
from adapters.telegram.conversation import TelegramConversation
from adapters.telegram.settings import TelegramSettings
from bot.chat.contract import MAX_ATTACHMENT_BYTES, AdapterHost, Attachment, ChatRef, SentRef
from bot.chat.post import Post


class TelegramAdapter:
    """Telegram for the core: commands in, posts out, polling or a webhook.

    Updates are handled concurrently (up to ``max_concurrent_updates``), so a slow command in
    one chat never holds up another. ``start`` returns at once: logging in (getMe), publishing
    the menu and starting updates are retried in the background with ``backoff`` until
    Telegram answers (see :class:`~adapters.telegram.connection.Connection`); later outages
    are ridden out by python-telegram-bot's polling loop. ``connected`` is True while updates
    run and Telegram's last answer was not a network error. ``send`` to a chat that blocked or
    removed the bot raises ChatUnreachable; a group that became a supergroup is reported to
    ``host.chat_migrated`` and gets the post.
    """

    platform: ClassVar[str] = "telegram"

    def __init__(
        self,
        host: AdapterHost,
        *,
        token: str,
        base_url: str | None = None,
        webhook_url: str | None = None,
        webhook_listen: str = "0.0.0.0",
        webhook_port: int = 8443,
        webhook_secret: str | None = None,
        max_concurrent_updates: int = 64,
        poll_timeout: float = 10.0,
        backoff: Backoff | None = None,
    ) -> None:
        self._host = host
        self._webhook = webhook_url is not None
        updates = Updates(
            webhook_url=webhook_url,
            webhook_listen=webhook_listen,
            webhook_port=webhook_port,
            webhook_secret=webhook_secret,
            poll_timeout=poll_timeout,
            concurrency=max_concurrent_updates,
        )
        self._connection = Connection(
            host,
            self._handle,
            token=token,
            base_url=base_url,
            updates=updates,
            backoff=backoff or Backoff(),
        )

    @classmethod
    def from_settings(cls, settings: TelegramSettings, host: AdapterHost) -> Self:
        """The adapter the settings describe (``telegram_token`` must be set)."""
        if settings.telegram_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        secret = settings.telegram_webhook_secret
        return cls(
            host,
            backoff=Backoff.of(settings),
            token=settings.telegram_token.get_secret_value(),
            base_url=settings.telegram_base_url,
            webhook_url=settings.telegram_webhook_url,
            webhook_listen=settings.telegram_webhook_listen,
            webhook_port=settings.telegram_webhook_port,
            webhook_secret=secret.get_secret_value() if secret else None,
        )

    @property
    def connected(self) -> bool:
        """Receiving updates (polling or webhook running) and Telegram answering, for /healthz."""
        return self._connection.up

    def __repr__(self) -> str:
        return f"TelegramAdapter(webhook={self._webhook})"  # never the token

    async def start(self) -> None:
        """Begin logging in and receiving updates in the background; returns at once."""
        if self._connection.started:
            raise RuntimeError("TelegramAdapter already started")
        self._connection.start()

    async def send(self, chat: ChatRef, post: Post) -> SentRef:
        """Deliver a post unprompted; raises ChatUnreachable for a chat that is gone for good."""
        delivery = self._connection.delivery
        if delivery is None or not self._connection.launched:
            raise ConnectionError("telegram is not connected yet")
        return await delivery.post(chat, post)

    async def stop(self) -> None:
        """Stop retrying and receiving, let running handlers finish, close the HTTP clients."""
        await self._connection.stop()

    async def admin_channel(self, handle: str, user_id: str) -> ChatRef:
        """The channel ``handle`` if ``user_id`` administers it and the bot may post there."""
        delivery = self._connection.delivery
        assert delivery is not None
        return await admin_channel(delivery, handle, user_id)

    async def _handle(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Convert one message to a Command and hand it to the core with its Conversation."""
        message = update.effective_message
        delivery = self._connection.delivery
        if message is None or delivery is None:
            return
        bot = delivery.bot
        replied = message.reply_to_message
        paper = None
        if replied is not None:
            paper = await self._host.posts.paper_of(chat_ref(message), str(replied.message_id))
        command = to_command(message, bot_username=bot.username, bot_id=bot.id, paper=paper)
        if command is None:
            return
        if command.chat_type == "group" and not command.user_is_admin:
            admin = await is_admin(delivery, command.chat.chat_id, command.user_id)
            command = replace(command, user_is_admin=admin)
        conversation = TelegramConversation(delivery, command.chat, message.message_id)
        try:
            if message.document is not None and wants_file(message, command, self._host.commands()):
                attachment = await _download(message.document)
                if isinstance(attachment, str):
                    await conversation.reply(Post(text=attachment))
                    return
                command = replace(command, attachment=attachment)
            await self._host.handle(command, conversation)
        finally:
            await conversation.close()


async def _download(document: Document) -> Attachment | str:
    """The document's bytes, or why they were not fetched (too large, Telegram refused)."""
    if (document.file_size or 0) > MAX_ATTACHMENT_BYTES:
        return f"That file is over {MAX_ATTACHMENT_BYTES // 1_000_000} MB; send a smaller export."
    try:
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
    except TelegramError:
        return "Telegram did not hand me that file; please send it again."
    return Attachment(document.file_name or "file", data)
