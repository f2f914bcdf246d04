"""The Telegram ChatAdapter: python-telegram-bot 22 run inside the caller's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any, ClassVar, Protocol, Self
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.constants import ChatMemberStatus
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters

from adapters.reconnect import Backoff
from adapters.telegram.commands import chat_ref, menu, to_command
from adapters.telegram.conversation import TelegramConversation
from adapters.telegram.delivery import Delivery
from adapters.telegram.link import Link, TrackedRequest
from bot.chat.contract import AdapterHost, ChatRef, Command, Post, SentRef
from bot.errors import BadInput

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
ALLOWED_UPDATES = ("message", "channel_post")
ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
RATE_LIMIT_RETRIES = 5  # 429s waited out (retry_after + 0.1 s) before a send gives up
POOL_SIZE = 256  # concurrent Bot API calls (sends, status lines) besides getUpdates


class Secret(Protocol):
    """A secret setting (pydantic's SecretStr)."""

    def get_secret_value(self) -> str:
        """The secret itself (never logged)."""
        ...


class TelegramConfig(Protocol):
    """What ``from_settings`` reads: the Telegram part of paperbot's settings."""

    @property
    def telegram_token(self) -> Secret | None: ...
    @property
    def telegram_base_url(self) -> str | None: ...
    @property
    def telegram_webhook_url(self) -> str | None: ...
    @property
    def telegram_webhook_listen(self) -> str: ...
    @property
    def telegram_webhook_port(self) -> int: ...
    @property
    def telegram_webhook_secret(self) -> Secret | None: ...


class TelegramAdapter:
    """Telegram for the core: commands in, posts out, polling or a webhook.

    Updates are handled concurrently (up to ``max_concurrent_updates``), so a slow command in
    one chat never holds up another. ``start`` returns at once: logging in (getMe), publishing
    the menu and starting updates are retried in the background with ``backoff`` until
    Telegram answers; later outages are ridden out by python-telegram-bot's polling loop.
    ``connected`` is True while updates run and Telegram's last answer was not a network
    error. ``send`` to a chat that blocked or removed the bot raises ChatUnreachable; a group
    that became a supergroup is reported to ``host.chat_migrated`` and gets the post.
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
        self._token = token
        self._base_url = base_url
        self._webhook_url = webhook_url
        self._webhook_listen = webhook_listen
        self._webhook_port = webhook_port
        self._webhook_secret = webhook_secret
        self._concurrency = max(1, max_concurrent_updates)
        self._poll_timeout = poll_timeout
        self._backoff = backoff or Backoff.from_env()
        self._link = Link()
        self._app: App | None = None
        self._delivery: Delivery | None = None
        self._launcher: asyncio.Task[None] | None = None
        self._launched = asyncio.Event()

    @classmethod
    def from_settings(cls, settings: TelegramConfig, host: AdapterHost) -> Self:
        """The adapter the settings describe (``telegram_token`` must be set)."""
        if settings.telegram_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        secret = settings.telegram_webhook_secret
        return cls(
            host,
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
        app = self._app
        running = bool(app and app.running and app.updater and app.updater.running)
        return running and self._launched.is_set() and self._link.up

    def __repr__(self) -> str:
        return f"TelegramAdapter(webhook={self._webhook_url is not None})"  # never the token

    async def start(self) -> None:
        """Begin logging in and receiving updates in the background; returns at once."""
        if self._launcher is not None:
            raise RuntimeError("TelegramAdapter already started")
        self._launcher = asyncio.create_task(self._keep_launching(), name="telegram-launch")

    async def _keep_launching(self) -> None:
        """Launch, retrying with backoff while Telegram is unreachable; a bad token stops it."""
        for delay in self._backoff.delays():
            app = self._build()
            try:
                await self._launch(app)
            except InvalidToken:
                log.error("telegram: the bot token was refused; Telegram stays off")
                await self._dismantle(app)
                return
            except (NetworkError, OSError) as exc:  # TimedOut is a NetworkError
                log.warning(
                    "telegram: unreachable (%s); retrying in %.1f s", type(exc).__name__, delay
                )
                await self._dismantle(app)
                await asyncio.sleep(delay)
                continue
            except BaseException:
                await self._dismantle(app)
                raise
            self._launched.set()
            log.info("telegram: running as @%s", app.bot.username)
            return

    def _build(self) -> App:
        """A fresh Application (and its Delivery) for one launch attempt."""
        builder = (
            Application.builder()
            .token(self._token)
            .request(TrackedRequest(self._link, connection_pool_size=POOL_SIZE))
            .get_updates_request(TrackedRequest(self._link))
            .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
            .concurrent_updates(self._concurrency)
            .job_queue(None)
        )
        if self._base_url is not None:
            builder = builder.base_url(self._base_url)
        app = builder.build()
        wanted = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        app.add_handler(MessageHandler(filters.TEXT & wanted, self._handle))
        app.add_error_handler(self._log_error)
        self._app = app
        self._delivery = Delivery(
            app.bot, posts=self._host.posts, on_migrated=self._host.chat_migrated
        )
        return app

    async def _launch(self, app: App) -> None:
        """Log in (getMe), publish the command menu, start the application and its updates."""
        await app.initialize()
        await self._publish_menu()
        await app.start()
        await self._start_updates(app)

    async def _dismantle(self, app: App) -> None:
        """Stop and close what a launch attempt opened (its HTTP clients included)."""
        with contextlib.suppress(Exception):
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        for request in (app.bot.request, app.updater.bot.request if app.updater else None):
            if request is not None:
                with contextlib.suppress(Exception):
                    await request.shutdown()
        self._link.up = False

    async def _start_updates(self, app: App) -> None:
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
        """Deliver a post unprompted; raises ChatUnreachable for a chat that is gone for good."""
        if self._delivery is None or not self._launched.is_set():
            raise ConnectionError("telegram is not connected yet")
        return await self._delivery.post(chat, post)

    async def stop(self) -> None:
        """Stop retrying and receiving, let running handlers finish, close the HTTP clients."""
        launcher, self._launcher = self._launcher, None
        if launcher is not None and not launcher.done():
            launcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await launcher
        app, self._app = self._app, None
        self._launched.clear()
        if app is not None:
            await self._dismantle(app)

    async def _publish_menu(self) -> None:
        """setMyCommands in English (the default) and Chinese; a failure is only logged."""
        assert self._delivery is not None
        bot = self._delivery.bot
        for code in (None, "zh"):
            entries = menu(self._host.commands(), code or "en")

            async def publish(entries: list[BotCommand] = entries, code: str | None = code) -> bool:
                return await bot.set_my_commands(entries, language_code=code)

            try:
                await self._delivery.call(publish)
            except TelegramError as exc:
                log.warning("telegram: command menu (%s) not published: %s", code or "en", exc)

    async def _handle(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Convert one message to a Command and hand it to the core with its Conversation."""
        message = update.effective_message
        delivery = self._delivery
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
            command = replace(command, user_is_admin=await self._is_admin(command))
        conversation = TelegramConversation(delivery, command.chat, message.message_id)
        try:
            await self._host.handle(command, conversation)
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
