"""Telegram's settings, read from the environment; importing them does not load the SDK."""

from __future__ import annotations

from pydantic import Field, SecretStr

from adapters.reconnect import ReconnectSettings
from bot.infra.env_settings import Whole


class TelegramSettings(ReconnectSettings):
    """The Telegram adapter's environment: it runs when TELEGRAM_BOT_TOKEN is set."""

    telegram_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    # a self-hosted Bot API server; None: Telegram's
    telegram_base_url: str | None = Field(None, validation_alias="PAPERBOT_TELEGRAM_BASE_URL")
    # webhook mode instead of long polling: the public HTTPS URL Telegram posts updates to
    telegram_webhook_url: str | None = Field(None, validation_alias="PAPERBOT_TELEGRAM_WEBHOOK_URL")
    telegram_webhook_listen: str = Field(
        "0.0.0.0", validation_alias="PAPERBOT_TELEGRAM_WEBHOOK_LISTEN"
    )
    telegram_webhook_port: Whole = Field(
        8443, ge=1, validation_alias="PAPERBOT_TELEGRAM_WEBHOOK_PORT"
    )
    # checked on every webhook POST (X-Telegram-Bot-Api-Secret-Token)
    telegram_webhook_secret: SecretStr | None = Field(
        None, validation_alias="PAPERBOT_TELEGRAM_WEBHOOK_SECRET"
    )

    @property
    def enabled(self) -> bool:
        """Whether the Telegram adapter runs (its token is set)."""
        return self.telegram_token is not None
