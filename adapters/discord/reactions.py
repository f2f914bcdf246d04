"""👍/👎 reactions on Discord cards: adding one sets the member's vote, removing it withdraws it."""

from __future__ import annotations

import logging
import re
from typing import Literal

import aiohttp
import discord

from adapters.discord.commands import chat_of
from adapters.discord.locks import CardLocks
from adapters.discord.memory import paper_of
from adapters.discord.votes import card_paper, retallied
from bot.chat.contract import AdapterHost, ChatRef, Tap

log = logging.getLogger(__name__)

VOTES: dict[str, Literal[-1, 1]] = {"👍": 1, "👎": -1}
_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")  # skin tones, emoji presentation
NETWORK_ERRORS = (discord.HTTPException, aiohttp.ClientError)


def reaction_vote(emoji: discord.PartialEmoji) -> Literal[-1, 1] | None:
    """+1 for 👍, -1 for 👎 (any skin tone); None for every other emoji, a server's own included."""
    if not emoji.is_unicode_emoji():
        return None
    return VOTES.get(_MODIFIERS.sub("", emoji.name))


async def on_reaction(
    host: AdapterHost,
    client: discord.Client,
    cards: CardLocks,
    event: discord.RawReactionActionEvent,
) -> None:
    """Count a 👍/👎 added to (or removed from) one of our digest cards as the member's vote.

    Only cards with vote buttons count (a /summarize answer or an analysis does not); the
    paper is the one the buttons name. The bot's own reactions, other bots', other emoji and
    other messages change nothing. No message is sent: the card's button tally is refreshed
    by editing it (link buttons kept), under the card's lock like a tap. The card is read by
    REST (Read Message History); when that fails the reaction is not counted, and logged.
    """
    value = reaction_vote(event.emoji)
    me = client.user
    if value is None or me is None or event.user_id == me.id:
        return
    if event.message_author_id is not None and event.message_author_id != me.id:
        return  # an add names the message's author: not ours, no lookup needed
    if event.member is not None and event.member.bot:
        return
    try:
        channel = await _channel(client, event)
        chat = chat_of(channel, event.channel_id)
        if await paper_of(host.posts, chat, str(event.message_id)) is None:
            return  # not one of our messages about a paper
        async with cards.hold(event.message_id):
            message = await channel.fetch_message(event.message_id)
            await _count(host, chat, message, event, value)
    except NETWORK_ERRORS as exc:
        log.warning("discord: reaction on %s not counted: %s", event.message_id, exc)


async def _count(
    host: AdapterHost,
    chat: ChatRef,
    message: discord.Message,
    event: discord.RawReactionActionEvent,
    value: Literal[-1, 1],
) -> None:
    """Record the reaction's vote on the card ``message`` and show the new tally on it."""
    paper = card_paper(message)
    if paper is None:
        return
    mode: Literal["set", "unset"] = "set" if event.event_type == "REACTION_ADD" else "unset"
    try:
        result = await host.vote(Tap(chat, str(event.user_id), paper, value, mode=mode))
    except Exception:  # arXiv or Redis unreachable: logged; the reaction stays on the card
        log.exception("discord: reaction on %s in %s not recorded", paper, chat.key())
        return
    if result.recorded:
        await message.edit(view=retallied(message, paper, result))


async def _channel(
    client: discord.Client, event: discord.RawReactionActionEvent
) -> discord.abc.Messageable:
    """The channel or thread reacted in: the gateway's cache, else REST (a DM needs neither)."""
    cached = client.get_channel(event.channel_id)
    if isinstance(cached, discord.abc.Messageable):
        return cached
    if event.guild_id is None:
        return client.get_partial_messageable(event.channel_id)
    fetched = await client.fetch_channel(event.channel_id)
    if isinstance(fetched, discord.abc.Messageable):
        return fetched
    return client.get_partial_messageable(event.channel_id, guild_id=event.guild_id)
