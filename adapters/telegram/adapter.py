"""The Telegram ChatAdapter: python-telegram-bot 22 run inside the caller's event loop."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters

from adapters.telegram.commands import chat_ref, menu, to_command
from adapters.telegram.conversation import TelegramConversation
from adapters.telegram.delivery import Delivery, Migrated, Unreachable
from bot.chat.contract import ChatRef, Command, Conversation, Post, PostMemory, SentRef
from bot.chat.router import CommandInfo
from bot.errors import BadInput

log = logging.getLogger(__name__)

OnCommand = Callable[[Command, Conversation], Awaitable[None]]
ALLOWED_UPDATES = ("message", "channel_post")
ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
RATE_LIMIT_RETRIES = 5  # 429s waited out (retry_after + 0.1 s) before a send gives up


class TelegramAdapter:
    """Telegram for the core: commands in, posts out, polling or a webhook.

    Updates are handled concurrently (up to ``max_concurrent_updates``), so a slow command in
    one chat never holds up another. ``send`` to a chat that blocked or removed the bot calls
    ``on_unreachable(chat, reason)`` and returns a SentRef without message ids; a group that
    became a supergroup calls ``on_migrated(old, new)`` and the post goes to the new chat.
    """

    platform: ClassVar[str] = "telegram"

    def __init__(
        self,
        token: str,
        *,
        commands: Sequence[CommandInfo],
        base_url: str | None = None,
        webhook_url: str | None = None,
        webhook_listen: str = "0.0.0.0",
        webhook_port: int = 8443,
        webhook_secret: str | None = None,
        on_unreachable: Unreachable | None = None,
        on_migrated: Migrated | None = None,
        max_concurrent_updates: int = 64,
        poll_timeout: float = 10.0,
        posts: PostMemory | None = None,
    ) -> None:
        self._token = token
        self._commands = tuple(commands)
        self._base_url = base_url
        self._webhook_url = webhook_url
        self._webhook_listen = webhook_listen
        self._webhook_port = webhook_port
        self._webhook_secret = webhook_secret
        self._on_unreachable = on_unreachable
        self._on_migrated = on_migrated
        self._concurrency = max(1, max_concurrent_updates)
        self._poll_timeout = poll_timeout
        self._posts = posts  # survives restarts: a reply to yesterday's card is a question
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._delivery: Delivery | None = None
        self._on_command: OnCommand | None = None

    @property
    def connected(self) -> bool:
        """Receiving updates (polling or webhook running), for /healthz."""
        app = self._app
        return bool(app and app.running and app.updater and app.updater.running)

    def __repr__(self) -> str:
        return f"TelegramAdapter(webhook={self._webhook_url is not None})"  # never the token

    async def start(self, on_command: OnCommand) -> None:
        """Log in, publish the command menu, and start receiving updates; returns once running."""
        builder = (
            Application.builder()
            .token(self._token)
            .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
            .concurrent_updates(self._concurrency)
            .job_queue(None)
        )
        if self._base_url is not None:
            builder = builder.base_url(self._base_url)
        app = builder.build()
        self._delivery = Delivery(
            app.bot,
            on_unreachable=self._on_unreachable,
            on_migrated=self._on_migrated,
            posts=self._posts,
        )
        self._on_command = on_command
        wanted = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        app.add_handler(MessageHandler(filters.TEXT & wanted, self._handle))
        app.add_error_handler(self._log_error)
        self._app = app
        try:
            await app.initialize()
            await self._publish_menu()
            await app.start()
            await self._start_updates(app)
        except BaseException:
            await self.stop()
            raise
        log.info("telegram: running as @%s", app.bot.username)

    async def _start_updates(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Long-poll getUpdates, or listen for Telegram's webhook POSTs."""
        assert app.updater is not None
        if self._webhook_url is None:
            await app.updater.start_polling(
                timeout=timedelta(seconds=self._poll_timeout), allowed_updates=list(ALLOWED_UPDATES)
            )
        else:
            await app.updater.start_webhook(
                listen=self._webhook_listen,
                port=self._webhook_port,
                url_path=urlsplit(self._webhook_url).path.lstrip("/"),
                webhook_url=self._webhook_url,
                secret_token=self._webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )

    async def send(self, chat: ChatRef, post: Post) -> SentRef:
        """Deliver a post unprompted; an unreachable chat gives a SentRef with no message ids."""
        if self._delivery is None:
            raise RuntimeError("TelegramAdapter.send called before start")
        return await self._delivery.post(chat, post)

    async def stop(self) -> None:
        """Stop receiving, let running handlers finish, and close the HTTP clients."""
        app, self._app = self._app, None
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def _publish_menu(self) -> None:
        """setMyCommands in English (the default) and Chinese; a failure is only logged."""
        assert self._delivery is not None
        bot = self._delivery.bot
        for code in (None, "zh"):
            entries = menu(self._commands, code or "en")

            async def publish(entries: list[BotCommand] = entries, code: str | None = code) -> bool:
                return await bot.set_my_commands(entries, language_code=code)

            try:
                await self._delivery.call(publish)
            except TelegramError as exc:
                log.warning("telegram: command menu (%s) not published: %s", code or "en", exc)

    async def _handle(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Convert one message to a Command and hand it to the core with its Conversation."""
        message = update.effective_message
        if message is None or self._delivery is None or self._on_command is None:
            return
        bot = self._delivery.bot
        remembered = None
        replied = message.reply_to_message
        if replied is not None and self._posts is not None:
            remembered = await self._posts.paper_of(chat_ref(message), str(replied.message_id))
        memory = self._delivery.memory
        command = to_command(
            message,
            bot_username=bot.username,
            bot_id=bot.id,
            paper_of=lambda chat_id, message_id: remembered or memory.paper_of(chat_id, message_id),
        )
        if command is None:
            return
        if command.chat_type == "group" and not command.user_is_admin:
            command = replace(command, user_is_admin=await self._is_admin(command))
        conversation = TelegramConversation(self._delivery, command.chat, message.message_id)
        try:
            await self._on_command(command, conversation)
        finally:
            await conversation.close()

    async def _is_admin(self, command: Command) -> bool:
        """Whether the sender is the group's creator or an administrator (False when unsure)."""
        assert self._delivery is not None
        bot = self._delivery.bot
        try:
            member = await self._delivery.call(
                lambda: bot.get_chat_member(command.chat.chat_id, int(command.user_id))
            )
        except (TelegramError, ValueError) as exc:
            log.info("telegram: admin check failed in %s: %s", command.chat.chat_id, exc)
            return False
        return member.status in ADMIN_STATUSES

    async def admin_channel(self, handle: str, user_id: str) -> ChatRef:
        """The channel ``handle`` if ``user_id`` administers it and the bot may post there."""
        assert self._delivery is not None
        bot = self._delivery.bot
        try:
            chat = await self._delivery.call(lambda: bot.get_chat(handle))
            user = await self._delivery.call(lambda: bot.get_chat_member(chat.id, int(user_id)))
            me = await self._delivery.call(lambda: bot.get_chat_member(chat.id, bot.id))
        except (TelegramError, ValueError) as exc:
            log.info("telegram: channel %s not resolved: %s", handle[:40], exc)
            raise BadInput(
                f"I cannot see {handle[:40]}. Add me to the channel as an admin, then try again."
            ) from None
        if user.status not in ADMIN_STATUSES:
            raise BadInput(f"Only admins of {handle[:40]} can manage its subscriptions.")
        if me.status not in ADMIN_STATUSES:
            raise BadInput(f"Make me an admin of {handle[:40]} so I can post there.")
        return ChatRef(self.platform, str(chat.id))

    async def _log_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log an error no one else handled (the update itself is not logged: it is user data)."""
        log.error("telegram: unhandled error", exc_info=context.error)
