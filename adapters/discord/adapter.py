"""The Discord ChatAdapter: discord.py 2.7 run inside the caller's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import ClassVar, Protocol, Self

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.commands import (
    Descriptions,
    PaperTree,
    check_options,
    slash_command,
    to_command,
)
from adapters.discord.conversation import InteractionConversation, MessageConversation
from adapters.discord.delivery import Delivery
from adapters.discord.questions import Questions
from adapters.reconnect import Backoff
from bot.chat.contract import (
    AdapterHost,
    ChatRef,
    Command,
    CommandInfo,
    Post,
    SentRef,
    args_from_options,
)

log = logging.getLogger(__name__)

STOP_GRACE = 10.0  # seconds running commands get to finish on stop
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
    """Guild events (channels, threads, roles) and messages; their text when ``message_content``.

    Message Content is Discord's only privileged intent we use; never members or presences.
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = message_content
    return wanted


class Secret(Protocol):
    """A secret setting (pydantic's SecretStr)."""

    def get_secret_value(self) -> str:
        """The secret itself (never logged)."""
        ...


class DiscordConfig(Protocol):
    """What ``from_settings`` reads: the Discord part of paperbot's settings."""

    @property
    def discord_token(self) -> Secret | None: ...
    @property
    def discord_api_url(self) -> str | None: ...
    @property
    def discord_gateway_url(self) -> str | None: ...


def _missing_intent(exc: BaseException) -> bool:
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return True
    return isinstance(exc, discord.ConnectionClosed) and exc.code == MISSING_INTENT


class DiscordAdapter:
    """Discord for the core: slash commands and questions in, embeds out, in the caller's loop.

    Questions: a person's message in the thread the bot started on a paper's card, or a reply
    to one of its posts about a paper, is ``/ask`` about that paper (its whole text is the
    question; ``host.posts`` remembers which paper); the answer replies to it in the same
    place. Everything else people write is ignored, and so is every bot. This needs the bot
    application's **Message Content Intent**, enabled in the Discord developer portal (Bot ▸
    Privileged Gateway Intents). Without it Discord refuses the connection (close code 4014):
    the adapter then reconnects without the intent, logs a warning, and only slash commands
    work (Discord hides the text of messages that do not mention the bot).

    The adapter owns its connection: ``start`` returns at once and a background loop logs in,
    syncs the slash commands (once) and runs the gateway session; whenever the session ends or
    cannot be opened (Discord unreachable, gateway closed), it builds a new client and tries
    again after ``backoff``. ``connected`` is True only while a session is up (READY or
    RESUMED received, no disconnect since).

    ``api_url`` (e.g. ``http://127.0.0.1:8080/api/v10``) and ``gateway_url``
    (``ws://127.0.0.1:8080/gateway``) point discord.py at another server. discord.py keeps
    both in class attributes (``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``), so they
    are process-global: set by ``start`` only when given and restored by ``stop``; run one
    DiscordAdapter per process. ``send`` to a channel the bot cannot reach raises
    ChatUnreachable. Discord channels never change id, so ``host.chat_migrated`` is not used.
    """

    platform: ClassVar[str] = "discord"

    def __init__(
        self,
        host: AdapterHost,
        *,
        token: str,
        api_url: str | None = None,
        gateway_url: str | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self._host = host
        self._token = token
        self._api_url = api_url.rstrip("/") if api_url else None
        self._gateway_url = gateway_url
        self._backoff = backoff or Backoff.from_env()
        self._client: discord.Client | None = None
        self._questions: Questions | None = None
        self._delivery: Delivery | None = None
        self._loop: asyncio.Task[None] | None = None
        self._session_up = False
        self._ready_seen = False  # the current client got READY at least once
        self._synced = False
        self._running: set[asyncio.Task[object]] = set()
        self._saved: tuple[str, yarl.URL] | None = None

    @classmethod
    def from_settings(cls, settings: DiscordConfig, host: AdapterHost) -> Self:
        """The adapter the settings describe (``discord_token`` must be set)."""
        if settings.discord_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        return cls(
            host,
            token=settings.discord_token.get_secret_value(),
            api_url=settings.discord_api_url,
            gateway_url=settings.discord_gateway_url,
        )

    def __repr__(self) -> str:
        return f"DiscordAdapter(api_url={self._api_url!r})"  # never the token

    @property
    def connected(self) -> bool:
        """True while the gateway session is up (for /healthz and the connected metric)."""
        client = self._client
        return bool(client and not client.is_closed() and self._session_up)

    @property
    def reads_messages(self) -> bool:
        """Whether questions written as messages reach the bot (Message Content intent granted)."""
        client = self._client
        return bool(client and client.intents.message_content and self._questions)

    async def start(self) -> None:
        """Begin connecting in the background (retrying until Discord answers); returns at once."""
        if self._loop is not None:
            raise RuntimeError("DiscordAdapter already started")
        self._point_at_server()
        self._loop = asyncio.create_task(self._keep_connected(), name="discord-gateway")

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
        self._client = client
        self._ready_seen = False
        self._delivery = Delivery(client, self._host.posts)
        self._questions = Questions(client, self._host.posts)

        async def on_message(message: discord.Message) -> None:
            await self._on_message(message)

        async def on_connect() -> None:  # READY: a new session
            self._session_up = self._ready_seen = True
            log.info("discord: connected as %s", client.user)

        async def on_resumed() -> None:
            self._session_up = True

        async def on_disconnect() -> None:
            self._session_up = False

        for handler in (on_message, on_connect, on_resumed, on_disconnect):
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

    async def send(self, chat: ChatRef, post: Post) -> SentRef:
        """Deliver a post unprompted; a channel the bot cannot reach raises ChatUnreachable."""
        if self._delivery is None or not self.connected:
            raise ConnectionError("discord is not connected")
        return await self._delivery.post(chat, post)

    async def stop(self) -> None:
        """Stop reconnecting, let running commands finish (briefly), close the client."""
        loop, self._loop = self._loop, None
        if loop is not None and not loop.done():
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        await self._close()
        self._restore_server()

    async def _close(self) -> None:
        """Close the client (running commands get STOP_GRACE first)."""
        client, self._client = self._client, None
        self._questions = None
        self._session_up = False
        if client is not None:
            running = {task for task in self._running if not task.done()}
            if running:
                _, late = await asyncio.wait(running, timeout=STOP_GRACE)
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
            with contextlib.suppress(Exception):
                await client.close()
        self._delivery = None

    async def _invoke(
        self, interaction: discord.Interaction, info: CommandInfo, values: dict[str, str]
    ) -> None:
        """One slash command: check options, defer within Discord's 3 s, run the core."""
        if self._client is None:  # stopping: let it time out
            return
        problem = check_options(info, values)
        if problem is not None:
            try:
                await interaction.response.send_message(problem, ephemeral=True)
            except (discord.HTTPException, aiohttp.ClientError) as exc:
                log.info("discord: bad options of /%s not explained: %s", info.name, exc)
            return
        try:
            await interaction.response.defer(thinking=True)
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            log.warning("discord: /%s not acknowledged: %s", info.name, exc)
            return
        command = to_command(interaction, info.name, args_from_options(info, values))
        conversation = InteractionConversation(interaction, command.chat, self._host.posts)
        await self._run(command, conversation)

    async def _on_message(self, message: discord.Message) -> None:
        """A message: a question about a paper goes to the core as /ask; the rest is ignored."""
        questions = self._questions
        if questions is None or self._client is None:
            return
        try:
            command = await questions.command_for(message)
        except Exception:
            log.exception("discord: a message could not be read")
            return
        if command is not None:
            conversation = MessageConversation(message, command.chat, self._host.posts)
            await self._run(command, conversation)

    async def _run(
        self,
        command: Command,
        conversation: InteractionConversation | MessageConversation,
    ) -> None:
        """Hand one command to the core; ``stop`` lets it finish (briefly)."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await self._host.handle(command, conversation)
        except Exception:
            log.exception("discord: /%s failed", command.name)
        finally:
            await conversation.close()
            if task is not None:
                self._running.discard(task)

    def _point_at_server(self) -> None:
        """Aim discord.py at ``api_url``/``gateway_url`` (process-global; see the class doc)."""
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
