"""Discord's settings, read from the environment; importing them does not load discord.py."""

from __future__ import annotations

from pydantic import Field, SecretStr

from adapters.reconnect import ReconnectSettings


class DiscordSettings(ReconnectSettings):
    """The Discord adapter's environment: it runs when DISCORD_BOT_TOKEN is set."""

    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_BOT_TOKEN")
    # another REST base (…/api/v10) and gateway (ws://…); None: Discord's
    discord_api_url: str | None = Field(None, validation_alias="PAPERBOT_DISCORD_API_URL")
    discord_gateway_url: str | None = Field(None, validation_alias="PAPERBOT_DISCORD_GATEWAY_URL")

    @property
    def enabled(self) -> bool:
        """Whether the Discord adapter runs (its token is set)."""
        return self.discord_token is not None
