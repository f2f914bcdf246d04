"""A reaction on a card sets the reacting member's vote and removing it withdraws the vote,
unlike a button, which toggles; one vote per member either way."""

from __future__ import annotations

from bot.app import Core
from bot.chat.contract import ChatRef, Tap

GROUP = ChatRef("test", "group")
PAPER = "2408.13714v1"


async def test_reactions_set_and_unset_without_toggling(core: Core) -> None:
    added = await core.vote(Tap(GROUP, "u1", PAPER, 1, mode="set"))
    again = await core.vote(Tap(GROUP, "u1", PAPER, 1, mode="set"))  # a second 👍 changes nothing
    assert (added.up, added.down, added.mine) == (1, 0, 1)
    assert (again.up, again.down, again.mine) == (1, 0, 1)
    other = await core.vote(Tap(GROUP, "u2", PAPER, -1, mode="set"))
    assert (other.up, other.down) == (1, 1)
    # u1 now adds 👎 too: the vote follows the newest reaction; removing the old 👍 keeps it.
    await core.vote(Tap(GROUP, "u1", PAPER, -1, mode="set"))
    kept = await core.vote(Tap(GROUP, "u1", PAPER, 1, mode="unset"))
    assert (kept.up, kept.down, kept.mine) == (0, 2, -1)
    gone = await core.vote(Tap(GROUP, "u1", PAPER, -1, mode="unset"))
    assert (gone.up, gone.down, gone.mine) == (0, 1, 0)


async def test_a_button_tap_still_toggles(core: Core) -> None:
    first = await core.vote(Tap(GROUP, "u1", PAPER, 1))
    second = await core.vote(Tap(GROUP, "u1", PAPER, 1))
    assert (first.up, first.mine) == (1, 1)
    assert (second.up, second.mine, second.note) == (0, 0, "Vote withdrawn")
