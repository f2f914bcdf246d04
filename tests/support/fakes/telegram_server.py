"""A local Bot API server that python-telegram-bot talks to over HTTP in tests.

Usage::

    with FakeTelegram() as tg:
        app = Application.builder().token(tg.token).base_url(tg.base_url).build()
        ...
        tg.push_message(chat_id=42, user_id=42, text="/summarize 2408.13714")
        sent = await tg.await_sent(42, 2)          # two messages reached chat 42
        tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

It checks what Telegram checks where tests care: HTML parse mode accepts only Telegram's tags,
balanced; text is at most 4096 characters (UTF-16 units) after parsing, captions 1024;
``link_preview_options`` is a JSON object whose ``url`` is http(s), and the sent message carries
it back (``Call.json("link_preview_options")`` or ``result["link_preview_options"]``).

Updates are filtered as Telegram filters them: without ``allowed_updates`` every kind but
``chat_member``, ``message_reaction`` and ``message_reaction_count`` is delivered; once the bot
names kinds (getUpdates or setWebhook), only those (``tg.allowed_updates`` is the last list).
Reactions are queued with ``push_reaction`` (a member's, or an anonymous one with ``actor_chat``)
and ``push_reaction_count`` (a channel's anonymous counts); Telegram sends them only to a bot
that is an administrator of the chat, which the test is taken to have arranged.
``delay_next(method, seconds)`` holds the next call of a method before it takes effect, as a
request slow on the network would be.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import html
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, unquote

from .httpfake import Recorded, Reply, ScriptedServer

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
MAX_POLL_WAIT = 1.0  # seconds a getUpdates long-poll is held here at most
SENDS = ("sendMessage", "sendPhoto")
UPDATE_KINDS = (  # what an Update may carry besides its id (those the tests use)
    "message",
    "channel_post",
    "callback_query",
    "message_reaction",
    "message_reaction_count",
    "chat_member",
)
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
GIFT_KINDS = (  # getChat's accepted_gift_types: none accepted
    "unlimited_gifts",
    "limited_gifts",
    "unique_gifts",
    "premium_subscription",
    "gifts_from_channels",
)
TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "a", "code"}
TAGS |= {"pre", "blockquote", "span", "tg-emoji"}
ENTITIES = {"lt", "gt", "amp", "quot"}


@dataclass(frozen=True, slots=True)
class Call:
    """One Bot API call as received: parameters as strings, uploads as bytes."""

    method: str
    params: dict[str, str]
    files: dict[str, bytes]
    at: float  # time.monotonic()
    status: int
    result: Any = None  # what the fake answered (e.g. the sent message), None on failure
    held: float = 0.0  # seconds delay_next held it before it took effect

    @property
    def chat_id(self) -> str | None:
        """The chat the call was about, if any."""
        return self.params.get("chat_id")

    def json(self, name: str) -> Any:
        """A parameter that PTB sends JSON-encoded (reply_markup, commands, …)."""
        return json.loads(self.params[name]) if name in self.params else None


@dataclass(slots=True)
class _Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    migrate_to_chat_id: int | None
    chat_id: int | None


@dataclass(slots=True)
class _State:
    updates: list[dict[str, Any]] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    chat_types: dict[int, str] = field(default_factory=dict)
    admins: dict[int, set[int]] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)  # "@name" -> chat id
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    webhook: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> content
    forums: set[int] = field(default_factory=set)  # supergroups with topics
    allowed: list[str] | None = None  # the last allowed_updates the bot named (None: never)
    delays: dict[str, list[float]] = field(default_factory=dict)  # method -> holds, in order


class FakeTelegram(ScriptedServer):
    """Answers ``POST /bot<token>/<method>`` like the Bot API and records every call."""

    def __init__(
        self, token: str = "123456:TEST-token", username: str = "x_bot", port: int = 0
    ) -> None:
        super().__init__()
        self.bind_port = port  # a fixed port: a Telegram that comes up where the bot expects it
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":")[0])
        self.calls: list[Call] = []
        self._state = _State()
        self._cond = threading.Condition()
        self._ids = itertools.count(1000)
        self._update_ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        """What to give ``ApplicationBuilder.base_url`` (the token is appended by PTB)."""
        return f"{self.url}/bot"

    def stop(self) -> None:
        """Wake any held long-poll, then stop serving."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        super().stop()

    # ------------------------------------------------------------------ test API
    def push_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        chat_type: str = "private",
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Queue an incoming message (a channel post when chat_type is "channel"); its id."""
        update = self.update_payload(chat_id, user_id, text, chat_type, reply_to, thread_id)
        with self._cond:
            self._state.updates.append(update)
            self._cond.notify_all()
        message = update.get("message") or update["channel_post"]
        return int(message["message_id"])

    def push_document(
        self,
        chat_id: int,
        user_id: int,
        filename: str,
        data: bytes,
        caption: str | None = None,
        chat_type: str = "private",
    ) -> int:
        """Queue an incoming document (a file, with an optional caption); its message id."""
        update = self.update_payload(chat_id, user_id, caption or "", chat_type)
        message = update.get("message") or update["channel_post"]
        text = message.pop("text")
        if caption is not None:
            message["caption"] = text
            if "entities" in message:
                message["caption_entities"] = message.pop("entities")
        with self._cond:
            file_id = f"doc{len(self._state.files) + 1}"
            self._state.files[file_id] = data
            message["document"] = {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_name": filename,
                "mime_type": "application/octet-stream",
                "file_size": len(data),
            }
            self._state.updates.append(update)
            self._cond.notify_all()
        return int(message["message_id"])

    def update_payload(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        chat_type: str = "private",
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """An Update as Telegram sends it (push_message queues it; a webhook test POSTs it)."""
        with self._cond:
            self._state.chat_types[chat_id] = chat_type
            message = self._message(chat_id, text=text)
            if reply_to is not None:
                message["reply_to_message"] = self._state.messages[(chat_id, reply_to)]
            update_id = next(self._update_ids)
        if chat_type == "channel":
            message["sender_chat"] = message["chat"]
        else:
            message["from"] = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
            message["chat"]["is_forum"] = True
            with self._cond:
                self._state.forums.add(chat_id)
        return {
            "update_id": update_id,
            "channel_post" if chat_type == "channel" else "message": message,
        }

    def push_callback_query(self, chat_id: int, message_id: int, user_id: int, data: str) -> str:
        """Queue a tap on an inline button of one of the bot's messages; the query's id."""
        with self._cond:
            message = dict(self._state.messages[(chat_id, message_id)])
            query_id = f"q{next(self._update_ids)}"
            query = {
                "id": query_id,
                "from": {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"},
                "message": message,
                "chat_instance": f"ci{chat_id}",
                "data": data,
            }
            self._state.updates.append(
                {"update_id": next(self._update_ids), "callback_query": query}
            )
            self._cond.notify_all()
        return query_id

    def push_reaction(
        self,
        chat_id: int,
        message_id: int,
        user_id: int | None,
        old: tuple[str, ...] = (),
        new: tuple[str, ...] = (),
        actor_chat: int | None = None,
    ) -> None:
        """Queue a message_reaction: a member's (``user_id``) or an anonymous one (``actor_chat``).

        ``old`` and ``new`` are the emoji the reactor had on the message before and after.
        """
        with self._cond:
            reaction: dict[str, Any] = {
                "chat": self._chat(chat_id),
                "message_id": message_id,
                "date": int(time.time()),
                "old_reaction": [{"type": "emoji", "emoji": e} for e in old],
                "new_reaction": [{"type": "emoji", "emoji": e} for e in new],
            }
            if user_id is not None:
                reaction["user"] = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}
            if actor_chat is not None:
                reaction["actor_chat"] = self._chat(actor_chat)
            self._queue_update("message_reaction", reaction)

    def push_reaction_count(self, chat_id: int, message_id: int, counts: dict[str, int]) -> None:
        """Queue a message_reaction_count (anonymous reactions, as in channels): emoji -> total."""
        with self._cond:
            reactions = [
                {"type": {"type": "emoji", "emoji": e}, "total_count": n} for e, n in counts.items()
            ]
            update = {
                "chat": self._chat(chat_id),
                "message_id": message_id,
                "date": int(time.time()),
                "reactions": reactions,
            }
            self._queue_update("message_reaction_count", update)

    @property
    def allowed_updates(self) -> list[str] | None:
        """The update kinds the bot last asked for (getUpdates or setWebhook); None if never."""
        with self._cond:
            return None if self._state.allowed is None else list(self._state.allowed)

    def delay_next(self, method: str, seconds: float) -> None:
        """Hold the next call of ``method`` this long before it takes effect (a slow request)."""
        with self._cond:
            self._state.delays.setdefault(method, []).append(seconds)

    def markup(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The inline keyboard a message shows now (after any editMessageReplyMarkup)."""
        with self._cond:
            return self._state.messages[(chat_id, message_id)].get("reply_markup")

    def answer_to(self, query_id: str) -> Call | None:
        """The answerCallbackQuery for a query, if the bot sent it."""
        found = [c for c in self.calls_of("answerCallbackQuery")]
        return next((c for c in found if c.params.get("callback_query_id") == query_id), None)

    def set_admins(self, chat_id: int, *user_ids: int) -> None:
        """getChatMember answers "administrator" for these users in this chat."""
        with self._cond:
            self._state.admins[chat_id] = set(user_ids)

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Make the next call of ``method`` (to ``chat_id``, if given) fail once."""
        failure = _Failure(method, status, description, retry_after, migrate_to_chat_id, chat_id)
        with self._cond:
            self._state.failures.append(failure)

    def calls_of(self, method: str) -> list[Call]:
        """Every call of one method, in order (failed ones included)."""
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int) -> list[Call]:
        """Messages and photos that reached a chat, in order."""
        with self._cond:
            return [
                c
                for c in self.calls
                if c.method in SENDS and c.status == 200 and c.chat_id == str(chat_id)
            ]

    def commands(self, language_code: str = "") -> list[dict[str, str]]:
        """The command menu last set for a language ("" is the default)."""
        with self._cond:
            return list(self._state.commands.get(language_code, []))

    @property
    def webhook(self) -> dict[str, str]:
        """The parameters of the last setWebhook call."""
        with self._cond:
            return dict(self._state.webhook)

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        """True when the bot deleted that message."""
        with self._cond:
            return (chat_id, message_id) not in self._state.messages

    async def await_sent(self, chat_id: int, n: int, timeout: float = 5.0) -> list[Call]:  # noqa: ASYNC109
        """Wait until at least ``n`` messages reached the chat; fail the test otherwise."""
        deadline = time.monotonic() + timeout
        while len(sent := self.sent(chat_id)) < n:
            if time.monotonic() > deadline:
                seen = [(c.method, c.chat_id, c.status) for c in self.calls]
                raise AssertionError(f"{len(sent)}/{n} messages in chat {chat_id}; calls: {seen}")
            await asyncio.sleep(0.01)
        return sent

    # ------------------------------------------------------------------ the server side
    def handle(self, request: Recorded) -> Reply:
        """Route one HTTP request to a Bot API method."""
        prefix = f"/bot{self.token}/"
        path = unquote(request.path)  # httpx sends the token's ":" as %3A in a file URL
        if path.startswith(f"/file{prefix}documents/"):
            with self._cond:
                data = self._state.files.get(path.rsplit("/", 1)[-1])
            return Reply(200, data) if data is not None else _error(404, "Not Found")
        if not request.path.startswith(prefix):
            return _error(401, "Unauthorized")
        method = request.path[len(prefix) :]
        params, files = _parse_body(request)
        with self._cond:
            holds = self._state.delays.get(method)
            hold = holds.pop(0) if holds else 0.0
        if hold and not self._sleep(hold):
            return _error(503, "Service Unavailable: stopping")
        with self._cond:
            failure = self._take_failure(method, params)
        reply = _fail(failure) if failure else self._answer(method, params, files)
        result = reply.body.get("result") if reply.status == 200 else None
        with self._cond:
            call = Call(method, params, files, time.monotonic(), reply.status, result, hold)
            self.calls.append(call)
        return reply

    def _take_failure(self, method: str, params: dict[str, str]) -> _Failure | None:
        for failure in self._state.failures:
            wanted = failure.chat_id is None or str(failure.chat_id) == params.get("chat_id")
            if failure.method == method and wanted:
                self._state.failures.remove(failure)
                return failure
        return None

    def _answer(self, method: str, params: dict[str, str], files: dict[str, bytes]) -> Reply:
        if method == "getUpdates":
            return _ok(self._get_updates(params))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        with self._cond:
            result = handler(params, files)
        return result if isinstance(result, Reply) else _ok(result)

    def _get_updates(self, params: dict[str, str]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), MAX_POLL_WAIT)
        deadline = time.monotonic() + wait
        with self._cond:
            self._note_allowed(params)
            while True:  # unwanted updates are dropped, as Telegram drops them
                self._state.updates = [
                    u for u in self._state.updates if u["update_id"] >= offset and self._wanted(u)
                ]
                left = deadline - time.monotonic()
                if self._state.updates or self._stopping.is_set() or left <= 0:
                    return list(self._state.updates)
                self._cond.wait(left)

    def _note_allowed(self, params: dict[str, str]) -> None:
        """Keep the allowed_updates a getUpdates or setWebhook named ("[]": the default)."""
        if "allowed_updates" in params:
            kinds = json.loads(params["allowed_updates"])
            self._state.allowed = [str(k) for k in kinds] if kinds else None

    def _wanted(self, update: dict[str, Any]) -> bool:
        """Whether Telegram would deliver this update under the allowed_updates in force."""
        kind = next((k for k in UPDATE_KINDS if k in update), None)
        if self._state.allowed is None:
            return kind not in NOT_BY_DEFAULT
        return kind in self._state.allowed

    def _queue_update(self, kind: str, payload: dict[str, Any]) -> None:
        """Append one update of this kind and wake the long-poll (caller holds the lock)."""
        self._state.updates.append({"update_id": next(self._update_ids), kind: payload})
        self._cond.notify_all()

    def _chat(self, chat_id: int) -> dict[str, Any]:
        """A Chat object as Telegram sends it in updates."""
        kind = self._state.chat_types.get(chat_id, "private" if chat_id > 0 else "supergroup")
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        chat.update({"first_name": "U"} if kind == "private" else {"title": f"chat {chat_id}"})
        if chat_id in self._state.forums:
            chat["is_forum"] = True
        return chat

    def _message(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        if fields.get("message_thread_id"):  # a topic's message: the chat is a forum
            self._state.forums.add(chat_id)
        chat = self._chat(chat_id)
        message_id = next(self._ids)
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat, **fields}
        self._state.messages[(chat_id, message_id)] = message
        return message

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Bot", "username": self.username}

    # Bot API methods: each takes (params, files) and returns a result or an error Reply.
    def _api_getMe(self, _p: dict[str, str], _f: dict[str, bytes]) -> Any:
        return self._bot_user()

    def _api_deleteWebhook(self, _p: dict[str, str], _f: dict[str, bytes]) -> Any:
        self._state.webhook = {}
        return True

    def _api_setWebhook(self, params: dict[str, str], _f: dict[str, bytes]) -> Any:
        self._state.webhook = dict(params)
        self._note_allowed(params)
        return True

    def _api_setMyCommands(self, params: dict[str, str], _f: dict[str, bytes]) -> Any:
        self._state.commands[params.get("language_code", "")] = json.loads(params["commands"])
        return True

    def _api_getFile(self, params: dict[str, str], _f: dict[str, bytes]) -> Any:
        data = self._state.files.get(params.get("file_id", ""))
        if data is None:
            return _error(400, "Bad Request: invalid file_id")
        return {
            "file_id": params["file_id"],
            "file_unique_id": f"u{params['file_id']}",
            "file_size": len(data),
            "file_path": f"documents/{params['file_id']}",
        }

    def _api_sendChatAction(self, _p: dict[str, str], _f: dict[str, bytes]) -> Any:
        return True

    def _api_answerCallbackQuery(self, params: dict[str, str], _f: dict[str, bytes]) -> Any:
        if not params.get("callback_query_id"):
            return _error(400, "Bad Request: query is too old and response timeout expired")
        if len(params.get("text", "")) > 200:
            return _error(400, "Bad Request: text is too long")
        return True

    def _api_editMessageReplyMarkup(self, params: dict[str, str], _f: dict[str, bytes]) -> Any:
        message = self._state.messages.get((int(params["chat_id"]), int(params["message_id"])))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        markup = json.loads(params["reply_markup"]) if "reply_markup" in params else None
        if markup == message.get("reply_markup"):
            return _error(400, "Bad Request: message is not modified")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        message["reply_markup"] = markup
        return message

    def add_channel(self, handle: str, chat_id: int, *admins: int) -> None:
        """A channel ``getChat`` knows by ``@handle``; ``admins`` may include the bot's id."""
        with self._cond:
            self._state.channels[handle.lower()] = chat_id
            self._state.chat_types[chat_id] = "channel"
            self._state.admins[chat_id] = set(admins)

    def _api_getChat(self, params: dict[str, str], _f: dict[str, bytes]) -> Any:
        wanted = params["chat_id"]
        chat_id = self._state.channels.get(wanted.lower())
        if chat_id is None and wanted.lstrip("-").isdigit():
            chat_id = int(wanted)
        if chat_id is None or chat_id not in self._state.chat_types:
            return _error(400, "Bad Request: chat not found")
        kind = self._state.chat_types[chat_id]
        gifts = dict.fromkeys(GIFT_KINDS, False)
        return {
            "id": chat_id,
            "type": kind,
            "title": f"chat {chat_id}",
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def _api_getChatMember(self, params: dict[str, str], _f: dict[str, bytes]) -> Any:
        user = {"id": int(params["user_id"]), "is_bot": False, "first_name": "U"}
        if int(params["user_id"]) not in self._state.admins.get(int(params["chat_id"]), set()):
            return {"status": "member", "user": user}
        rights = (
            "can_be_edited is_anonymous can_manage_chat can_delete_messages can_manage_video_chats"
            " can_restrict_members can_promote_members can_change_info can_invite_users"
            " can_post_stories can_edit_stories can_delete_stories"
        )
        return {"status": "administrator", "user": user, **dict.fromkeys(rights.split(), False)}

    def _api_sendMessage(self, params: dict[str, str], _f: dict[str, bytes]) -> Any:
        text = self._checked(params.get("text", ""), params.get("parse_mode"), TEXT_LIMIT)
        if isinstance(text, Reply):
            return text
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        fields: dict[str, Any] = {"text": text, "from": self._bot_user(), **_extras(params)}
        if "reply_parameters" in params:  # like Telegram: the replied message, if it exists
            reply = json.loads(params["reply_parameters"])
            replied = self._state.messages.get((int(params["chat_id"]), reply["message_id"]))
            if replied is not None:
                fields["reply_to_message"] = {
                    k: v for k, v in replied.items() if k != "reply_to_message"
                }
            elif not reply.get("allow_sending_without_reply"):
                return _error(400, "Bad Request: message to be replied not found")
        if "link_preview_options" in params:
            preview = _preview_options(params["link_preview_options"])
            if isinstance(preview, Reply):
                return preview
            fields["link_preview_options"] = preview
        return self._message(int(params["chat_id"]), **fields)

    def _api_sendPhoto(self, params: dict[str, str], files: dict[str, bytes]) -> Any:
        if not files:
            return _error(400, "Bad Request: there is no photo in the request")
        caption = self._checked(params.get("caption", ""), params.get("parse_mode"), CAPTION_LIMIT)
        if isinstance(caption, Reply):
            return caption
        size = next(iter(files.values()))
        photo = {"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}
        fields = {"photo": [dict(photo, file_size=len(size))], "caption": caption}
        fields.update(_extras(params))
        return self._message(int(params["chat_id"]), **fields, **{"from": self._bot_user()})

    def _api_editMessageText(self, params: dict[str, str], _f: dict[str, bytes]) -> Any:
        message = self._state.messages.get((int(params["chat_id"]), int(params["message_id"])))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        text = self._checked(params.get("text", ""), params.get("parse_mode"), TEXT_LIMIT)
        if isinstance(text, Reply):
            return text
        if text == message.get("text"):
            return _error(400, "Bad Request: message is not modified")
        message["text"] = text
        return message

    def _api_deleteMessage(self, params: dict[str, str], _f: dict[str, bytes]) -> Any:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if self._state.messages.pop(key, None) is None:
            return _error(400, "Bad Request: message to delete not found")
        return True

    def _checked(self, text: str, parse_mode: str | None, limit: int) -> str | Reply:
        """The visible text, or the 400 Telegram would answer."""
        if parse_mode == "HTML":
            try:
                text = visible_text(text)
            except TelegramHTMLError as exc:
                return _error(400, f"Bad Request: can't parse entities: {exc}")
        if len(text.strip().encode("utf-16-le")) // 2 > limit:
            what = "message is too long" if limit == TEXT_LIMIT else "message caption is too long"
            return _error(400, f"Bad Request: {what}")
        return text


def _extras(params: dict[str, str]) -> dict[str, Any]:
    """What a sent message carries back: its inline keyboard and forum topic, when given."""
    extras: dict[str, Any] = {}
    if "reply_markup" in params:
        extras["reply_markup"] = json.loads(params["reply_markup"])
    if params.get("message_thread_id"):
        extras.update(message_thread_id=int(params["message_thread_id"]), is_topic_message=True)
    return extras


def _ok(result: Any) -> Reply:
    return Reply(200, {"ok": True, "result": result})


def _error(status: int, description: str, **parameters: int) -> Reply:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Reply(status, body)


def _preview_options(raw: str) -> dict[str, Any] | Reply:
    """The LinkPreviewOptions object of a sendMessage, or the 400 Telegram would answer."""
    try:
        options = json.loads(raw)
    except ValueError:
        options = None
    if not isinstance(options, dict):
        return _error(400, "Bad Request: can't parse link preview options JSON object")
    url = options.get("url")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        return _error(400, "Bad Request: invalid link preview URL")
    return options


def _fail(failure: _Failure) -> Reply:
    parameters: dict[str, int] = {}
    if failure.retry_after is not None:
        parameters["retry_after"] = failure.retry_after
    if failure.migrate_to_chat_id is not None:
        parameters["migrate_to_chat_id"] = failure.migrate_to_chat_id
    return _error(failure.status, failure.description, **parameters)


def _parse_body(request: Recorded) -> tuple[dict[str, str], dict[str, bytes]]:
    """Form-encoded or multipart parameters, and uploaded files."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.raw)
        params: dict[str, str] = {}
        files: dict[str, bytes] = {}
        for part in parsed.iter_parts():
            name = str(part.get_param("name", header="content-disposition"))
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            if part.get_filename():
                files[name] = data
            else:
                params[name] = data.decode()
        return params, files
    form = parse_qs(request.raw.decode(), keep_blank_values=True)
    return {key: values[0] for key, values in form.items()}, {}


class TelegramHTMLError(ValueError):
    """HTML that Telegram's parse_mode=HTML would refuse."""


class _Visible(HTMLParser):
    """Checks Telegram HTML the way the Bot API does and collects its visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag not in TAGS:
            raise TelegramHTMLError(f'Unsupported start tag "{tag}"')
        if tag == "a" and "href" not in names:
            raise TelegramHTMLError("a tag without href")
        if tag == "blockquote" and (names - {"expandable"} or "blockquote" in self.stack):
            raise TelegramHTMLError("bad blockquote")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise TelegramHTMLError(f'Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ENTITIES:
            raise TelegramHTMLError(f'Unsupported HTML entity "&{name};"')
        self.parts.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.parts.append(html.unescape(f"&#{name};"))


def visible_text(markup: str) -> str:
    """The text Telegram would show for HTML, or TelegramHTMLError where it answers 400."""
    parser = _Visible()
    parser.feed(markup)
    parser.close()
    if parser.stack:
        raise TelegramHTMLError(f"Can't find end tag corresponding to start tag {parser.stack[-1]}")
    return "".join(parser.parts)
