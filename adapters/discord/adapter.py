"""The Discord ChatAdapter: discord.py 2.7 run inside the caller's event loop."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import ClassVar, Self

import aiohttp
import discord

from adapters.discord.commands import check_options, to_command
from adapters.discord.conversation import InteractionConversation, MessageConversation
from adapters.discord.files import download, too_large
from adapters.discord.session import SessionLoop
from adapters.discord.settings import DiscordSettings
from adapters.reconnect import Backoff
from bot.chat.contract import AdapterHost, ChatRef, Command, CommandInfo, SentRef, args_from_options
from bot.chat.post import Post

log = logging.getLogger(__name__)

STOP_GRACE = 10.0  # seconds running commands get to finish on stop


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

    Votes: a member's 👍/👎 on a digest card, a button tap or a reaction added or removed
    (non-privileged reaction intents), is their vote on the paper; no message is posted and
    the card's buttons show the tally. /like and /dislike take a library (BibTeX or CSL JSON)
    as an optional attachment option, downloaded up to ``MAX_ATTACHMENT_BYTES``.

    The adapter owns its connection (:class:`~adapters.discord.session.SessionLoop`): ``start``
    returns at once and a background loop logs in, syncs the slash commands (once) and runs
    the gateway session; whenever the session ends or cannot be opened (Discord unreachable,
    gateway closed), it builds a new client and tries again after ``backoff``. ``connected``
    is True only while a session is up (READY or RESUMED received, no disconnect since).

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
        self._api_url = api_url.rstrip("/") if api_url else None
        self._running: set[asyncio.Task[object]] = set()
        self._session = SessionLoop(
            host,
            token=token,
            api_url=self._api_url,
            gateway_url=gateway_url,
            backoff=backoff or Backoff(),
            invoke=self._invoke,
            on_message=self._on_message,
            drain=self._drain,
        )

    @classmethod
    def from_settings(cls, settings: DiscordSettings, host: AdapterHost) -> Self:
        """The adapter the settings describe (``discord_token`` must be set)."""
        if settings.discord_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        return cls(
            host,
            backoff=Backoff.of(settings),
            token=settings.discord_token.get_secret_value(),
            api_url=settings.discord_api_url,
            gateway_url=settings.discord_gateway_url,
        )

    def __repr__(self) -> str:
        return f"DiscordAdapter(api_url={self._api_url!r})"  # never the token

    @property
    def connected(self) -> bool:
        """True while the gateway session is up (for /healthz and the connected metric)."""
        return self._session.up

    @property
    def reads_messages(self) -> bool:
        """Whether questions written as messages reach the bot (Message Content intent granted)."""
        return self._session.reads_messages

    async def start(self) -> None:
        """Begin connecting in the background (retrying until Discord answers); returns at once."""
        if self._session.started:
            raise RuntimeError("DiscordAdapter already started")
        self._session.start()

    async def send(self, chat: ChatRef, post: Post) -> SentRef:
        """Deliver a post unprompted; a channel the bot cannot reach raises ChatUnreachable."""
        delivery = self._session.delivery
        if delivery is None or not self.connected:
            raise ConnectionError("discord is not connected")
        return await delivery.post(chat, post)

    async def stop(self) -> None:
        """Stop reconnecting, let running commands finish (briefly), close the client."""
        await self._session.stop()

    async def _drain(self) -> None:
        """Give running commands STOP_GRACE to finish, then cancel the rest."""
        running = {task for task in self._running if not task.done()}
        if running:
            _, late = await asyncio.wait(running, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _invoke(
        self,
        interaction: discord.Interaction,
        info: CommandInfo,
        values: dict[str, str],
        file: discord.Attachment | None = None,
    ) -> None:
        """One slash command: check options, defer within Discord's 3 s, run the core.

        A file attached to a command that reads one (a library for /like) is downloaded,
        within the size cap, into ``Command.attachment``; a file over the cap is refused
        before anything is fetched, and a download that fails is said in the response.
        """
        if self._session.client is None:  # stopping: let it time out
            return
        problem = check_options(info, values) or too_large(file)
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
        if file is not None:
            attachment = await download(file)
            if isinstance(attachment, str):
                try:
                    await conversation.reply(Post(text=attachment))
                finally:
                    await conversation.close()
                return
            command = replace(command, attachment=attachment)
        await self._run(command, conversation)

    async def _on_message(self, message: discord.Message) -> None:
        """A message: a question about a paper goes to the core as /ask; the rest is ignored."""
        questions = self._session.questions
        if questions is None or self._session.client is None:
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
