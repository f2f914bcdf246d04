"""The per-card locks that order tally edits, and the bounded memory of card keyboards."""

from __future__ import annotations

import asyncio

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from adapters.telegram.cards import CardEdits, CardKeyboards, CardLocks
from adapters.telegram.votes import vote_row

CARD, OTHER = (-1, 10), (-1, 11)


async def test_taps_on_one_card_take_turns_in_order_while_other_cards_go_on() -> None:
    locks, events = CardLocks(), list[str]()

    async def vote_then_edit(key: tuple[int, int], name: str) -> None:
        async with locks.hold(key):
            events.append(f"{name} votes")
            await asyncio.sleep(0.02)  # the edit on its way to Telegram
            events.append(f"{name} edits")

    await asyncio.gather(
        vote_then_edit(CARD, "a"), vote_then_edit(CARD, "b"), vote_then_edit(OTHER, "c")
    )
    one_card = [e for e in events if e[0] in "ab"]
    assert one_card == ["a votes", "a edits", "b votes", "b edits"]
    assert events.index("c votes") < events.index("a edits")  # another card did not wait
    assert len(locks) == 0  # no lock kept once nobody holds or waits


async def test_a_failing_holder_releases_the_card_and_leaves_no_lock() -> None:
    locks = CardLocks()
    with pytest.raises(RuntimeError):
        async with locks.hold(CARD):
            raise RuntimeError("Redis went away")
    async with asyncio.timeout(1), locks.hold(CARD):  # not left locked
        assert len(locks) == 1
    assert len(locks) == 0


async def test_edits_wanted_during_a_slow_edit_end_with_the_newest_tally_in_one_more_call() -> None:
    edits, landed = CardEdits(), list[InlineKeyboardMarkup]()

    async def slow_edit(markup: InlineKeyboardMarkup) -> None:
        await asyncio.sleep(0.05)
        landed.append(markup)

    async def vote(up: int) -> None:  # recorded in this order (the card's lock), then shown
        edits.want(CARD, tally(up))
        await edits.flush(CARD, slow_edit)

    first = asyncio.create_task(vote(1))
    await asyncio.sleep(0.01)  # its edit is on its way
    await asyncio.gather(vote(2), vote(3))  # they return at once: the running edit follows up
    await first
    assert landed == [tally(1), tally(3)]
    assert len(edits) == 0  # nothing kept once the card shows the newest tally


def tally(up: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([vote_row("2401.00001v1", up=up)])


def links(label: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(label, url=f"https://arxiv.org/abs/{label}")]


def card(label: str) -> InlineKeyboardMarkup:
    """A card's keyboard: its link row, then the 👍/👎 row with a tally."""
    return InlineKeyboardMarkup([links(label), vote_row(f"{label}v1", up=2)])


def test_the_link_buttons_of_the_most_recent_cards_are_kept() -> None:
    kept = CardKeyboards(size=2)
    kept.note((-1, 1), card("2401.00001"))
    kept.note((-1, 2), card("2401.00002"))
    kept.note((-1, 1), card("2401.00001"))  # seen again: recent
    kept.note((-1, 3), card("2401.00003"))
    assert kept.get((-1, 2)) is None
    assert kept.get((-1, 1)) == InlineKeyboardMarkup([links("2401.00001")])  # the tally is not
    assert kept.get((-1, 3)) == InlineKeyboardMarkup([links("2401.00003")])
    assert len(kept) == 2
