"""The Discord ChatAdapter: discord.py 2.7 run inside the caller's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar

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
from adapters.discord.delivery import Delivery, Unreachable
from adapters.discord.questions import Questions
from bot.chat.contract import ChatRef, Command, Conversation, Post, PostMemory, SentRef
from bot.chat.router import CommandInfo, args_from_options

log = logging.getLogger(__name__)

OnCommand = Callable[[Command, Conversation], Awaitable[None]]
Migrated = Callable[[ChatRef, ChatRef], Awaitable[None]]
CONNECT_TIMEOUT = 30.0  # seconds from login to the gateway's READY
STOP_GRACE = 10.0  # seconds running commands get to finish on stop


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


class DiscordAdapter:
    """Discord for the core: slash commands and questions in, embeds out, in the caller's loop.

    Questions: with ``posts`` (the core's PostIndex), a person's message in the thread the bot
    started on a paper's card, or a reply to one of its posts about a paper, is ``/ask`` about
    that paper (its whole text is the question); the answer replies to it in the same place.
    Everything else people write is ignored, and so is every bot. This needs the bot
    application's **Message Content Intent**, enabled in the Discord developer portal (Bot ▸
    Privileged Gateway Intents). Without it Discord refuses the connection (close code 4014):
    the adapter then reconnects without the intent, logs a warning, and only slash commands
    work (Discord hides the text of messages that do not mention the bot).

    ``api_url`` (e.g. ``http://127.0.0.1:8080/api/v10``) and ``gateway_url``
    (``ws://127.0.0.1:8080/gateway``) point discord.py at another server. discord.py keeps
    both in class attributes (``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``), so they
    are process-global: set by ``start`` only when given and restored by ``stop``; run one
    DiscordAdapter per process. ``send`` to a channel the bot cannot reach calls
    ``on_unreachable(chat, reason)`` and returns a SentRef without ids. ``on_migrated`` is
    accepted for symmetry with Telegram; Discord channels never change id, so it is not called.
    """

    platform: ClassVar[str] = "discord"

    def __init__(
        self,
        token: str,
        *,
        commands: Sequence[CommandInfo],
        api_url: str | None = None,
        gateway_url: str | None = None,
        on_unreachable: Unreachable | None = None,
        on_migrated: Migrated | None = None,
        posts: PostMemory | None = None,
    ) -> None:
        self._token = token
        self._commands = tuple(commands)
        self._api_url = api_url.rstrip("/") if api_url else None
        self._gateway_url = gateway_url
        self._on_unreachable = on_unreachable
        self._on_migrated = on_migrated
        self._posts = posts  # survives restarts: a question in last week's thread is answered
        self._client: discord.Client | None = None
        self._questions: Questions | None = None
        self._delivery: Delivery | None = None
        self._gateway: asyncio.Task[None] | None = None
        self._on_command: OnCommand | None = None
        self._running: set[asyncio.Task[object]] = set()
        self._saved: tuple[str, yarl.URL] | None = None

    def __repr__(self) -> str:
        return f"DiscordAdapter(api_url={self._api_url!r})"  # never the token

    @property
    def reads_messages(self) -> bool:
        """Whether questions written as messages reach the bot (Message Content intent granted)."""
        client = self._client
        return bool(client and client.intents.message_content and self._questions)

    async def start(self, on_command: OnCommand) -> None:
        """Log in, sync the slash commands, and connect to the gateway; returns once READY."""
        if self._client is not None:
            raise RuntimeError("DiscordAdapter already started")
        self._point_at_server()
        self._on_command = on_command
        try:
            try:
                await self._open(message_content=True, sync=True)
            except discord.PrivilegedIntentsRequired:
                log.warning(
                    "discord: the Message Content Intent is not enabled for this bot in the "
                    "Discord developer portal; only slash commands will work"
                )
                await self._close()
                await self._open(message_content=False, sync=False)
        except BaseException:
            await self.stop()
            raise
        log.info("discord: running as %s", self._client.user if self._client else None)

    async def _open(self, *, message_content: bool, sync: bool) -> None:
        """Build the client and its command tree, log in, sync, and connect."""
        client = discord.Client(
            intents=intents(message_content), max_messages=None, chunk_guilds_at_startup=False
        )
        tree = PaperTree(client)
        self._client = client
        self._delivery = Delivery(client, self._on_unreachable, self._posts)
        self._questions = Questions(client, self._posts) if self._posts is not None else None

        async def on_message(message: discord.Message) -> None:
            await self._on_message(message)

        client.event(on_message)
        await tree.set_translator(Descriptions())
        for info in self._commands:
            command = slash_command(info, self._invoke)
            if command is not None:
                tree.add_command(command)
        await client.login(self._token)
        if sync:
            await self._sync(tree)
        await self._connect(client)

    async def _sync(self, tree: PaperTree) -> None:
        """Publish the slash commands; a failure is only logged (the old ones stay)."""
        try:
            synced = await tree.sync()
        except discord.HTTPException as exc:
            log.warning("discord: slash commands not synced: %s", exc)
        else:
            log.info("discord: %d slash commands synced", len(synced))

    async def _connect(self, client: discord.Client) -> None:
        """Run the gateway in a task and wait for READY (or for the task to fail)."""
        ready = asyncio.ensure_future(client.wait_for("connect", timeout=CONNECT_TIMEOUT))
        self._gateway = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        await asyncio.wait({ready, self._gateway}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            self._gateway.result()  # raises why the gateway stopped
            raise ConnectionError("discord: the gateway closed before READY")
        ready.result()

    async def send(self, chat: ChatRef, post: Post) -> SentRef:
        """Deliver a post unprompted; a channel the bot cannot reach gives a SentRef with no ids."""
        if self._delivery is None:
            raise RuntimeError("DiscordAdapter.send called before start")
        return await self._delivery.post(chat, post)

    async def stop(self) -> None:
        """Let running commands finish (briefly), close the gateway and the HTTP session."""
        await self._close()
        self._restore_server()

    async def _close(self) -> None:
        """Close the client and its gateway task (running commands get STOP_GRACE)."""
        client, self._client = self._client, None
        self._questions = None
        if client is not None:
            running = {task for task in self._running if not task.done()}
            if running:
                _, late = await asyncio.wait(running, timeout=STOP_GRACE)
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
            await client.close()
        gateway, self._gateway = self._gateway, None
        if gateway is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(gateway, timeout=5)
        self._delivery = None

    async def _invoke(
        self, interaction: discord.Interaction, info: CommandInfo, values: dict[str, str]
    ) -> None:
        """One slash command: check options, defer within Discord's 3 s, run the core."""
        if self._client is None or self._on_command is None:  # stopping: let it time out
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
        on_command = self._on_command
        command = to_command(interaction, info.name, args_from_options(info, values))
        conversation = InteractionConversation(interaction, command.chat, self._posts)
        await self._run(command, conversation, on_command)

    async def _on_message(self, message: discord.Message) -> None:
        """A message: a question about a paper goes to the core as /ask; the rest is ignored."""
        questions, on_command = self._questions, self._on_command
        if questions is None or on_command is None or self._client is None:
            return
        try:
            command = await questions.command_for(message)
        except Exception:
            log.exception("discord: a message could not be read")
            return
        if command is not None:
            conversation = MessageConversation(message, command.chat, self._posts)
            await self._run(command, conversation, on_command)

    async def _run(
        self,
        command: Command,
        conversation: InteractionConversation | MessageConversation,
        on_command: OnCommand,
    ) -> None:
        """Hand one command to the core; ``stop`` lets it finish (briefly)."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await on_command(command, conversation)
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
