"""``paperbot run`` with one platform down at start: the other serves, the down one comes back."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.discord_server import FakeDiscord
from support.fakes.telegram_server import FakeTelegram
from support.paperkit import process_env, settings_for
from support.paths import REPO
from support.servers import free_port

TOKEN = "123456:TEST-token"


@asynccontextmanager
async def paperbot_run(env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """``paperbot run`` as a process; on exit SIGTERM, and it must stop cleanly (exit 0)."""
    command = (sys.executable, "-m", "adapters.cli", "run")
    proc = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()[-3000:]
    assert TOKEN not in out.decode() + err.decode()


def both_platforms(
    arxiv: FakeArxiv, redis_url: str, tmp_path: Path, telegram: int, discord: int, metrics: int
) -> dict[str, str]:
    """Both tokens set; Telegram and Discord expected on fixed local ports; quick reconnects."""
    return process_env(
        settings_for(arxiv, redis_url),
        TELEGRAM_BOT_TOKEN=TOKEN,
        PAPERBOT_TELEGRAM_BASE_URL=f"http://127.0.0.1:{telegram}/bot",
        DISCORD_BOT_TOKEN="fake-bot-token",
        PAPERBOT_DISCORD_API_URL=f"http://127.0.0.1:{discord}/api/v10",
        PAPERBOT_DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{discord}/gateway",
        PAPERBOT_DATA_DIR=str(tmp_path / "data"),
        PAPERBOT_METRICS_PORT=str(metrics),
        PAPERBOT_RECONNECT_BASE_SECONDS="0.2",
        PAPERBOT_RECONNECT_MAX_SECONDS="1",
    )


async def health(port: int) -> tuple[int, dict[str, object], str]:
    """/healthz's status and body, and the /metrics text."""
    async with httpx.AsyncClient(timeout=5) as http:
        checked = await http.get(f"http://127.0.0.1:{port}/healthz")
        metrics = await http.get(f"http://127.0.0.1:{port}/metrics")
    return checked.status_code, checked.json(), metrics.text


def connected_metric(text: str, platform: str) -> float | None:
    found = re.search(rf'paperbot_adapter_connected\{{platform="{platform}"\}} (\S+)', text)
    return float(found[1]) if found else None


async def healthy(port: int, proc: asyncio.subprocess.Process, seconds: float = 30.0) -> str:
    """Wait until /healthz answers 200 (the process must stay up); returns /metrics."""
    deadline = time.monotonic() + seconds
    while True:
        assert proc.returncode is None, "paperbot run exited"
        try:
            status, _, metrics = await health(port)
        except httpx.TransportError:
            status, metrics = 0, ""
        if status == 200:
            return metrics
        assert time.monotonic() < deadline, "the platform never came back"
        await asyncio.sleep(0.2)


async def test_discord_down_at_start_telegram_serves_and_discord_comes_back_by_itself(
    tmp_path: Path, arxiv: FakeArxiv, redis_url: str, redis_client: object
) -> None:
    discord_port, metrics_port = free_port(), free_port()
    with FakeTelegram(TOKEN) as tg:
        tg_port = int(tg.url.rsplit(":", 1)[1])
        env = both_platforms(arxiv, redis_url, tmp_path, tg_port, discord_port, metrics_port)
        async with paperbot_run(env) as proc:
            tg.push_message(42, 42, "/summarize 2408.13714")
            status, card = await tg.await_sent(42, 2, timeout=30)  # the card is one message
            assert "TalkLoRA" in (card.params.get("text") or card.params.get("caption") or "")
            status, body, metrics = await health(metrics_port)
            assert status == 503 and body["failed"] == ["adapters.discord"]
            assert body["adapters"] == {"telegram": True, "discord": False}
            assert connected_metric(metrics, "discord") == 0
            assert connected_metric(metrics, "telegram") == 1

            async with FakeDiscord(port=discord_port) as dc:  # Discord is back
                metrics = await healthy(metrics_port, proc)
                assert connected_metric(metrics, "discord") == 1
                ix = dc.push_command("help", {})
                (answer,) = await dc.await_answers(ix, 1, timeout=30)
                assert "/summarize" in answer.text


async def test_telegram_down_at_start_discord_serves_and_telegram_comes_back_by_itself(
    tmp_path: Path, arxiv: FakeArxiv, redis_url: str, redis_client: object
) -> None:
    telegram_port, metrics_port = free_port(), free_port()
    async with FakeDiscord() as dc:
        env = both_platforms(arxiv, redis_url, tmp_path, telegram_port, dc.port, metrics_port)
        async with paperbot_run(env) as proc:
            await dc.wait_until(lambda: bool(dc.identified), timeout=30)
            ix = dc.push_command("summarize", {"paper": "2408.13714"})
            card, *_ = await dc.await_answers(ix, 2, timeout=30)
            assert "TalkLoRA" in card.text
            status, body, metrics = await health(metrics_port)
            assert status == 503 and body["failed"] == ["adapters.telegram"]
            assert connected_metric(metrics, "telegram") == 0
            assert connected_metric(metrics, "discord") == 1

            with FakeTelegram(TOKEN, port=telegram_port) as tg:  # Telegram is back
                metrics = await healthy(metrics_port, proc)
                assert connected_metric(metrics, "telegram") == 1
                tg.push_message(42, 42, "/help")
                (answer,) = await tg.await_sent(42, 1, timeout=30)
                assert "/summarize" in answer.params["text"]
