"""Which paper the bot's Discord messages were about: how their ids are kept in the PostIndex.

The scheme: every id lives in the hash of its **parent text channel**,
``ChatRef("discord", <channel id>)`` (a DM is its own channel; the thread part of a ChatRef is
dropped). The keys are the ids of the bot's messages about a paper (cards, their analysis,
answers to /ask and /summarize, answers to questions) and the ids of the threads the bot
started on cards. Discord gives a thread started on a message that message's id, so a card's
entry is also its thread's. Snowflakes are unique across Discord, so ids never collide.
A message in a thread of channel C therefore looks up ``(C, thread id)``; a reply looks up
``(C, id of the message it replies to)``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.chat.contract import ChatRef, PostMemory

log = logging.getLogger(__name__)


def index_chat(chat: ChatRef) -> ChatRef:
    """Where the ids of messages in ``chat`` are kept: its parent channel, threads included."""
    return ChatRef(chat.platform, chat.chat_id)


async def remember(
    posts: PostMemory | None, chat: ChatRef, ids: Iterable[str], paper: str | None
) -> None:
    """Note that the bot's messages ``ids`` in ``chat`` were about ``paper`` (if there is one).

    A failure is only logged: the post went out, only replies to it will not be recognized.
    """
    found = tuple(dict.fromkeys(ids))
    if posts is None or not paper or not found:
        return
    try:
        await posts.remember(index_chat(chat), found, paper)
    except Exception as exc:  # Redis down or slow: never cost the user the post itself
        log.warning("discord: posts in %s not remembered: %s", chat.key(), type(exc).__name__)


async def paper_of(posts: PostMemory, chat: ChatRef, message_id: str) -> str | None:
    """The paper one of the bot's messages (or threads) in ``chat`` was about; None if unknown."""
    try:
        return await posts.paper_of(index_chat(chat), message_id)
    except Exception as exc:  # Redis down: the message simply is not taken as a question
        log.warning("discord: posts in %s not looked up: %s", chat.key(), type(exc).__name__)
        return None
