"""One lock per card: votes on a card are recorded and shown one at a time, in arrival order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class CardLocks:
    """Per-message asyncio locks that exist only while someone holds or waits for them.

    Taps and reactions on one card run concurrently; each records its vote and then edits
    the card's tally. Holding the card's lock across both makes the last edit show the tally
    after the last vote (without it, an earlier tally can overwrite a later one). A lock is
    dropped when its last user leaves, so a bot that has seen a million cards keeps none.
    Asyncio locks are FIFO: taps are shown in the order they arrived. Within one process only;
    several processes serving one bot can still interleave their edits.
    """

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}  # message id -> (lock, users)

    def __len__(self) -> int:
        """How many cards have a vote being handled or waiting right now."""
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, message_id: int) -> AsyncIterator[None]:
        """Wait for the card's lock and hold it for the block."""
        lock, users = self._locks.get(message_id, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[message_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            _, users = self._locks[message_id]
            if users <= 1:
                del self._locks[message_id]
            else:
                self._locks[message_id] = (lock, users - 1)
