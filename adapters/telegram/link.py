"""Whether Telegram answers: an HTTPX request that notes each call's network outcome."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.error import NetworkError
from telegram.request import HTTPXRequest


@dataclass
class Link:
    """True after a Bot API call got an answer, False after one failed on the network."""

    up: bool = False


class TrackedRequest(HTTPXRequest):
    """python-telegram-bot's HTTPX request, reporting every call's outcome to a ``Link``."""

    def __init__(self, link: Link, **options: Any) -> None:
        super().__init__(**options)
        self._link = link

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Make the call; a network error (timeouts included) marks the link down."""
        try:
            answer = await super().do_request(*args, **kwargs)
        except NetworkError:
            self._link.up = False
            raise
        self._link.up = True
        return answer
