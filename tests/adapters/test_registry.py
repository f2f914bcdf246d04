"""The platform registry: each platform's own settings, adapters built only when enabled, plug-ins."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support import memo_platform
from support.paths import REPO

from adapters.cli.main import main
from adapters.cli.serve import platform_adapters
from adapters.discord.settings import DiscordSettings
from adapters.registry import read_platforms
from adapters.telegram.settings import TelegramSettings
from bot.app import Core, build_core
from bot.chat.plaintext import post_text
from bot.infra.settings import Settings, SettingsError


@pytest.fixture
async def core(redis_url: str, redis_client: object) -> AsyncIterator[Core]:
    built = await build_core(Settings(redis_url=redis_url, arxiv_delay_s=0))
    yield built
    await built.aclose()


def test_each_platform_reads_its_own_variables_with_the_old_defaults() -> None:
    telegram = TelegramSettings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": " 123456:tg-secret ",
            "PAPERBOT_TELEGRAM_WEBHOOK_SECRET": "s3cret-value",
        }
    )
    assert telegram.enabled and telegram.telegram_token is not None
    assert telegram.telegram_token.get_secret_value() == "123456:tg-secret"
    assert (telegram.telegram_webhook_listen, telegram.telegram_webhook_port) == ("0.0.0.0", 8443)
    assert telegram.telegram_base_url is None and telegram.telegram_webhook_url is None
    assert sorted(telegram.secret_values()) == ["123456:tg-secret", "s3cret-value"]
    assert "tg-secret" not in repr(telegram) and "s3cret-value" not in str(telegram)
    discord = DiscordSettings.from_env({"PAPERBOT_DISCORD_API_URL": "http://127.0.0.1:9/api/v10"})
    assert not discord.enabled and discord.secret_values() == []
    assert discord.discord_api_url == "http://127.0.0.1:9/api/v10"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"PAPERBOT_TELEGRAM_WEBHOOK_PORT": "0"},
            "PAPERBOT_TELEGRAM_WEBHOOK_PORT must be at least 1",
        ),
        (
            {"PAPERBOT_TELEGRAM_WEBHOOK_PORT": "https"},
            "PAPERBOT_TELEGRAM_WEBHOOK_PORT must be a number, not 'https'",
        ),
    ],
)
def test_a_bad_platform_setting_is_named(env: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError) as raised:
        read_platforms(env)
    assert str(raised.value) == says


def test_a_bad_platform_setting_stops_the_cli_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("PAPERBOT_TELEGRAM_WEBHOOK_PORT", "eighty")
    assert main(["summarize", "2408.13714"]) == 2
    assert capsys.readouterr().err == (
        "paperbot: PAPERBOT_TELEGRAM_WEBHOOK_PORT must be a number, not 'eighty'\n"
    )


async def test_no_token_builds_no_adapter(core: Core) -> None:
    assert platform_adapters(core, {"PAPERBOT_TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot"}) == []


async def test_a_platform_installed_as_a_plug_in_is_built_from_its_own_variables(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert platform_adapters(core, {"MEMO_BOT_TOKEN": "memo-secret"}) == []  # not installed
    memo_platform.install(tmp_path / "site", monkeypatch)
    env = {"MEMO_BOT_TOKEN": "memo-secret", "PAPERBOT_MEMO_HISTORY": "7"}
    (adapter,) = platform_adapters(core, env)
    assert isinstance(adapter, memo_platform.ConfiguredMemoAdapter)
    assert (adapter.token, adapter.history) == ("memo-secret", 7)
    await adapter.start()
    await adapter.say("1", "/help")  # wired to the core it was given
    assert "/summarize" in "".join(post_text(p) for p in adapter.posts["1"])
    (configured,) = [c for c in read_platforms(env) if c.platform.name == "memo"]
    assert configured.settings.secret_values() == ["memo-secret"]
    with pytest.raises(SettingsError, match=r"^PAPERBOT_MEMO_HISTORY must be at least 1$"):
        read_platforms({"PAPERBOT_MEMO_HISTORY": "0"})


def test_the_cli_and_the_platform_settings_load_no_platform_sdk() -> None:
    code = (
        "import sys, adapters.cli.main, adapters.registry\n"
        "from adapters.registry import read_platforms\n"
        "read_platforms({})\n"
        "print(sorted(m for m in ('telegram', 'discord') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
