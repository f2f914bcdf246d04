"""The inline keyboard under a Telegram card: its URL buttons and the 👍/👎 row with the tally."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from adapters.telegram.render import Rendered
from bot.chat.contract import VoteResult, parse_vote_data, vote_data


def vote_row(paper: str, up: int = 0, down: int = 0) -> list[InlineKeyboardButton]:
    """The two vote buttons of a card, labelled with the tally once there is one."""
    return [
        InlineKeyboardButton(f"👍 {up}" if up else "👍", callback_data=vote_data(paper, 1)),
        InlineKeyboardButton(f"👎 {down}" if down else "👎", callback_data=vote_data(paper, -1)),
    ]


def card_keyboard(rendered: Rendered) -> InlineKeyboardMarkup | None:
    """The card's URL buttons in rows, then its vote row when it asks for votes."""
    rows = [[InlineKeyboardButton(b.label, url=b.url) for b in r] for r in rendered.buttons]
    if rendered.votes:
        rows.append(vote_row(rendered.votes))
    return InlineKeyboardMarkup(rows) if rows else None


def retallied(
    markup: InlineKeyboardMarkup | None, paper: str, result: VoteResult
) -> InlineKeyboardMarkup:
    """The card's keyboard with its vote row showing ``result`` (other rows kept as they are)."""
    rows = [
        list(row)
        for row in (markup.inline_keyboard if markup else ())
        if not any(
            isinstance(b.callback_data, str) and parse_vote_data(b.callback_data) for b in row
        )
    ]
    rows.append(vote_row(paper, result.up, result.down))
    return InlineKeyboardMarkup(rows)
