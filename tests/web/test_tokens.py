"""Web tokens in Redis: one per subscription, stable until revoked, unguessable, and a revoked
or malformed one opens nothing."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from bot.infra import keys
from bot.web.tokens import WebTokens, looks_like_token

P = "paperbot:"


async def test_a_token_is_issued_once_and_opens_its_subscription(
    redis_client: aioredis.Redis,
) -> None:
    tokens = WebTokens(redis_client, P)
    first = await tokens.token("ab12cd")
    assert looks_like_token(first) and len(first) == 32
    assert await tokens.token("ab12cd") == first  # the same links every time /feed is asked
    assert await tokens.subscription(first) == "ab12cd"
    assert await tokens.token("zz99yy") != first
    together = await asyncio.gather(*(tokens.token("qq11rr") for _ in range(8)))
    assert len(set(together)) == 1  # callers racing get one token, and no orphan is left
    assert len([k async for k in redis_client.scan_iter(match=f"{P}web:token:*")]) == 3


async def test_revoking_makes_the_old_token_open_nothing(redis_client: aioredis.Redis) -> None:
    tokens = WebTokens(redis_client, P)
    old = await tokens.token("ab12cd")
    new = await tokens.revoke("ab12cd")
    assert new != old
    assert await tokens.subscription(old) is None
    assert await tokens.subscription(new) == "ab12cd"
    await redis_client.set(keys.web_subscription(P, old), "ab12cd")  # a stale record resurfaces
    assert await tokens.subscription(old) is None  # only the current token opens the page


async def test_malformed_tokens_are_not_looked_up(redis_client: aioredis.Redis) -> None:
    tokens = WebTokens(redis_client, P)
    await redis_client.set(keys.web_subscription(P, "*"), "ab12cd")
    for text in ("*", "", "a" * 31, "a" * 33, "../" * 11, "a b" * 11):
        assert await tokens.subscription(text) is None


def test_the_key_names_are_pinned() -> None:
    assert keys.web_token(P, "ab12cd") == "paperbot:web:sub:ab12cd"
    assert keys.web_subscription(P, "t" * 32) == "paperbot:web:token:" + "t" * 32
