"""Who runs a Telegram group or channel: admin checks through the Bot API."""

from __future__ import annotations

import logging

from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from adapters.telegram.commands import PLATFORM
from adapters.telegram.delivery import Delivery
from bot.chat.contract import ChatRef
from bot.errors import BadInput

log = logging.getLogger(__name__)

ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


async def is_admin(delivery: Delivery, chat_id: str, user_id: str) -> bool:
    """Whether the user is the group's creator or an administrator (False when unsure)."""
    bot = delivery.bot
    try:
        member = await delivery.call(lambda: bot.get_chat_member(chat_id, int(user_id)))
    except (TelegramError, ValueError) as exc:
        log.info("telegram: admin check failed in %s: %s", chat_id, exc)
        return False
    return member.status in ADMIN_STATUSES


async def admin_channel(delivery: Delivery, handle: str, user_id: str) -> ChatRef:
    """The channel ``handle`` if ``user_id`` administers it and the bot may post there.

    Anything else raises BadInput saying what to do (add the bot, ask an admin, promote it).
    """
    bot = delivery.bot
    try:
        chat = await delivery.call(lambda: bot.get_chat(handle))
        user = await delivery.call(lambda: bot.get_chat_member(chat.id, int(user_id)))
        me = await delivery.call(lambda: bot.get_chat_member(chat.id, bot.id))
    except (TelegramError, ValueError) as exc:
        log.info("telegram: channel %s not resolved: %s", handle[:40], exc)
        raise BadInput(
            f"I cannot see {handle[:40]}. Add me to the channel as an admin, then try again."
        ) from None
    if user.status not in ADMIN_STATUSES:
        raise BadInput(f"Only admins of {handle[:40]} can manage its subscriptions.")
    if me.status not in ADMIN_STATUSES:
        raise BadInput(f"Make me an admin of {handle[:40]} so I can post there.")
    return ChatRef(PLATFORM, str(chat.id))
