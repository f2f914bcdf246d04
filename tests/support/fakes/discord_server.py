"""A local Discord (REST API and gateway on 127.0.0.1) that real discord.py talks to in tests.

Usage::

    async with FakeDiscord() as dc:                       # runs in the test's event loop
        adapter = DiscordAdapter(dc.token, commands=..., api_url=dc.api_url,
                                 gateway_url=dc.gateway_url)
        await adapter.start(on_command)
        ix = dc.push_command("summarize", {"paper": "2408.13714"}, admin=True)
        await dc.await_messages(PAPERS, 2)                # two visible messages in #papers
        dc.original(ix).history                           # status lines it showed before
        dc.forbid(OTHER)                                  # every call about OTHER answers 403
        dc.fail_next("message", 429, retry_after=0.3)     # with a Via header: discord.py waits
        said = dc.push_message("which rank?", channel_id=thread)   # a user writes in a thread
        dc.replies_to(said)                               # the bot's messages replying to it
        dc.push_reaction(card, "👍", user_id=7)           # MESSAGE_REACTION_ADD (removed=True: REMOVE)
        ix = dc.push_command("like", files={"file": ("refs.bib", data)})  # an attached file
        gate = dc.hold_edits(card)                        # the next edit of ``card`` waits for
        await gate.reached.wait(); gate.release.set()     # the test to let it through

One guild (GUILD) with #papers (PAPERS), #general (GENERAL) and a thread (TOPIC) under #papers,
and a DM channel (DM); users are members, with a Moderators role (Manage Channels) when
``admin=True``, or write from a DM (``dm=True``). The fake checks what Discord checks where tests
care: content and embed limits, non-empty messages, known channels, replies to messages that
exist; a deferred interaction's first follow-up replaces its "thinking" message, as on Discord.
Like Discord, the gateway sends MESSAGE_CREATE (the bot's own messages included) only to
connections that asked for message intents, blanks the text of other users' messages for
connections without the Message Content intent (unless the message is a DM, mentions the bot or
replies to it), refuses that intent with close code 4014 when ``message_content_allowed`` is
False, and announces threads (THREAD_CREATE, and in GUILD_CREATE) unless ``announce_threads``
is False (as for an archived thread). Reactions (MESSAGE_REACTION_ADD/REMOVE) go only to
connections that asked for the reaction intents; a slash command's attached file is served from
``/attachments/…`` on the same port (kind "cdn" in ``calls``); the bot may fetch and edit its own
messages by REST, and every edit's body is kept in ``Message.edits``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

from aiohttp import BodyPartReader, WSMsgType, web

GUILD, PAPERS, GENERAL, TOPIC, DM = 7000, 7001, 7002, 7003, 7004
BOT_ID = 1000  # also the application id
GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15  # gateway intents
GUILD_MESSAGE_REACTIONS, DIRECT_MESSAGE_REACTIONS = 1 << 10, 1 << 13
MODERATORS = 7100
LOADING, EPHEMERAL = 128, 64
BASE_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)
MANAGE_CHANNELS = 1 << 4
JOINED = "2024-01-01T00:00:00+00:00"  # when the bot and every user joined the guild
POSTED = "2024-08-27T00:00:00+00:00"  # every message's and thread's timestamp
LIMITS = {"content": 2000, "title": 256, "description": 4096, "fields": 25, "name": 256}
LIMITS |= {"value": 1024, "footer": 2048, "total": 6000, "embeds": 10}
_WEBHOOK = r"/webhooks/(?P<app>\d+)/(?P<token>[\w-]+)"
ROUTES = [
    ("GET", r"/users/@me", "me"),
    ("GET", r"/oauth2/applications/@me", "app"),
    ("PUT", r"/applications/\d+/commands", "commands"),
    ("GET", r"/channels/(?P<channel>\d+)", "channel"),
    ("POST", r"/channels/(?P<channel>\d+)/messages", "message"),
    ("GET", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", "fetch"),
    ("PATCH", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", "edit_message"),
    ("POST", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/threads", "thread"),
    ("POST", r"/channels/(?P<channel>\d+)/typing", "typing"),
    ("POST", r"/interactions/(?P<interaction>\d+)/(?P<token>[\w-]+)/callback", "callback"),
    ("POST", _WEBHOOK, "followup"),
    ("PATCH", _WEBHOOK + r"/messages/(?P<message>@original|\d+)", "edit"),
    ("DELETE", _WEBHOOK + r"/messages/(?P<message>@original|\d+)", "delete"),
]


@dataclass
class Message:
    """A message as it stands now; ``history`` holds the contents it showed before."""

    id: int
    channel_id: int
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # filename -> uploaded bytes
    components: list[dict[str, Any]] = field(default_factory=list)
    allowed_mentions: dict[str, Any] | None = None
    flags: int = 0
    interaction: str | None = None  # the token of the interaction it answers
    author_id: int = BOT_ID
    author_bot: bool = True
    reference: int | None = None  # the id of the message it replies to
    deleted: bool = False
    history: list[str] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)  # every edit's body, in order

    @property
    def visible(self) -> bool:
        """Shown in the channel: not deleted and not the "thinking…" placeholder."""
        return not self.deleted and not self.flags & LOADING

    @property
    def ephemeral(self) -> bool:
        """Only the user who ran the command sees it."""
        return bool(self.flags & EPHEMERAL)

    @property
    def buttons(self) -> list[str]:
        """The URLs of its link buttons."""
        return [b["url"] for row in self.components for b in row["components"] if "url" in b]

    @property
    def text(self) -> str:
        """Content and every embed's text, for assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title", ""), embed.get("description", "")]
            parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
            parts.append(embed.get("footer", {}).get("text", ""))
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Call:
    """One REST request and the status it got."""

    method: str
    path: str
    kind: str
    status: int
    at: float  # time.monotonic()


@dataclass
class Interaction:
    """A slash command the fake pushed, and what the bot answered to it."""

    id: int
    token: str
    channel_id: int
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    original: Message | None = None
    message_id: int | None = None  # the message whose button was pressed (component taps)


@dataclass
class Gate:
    """Holds the next request that edits a message: ``reached`` is set when it arrives, and it
    is applied once the test sets ``release``."""

    reached: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _Failure:
    kind: str
    status: int
    channel_id: int | None
    retry_after: float | None


class FakeDiscord:
    """Discord's REST API under ``/api/v10`` and its gateway at ``/gateway``, on one port."""

    def __init__(self, token: str = "fake-bot-token", port: int = 0) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.commands: list[dict[str, Any]] = []  # the last synced command list
        self.messages: dict[int, Message] = {}
        self.threads: dict[int, int] = {}  # thread id -> parent channel id
        self.interactions: dict[str, Interaction] = {}
        self.identified: list[dict[str, Any]] = []
        self.threads_vanish = False  # new threads are deleted at once (posting there is a 404)
        self.announce_threads = True  # False: the gateway never tells the bot about new threads
        self.message_content_allowed = True  # False: the portal's Message Content Intent is off
        self._channels: dict[int, dict[str, Any]] = {}
        self._forbidden: set[int] = set()
        self._failures: list[_Failure] = []
        self._holds: dict[int, Gate] = {}  # message id -> the gate its next edit waits at
        self._files: dict[int, tuple[str, bytes]] = {}  # attachment id -> (filename, data)
        self._ids = itertools.count(1_300_000_000_000_000_000)
        self._sockets: dict[web.WebSocketResponse, int] = {}  # socket -> identified intents
        self._seq = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._bind_port = port  # fixed: a Discord that comes up where the bot expects it
        for channel_id, name in ((PAPERS, "papers"), (GENERAL, "general")):
            self.add_channel(channel_id, name)
        self._channels[TOPIC] = self._thread_payload(TOPIC, PAPERS, "questions")
        self.threads[TOPIC] = PAPERS
        self._channels[DM] = {
            "id": str(DM),
            "type": 1,
            "last_message_id": None,
            "recipients": [_person(42)],
        }

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        app.router.add_get("/attachments/{id}/{name}", self._cdn)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._bind_port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """What discord.py's ``Route.BASE`` becomes."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """What discord.py's ``DiscordWebSocket.DEFAULT_GATEWAY`` becomes."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ------------------------------------------------------------------ test API
    def add_channel(self, channel_id: int, name: str) -> None:
        """A text channel in the guild (known to GET /channels; GUILD_CREATE lists it)."""
        self._channels[channel_id] = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(GUILD),
            "name": name,
            "position": len(self._channels),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def forbid(self, channel_id: int) -> None:
        """The bot lost access to a channel: every call about it answers 403 Missing Access."""
        self._forbidden.add(channel_id)

    def fail_next(
        self,
        kind: str,
        status: int,
        *,
        channel_id: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Fail the next request of ``kind`` once (a kind from ROUTES: message, thread, …)."""
        self._failures.append(_Failure(kind, status, channel_id, retry_after))

    def push_command(
        self,
        name: str,
        options: dict[str, str] | None = None,
        *,
        channel_id: int = PAPERS,
        user_id: int = 42,
        admin: bool = False,
        dm: bool = False,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> Interaction:
        """Send INTERACTION_CREATE for a slash command, as a user in the guild or in a DM.

        ``files`` maps attachment options to (filename, bytes): Discord hands the bot each as a
        resolved attachment whose URL this server serves.
        """
        user = _person(user_id)
        ix = Interaction(next(self._ids), f"tok{next(self._ids)}", channel_id)
        chosen: list[dict[str, Any]] = [
            {"name": key, "type": 3, "value": value} for key, value in (options or {}).items()
        ]
        resolved: dict[str, Any] = {}
        for option, (filename, content) in (files or {}).items():
            file_id = next(self._ids)
            self._files[file_id] = (filename, content)
            chosen.append({"name": option, "type": 11, "value": str(file_id)})
            attachment = _attachment(file_id, filename, len(content))
            attachment["url"] = (
                f"http://127.0.0.1:{self.port}/attachments/{file_id}/{quote(filename)}"
            )
            resolved.setdefault("attachments", {})[str(file_id)] = attachment
        data: dict[str, Any] = {
            "id": str(ix.id),
            "application_id": str(BOT_ID),
            "type": 2,
            "token": ix.token,
            "version": 1,
            "locale": "en-US",
            "attachment_size_limit": 10 * 1024 * 1024,
            "entitlements": [],
            "app_permissions": str(BASE_PERMISSIONS | MANAGE_CHANNELS),
            "data": {"id": "1", "name": name, "type": 1, "options": chosen},
        }
        if resolved:
            data["data"]["resolved"] = resolved
        if dm:
            channel = {"id": str(channel_id), "type": 1, "recipients": [user]}
            data.update(user=user, channel=channel, channel_id=str(channel_id), context=1)
        else:
            permissions = BASE_PERMISSIONS | (MANAGE_CHANNELS if admin else 0)
            roles = [str(MODERATORS)] if admin else []
            member = _member(user=user, roles=roles, permissions=str(permissions))
            channel = self._channels[channel_id]
            data.update(member=member, channel=channel, channel_id=str(channel_id), context=0)
            data.update(guild_id=str(GUILD), guild_locale="en-US")
        self.interactions[ix.token] = ix
        self._dispatch("INTERACTION_CREATE", data)
        return ix

    def push_component(self, message: Message, custom_id: str, *, user_id: int = 42) -> Interaction:
        """Send INTERACTION_CREATE for a member pressing a button (type 3) of one of our messages.

        The bot answers with a callback; type 7 (UPDATE_MESSAGE) edits ``message`` in place.
        """
        ix = Interaction(next(self._ids), f"tok{next(self._ids)}", message.channel_id)
        ix.message_id = message.id
        channel = self._channels[message.channel_id]
        data: dict[str, Any] = {
            "id": str(ix.id),
            "application_id": str(BOT_ID),
            "type": 3,
            "token": ix.token,
            "version": 1,
            "locale": "en-US",
            "attachment_size_limit": 10 * 1024 * 1024,
            "entitlements": [],
            "app_permissions": str(BASE_PERMISSIONS),
            "data": {"custom_id": custom_id, "component_type": 2},
            "message": self._payload(message),
            "member": _member(user=_person(user_id), roles=[], permissions=str(BASE_PERMISSIONS)),
            "channel": channel,
            "channel_id": str(message.channel_id),
            "context": 0,
            "guild_id": str(GUILD),
            "guild_locale": "en-US",
        }
        self.interactions[ix.token] = ix
        self._dispatch("INTERACTION_CREATE", data)
        return ix

    def push_reaction(
        self,
        message: Message,
        emoji: str,
        *,
        user_id: int = 42,
        removed: bool = False,
        bot: bool = False,
        custom: int | None = None,
    ) -> None:
        """Send MESSAGE_REACTION_ADD (or _REMOVE) for a user reacting to ``message``.

        Only to connections with the guild (or DM) reaction intent, as Discord does. An add
        names the member and the message's author; a removal names neither. ``custom`` makes
        it a server's own emoji of that id.
        """
        channel = self._channels[message.channel_id]
        dm = channel["type"] == 1
        data: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "emoji": {"id": str(custom) if custom else None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        if not dm:
            data["guild_id"] = str(GUILD)
        if not removed:
            data["message_author_id"] = str(message.author_id)
            if not dm:
                data["member"] = _member(user=_person(user_id, bot), roles=[])
        event = "MESSAGE_REACTION_REMOVE" if removed else "MESSAGE_REACTION_ADD"
        self._dispatch(event, data, DIRECT_MESSAGE_REACTIONS if dm else GUILD_MESSAGE_REACTIONS)

    def hold_edits(self, message: Message) -> Gate:
        """Hold the next request that edits ``message`` (an UPDATE_MESSAGE callback, an edit of
        the original response of a tap on it, or a REST edit) until ``release`` is set."""
        gate = self._holds[message.id] = Gate()
        return gate

    def push_message(
        self,
        text: str,
        *,
        channel_id: int = PAPERS,
        user_id: int = 42,
        reply_to: int | None = None,
        bot: bool = False,
    ) -> Message:
        """Send MESSAGE_CREATE for a message a user (or another bot) wrote, maybe as a reply.

        A DM when ``channel_id`` is DM, else a guild channel or thread. Returns the stored
        message (``dc.visible`` shows it too).
        """
        assert channel_id in self._channels, f"unknown channel {channel_id}"
        message = Message(next(self._ids), channel_id, text, author_id=user_id, author_bot=bot)
        message.reference = reply_to
        self.messages[message.id] = message
        self._announce(message)
        return message

    def replies_to(self, message: Message) -> list[Message]:
        """The visible messages that reply to ``message``."""
        return [m for m in self.messages.values() if m.reference == message.id and m.visible]

    def typed_in(self, channel_id: int) -> int:
        """How many times the bot showed "paperbot is typing…" in a channel."""
        return len(
            [c for c in self.calls_of("typing") if c.path == f"/channels/{channel_id}/typing"]
        )

    def original(self, ix: Interaction) -> Message:
        """The interaction's response message (the "thinking" one, edited later)."""
        assert ix.original is not None, "the interaction was never answered"
        return ix.original

    def answers(self, ix: Interaction) -> list[Message]:
        """Visible messages answering an interaction, in order (its response first)."""
        return [m for m in self.messages.values() if m.interaction == ix.token and m.visible]

    def visible(self, channel_id: int) -> list[Message]:
        """Messages shown in a channel or thread, in order."""
        return [m for m in self.messages.values() if m.channel_id == channel_id and m.visible]

    def thread_of(self, message: Message) -> int | None:
        """The id of the thread started on a message, if one was."""
        return message.id if message.id in self.threads else None

    def calls_of(self, kind: str) -> list[Call]:
        """Every REST request of one kind, failed ones included."""
        return [c for c in self.calls if c.kind == kind]

    async def await_messages(self, channel_id: int, n: int, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109
        """Wait until a channel shows at least ``n`` messages; return them."""
        await self.wait_until(lambda: len(self.visible(channel_id)) >= n, timeout)
        return self.visible(channel_id)

    async def await_answers(self, ix: Interaction, n: int, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109
        """Wait until an interaction has at least ``n`` visible answers; return them."""
        await self.wait_until(lambda: len(self.answers(ix)) >= n, timeout)
        return self.answers(ix)

    async def wait_until(self, check: Any, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until ``check()`` is true (re-checked after every change)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(check), timeout)

    # ------------------------------------------------------------------ gateway
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets[ws] = 0
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            if payload["op"] == 1:
                await ws.send_json({"op": 11})
            elif payload["op"] == 2:
                self.identified.append(payload["d"])
                intents = int(payload["d"].get("intents", 0))
                if intents & MESSAGE_CONTENT and not self.message_content_allowed:
                    await ws.close(code=4014, message=b"Disallowed intent(s).")
                    break
                self._sockets[ws] = intents
                await self._event(ws, "READY", self._ready())
                await self._event(ws, "GUILD_CREATE", self._guild())
                async with self._changed:
                    self._changed.notify_all()  # ``wait_until`` may wait for a connection
        self._sockets.pop(ws, None)
        return ws

    def _dispatch(self, event: str, data: dict[str, Any], wanted: int = 0) -> None:
        for ws, intents in list(self._sockets.items()):
            if intents & wanted == wanted:
                asyncio.get_running_loop().create_task(self._event(ws, event, data))

    def _announce(self, message: Message) -> None:
        """MESSAGE_CREATE for a new message, to connections with the message intents."""
        channel = self._channels[message.channel_id]
        data = self._payload(message)
        dm = channel["type"] == 1
        if message.reference is not None:
            data["message_reference"] = {
                "type": 0,
                "message_id": str(message.reference),
                "channel_id": str(message.channel_id),
            }
            data["type"] = 19
            replied = self.messages.get(message.reference)
            data["referenced_message"] = self._payload(replied) if replied else None
            if replied and replied.author_id == BOT_ID:  # a reply pings its author by default
                data["mentions"] = [self._user()]
        if not dm:
            data["guild_id"] = str(GUILD)
            data["member"] = _member()  # without "user": MESSAGE_CREATE has it as "author"
        for ws, intents in list(self._sockets.items()):
            if not intents & (DIRECT_MESSAGES if dm else GUILD_MESSAGES):
                continue
            seen = data
            mentioned = f"<@{BOT_ID}>" in message.content or data.get("mentions")
            hidden = not (dm or mentioned or message.author_id == BOT_ID)
            if hidden and not intents & MESSAGE_CONTENT:
                seen = dict(data, content="", embeds=[], attachments=[], components=[])
            asyncio.get_running_loop().create_task(self._event(ws, "MESSAGE_CREATE", seen))

    async def _event(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await ws.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    def _user(self) -> dict[str, Any]:
        return _person(BOT_ID, bot=True, username="paperbot")

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self._user(),
            "guilds": [{"id": str(GUILD), "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(BOT_ID), "flags": 0},
        }

    def _guild(self) -> dict[str, Any]:
        everyone = {"id": str(GUILD), "name": "@everyone", "permissions": str(BASE_PERMISSIONS)}
        mods = {"id": str(MODERATORS), "name": "Moderators", "permissions": str(MANAGE_CHANNELS)}
        me = _member(user=self._user())
        texts = [c for c in self._channels.values() if c["type"] == 0]
        threads = [c for c in self._channels.values() if c["type"] == 11]
        if not self.announce_threads:
            threads = [self._channels[TOPIC]]
        return {
            "id": str(GUILD),
            "name": "Papers Lab",
            "unavailable": False,
            "member_count": 3,
            "owner_id": "1",
            "roles": [everyone, mods],
            "channels": texts,
            "members": [me],
            "threads": threads,
            "joined_at": JOINED,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
        }

    # ------------------------------------------------------------------ REST
    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        for method, pattern, kind in ROUTES:  # noqa: B007 - ``kind`` is used after the loop
            match = re.fullmatch(pattern, path)
            if match and method == request.method:
                break
        else:
            return self._record(request, path, "unknown", _error(404, 0, "404: Not Found"))
        params = {k: int(v) if v.isdigit() else v for k, v in match.groupdict().items()}
        body, files = await _read_body(request)
        gate = self._holds.pop(self._edited(kind, params, body) or 0, None)
        if gate is not None:
            gate.reached.set()
            await gate.release.wait()
        reply = self._scripted(kind, params.get("channel")) or getattr(self, f"_do_{kind}")(
            params, body, files
        )
        response = self._record(request, path, kind, reply)
        async with self._changed:
            self._changed.notify_all()
        return response

    def _record(
        self, request: web.Request, path: str, kind: str, reply: web.Response
    ) -> web.Response:
        self.calls.append(Call(request.method, path, kind, reply.status, time.monotonic()))
        return reply

    def _edited(self, kind: str, params: dict[str, Any], body: Any) -> int | None:
        """The id of the message a request would edit, if it edits one."""
        if kind == "edit_message":
            return int(params["message"])
        if kind == "callback" and isinstance(body, dict) and body.get("type") == 7:
            ix = self.interactions.get(params["token"])
            return ix.message_id if ix else None
        if kind == "edit":
            message = self._webhook_message(params)
            return message.id if message else None
        return None

    async def _cdn(self, request: web.Request) -> web.Response:
        """An attached file, by the URL the interaction named (404 once it is unknown)."""
        path = request.path
        reply = self._scripted("cdn", None)
        if reply is None:
            found = self._files.get(int(request.match_info["id"]))
            if found is None or found[0] != request.match_info["name"]:
                reply = _error(404, 0, "404: Not Found")
            else:
                reply = web.Response(body=found[1], content_type="application/octet-stream")
        self.calls.append(Call(request.method, path, "cdn", reply.status, time.monotonic()))
        return reply

    def _scripted(self, kind: str, channel_id: Any) -> web.Response | None:
        if channel_id in self._forbidden:
            return _error(403, 50001, "Missing Access")
        for failure in self._failures:
            if failure.kind == kind and failure.channel_id in (None, channel_id):
                self._failures.remove(failure)
                if failure.status == 429:
                    wait = failure.retry_after or 0.1
                    body = {
                        "message": "You are being rate limited.",
                        "global": False,
                        "retry_after": wait,
                    }
                    return _json(body, 429, {"Via": "1.1 google"})
                code = {403: 50013, 404: 10003}.get(failure.status, 0)
                return _error(failure.status, code, f"scripted {failure.status}")
        return None

    def _do_me(self, _p: Any, _b: Any, _f: Any) -> web.Response:
        return _json(self._user())

    def _do_app(self, _p: Any, _b: Any, _f: Any) -> web.Response:
        app = {
            "id": str(BOT_ID),
            "name": "paperbot",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "k",
            "owner": self._user(),
            "flags": 0,
        }
        return _json(app)

    def _do_commands(self, _p: Any, body: Any, _f: Any) -> web.Response:
        registered = {"application_id": str(BOT_ID), "version": "1"}
        self.commands = [dict(c, id=str(next(self._ids)), **registered) for c in body]
        return _json(self.commands)

    def _do_channel(self, params: dict[str, Any], _b: Any, _f: Any) -> web.Response:
        channel = self._channels.get(params["channel"])
        return _json(channel) if channel else _error(404, 10003, "Unknown Channel")

    def _do_message(self, params: dict[str, Any], body: Any, files: Any) -> web.Response:
        channel_id = params["channel"]
        if channel_id not in self._channels:
            return _error(404, 10003, "Unknown Channel")
        message = Message(next(self._ids), channel_id)
        problem = self._apply(message, body, files)
        if problem:
            return problem
        reference = body.get("message_reference")
        if reference:
            replied = self.messages.get(int(reference["message_id"]))
            if replied is not None and replied.channel_id == channel_id and not replied.deleted:
                message.reference = replied.id
            elif reference.get("fail_if_not_exists", True):
                return _error(400, 50035, "Invalid Form Body: message_reference: Unknown message")
        self.messages[message.id] = message
        self._announce(message)  # Discord echoes the bot's own messages to it
        return _json(self._payload(message))

    def _do_fetch(self, params: dict[str, Any], _b: Any, _f: Any) -> web.Response:
        message = self._channel_message(params)
        return _json(self._payload(message)) if message else _error(404, 10008, "Unknown Message")

    def _do_edit_message(self, params: dict[str, Any], body: Any, files: Any) -> web.Response:
        message = self._channel_message(params)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if message.author_id != BOT_ID:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        return self._edit(message, body, files)

    def _channel_message(self, params: dict[str, Any]) -> Message | None:
        message = self.messages.get(params["message"])
        if message is None or message.deleted or message.channel_id != params["channel"]:
            return None
        return message

    def _do_typing(self, params: dict[str, Any], _b: Any, _f: Any) -> web.Response:
        if params["channel"] not in self._channels:
            return _error(404, 10003, "Unknown Channel")
        return web.Response(status=204)

    def _do_thread(self, params: dict[str, Any], body: Any, _f: Any) -> web.Response:
        message = self.messages.get(params["message"])
        if message is None or message.channel_id != params["channel"]:
            return _error(404, 10008, "Unknown Message")
        if message.id in self.threads:
            return _error(400, 160004, "A thread has already been created for this message")
        self.threads[message.id] = message.channel_id
        thread = self._thread_payload(message.id, message.channel_id, body["name"])
        if not self.threads_vanish:
            self._channels[message.id] = thread
            if self.announce_threads:
                self._dispatch("THREAD_CREATE", dict(thread, newly_created=True))
        return _json(thread)

    def _do_callback(self, params: dict[str, Any], body: Any, files: Any) -> web.Response:
        ix = self.interactions.get(params["token"])
        if ix is None or ix.callbacks:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        if body["type"] == 6:  # DEFERRED_UPDATE_MESSAGE: acknowledged, the message edited later
            if ix.message_id is None:
                return _error(400, 50035, "Invalid Form Body: not a component interaction")
            ix.callbacks.append(body)
            return _json({"interaction": {"id": str(ix.id), "type": 3}})
        if body["type"] == 7:  # UPDATE_MESSAGE: the pressed message, edited in place
            pressed = self.messages.get(ix.message_id or 0)
            if pressed is None:
                return _error(400, 50035, "Invalid Form Body: not a component interaction")
            ix.callbacks.append(body)
            reply = self._edit(pressed, body.get("data") or {}, files)
            if reply.status != 200:
                return reply
            interaction = {"id": str(ix.id), "type": 3, "response_message_id": str(pressed.id)}
            resource = {"type": 7, "message": self._payload(pressed)}
            return _json({"interaction": interaction, "resource": resource})
        ix.callbacks.append(body)
        message = Message(next(self._ids), ix.channel_id, interaction=ix.token)
        if body["type"] == 5:
            message.flags = LOADING | (body.get("data") or {}).get("flags", 0)
        elif problem := self._apply(message, body.get("data") or {}, files):
            return problem
        ix.original = self.messages[message.id] = message
        interaction = {
            "id": str(ix.id),
            "type": 2,
            "response_message_id": str(message.id),
            "response_message_loading": body["type"] == 5,
            "response_message_ephemeral": message.ephemeral,
        }
        return _json({"interaction": interaction})

    def _do_followup(self, params: dict[str, Any], body: Any, files: Any) -> web.Response:
        ix = self.interactions.get(params["token"])
        if ix is None or not ix.callbacks:
            return _error(404, 10015, "Unknown Webhook")
        if ix.original is not None and ix.original.flags & LOADING:  # replaces "thinking…"
            return self._edit(ix.original, body, files)
        message = Message(next(self._ids), ix.channel_id, interaction=ix.token)
        if problem := self._apply(message, body, files):
            return problem
        self.messages[message.id] = message
        return _json(self._payload(message))

    def _do_edit(self, params: dict[str, Any], body: Any, files: Any) -> web.Response:
        message = self._webhook_message(params)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return self._edit(message, body, files)

    def _do_delete(self, params: dict[str, Any], _b: Any, _f: Any) -> web.Response:
        message = self._webhook_message(params)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        message.deleted = True
        return web.Response(status=204)

    def _webhook_message(self, params: dict[str, Any]) -> Message | None:
        ix = self.interactions.get(params["token"])
        if ix is None:
            return None
        if params["message"] == "@original":  # a tap's: the message whose button was pressed
            if ix.original is None and ix.message_id is not None:
                return self.messages.get(ix.message_id)
            return ix.original
        message = self.messages.get(params["message"])
        return (
            message if message and message.interaction == ix.token and not message.deleted else None
        )

    def _edit(
        self, message: Message, body: dict[str, Any], files: dict[str, bytes]
    ) -> web.Response:
        before = message.content
        changes = dict(body)
        if "content" not in changes:
            changes["content"] = message.content
        if "embeds" not in changes:
            changes["embeds"] = message.embeds
        problem = self._apply(message, changes, files, keep_flags=True)
        if problem:
            return problem
        if before:
            message.history.append(before)
        message.edits.append(dict(body))
        message.flags &= ~LOADING
        return _json(self._payload(message))

    def _apply(
        self,
        message: Message,
        body: dict[str, Any],
        files: dict[str, bytes],
        keep_flags: bool = False,
    ) -> web.Response | None:
        """Check a message body as Discord would and store it on ``message``."""
        content = body.get("content") or ""
        embeds = body.get("embeds") or []
        problems_found = problems(content, embeds)
        if not (content or embeds or files or body.get("components") or message.files):
            problems_found.append("Cannot send an empty message")
        if problems_found:
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems_found))
        message.content, message.embeds = content, embeds
        message.files = dict(files) or message.files
        message.components = body.get("components") or []
        message.allowed_mentions = body.get("allowed_mentions")
        if not keep_flags:
            message.flags = body.get("flags") or 0
        return None

    def _payload(self, message: Message) -> dict[str, Any]:
        attachments = [
            _attachment(n, name, len(data)) for n, (name, data) in enumerate(message.files.items())
        ]
        mine = message.author_id == BOT_ID
        return {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "type": 0,
            "content": message.content,
            "embeds": message.embeds,
            "attachments": attachments,
            "components": message.components,
            "flags": message.flags,
            "author": self._user() if mine else _person(message.author_id, message.author_bot),
            "timestamp": POSTED,
            "edited_timestamp": None,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "tts": False,
            "mention_everyone": False,
        }

    def _thread_payload(self, thread_id: int, parent_id: int, name: str) -> dict[str, Any]:
        metadata = {"archived": False, "auto_archive_duration": 1440, "locked": False}
        return {
            "id": str(thread_id),
            "type": 11,
            "guild_id": str(GUILD),
            "parent_id": str(parent_id),
            "owner_id": str(BOT_ID),
            "name": name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": metadata | {"archive_timestamp": POSTED},
        }


def problems(content: str, embeds: list[dict[str, Any]]) -> list[str]:
    """What Discord would refuse in a message body (lengths as Python counts them)."""
    found = [f"content over {LIMITS['content']}"] if len(content) > LIMITS["content"] else []
    if len(embeds) > LIMITS["embeds"]:
        found.append("too many embeds")
    total = 0
    for embed in embeds:
        sizes = {
            "title": len(embed.get("title", "")),
            "description": len(embed.get("description", "")),
        }
        sizes["footer"] = len(embed.get("footer", {}).get("text", ""))
        fields = embed.get("fields", [])
        found += [f"embed {k} over {LIMITS[k]}" for k, v in sizes.items() if v > LIMITS[k]]
        if len(fields) > LIMITS["fields"]:
            found.append("too many fields")
        for f in fields:
            if not f.get("name") or not f.get("value"):
                found.append("field name and value are required")
            elif len(f["name"]) > LIMITS["name"] or len(f["value"]) > LIMITS["value"]:
                found.append("field over its limit")
        total += sum(sizes.values()) + sum(
            len(f.get("name", "")) + len(f.get("value", "")) for f in fields
        )
    if total > LIMITS["total"]:
        found.append(f"embeds total {total} over {LIMITS['total']}")
    return found


async def _read_body(request: web.Request) -> tuple[Any, dict[str, bytes]]:
    """A JSON body, or multipart ``payload_json`` plus uploaded ``files[n]``."""
    if not request.content_type.startswith("multipart/"):
        raw = await request.read()
        return (json.loads(raw) if raw else {}), {}
    body: Any = {}
    files: dict[str, bytes] = {}
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read()
        if part.name == "payload_json":
            body = json.loads(data)
        elif part.filename:
            files[part.filename] = bytes(data)
    return body, files


def _person(user_id: int, bot: bool = False, username: str | None = None) -> dict[str, Any]:
    """A user object: ``user<id>`` unless ``username`` is given (the bot's own)."""
    return {
        "id": str(user_id),
        "username": username or f"user{user_id}",
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": bot,
    }


def _member(**fields: Any) -> dict[str, Any]:
    """A guild member object (``user``, ``roles``, ``permissions`` where the payload has them)."""
    return {"roles": [], "flags": 0, "deaf": False, "mute": False, "joined_at": JOINED} | fields


def _attachment(n: int, name: str, size: int) -> dict[str, Any]:
    """An attachment object for the ``n``th uploaded file."""
    return {
        "id": str(n),
        "filename": name,
        "size": size,
        "url": f"https://cdn/{name}",
        "proxy_url": f"https://media/{name}",
    }


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON reply with ``Content-Type: application/json`` exactly (discord.py insists)."""
    payload = json.dumps(body).encode()
    return web.Response(
        body=payload, status=status, content_type="application/json", headers=headers
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status)
