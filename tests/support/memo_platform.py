"""The ``memo`` platform as a plug-in: settings, ``from_settings`` and its registry entry.

Nothing under ``adapters/`` or ``bot/`` names it: a test installs it through the entry-point
group ``paperbot.adapters`` (see :func:`install`), as a third-party platform would be.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field, SecretStr

from adapters.registry import ENTRY_POINT_GROUP, Platform
from bot.chat.contract import AdapterHost
from bot.infra.env_settings import EnvSettings, Whole
from support.memory_adapter import MemoryAdapter


class MemoSettings(EnvSettings):
    """The memo platform's environment: it runs when MEMO_BOT_TOKEN is set."""

    memo_token: SecretStr | None = Field(None, validation_alias="MEMO_BOT_TOKEN")
    memo_history: Whole = Field(100, ge=1, validation_alias="PAPERBOT_MEMO_HISTORY")

    @property
    def enabled(self) -> bool:
        """Whether the memo platform runs."""
        return self.memo_token is not None


class ConfiguredMemoAdapter(MemoryAdapter):
    """A MemoryAdapter built the way the registry builds every adapter."""

    def __init__(self, host: AdapterHost, token: str, history: int) -> None:
        super().__init__(host)
        self.token = token
        self.history = history

    @classmethod
    def from_settings(cls, settings: MemoSettings, host: AdapterHost) -> ConfiguredMemoAdapter:
        """The adapter for these settings, serving ``host``."""
        assert settings.memo_token is not None
        return cls(host, settings.memo_token.get_secret_value(), settings.memo_history)


PLATFORM = Platform(
    "memo",
    "MEMO_BOT_TOKEN",
    f"{__name__}:MemoSettings",
    f"{__name__}:ConfiguredMemoAdapter",
)


def install(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Install a distribution whose entry point registers ``memo`` (on sys.path for this test)."""
    dist = site / "paperbot_memo-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: paperbot-memo\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nmemo = {__name__}:PLATFORM\n")
    monkeypatch.syspath_prepend(str(site))
