"""Telegram for paperbot: python-telegram-bot 22 behind the core's ChatAdapter protocol.

``adapters.telegram.settings`` imports without the SDK; ``TelegramAdapter`` loads it on first use.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.telegram.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]


def __getattr__(name: str) -> Any:
    """``TelegramAdapter``, imported (with python-telegram-bot) only when asked for."""
    if name == "TelegramAdapter":
        from adapters.telegram.adapter import TelegramAdapter

        return TelegramAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
