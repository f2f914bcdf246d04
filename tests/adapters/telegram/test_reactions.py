"""What a member's change of reactions on a card does to their vote (the end-to-end cases, through
python-telegram-bot and FakeTelegram, are in test_votes.py)."""

from __future__ import annotations

import pytest
from telegram import ReactionType, ReactionTypeCustomEmoji, ReactionTypeEmoji, ReactionTypePaid

from adapters.telegram.reactions import vote_changes

UP, DOWN, FIRE = ReactionTypeEmoji("👍"), ReactionTypeEmoji("👎"), ReactionTypeEmoji("🔥")


@pytest.mark.parametrize(
    ("old", "new", "changes"),
    [
        ((), (UP,), [("set", 1)]),
        ((UP,), (), [("unset", 1)]),
        ((), (DOWN,), [("set", -1)]),
        ((DOWN,), (), [("unset", -1)]),
        ((UP,), (DOWN,), [("unset", 1), ("set", -1)]),  # withdrawn first, then the new vote
        ((UP,), (UP, FIRE), []),  # 👍 kept: nothing to record again
        ((), (FIRE,), []),
        ((FIRE,), (), []),
        ((), (ReactionTypeCustomEmoji("5368324170671202286"), ReactionTypePaid()), []),
        ((FIRE,), (FIRE, DOWN, UP), [("set", -1), ("set", 1)]),  # both: the last one wins
    ],
)
def test_only_thumbs_added_or_removed_change_a_vote(
    old: tuple[ReactionType, ...], new: tuple[ReactionType, ...], changes: list[object]
) -> None:
    assert vote_changes(old, new) == changes
