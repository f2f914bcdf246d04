"""The local Discord (REST and gateway) every Discord adapter test talks to."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from support.fakes.discord_server import FakeDiscord


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    """A fresh fake Discord on 127.0.0.1 (its REST API, gateway and application commands)."""
    async with FakeDiscord() as server:
        yield server
