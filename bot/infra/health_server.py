"""``GET /healthz`` and ``GET /metrics`` over HTTP, served by aiohttp inside the bot's event loop,
and any further routes it is handed (the subscription pages and feeds of ``bot.web.site``).

The server knows nothing of the app: it is handed a Redis ping, a callable that reports each
platform adapter's connected state, the ``Metrics`` to render and the extra routes. It binds
127.0.0.1 unless told otherwise (0.0.0.0 in a container, where the orchestrator probes it from
outside, or behind the reverse proxy PAPERBOT_PUBLIC_URL names).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.infra.metrics import Metrics

log = logging.getLogger(__name__)

RedisPing = Callable[[], Awaitable[bool]]
AdapterStates = Callable[[], Mapping[str, bool]]
PING_TIMEOUT_S = 2.0
SHUTDOWN_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class Health:
    """What a health check found: Redis answered, and which adapters are connected."""

    redis: bool
    adapters: dict[str, bool]
    adapters_known: bool = True  # False when asking the adapters raised

    @property
    def ok(self) -> bool:
        """True when every part is up."""
        return self.redis and self.adapters_known and all(self.adapters.values())

    def failed(self) -> list[str]:
        """The parts that are down: ``redis``, ``adapters.<platform>`` or ``adapters``."""
        down = [] if self.redis else ["redis"]
        if not self.adapters_known:
            down.append("adapters")
        return down + [f"adapters.{name}" for name, up in self.adapters.items() if not up]

    def body(self) -> dict[str, object]:
        """The JSON document ``/healthz`` answers with."""
        body: dict[str, object] = {
            "status": "ok" if self.ok else "unavailable",
            "redis": self.redis,
            "adapters": self.adapters,
        }
        if not self.ok:
            body["failed"] = self.failed()
        return body


def redis_ping(client: aioredis.Redis) -> RedisPing:
    """A ping of ``client`` for the health check: True when Redis answers PONG."""

    async def ping() -> bool:
        return bool(await client.ping())

    return ping


async def _ping(ping: RedisPing, timeout_s: float) -> bool:
    try:
        return bool(await asyncio.wait_for(ping(), timeout_s))
    except Exception as exc:  # unreachable, refused, timed out: all mean "down"
        log.debug("health: Redis did not answer (%s)", type(exc).__name__)
        return False


def _states(adapters: AdapterStates) -> dict[str, bool] | None:
    try:
        return {str(name): bool(up) for name, up in adapters().items()}
    except Exception:
        log.exception("health: the adapters' state could not be read")
        return None


async def check_health(
    ping: RedisPing, adapters: AdapterStates, timeout_s: float = PING_TIMEOUT_S
) -> Health:
    """Ping Redis (bounded by ``timeout_s``) and read every adapter's connected state."""
    states = _states(adapters)
    return Health(await _ping(ping, timeout_s), states or {}, adapters_known=states is not None)


class HealthServer:
    """The HTTP endpoints for liveness probes and Prometheus; ``start``/``stop`` never block."""

    def __init__(
        self,
        metrics: Metrics,
        *,
        redis_ping: RedisPing,
        adapters: AdapterStates,
        host: str = "127.0.0.1",
        port: int = 9108,
        ping_timeout_s: float = PING_TIMEOUT_S,
        routes: Sequence[web.RouteDef] = (),
    ) -> None:
        self.metrics = metrics
        self.routes = tuple(routes)
        self.host = host
        self.port = port
        self._ping = redis_ping
        self._adapters = adapters
        self._timeout = ping_timeout_s
        self._runner: web.AppRunner | None = None
        self._was_ok = True

    @property
    def url(self) -> str:
        """Where the server listens, e.g. ``http://127.0.0.1:9108``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Bind the port and serve in the background; OSError when the port is taken."""
        if self._runner is not None:
            raise RuntimeError("HealthServer already started")
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        app.add_routes(self.routes)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT_S
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        if self.port == 0:  # an ephemeral port: report the one the system chose
            self.port = int(runner.addresses[0][1])
        log.info("health: /healthz and /metrics on %s", self.url)

    async def stop(self) -> None:
        """Stop listening and close open connections (a no-op when not started)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        health = await check_health(self._ping, self._adapters, self._timeout)
        self.metrics.set_adapters(health.adapters)
        if health.ok != self._was_ok:  # log changes only: probes come every few seconds
            self._was_ok = health.ok
            state = "ok again" if health.ok else "down: " + ", ".join(health.failed())
            log.log(logging.INFO if health.ok else logging.WARNING, "health: %s", state)
        return web.json_response(
            health.body(),
            status=200 if health.ok else 503,
            headers={"Cache-Control": "no-store"},
        )

    async def _metrics(self, _request: web.Request) -> web.Response:
        states = _states(self._adapters)
        if states is not None:
            self.metrics.set_adapters(states)
        return web.Response(
            body=self.metrics.render(),
            headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"},
        )
