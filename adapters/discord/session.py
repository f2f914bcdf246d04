"""Discord's gateway sessions: a fresh client per session, reconnected with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.commands import Descriptions, Invoke, PaperTree, slash_command
from adapters.discord.delivery import Delivery
from adapters.discord.locks import CardLocks
from adapters.discord.questions import Questions
from adapters.discord.reactions import on_reaction
from adapters.discord.votes import is_vote, on_tap
from adapters.reconnect import Backoff
from bot.chat.contract import AdapterHost

log = logging.getLogger(__name__)

OnMessage = Callable[[discord.Message], Awaitable[None]]
Drain = Callable[[], Awaitable[None]]
MISSING_INTENT = 4014  # the gateway's close code for a privileged intent not enabled
GATEWAY_ERRORS = (
    OSError,
    aiohttp.ClientError,
    asyncio.TimeoutError,
    discord.HTTPException,
    discord.GatewayNotFound,
    discord.ConnectionClosed,
)


def intents(message_content: bool = True) -> discord.Intents:
    """Guild events (channels, threads, roles), messages and their reactions (👍/👎 votes on
    cards); the messages' text when ``message_content``.

    Message Content is Discord's only privileged intent we use; never members or presences.
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.guild_reactions = True
    wanted.dm_reactions = True
    wanted.message_content = message_content
    return wanted


def _missing_intent(exc: BaseException) -> bool:
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return True
    return isinstance(exc, discord.ConnectionClosed) and exc.code == MISSING_INTENT


class SessionLoop:
    """Runs gateway sessions one after another in the background, for as long as it is started.

    Each session gets a new client (with its Delivery, Questions and slash-command tree), logs
    in, syncs the slash commands (once per loop) and runs the gateway; slash commands go to
    ``invoke``, messages to ``on_message``, taps on a card's 👍/👎 to
    :func:`~adapters.discord.votes.on_tap` and 👍/👎 reactions to
    :func:`~adapters.discord.reactions.on_reaction` (both under one lock per card, kept across
    sessions). When a session ends or cannot be opened it calls
    ``drain`` (running commands finish), closes the client and tries again after ``backoff``;
    a gateway that refuses the Message Content intent is retried at once without it, and a
    refused token ends the loop. ``api_url``/``gateway_url`` are set process-wide by ``start``
    and restored by ``stop`` (discord.py keeps them in class attributes).
    """

    def __init__(
        self,
        host: AdapterHost,
        *,
        token: str,
        api_url: str | None,
        gateway_url: str | None,
        backoff: Backoff,
        invoke: Invoke,
        on_message: OnMessage,
        drain: Drain,
    ) -> None:
        self._host = host
        self._token = token
        self._api_url = api_url
        self._gateway_url = gateway_url
        self._backoff = backoff
        self._invoke = invoke
        self._on_message = on_message
        self._drain = drain
        # the current session's client and helpers (None between sessions); others only read them
        self.client: discord.Client | None = None
        self.questions: Questions | None = None
        self.delivery: Delivery | None = None
        self._loop: asyncio.Task[None] | None = None
        self._session_up = False
        self._ready_seen = False  # the current client got READY at least once
        self._synced = False
        self._saved: tuple[str, yarl.URL] | None = None
        self._cards = CardLocks()

    @property
    def started(self) -> bool:
        """Whether ``start`` was called (and ``stop`` not since)."""
        return self._loop is not None

    @property
    def up(self) -> bool:
        """True while a session is up (READY or RESUMED received, no disconnect since)."""
        client = self.client
        return bool(client and not client.is_closed() and self._session_up)

    @property
    def reads_messages(self) -> bool:
        """Whether the current session was granted the Message Content intent."""
        client = self.client
        return bool(client and client.intents.message_content and self.questions)

    def start(self) -> None:
        """Point discord.py at the server and begin the loop (inside the running event loop)."""
        self._point_at_server()
        self._loop = asyncio.create_task(self._keep_connected(), name="discord-gateway")

    async def stop(self) -> None:
        """Stop reconnecting, drain and close the client, restore discord.py's server."""
        loop, self._loop = self._loop, None
        if loop is not None and not loop.done():
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        await self._close()
        self._restore_server()

    async def _keep_connected(self) -> None:
        """Run gateway sessions one after another, waiting ``backoff`` after each failure."""
        message_content = True
        delays = self._backoff.delays()
        while True:
            try:
                await self._session(message_content)
                why = "the gateway closed the session"
            except discord.LoginFailure:
                log.error("discord: the bot token was refused; Discord stays off")
                return
            except GATEWAY_ERRORS as exc:
                if _missing_intent(exc) and message_content:
                    log.warning(
                        "discord: the Message Content Intent is not enabled for this bot in the "
                        "Discord developer portal; only slash commands will work"
                    )
                    message_content = False
                    continue
                why = f"{type(exc).__name__}: {exc}"[:200]
            finally:
                worked = self._ready_seen
                await self._close()
            if worked:
                delays = self._backoff.delays()  # a session that worked starts the waits afresh
            delay = next(delays)
            log.warning("discord: disconnected (%s); reconnecting in %.1f s", why, delay)
            await asyncio.sleep(delay)

    async def _session(self, message_content: bool) -> None:
        """Build a client and its command tree, log in, sync once, and run the gateway."""
        client = discord.Client(
            intents=intents(message_content), max_messages=None, chunk_guilds_at_startup=False
        )
        tree = PaperTree(client)
        self.client = client
        self._ready_seen = False
        self.delivery = Delivery(client, self._host.posts)
        self.questions = Questions(client, self._host.posts)

        async def on_message(message: discord.Message) -> None:
            await self._on_message(message)

        async def on_interaction(interaction: discord.Interaction) -> None:
            if is_vote(interaction):  # a card's 👍/👎 (slash commands go to the tree)
                await on_tap(self._host, interaction, self._cards)

        async def on_raw_reaction_add(event: discord.RawReactionActionEvent) -> None:
            await on_reaction(self._host, client, self._cards, event)

        async def on_raw_reaction_remove(event: discord.RawReactionActionEvent) -> None:
            await on_reaction(self._host, client, self._cards, event)

        async def on_connect() -> None:  # READY: a new session
            self._session_up = self._ready_seen = True
            log.info("discord: connected as %s", client.user)

        async def on_resumed() -> None:
            self._session_up = True

        async def on_disconnect() -> None:
            self._session_up = False

        handlers = (on_message, on_interaction, on_raw_reaction_add, on_raw_reaction_remove)
        for handler in (*handlers, on_connect, on_resumed, on_disconnect):
            client.event(handler)
        await tree.set_translator(Descriptions())
        for info in self._host.commands():
            command = slash_command(info, self._invoke)
            if command is not None:
                tree.add_command(command)
        await client.login(self._token)
        if not self._synced:
            self._synced = await self._sync(tree)
        await client.connect(reconnect=False)  # our loop reconnects: see _keep_connected

    async def _sync(self, tree: PaperTree) -> bool:
        """Publish the slash commands; a failure is only logged (the old ones stay)."""
        try:
            synced = await tree.sync()
        except discord.HTTPException as exc:
            log.warning("discord: slash commands not synced: %s", exc)
            return False
        log.info("discord: %d slash commands synced", len(synced))
        return True

    async def _close(self) -> None:
        """Close the client, once ``drain`` let running commands finish."""
        client, self.client = self.client, None
        self.questions = None
        self._session_up = False
        if client is not None:
            await self._drain()
            with contextlib.suppress(Exception):
                await client.close()
        self.delivery = None

    def _point_at_server(self) -> None:
        """Aim discord.py at ``api_url``/``gateway_url`` (process-global class attributes)."""
        if self._api_url is None and self._gateway_url is None:
            return
        self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        if self._api_url is not None:
            Route.BASE = self._api_url
        if self._gateway_url is not None:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self._gateway_url)

    def _restore_server(self) -> None:
        saved, self._saved = self._saved, None
        if saved is not None:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved
