"""The follow store's Redis keys and records, and the finder when arXiv does not answer."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from bot.arxiv.api import ArxivAPI
from bot.arxiv.pacer import Pacer
from bot.chat.contract import ChatRef
from bot.follows.finder import FollowFinder
from bot.follows.names import parse_name
from bot.follows.store import FollowStore
from bot.infra import keys
from bot.infra.cache import Cache

P = "paperbot:"
TOPIC = ChatRef("telegram", "-1001234", "77")


def test_the_keys_are_pinned() -> None:
    assert keys.follows(P, TOPIC) == "paperbot:follows:telegram:-1001234:77"
    assert (
        keys.author_search(P, "saunders", "202411211900")
        == "paperbot:authors:saunders:202411211900"
    )
    assert keys.family(keys.author_search(P, "saunders", "x"), P) == "authors"


async def test_follows_are_kept_per_chat_under_the_names_key(redis_client: aioredis.Redis) -> None:
    store = FollowStore(redis_client, P)
    jack = parse_name("Saunders, Jack")
    assert jack is not None
    assert await store.add(TOPIC, jack, "u1")
    assert not await store.add(TOPIC, parse_name("Jack Saunders"), "u2")  # type: ignore[arg-type]
    assert await store.all(ChatRef("telegram", "-1001234")) == []  # the group's other topics
    [follow] = await store.all(TOPIC)
    assert (follow.name, follow.by) == ("Jack Saunders", "u1")
    raw = await redis_client.hget("paperbot:follows:telegram:-1001234:77", "saunders|jack")
    assert raw is not None and b'"name":"Jack Saunders"' in raw
    await redis_client.hset("paperbot:follows:telegram:-1001234:77", "junk", b"{not json")
    assert [f.name for f in await store.all(TOPIC)] == ["Jack Saunders"]  # junk skipped
    await store.remove(TOPIC, follow)
    assert await store.count(TOPIC) == 1  # only the junk is left


async def test_a_search_arxiv_does_not_answer_is_skipped_not_fatal(
    redis_client: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    store = FollowStore(redis_client, P)
    await store.add(TOPIC, parse_name("Jack Saunders"), "u1")  # type: ignore[arg-type]
    dead = ArxivAPI("http://127.0.0.1:9/api/query", Pacer(0.0, attempts=2, retry_base_s=0.01), 1.0)
    finder = FollowFinder(store, dead, Cache(redis_client, P))
    with caplog.at_level(logging.WARNING):
        found = await finder.new_papers(TOPIC, datetime(2024, 11, 25, 13, 0, tzinfo=UTC))
    assert found == []
    assert "followed authors named saunders not searched" in caplog.text
    assert await redis_client.keys("paperbot:authors:*") == []  # a failure is not cached
