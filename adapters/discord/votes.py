"""👍/👎 under Discord cards: the buttons with their tally, and a tap turned into a core vote."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import aiohttp
import discord

from adapters.discord.commands import chat_of
from adapters.discord.locks import CardLocks
from bot.chat.contract import (
    VOTE_PREFIX,
    AdapterHost,
    Tap,
    VoteResult,
    parse_vote_data,
    vote_data,
)
from bot.chat.post import Link

log = logging.getLogger(__name__)
UNAVAILABLE = "Could not record your vote just now; please tap again in a moment."


def vote_buttons(
    paper: str, up: int = 0, down: int = 0
) -> list[discord.ui.Button[discord.ui.View]]:
    """The two vote buttons of a card (custom ids ``v:+:<paper>``), labelled with the tally."""
    grey = discord.ButtonStyle.secondary
    return [
        discord.ui.Button(
            label=str(up) if up else None,
            emoji="👍",
            style=grey,
            custom_id=vote_data(paper, 1),
            row=4,
        ),
        discord.ui.Button(
            label=str(down) if down else None,
            emoji="👎",
            style=grey,
            custom_id=vote_data(paper, -1),
            row=4,
        ),
    ]


def card_view(links: tuple[Link, ...], votes: str | None) -> discord.ui.View:
    """Link buttons, five to a row, then the vote buttons when ``votes`` names a paper."""
    view = discord.ui.View(timeout=None)
    for link in links:
        view.add_item(discord.ui.Button(label=link.label, url=link.url))
    for button in vote_buttons(votes) if votes else ():
        view.add_item(button)
    return view


def retallied(message: discord.Message | None, paper: str, result: VoteResult) -> discord.ui.View:
    """The card's buttons with the vote buttons showing ``result`` (link buttons kept)."""
    links = tuple(
        Link(child.label or "Link", child.url)
        for row in (message.components if message else ())
        if isinstance(row, discord.ActionRow)
        for child in row.children
        if isinstance(child, discord.Button) and child.url
    )
    view = card_view(links, None)
    for button in vote_buttons(paper, result.up, result.down):
        view.add_item(button)
    return view


def card_paper(message: discord.Message) -> str | None:
    """The paper a message's vote buttons are about; None for a message without them."""
    for row in message.components:
        if not isinstance(row, discord.ActionRow):
            continue
        for child in row.children:
            if isinstance(child, discord.Button) and child.custom_id:
                parsed = parse_vote_data(child.custom_id)
                if parsed is not None:
                    return parsed[0]
    return None


def custom_id(interaction: discord.Interaction) -> str:
    """The custom id of the component an interaction is about ("" for anything else)."""
    data: Mapping[str, object] = interaction.data or {}
    value = data.get("custom_id")
    return value if isinstance(value, str) else ""


def is_vote(interaction: discord.Interaction) -> bool:
    """Whether the interaction is a tap on one of our vote buttons."""
    component = interaction.type == discord.InteractionType.component
    return component and custom_id(interaction).startswith(f"{VOTE_PREFIX}:")


async def on_tap(host: AdapterHost, interaction: discord.Interaction, cards: CardLocks) -> None:
    """Record the tap and show the card's new tally on its buttons; nothing is posted.

    The tap is acknowledged at once (DEFERRED_UPDATE_MESSAGE, well within Discord's 3 s), then
    the vote is recorded and the card edited under the card's lock, so simultaneous taps end
    with the card showing the final tally. The custom id names the paper, so a card from
    before a restart works. A tap that changed nothing is answered to the tapper alone.
    """
    parsed = parse_vote_data(custom_id(interaction))
    chat = chat_of(interaction.channel, interaction.channel_id)
    try:
        if parsed is None:
            await interaction.response.send_message("This button no longer works.", ephemeral=True)
            return
        paper, value = parsed
        await interaction.response.defer()
        card = interaction.message.id if interaction.message is not None else 0
        async with cards.hold(card):
            try:
                result = await host.vote(Tap(chat, str(interaction.user.id), paper, value))
            except Exception:  # arXiv or Redis unreachable: the user can simply tap again
                log.exception("discord: vote on %s in %s failed", paper, chat.key())
                await interaction.followup.send(UNAVAILABLE, ephemeral=True)
                return
            if not result.recorded:
                await interaction.followup.send(result.note, ephemeral=True)
                return
            view = retallied(interaction.message, paper, result)
            await interaction.edit_original_response(view=view)
    except (discord.HTTPException, aiohttp.ClientError) as exc:
        log.warning("discord: tap not answered: %s", exc)
