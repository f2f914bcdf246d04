"""Telegram for paperbot: python-telegram-bot 22 behind the core's ChatAdapter protocol."""

from adapters.telegram.adapter import TelegramAdapter

__all__ = ["TelegramAdapter"]
