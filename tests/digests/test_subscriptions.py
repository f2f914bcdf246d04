"""Subscriptions survive restarts; cron triggers fire in each subscription's own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis
from support.servers import start_redis

from bot.chat.contract import ChatRef
from bot.digests.subscriptions import Subscription, SubscriptionStore
from bot.infra.redis_conn import EmbeddedRedis


def sample(sub_id: str = "abc234") -> Subscription:
    return Subscription(
        id=sub_id,
        platform="telegram",
        chat_id="-100123",
        categories=("cs.CV", "cs.GR"),
        query='"talking head" OR lip-sync',
        at="07:30",
        zone="Asia/Shanghai",
        language="zh",
        created_at=datetime(2024, 11, 1, tzinfo=UTC),
    )


async def test_subscriptions_survive_a_restart_of_redis_with_append_only_files(
    tmp_path: Path,
) -> None:
    proc, port = start_redis(tmp_path, appendonly=True)
    client = aioredis.Redis(port=port)
    await SubscriptionStore(client, "p:").add(sample())
    await client.aclose()
    proc.terminate()
    proc.wait(10)

    proc, port = start_redis(tmp_path, appendonly=True, port=port)
    client = aioredis.Redis(port=port)
    try:
        store = SubscriptionStore(client, "p:")
        assert await store.get("abc234") == sample()
        assert [s.id for s in await store.for_chat(ChatRef("telegram", "-100123"))] == ["abc234"]
    finally:
        await client.aclose()
        proc.terminate()
        proc.wait(10)


async def test_subscriptions_survive_a_restart_of_the_embedded_redis(tmp_path: Path) -> None:
    for round_ in range(2):
        embedded = EmbeddedRedis(tmp_path / "data")
        await embedded.start()
        client = aioredis.Redis.from_url(embedded.url)
        store = SubscriptionStore(client, "p:")
        if round_ == 0:
            await store.add(sample())
        else:
            assert [s.id for s in await store.all()] == ["abc234"]
        await client.aclose()
        await embedded.stop()


async def test_each_subscription_gets_a_cron_trigger_in_its_zone(
    redis_client: aioredis.Redis,
) -> None:
    from support.chatkit import RecordingAdapter

    from bot.digests.scheduler import DigestScheduler

    store = SubscriptionStore(redis_client, "p:")
    await store.add(sample("shang1"))
    await store.add(sample("berlin").model_copy(update={"zone": "Europe/Berlin", "at": "08:00"}))
    paused = sample("paused").model_copy(update={"paused": True})
    await store.add(paused)
    adapter = RecordingAdapter()
    scheduler = DigestScheduler(
        runner=None,  # type: ignore[arg-type]  # never fires within this test
        subscriptions=store,
        redis=redis_client,
        prefix="p:",
        send=adapter.send,
        clock=lambda: datetime(2020, 1, 1, 6, 0, tzinfo=UTC),  # nothing due, nothing to prefetch
    )
    await scheduler.start()
    try:
        shanghai = scheduler.next_run(sample("shang1"))
        berlin = scheduler.next_run(sample("berlin"))
        assert shanghai is not None and berlin is not None
        local = shanghai.astimezone(ZoneInfo("Asia/Shanghai"))
        assert (local.hour, local.minute) == (7, 30)
        local = berlin.astimezone(ZoneInfo("Europe/Berlin"))
        assert (local.hour, local.minute) == (8, 0)
        assert scheduler.next_run(paused) is None
        await store.remove(sample("berlin"))
        await scheduler.sync()
        assert scheduler.next_run(sample("berlin")) is None
    finally:
        await scheduler.stop()
