"""Shared fixtures: a real redis-server of the tests' own, ../shared's fixtures, and the local arXiv
and Gemini most tests talk to (a module that needs other papers or answers overrides them)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.paperkit import gemini_responder, settings_for, talklora
from support.paths import SHARED_FIXTURES
from support.servers import start_redis

from bot.app import Core, build_core

os.environ.setdefault("PTB_TIMEDELTA", "1")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server started for this test session only (never the machine's own)."""
    proc, port = start_redis(tmp_path_factory.mktemp("redis"))
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A client on an empty database of the session's own server."""
    client = aioredis.Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def shared_fixtures() -> Path:
    """../shared/fixtures, or skip when this checkout has none."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is not present")
    return SHARED_FIXTURES


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    """A local Gemini that answers every summary request with a valid analysis."""
    with FakeGemini(responder=gemini_responder) as server:
        yield server


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    """A local arXiv (API, HTML, PDF, feeds) that knows TalkLoRA (2408.13714)."""
    with FakeArxiv() as server:
        server.add(talklora())
        yield server


@pytest.fixture
async def core(
    arxiv: FakeArxiv, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[Core]:
    """The real core on the local arXiv and an empty Redis: extractive summaries, no user limit."""
    built = await build_core(settings_for(arxiv, redis_url, user_rate_limit=0))
    yield built
    await built.aclose()
