"""A tap on a card's 👍/👎 button: a core vote, acknowledged in place and shown as the new tally."""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, TelegramError

from adapters.telegram.cards import CardKey, Cards
from adapters.telegram.commands import PLATFORM, chat_ref
from adapters.telegram.delivery import Delivery
from adapters.telegram.votes import retallied
from bot.chat.contract import AdapterHost, ChatRef, Tap, parse_vote_data

log = logging.getLogger(__name__)
UNAVAILABLE = "Could not record your vote just now; please tap again in a moment."


async def on_tap(host: AdapterHost, delivery: Delivery, cards: Cards, query: CallbackQuery) -> None:
    """Record the tap (private chat, group, topic or channel), answer it, retally the card.

    The button's data names the paper, so cards from before a restart work. The tapper is
    ``query.from_user`` (in a channel, the admin who tapped). No message is ever sent. Votes
    on one card are recorded one at a time and its edits follow them, the last showing the
    final tally, however many members tap at once (see :mod:`adapters.telegram.cards`).
    """
    parsed = parse_vote_data(query.data or "")
    message = query.message
    if parsed is None or message is None:
        await _answer(delivery, query, "This button no longer works.")
        return
    paper, value = parsed
    chat = (
        chat_ref(message)
        if isinstance(message, Message)
        else ChatRef(PLATFORM, str(message.chat.id))
    )
    key: CardKey = (message.chat.id, message.message_id)
    async with cards.locks.hold(key):  # votes on one card recorded one at a time
        try:
            result = await host.vote(Tap(chat, str(query.from_user.id), paper, value))
        except Exception:  # arXiv or Redis unreachable: the user can simply tap again
            log.exception("telegram: vote on %s in %s failed", paper, chat.key())
            result = None
        shown = False
        if result is not None and result.recorded and isinstance(message, Message):
            if message.reply_markup is not None:  # a card from before a restart: its links
                cards.keyboards.note(key, message.reply_markup)
            cards.edits.want(key, retallied(message.reply_markup, paper, result))
            shown = True
    note = result.note if result is not None else UNAVAILABLE
    if not shown:  # nothing to retally
        await _answer(delivery, query, note)
        return
    await asyncio.gather(
        _answer(delivery, query, note),
        cards.edits.flush(key, lambda markup: show_tally(delivery, key, markup, paper)),
    )


async def show_tally(
    delivery: Delivery, key: CardKey, markup: InlineKeyboardMarkup, paper: str
) -> None:
    """editMessageReplyMarkup with the new tally; a failure is only logged (the vote is kept)."""
    chat_id, message_id = key
    try:
        await delivery.call(
            lambda: delivery.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup)
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():  # the same tally: nothing to show
            log.warning("telegram: tally of %s not shown: %s", paper, exc.message)
    except TelegramError as exc:
        log.warning("telegram: tally of %s not shown: %s", paper, exc)


async def _answer(delivery: Delivery, query: CallbackQuery, text: str) -> None:
    """answerCallbackQuery with a short note (a failure is only logged: the vote is kept)."""
    try:
        await delivery.call(lambda: query.answer(text))
    except TelegramError as exc:
        log.warning("telegram: tap not acknowledged: %s", exc)
