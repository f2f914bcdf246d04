"""The bot's link to Telegram: an Application built, launched with retries, and taken down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    MessageReactionHandler,
    filters,
)

from adapters.reconnect import Backoff
from adapters.telegram.cards import Cards
from adapters.telegram.commands import menu
from adapters.telegram.delivery import Delivery
from adapters.telegram.link import Link, TrackedRequest
from adapters.telegram.reactions import on_reaction
from adapters.telegram.taps import on_tap
from bot.chat.contract import AdapterHost

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
# message_reaction is never sent unless named here (and then only where the bot is an admin)
ALLOWED_UPDATES = ("message", "channel_post", "callback_query", "message_reaction")
RATE_LIMIT_RETRIES = 5  # 429s waited out (retry_after + 0.1 s) before a send gives up
POOL_SIZE = 256  # concurrent Bot API calls (sends, status lines) besides getUpdates


@dataclass(frozen=True, slots=True, kw_only=True)
class Updates:
    """How updates arrive: long polling, or Telegram's POSTs to ``webhook_url`` when it is set."""

    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    poll_timeout: float = 10.0
    concurrency: int = 64  # updates handled at once


class Connection:
    """Launches the bot in the background and keeps what the launch opened.

    Each attempt builds a fresh Application (with its Delivery), logs in (getMe), publishes
    the command menu and starts updates, each message going to ``on_message``, each tap on
    a card's vote button to :func:`~adapters.telegram.taps.on_tap` and each member's reaction
    to :func:`~adapters.telegram.reactions.on_reaction`. The cards' locks and keyboards
    (:class:`~adapters.telegram.cards.Cards`) outlive the attempts. While Telegram
    is unreachable the attempt is taken down and retried after ``backoff``; a refused token
    ends the attempts. Later outages are ridden out by python-telegram-bot's polling loop.
    """

    def __init__(
        self,
        host: AdapterHost,
        on_message: Handler,
        *,
        token: str,
        base_url: str | None,
        updates: Updates,
        backoff: Backoff,
    ) -> None:
        self._host = host
        self._on_message = on_message
        self._token = token
        self._base_url = base_url
        self._updates = updates
        self._backoff = backoff
        self._link = Link()
        self._cards = Cards()
        self._app: App | None = None
        self._delivery: Delivery | None = None
        self._launcher: asyncio.Task[None] | None = None
        self._launched = asyncio.Event()

    @property
    def started(self) -> bool:
        """Whether ``start`` was called (and ``stop`` not since)."""
        return self._launcher is not None

    @property
    def launched(self) -> bool:
        """Whether an attempt succeeded: logged in and receiving updates."""
        return self._launched.is_set()

    @property
    def delivery(self) -> Delivery | None:
        """The current Application's sender (None before the first attempt)."""
        return self._delivery

    @property
    def up(self) -> bool:
        """Receiving updates (polling or webhook running) and Telegram's last answer not lost."""
        app = self._app
        running = bool(app and app.running and app.updater and app.updater.running)
        return running and self._launched.is_set() and self._link.up

    def start(self) -> None:
        """Begin launching in the background (inside the running event loop)."""
        self._launcher = asyncio.create_task(self._keep_launching(), name="telegram-launch")

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
            .concurrent_updates(max(1, self._updates.concurrency))
            .job_queue(None)
        )
        if self._base_url is not None:
            builder = builder.base_url(self._base_url)
            # the same server's file route (a self-hosted Bot API serves /file/bot<token>/…)
            root = self._base_url.removesuffix("/bot")
            builder = builder.base_file_url(f"{root}/file/bot")
        app = builder.build()
        wanted = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        incoming = (filters.TEXT | filters.Document.ALL) & wanted  # a document: /like with a .bib
        app.add_handler(MessageHandler(incoming, self._on_message))
        app.add_handler(CallbackQueryHandler(self._on_tap))
        reactions = MessageReactionHandler.MESSAGE_REACTION_UPDATED  # counts are anonymous
        app.add_handler(MessageReactionHandler(self._on_reaction, message_reaction_types=reactions))
        app.add_error_handler(_log_error)
        self._app = app
        self._delivery = Delivery(
            app.bot,
            posts=self._host.posts,
            on_migrated=self._host.chat_migrated,
            keyboards=self._cards.keyboards,
        )
        return app

    async def _on_tap(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A tap on an inline button (a card's 👍/👎): see :func:`adapters.telegram.taps.on_tap`."""
        if update.callback_query is not None and self._delivery is not None:
            await on_tap(self._host, self._delivery, self._cards, update.callback_query)

    async def _on_reaction(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A member's reaction: see :func:`adapters.telegram.reactions.on_reaction`."""
        if update.message_reaction is not None and self._delivery is not None:
            await on_reaction(self._host, self._delivery, self._cards, update.message_reaction)

    async def _launch(self, app: App) -> None:
        """Log in (getMe), publish the command menu, start the application and its updates."""
        await app.initialize()
        assert self._delivery is not None
        await _publish_menu(self._delivery, self._host)
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
        updates = self._updates
        if updates.webhook_url is None:
            await app.updater.start_polling(
                timeout=timedelta(seconds=updates.poll_timeout),
                allowed_updates=list(ALLOWED_UPDATES),
            )
        else:
            await app.updater.start_webhook(
                listen=updates.webhook_listen,
                port=updates.webhook_port,
                url_path=urlsplit(updates.webhook_url).path.lstrip("/"),
                webhook_url=updates.webhook_url,
                secret_token=updates.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )


async def _publish_menu(delivery: Delivery, host: AdapterHost) -> None:
    """setMyCommands in English (the default) and Chinese; a failure is only logged."""
    bot = delivery.bot
    for code in (None, "zh"):
        entries = menu(host.commands(), code or "en")

        async def publish(entries: list[BotCommand] = entries, code: str | None = code) -> bool:
            return await bot.set_my_commands(entries, language_code=code)

        try:
            await delivery.call(publish)
        except TelegramError as exc:
            log.warning("telegram: command menu (%s) not published: %s", code or "en", exc)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an error no one else handled (the update itself is not logged: it is user data)."""
    log.error("telegram: unhandled error", exc_info=context.error)
