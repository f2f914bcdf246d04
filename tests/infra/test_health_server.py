"""The /healthz and /metrics server on a real port, asked with httpx, against a real Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import httpx
import pytest
import redis.asyncio as aioredis
from prometheus_client import CONTENT_TYPE_LATEST
from support.servers import free_port

from bot.infra.health_server import HealthServer, check_health, redis_ping
from bot.infra.metrics import Metrics

Serve = Callable[..., Awaitable[HealthServer]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start HealthServers on free ports; every one is stopped after the test."""
    started: list[HealthServer] = []

    async def start(
        ping: Callable[[], Awaitable[bool]],
        adapters: Callable[[], Mapping[str, bool]] = dict,
        metrics: Metrics | None = None,
        ping_timeout_s: float = 2.0,
    ) -> HealthServer:
        server = HealthServer(
            metrics or Metrics(),
            redis_ping=ping,
            adapters=adapters,
            port=free_port(),
            ping_timeout_s=ping_timeout_s,
        )
        await server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        await server.stop()


async def get(server: HealthServer, path: str, method: str = "GET") -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=10) as client:
        return await client.request(method, path)


@pytest.fixture
async def unreachable_redis() -> AsyncIterator[aioredis.Redis]:
    """A client of a port nobody listens on."""
    client = aioredis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")
    yield client
    await client.aclose()


async def test_healthz_is_ok_with_a_live_redis_and_connected_adapters(
    serve: Serve, redis_client: aioredis.Redis
) -> None:
    server = await serve(redis_ping(redis_client), lambda: {"telegram": True})
    response = await get(server, "/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "ok", "redis": True, "adapters": {"telegram": True}}


async def test_healthz_is_503_and_quick_when_redis_is_unreachable(
    serve: Serve, unreachable_redis: aioredis.Redis
) -> None:
    server = await serve(
        redis_ping(unreachable_redis), lambda: {"telegram": True}, ping_timeout_s=0.5
    )
    started = time.monotonic()
    response = await get(server, "/healthz")
    assert time.monotonic() - started < 3  # redis-py's own retries are cut off by the timeout
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "redis": False,
        "adapters": {"telegram": True},
        "failed": ["redis"],
    }


async def test_a_redis_that_never_answers_is_down_after_the_timeout(serve: Serve) -> None:
    async def hangs() -> bool:
        await asyncio.Event().wait()
        return True

    server = await serve(hangs, ping_timeout_s=0.2)
    started = time.monotonic()
    response = await get(server, "/healthz")
    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]


async def test_healthz_is_503_when_an_adapter_is_disconnected(
    serve: Serve, redis_client: aioredis.Redis
) -> None:
    states = {"telegram": True, "discord": True}
    server = await serve(redis_ping(redis_client), lambda: states)
    assert (await get(server, "/healthz")).status_code == 200
    states["discord"] = False  # the gateway dropped: the next probe sees it
    response = await get(server, "/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "redis": True,
        "adapters": {"telegram": True, "discord": False},
        "failed": ["adapters.discord"],
    }
    states["discord"] = True
    assert (await get(server, "/healthz")).status_code == 200


async def test_healthz_is_503_when_the_adapters_cannot_be_asked(serve: Serve) -> None:
    async def ok() -> bool:
        return True

    def broken() -> Mapping[str, bool]:
        raise RuntimeError("adapter state unreadable")

    response = await get(await serve(ok, broken), "/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["adapters"]


async def test_metrics_serves_the_exposition_with_its_content_type(
    serve: Serve, redis_client: aioredis.Redis
) -> None:
    metrics = Metrics()
    metrics.summaries.labels(outcome="cached").inc()
    metrics.llm_usage("gemini", "gemini-2.5-flash", 1000, 200)
    server = await serve(
        redis_ping(redis_client), lambda: {"telegram": True, "discord": False}, metrics
    )
    response = await get(server, "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    assert response.headers["content-type"].startswith("text/plain; version=")
    body = response.text
    assert response.content == metrics.render()
    assert "# TYPE paperbot_summaries_total counter\n" in body
    assert 'paperbot_summaries_total{outcome="cached"} 1.0\n' in body
    assert (
        'paperbot_llm_cost_usd_total{model="gemini-2.5-flash",provider="gemini"} 0.0008\n' in body
    )
    assert 'paperbot_adapter_connected{platform="telegram"} 1.0\n' in body
    assert 'paperbot_adapter_connected{platform="discord"} 0.0\n' in body


async def test_metrics_does_not_need_redis(serve: Serve, unreachable_redis: aioredis.Redis) -> None:
    server = await serve(redis_ping(unreachable_redis), ping_timeout_s=5)
    started = time.monotonic()
    response = await get(server, "/metrics")
    assert response.status_code == 200
    assert time.monotonic() - started < 1


async def test_other_paths_are_404_and_other_methods_405(
    serve: Serve, redis_client: aioredis.Redis
) -> None:
    server = await serve(redis_ping(redis_client))
    assert (await get(server, "/")).status_code == 404
    assert (await get(server, "/healthz/extra")).status_code == 404
    assert (await get(server, "/metrics", "POST")).status_code == 405


async def test_stop_closes_the_port_and_start_reports_a_taken_port(
    redis_client: aioredis.Redis,
) -> None:
    port = free_port()
    server = HealthServer(Metrics(), redis_ping=redis_ping(redis_client), adapters=dict, port=port)
    assert server.url == f"http://127.0.0.1:{port}"
    await server.start()
    rival = HealthServer(Metrics(), redis_ping=redis_ping(redis_client), adapters=dict, port=port)
    with pytest.raises(OSError):
        await rival.start()
    await rival.stop()  # nothing to stop: harmless
    assert (await get(server, "/healthz")).status_code == 200
    await server.stop()
    with pytest.raises(httpx.ConnectError):
        await get(server, "/healthz")
    await server.stop()


async def test_port_zero_binds_an_ephemeral_port_on_loopback(redis_client: aioredis.Redis) -> None:
    server = HealthServer(Metrics(), redis_ping=redis_ping(redis_client), adapters=dict, port=0)
    await server.start()
    try:
        assert server.port > 0
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.close()
        await writer.wait_closed()
        assert (await get(server, "/healthz")).json()["status"] == "ok"
    finally:
        await server.stop()


async def test_check_health_without_a_server(redis_client: aioredis.Redis) -> None:
    health = await check_health(redis_ping(redis_client), lambda: {})
    assert health.ok and health.body() == {"status": "ok", "redis": True, "adapters": {}}
