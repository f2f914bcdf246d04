"""How long a user is kept waiting: past a short bound the reply says the result is being
prepared, while the work goes on in the background and lands in the cache for the next ask."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot.chat.contract import Conversation
from bot.errors import UserFacingError

log = logging.getLogger(__name__)

T = TypeVar("T")


class Patience:
    """Waits at most ``bound_s`` for a piece of work (0: until it is done); keeps the rest running.

    Work still running past the bound is held here until it ends, so it is neither collected
    nor left with an unread failure; ``drain()`` waits for it, ``aclose()`` cancels it.
    """

    def __init__(self, bound_s: float = 20.0) -> None:
        self.bound_s = bound_s
        self._background: set[asyncio.Task[Any]] = set()

    @property
    def pending(self) -> int:
        """How many pieces of work are still running in the background."""
        return len(self._background)

    async def within(self, work: Coroutine[Any, Any, T]) -> T | None:
        """``work``'s result if it ends within the bound (its error too), else None.

        On None the work continues in the background. If the caller is cancelled, so is it.
        """
        task = asyncio.ensure_future(work)
        if self.bound_s <= 0:
            return await task
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.bound_s)
        except TimeoutError:
            if task.done():  # finished in the instant the bound passed
                return task.result()
            self._background.add(task)
            task.add_done_callback(self._finished)
            return None
        except asyncio.CancelledError:
            task.cancel()
            raise

    def _finished(self, task: asyncio.Task[Any]) -> None:
        """Forget a background task; log how it failed (a user error is already accounted)."""
        self._background.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, UserFacingError):
            log.info("work finished in the background failed: %s", exc.message)
        elif exc is not None:
            log.error("work finished in the background failed", exc_info=exc)

    async def aclose(self) -> None:
        """Cancel the background work still running (the bot is stopping) and let it end."""
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def drain(self) -> None:
        """Wait until every background piece of work has ended."""
        while self._background:
            await asyncio.wait(set(self._background))


class Muted:
    """A conversation's status line that goes quiet once the user has had their answer."""

    def __init__(self, conversation: Conversation) -> None:
        self._conversation = conversation
        self.quiet = False

    async def __call__(self, text: str) -> None:
        """Show ``text`` as the chat's status, unless the user was already answered."""
        if not self.quiet:
            await self._conversation.status(text)
