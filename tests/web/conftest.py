"""The web tests' world: a local arXiv and Gemini, the core, three digest days of the lab's
subscription (``support.digest_days``), and the bot's HTTP server serving its page and feed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as aioredis
from support.digest_days import Subscribed, three_days
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.paperkit import settings_for
from support.servers import free_port

from bot.app import Core, build_core
from bot.infra.health_server import HealthServer, redis_ping


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    """A local arXiv that knows every paper of the three days."""
    with FakeArxiv() as server:
        yield server


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[Core]:
    """The real core on the local arXiv and Gemini and an empty Redis."""
    built = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=0))
    yield built
    await built.aclose()


@pytest.fixture
async def subscribed(core: Core, arxiv: FakeArxiv) -> Subscribed:
    """The lab's subscription after three digest days."""
    return await three_days(core, arxiv)


@pytest.fixture
async def server(core: Core) -> AsyncIterator[HealthServer]:
    """The bot's HTTP server (health, metrics, pages) on a free port of 127.0.0.1."""
    assert core.site is not None
    started = HealthServer(
        core.metrics,
        redis_ping=redis_ping(core.redis),
        adapters=core.adapter_states,
        port=free_port(),
        routes=core.site.routes(),
    )
    await started.start()
    yield started
    await started.stop()
