"""What this process keeps about the paper cards it shows: per-card vote order, tally edits, keyboards.

Updates are handled concurrently, so two taps (or reactions) on one card could each record a
vote and then edit the card, and the edits could reach Telegram in the other order, leaving an
older tally on the card. So, per card: votes are recorded one at a time (:class:`CardLocks`),
each noting the keyboard it wants shown, and at most one edit is in flight (:class:`CardEdits`);
when it returns and a newer tally was noted meanwhile, that one is sent, so the last edit shows
the final tally. Edits under a burst are coalesced (fewer calls against Telegram's 20 per minute
in a group), and no tap waits for another's edit before it is answered. All of this is per
process: with several processes behind a webhook two of them may still edit out of order (as
before), and the next vote on the card shows the right tally again.

The Bot API cannot read a message's keyboard, and a reaction update carries none, so the link
buttons of recent cards (they never change) are kept (:class:`CardKeyboards`), a bounded number,
for a reaction to show the new tally under the same links.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

CardKey = tuple[int, int]  # (chat id, message id) of the message that carries the buttons
LinkRows = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, url)
KEYBOARDS_KEPT = 10_000  # recent cards whose tally a reaction can refresh (about 7 MiB full)


@dataclass(slots=True)
class _Held:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # holders and waiters


class CardLocks:
    """One asyncio.Lock per card, kept only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._held: dict[CardKey, _Held] = {}

    def __len__(self) -> int:
        """How many cards have a holder or a waiter now."""
        return len(self._held)

    @contextlib.asynccontextmanager
    async def hold(self, key: CardKey) -> AsyncIterator[None]:
        """Hold the card's lock for the block (waiting for earlier holders, first come first)."""
        held = self._held.setdefault(key, _Held())
        held.users += 1
        try:
            async with held.lock:
                yield
        finally:
            held.users -= 1
            if held.users == 0:
                del self._held[key]


class CardKeyboards:
    """The link buttons of the last ``size`` cards noted (least recently noted forgotten first).

    Only the URL buttons' labels and addresses are kept (a few hundred bytes a card); the vote
    row is rebuilt from the tally each time.
    """

    def __init__(self, size: int = KEYBOARDS_KEPT) -> None:
        self._size = size
        self._kept: OrderedDict[CardKey, LinkRows] = OrderedDict()

    def __len__(self) -> int:
        """How many cards' keyboards are kept."""
        return len(self._kept)

    def note(self, key: CardKey, markup: InlineKeyboardMarkup) -> None:
        """Keep (or refresh) a card's link buttons."""
        rows = tuple(
            tuple((b.text, b.url) for b in row if b.url is not None)
            for row in markup.inline_keyboard
        )
        self._kept[key] = tuple(row for row in rows if row)
        self._kept.move_to_end(key)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)

    def get(self, key: CardKey) -> InlineKeyboardMarkup | None:
        """The card's link buttons, if this process has seen the card recently."""
        rows = self._kept.get(key)
        if rows is None:
            return None
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(text, url=url) for text, url in row] for row in rows]
        )


Edit = Callable[[InlineKeyboardMarkup], Awaitable[None]]


@dataclass(slots=True)
class _Wanted:
    markup: InlineKeyboardMarkup
    version: int = 0
    editing: bool = False


class CardEdits:
    """At most one tally edit in flight per card, always ending on the newest keyboard noted."""

    def __init__(self) -> None:
        self._wanted: dict[CardKey, _Wanted] = {}

    def __len__(self) -> int:
        """How many cards have an edit wanted or in flight."""
        return len(self._wanted)

    def want(self, key: CardKey, markup: InlineKeyboardMarkup) -> None:
        """Note the keyboard the card should show now (call it in the order votes are recorded)."""
        wanted = self._wanted.get(key)
        if wanted is None:
            self._wanted[key] = _Wanted(markup)
        else:
            wanted.markup, wanted.version = markup, wanted.version + 1

    async def flush(self, key: CardKey, edit: Edit) -> None:
        """Show the newest keyboard noted, unless an edit already under way will (it re-edits)."""
        wanted = self._wanted.get(key)
        if wanted is None or wanted.editing:
            return
        wanted.editing = True
        try:
            while True:
                version = wanted.version
                await edit(wanted.markup)
                if wanted.version == version:
                    break
        finally:
            del self._wanted[key]


@dataclass(slots=True)
class Cards:
    """Per-card vote order, tally edits and recent keyboards, shared by taps, reactions, sends."""

    locks: CardLocks = field(default_factory=CardLocks)
    edits: CardEdits = field(default_factory=CardEdits)
    keyboards: CardKeyboards = field(default_factory=CardKeyboards)
