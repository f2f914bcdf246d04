"""The chat platforms ``paperbot run`` can start: one line each here, or an installed plug-in.

A platform is a folder ``adapters/<name>/`` holding

* ``settings.py``: an :class:`~bot.infra.env_settings.EnvSettings` subclass naming its
  environment variables, with an ``enabled`` property (its token is set) and ``secret_values()``
  (masked in every log line). Importing it must not import the platform's SDK.
* an adapter class (a :class:`~bot.chat.contract.ChatAdapter`) with the classmethod
  ``from_settings(settings, host)``, ``host`` being the core's
  :class:`~bot.chat.contract.AdapterHost`. It is imported only when the platform is enabled.

and one line in :data:`PLATFORMS`; nothing under ``bot/`` changes. A platform shipped in another
distribution (or a test) registers instead under the entry-point group ``paperbot.adapters``,
the entry point naming a :class:`Platform`, e.g. in its ``pyproject.toml``::

    [project.entry-points."paperbot.adapters"]
    slack = "paperbot_slack.platform:PLATFORM"

where ``PLATFORM = Platform("slack", "SLACK_BOT_TOKEN", "paperbot_slack.settings:SlackSettings",
"paperbot_slack.adapter:SlackAdapter")``. A plug-in never replaces a platform of the same name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from pkgutil import resolve_name
from typing import Any, NamedTuple, Protocol

from bot.chat.contract import AdapterHost, ChatAdapter

ENTRY_POINT_GROUP = "paperbot.adapters"


class PlatformSettings(Protocol):
    """What the registry asks of a platform's settings."""

    @property
    def enabled(self) -> bool:
        """Whether the platform runs (its token is set)."""
        ...

    def secret_values(self) -> list[str]:
        """Every secret the settings hold, for masking in logs."""
        ...


@dataclass(frozen=True, slots=True)
class Platform:
    """One chat platform: its name, the variable that enables it, where its code lives."""

    name: str
    token_env: str  # the environment variable that turns it on, for messages
    settings: str  # "module:Class" of its settings (an EnvSettings)
    adapter: str  # "module:Class" of its adapter, with from_settings(settings, host)

    def read_settings(
        self, env: Mapping[str, str] | None = None, dotenv: Path | None = None
    ) -> PlatformSettings:
        """Its settings from ``env`` (default: os.environ over ./.env); SettingsError if bad."""
        settings_class: Any = resolve_name(self.settings)
        settings: PlatformSettings = settings_class.from_env(env, dotenv)
        return settings

    def build(self, settings: PlatformSettings, host: AdapterHost) -> ChatAdapter:
        """Its adapter (importing the platform's SDK now), serving ``host``."""
        adapter_class: Any = resolve_name(self.adapter)
        adapter: ChatAdapter = adapter_class.from_settings(settings, host)
        return adapter


PLATFORMS: tuple[Platform, ...] = (
    Platform(
        name="telegram",
        token_env="TELEGRAM_BOT_TOKEN",
        settings="adapters.telegram.settings:TelegramSettings",
        adapter="adapters.telegram:TelegramAdapter",
    ),
    Platform(
        name="discord",
        token_env="DISCORD_BOT_TOKEN",
        settings="adapters.discord.settings:DiscordSettings",
        adapter="adapters.discord:DiscordAdapter",
    ),
)


class Configured(NamedTuple):
    """A platform and the settings read for it."""

    platform: Platform
    settings: PlatformSettings


def platforms() -> tuple[Platform, ...]:
    """The built-in platforms, then those installed under the ``paperbot.adapters`` group."""
    found = list(PLATFORMS)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        platform = entry.load()
        if not isinstance(platform, Platform):
            raise TypeError(f"entry point {entry.name} ({entry.value}) is not a Platform")
        if all(p.name != platform.name for p in found):
            found.append(platform)
    return tuple(found)


def read_platforms(
    env: Mapping[str, str] | None = None, dotenv: Path | None = None
) -> list[Configured]:
    """Every platform with its settings (enabled or not); SettingsError names a bad variable."""
    return [Configured(p, p.read_settings(env, dotenv)) for p in platforms()]
