"""👍/👎 reactions on a card: each one added sets the member's vote, each one removed withdraws it.

Telegram sends ``message_reaction`` updates only to a bot that is an administrator of the chat
and names "message_reaction" in its ``allowed_updates`` (``connection.ALLOWED_UPDATES``). A
reaction is a :class:`~bot.chat.contract.Tap` with ``mode="set"`` when added and ``"unset"`` when
removed (a button toggles; a reaction does not). It sends no message and calls no model.

Not counted, by design:

* anonymous reactions: one with ``actor_chat`` (an anonymous group admin, or a chat reacting on
  its own behalf) and a channel's ``message_reaction_count`` (reactions in channels are
  anonymous; the bot does not ask for them): they cannot be attributed to one member, and a
  vote is one member's;
* reactions in a forum supergroup: the update does not say which topic the message is in, and
  each topic keeps its own votes (its buttons work);
* other emoji, and reactions on any message without vote buttons: a /summarize card, an /ask
  answer, an update reply (a 👍 there praises the answer, not the paper) or a digest's header.
  Which messages carry the buttons is kept in Redis with the post memory
  (:meth:`~bot.chat.contract.PostMemory.card_paper`), so it holds across restarts and processes.

The tally on the card's buttons: the Bot API cannot read a message's keyboard, so it is shown
anew only when this process knows the card's keyboard (it delivered the card or saw a tap on
it since it started: :class:`~adapters.telegram.cards.CardKeyboards`); the link buttons are
kept and the 👍/👎 row shows the tally from Redis. Otherwise the buttons catch up at the next
tap, while Telegram shows the reactions' own counts under the message. Votes and edits on one
card are ordered with the taps' (see :mod:`adapters.telegram.cards`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from telegram import MessageReactionUpdated, ReactionType, ReactionTypeEmoji

from adapters.telegram.cards import CardKey, Cards
from adapters.telegram.commands import PLATFORM
from adapters.telegram.delivery import Delivery
from adapters.telegram.taps import show_tally
from adapters.telegram.votes import retallied
from bot.chat.contract import AdapterHost, ChatRef, Tap, VoteResult

log = logging.getLogger(__name__)

Value = Literal[-1, 1]
Mode = Literal["set", "unset"]
VOTES: dict[str, Value] = {"👍": 1, "👎": -1}


def vote_changes(
    old: Sequence[ReactionType], new: Sequence[ReactionType]
) -> list[tuple[Mode, Value]]:
    """What a member's change of reactions does to their vote: withdrawals, then new votes.

    Only 👍 and 👎 count; a reaction kept from ``old`` to ``new`` changes nothing.
    """
    before, after = _votes(old), _votes(new)
    unset: list[tuple[Mode, Value]] = [("unset", v) for v in before if v not in after]
    added: list[tuple[Mode, Value]] = [("set", v) for v in after if v not in before]
    return unset + added


def _votes(reactions: Sequence[ReactionType]) -> list[Value]:
    """The votes among reactions, in Telegram's order (custom emoji and paid stars ignored)."""
    found: list[Value] = []
    for reaction in reactions:
        if isinstance(reaction, ReactionTypeEmoji) and reaction.emoji in VOTES:
            value = VOTES[reaction.emoji]
            if value not in found:
                found.append(value)
    return found


async def on_reaction(
    host: AdapterHost, delivery: Delivery, cards: Cards, reaction: MessageReactionUpdated
) -> None:
    """Count a member's 👍/👎 added to or removed from one of our cards (see the module)."""
    member = reaction.user
    if member is None or reaction.actor_chat is not None or reaction.chat.is_forum:
        return
    changes = vote_changes(reaction.old_reaction, reaction.new_reaction)
    if not changes:
        return
    chat = ChatRef(PLATFORM, str(reaction.chat.id))
    paper = await host.posts.card_paper(chat, str(reaction.message_id))
    if paper is None:  # not one of our cards with vote buttons
        return
    key: CardKey = (reaction.chat.id, reaction.message_id)
    async with cards.locks.hold(key):  # votes on one card recorded one at a time
        result: VoteResult | None = None
        for mode, value in changes:
            try:
                result = await host.vote(Tap(chat, str(member.id), paper, value, mode=mode))
            except Exception:  # Redis or arXiv unreachable: nothing to tell a reaction
                log.exception("telegram: reaction on %s in %s not counted", paper, chat.key())
                return
        keyboard = cards.keyboards.get(key)
        if result is None or not result.recorded or keyboard is None:
            return
        cards.edits.want(key, retallied(keyboard, paper, result))
    await cards.edits.flush(key, lambda markup: show_tally(delivery, key, markup, paper))
