"""Sending posts to Telegram: retries, plain-text fallback, blocked and migrated chats."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError

from adapters.telegram.cards import CardKeyboards
from adapters.telegram.commands import PLATFORM
from adapters.telegram.render import Rendered, html_to_plain, render
from adapters.telegram.votes import card_keyboard
from bot.chat.contract import ChatRef, ChatUnreachable, PostMemory, SentRef
from bot.chat.post import Post

log = logging.getLogger(__name__)

T = TypeVar("T")
Migrated = Callable[[ChatRef, ChatRef], Awaitable[None]]
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def figure_preview(url: str | None) -> LinkPreviewOptions:
    """The figure at ``url`` as the large preview above the text; no preview without one."""
    if url is None:
        return NO_PREVIEW
    return LinkPreviewOptions(url=url, prefer_large_media=True, show_above_text=True)


def _cannot_parse(exc: BadRequest) -> bool:
    return "can't parse entities" in exc.message.lower()


class Delivery:
    """Sends posts and status lines; retries network errors; raises ChatUnreachable for lost chats.

    The ids of posts about a paper are noted in ``posts`` (the core's one memory of them), the
    message under a card's vote buttons as one that takes votes by reaction, and that card's
    keyboard in ``keyboards`` (for a reaction to retally it).
    """

    def __init__(
        self,
        bot: Bot,
        *,
        posts: PostMemory | None = None,
        on_migrated: Migrated | None = None,
        keyboards: CardKeyboards | None = None,
        attempts: int = 4,
        backoff: float = 0.5,
    ) -> None:
        self.bot = bot
        self.posts = posts
        self.keyboards = keyboards
        self._on_migrated = on_migrated
        self._attempts = attempts
        self._backoff = backoff

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run one Bot API call, retrying network errors (not 400s) with exponential backoff.

        ``RetryAfter`` (429) is handled below this, by the application's AIORateLimiter.
        """
        for attempt in range(self._attempts):
            try:
                return await make()
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt == self._attempts - 1:
                    raise
                log.warning("Telegram network error (%s); retrying", type(exc).__name__)
                await asyncio.sleep(self._backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def post(self, chat: ChatRef, post: Post, reply_to: int | None = None) -> SentRef:
        """Send a post; a chat that blocked or removed the bot raises ChatUnreachable.

        ``post.reply_to`` (a message id) wins over ``reply_to``: the post replies to that
        message, or goes out plainly when it was deleted. A group that became a supergroup is
        reported (``on_migrated``) and gets the post.
        """
        if post.reply_to and post.reply_to.isdigit():
            reply_to = int(post.reply_to)
        rendered = render(post)
        target = chat
        for _ in range(3):
            try:
                messages = await self._pieces(target, rendered, reply_to)
                break
            except ChatMigrated as exc:
                new = ChatRef(PLATFORM, str(exc.new_chat_id))
                log.info("chat %s migrated to %s", target.chat_id, new.chat_id)
                if self._on_migrated is not None:
                    await self._on_migrated(target, new)
                target, reply_to = new, None
            except Forbidden as exc:
                raise ChatUnreachable(target, exc.message) from None
            except BadRequest as exc:
                if "chat not found" not in exc.message.lower():
                    raise
                raise ChatUnreachable(target, exc.message) from None
        else:
            raise RuntimeError(f"chat {chat.chat_id} keeps migrating")
        card = card_keyboard(rendered) if rendered.votes and messages else None  # 👍/👎 below
        if card is not None and self.keyboards is not None:
            last = messages[-1]  # the one under the buttons (Telegram's numeric chat id)
            self.keyboards.note((last.chat_id, last.message_id), card)
        ids = tuple(str(m.message_id) for m in messages)
        if post.paper_id and self.posts is not None:
            if card is not None:  # only the message under the buttons takes votes by reaction
                await self.posts.remember(target, ids[:-1], post.paper_id)
                await self.posts.remember(target, ids[-1:], post.paper_id, votes=True)
            else:
                await self.posts.remember(target, ids, post.paper_id)
        return SentRef(target, ids)

    async def _pieces(
        self, chat: ChatRef, rendered: Rendered, reply_to: int | None
    ) -> list[Message]:
        keyboard = card_keyboard(rendered)
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        sent: list[Message] = []
        texts = list(rendered.messages)
        if rendered.photo is not None:
            photo = rendered.photo
            last = not texts
            message = await self._photo(
                chat, photo.data, photo.filename, photo.caption, reply, keyboard if last else None
            )
            if message is not None:
                sent.append(message)
                reply = None
            elif photo.caption.strip():
                texts.insert(0, photo.caption)  # the card without its figure
        for index, text in enumerate(texts):
            last = index == len(texts) - 1
            preview = figure_preview(rendered.preview if index == 0 else None)
            sent.append(await self._text(chat, text, reply, keyboard if last else None, preview))
            reply = None
        return sent

    async def _text(
        self,
        chat: ChatRef,
        html_text: str,
        reply: ReplyParameters | None,
        markup: InlineKeyboardMarkup | None,
        preview: LinkPreviewOptions = NO_PREVIEW,
    ) -> Message:
        """Send one HTML message; if Telegram cannot parse it, send its plain text instead."""

        def send(text: str, mode: str | None) -> Callable[[], Awaitable[Message]]:
            return lambda: self.bot.send_message(
                chat.chat_id,
                text,
                parse_mode=mode,
                message_thread_id=_thread(chat),
                reply_parameters=reply,
                reply_markup=markup,
                link_preview_options=preview,
            )

        try:
            return await self.call(send(html_text, ParseMode.HTML))
        except BadRequest as exc:
            if not _cannot_parse(exc):
                raise
            log.warning("Telegram refused our HTML (%s); sending plain text", exc.message)
            return await self.call(send(html_to_plain(html_text), None))

    async def _photo(
        self,
        chat: ChatRef,
        data: bytes,
        filename: str,
        caption: str,
        reply: ReplyParameters | None,
        markup: InlineKeyboardMarkup | None,
    ) -> Message | None:
        """Upload the photo; a photo Telegram refuses is skipped so the text still goes out."""

        def send(text: str, mode: str | None) -> Callable[[], Awaitable[Message]]:
            return lambda: self.bot.send_photo(
                chat.chat_id,
                InputFile(data, filename=filename),
                caption=text,
                parse_mode=mode,
                message_thread_id=_thread(chat),
                reply_parameters=reply,
                reply_markup=markup,
            )

        try:
            try:
                return await self.call(send(caption, ParseMode.HTML))
            except BadRequest as exc:
                if not _cannot_parse(exc):
                    raise
                return await self.call(send(html_to_plain(caption), None))
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise
            log.warning("Telegram refused the photo (%s); sending the text only", exc.message)
            return None

    async def status(self, chat: ChatRef, text: str, reply_to: int | None) -> int:
        """Show a typing indicator and send a plain status line; returns its message id."""
        await self.typing(chat)
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        message = await self.call(
            lambda: self.bot.send_message(
                chat.chat_id, text, message_thread_id=_thread(chat), reply_parameters=reply
            )
        )
        return message.message_id

    async def typing(self, chat: ChatRef) -> None:
        """Send the "typing…" chat action (lasts about 5 seconds on the user's screen)."""
        await self.call(
            lambda: self.bot.send_chat_action(
                chat.chat_id, ChatAction.TYPING, message_thread_id=_thread(chat)
            )
        )

    async def edit(self, chat: ChatRef, message_id: int, text: str) -> None:
        """Replace the text of a status line."""
        await self.call(lambda: self.bot.edit_message_text(text, chat.chat_id, message_id))

    async def delete(self, chat: ChatRef, message_id: int) -> None:
        """Delete one of our messages."""
        await self.call(lambda: self.bot.delete_message(chat.chat_id, message_id))


def _thread(chat: ChatRef) -> int | None:
    return int(chat.thread_id) if chat.thread_id else None
