"""The embedded Redis: starts with no server installed, keeps data across restarts."""

from __future__ import annotations

from pathlib import Path

import redis.asyncio as aioredis

from bot.infra.redis_conn import EmbeddedRedis


async def test_embedded_redis_keeps_data_across_a_restart(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path / "data")
    await first.start()
    client = aioredis.Redis.from_url(first.url)
    await client.set("paperbot:test", "kept")
    await client.aclose()
    await first.stop()

    second = EmbeddedRedis(tmp_path / "data")
    await second.start()
    client = aioredis.Redis.from_url(second.url)
    try:
        assert await client.get("paperbot:test") == b"kept"
    finally:
        await client.aclose()
        await second.stop()


async def test_a_second_process_reuses_the_running_embedded_redis(tmp_path: Path) -> None:
    owner = EmbeddedRedis(tmp_path / "data")
    await owner.start()
    guest = EmbeddedRedis(tmp_path / "data")
    await guest.start()
    assert guest.process is None  # it did not start a second server on the same files
    await guest.stop()
    client = aioredis.Redis.from_url(owner.url)
    assert await client.ping()
    await client.aclose()
    await owner.stop()
