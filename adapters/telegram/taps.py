"""A tap on a card's 👍/👎 button: a core vote, acknowledged in place and shown as the new tally."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message
from telegram.error import BadRequest, TelegramError

from adapters.telegram.commands import PLATFORM, chat_ref
from adapters.telegram.delivery import Delivery
from adapters.telegram.votes import retallied
from bot.chat.contract import AdapterHost, ChatRef, Tap, parse_vote_data

log = logging.getLogger(__name__)
UNAVAILABLE = "Could not record your vote just now; please tap again in a moment."


async def on_tap(host: AdapterHost, delivery: Delivery, query: CallbackQuery) -> None:
    """Record the tap (private chat, group, topic or channel), answer it, retally the card.

    The button's data names the paper, so cards from before a restart work. The tapper is
    ``query.from_user`` (in a channel, the admin who tapped). No message is ever sent.
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
    try:
        result = await host.vote(Tap(chat, str(query.from_user.id), paper, value))
    except Exception:  # arXiv or Redis unreachable: the user can simply tap again
        log.exception("telegram: vote on %s in %s failed", paper, chat.key())
        await _answer(delivery, query, UNAVAILABLE)
        return
    await _answer(delivery, query, result.note)
    if not result.recorded or not isinstance(message, Message):  # nothing to retally
        return
    markup = retallied(message.reply_markup, paper, result)
    try:
        await delivery.call(lambda: query.edit_message_reply_markup(reply_markup=markup))
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
