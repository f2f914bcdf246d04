"""The post memory in Redis: every post about a paper answers replies; only vote cards take votes."""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.chat.contract import ChatRef
from bot.chat.post_memory import KEEP_S, PostIndex
from bot.infra import keys

P = "test:"
GROUP = ChatRef("telegram", "-100500")
TOPIC = ChatRef("telegram", "-100500", "9")  # a forum topic of that group


async def test_a_card_with_vote_buttons_takes_votes_and_other_posts_only_replies(
    redis_client: aioredis.Redis,
) -> None:
    index = PostIndex(redis_client, P)
    await index.remember(GROUP, ("10", "11"), "2408.13714v1")  # a /summarize card in two parts
    await index.remember(GROUP, ("12",), "2408.13714v1")  # an /ask answer about it
    await index.remember(GROUP, ("20",), "2410.10001v1", votes=True)  # a digest card

    for message in ("10", "11", "12"):
        assert await index.paper_of(GROUP, message) == "2408.13714v1"  # replies still ask
        assert await index.card_paper(GROUP, message) is None  # but a 👍 there is no vote
    assert await index.paper_of(GROUP, "20") == "2410.10001v1"
    assert await index.card_paper(GROUP, "20") == "2410.10001v1"
    assert await index.card_paper(GROUP, "99") is None  # a message we never sent
    assert await index.card_paper(TOPIC, "20") == "2410.10001v1"  # threads share the chat's ids
    assert await index.card_paper(ChatRef("discord", "-100500"), "20") is None  # per platform


async def test_vote_cards_are_kept_in_redis_and_expire_with_the_posts(
    redis_client: aioredis.Redis,
) -> None:
    await PostIndex(redis_client, P).remember(GROUP, ("20",), "2410.10001v1", votes=True)
    fresh = PostIndex(redis_client, P)  # another process, or the bot after a restart
    assert await fresh.card_paper(GROUP, "20") == "2410.10001v1"

    cards, posts = keys.vote_cards(P, GROUP), keys.posts(P, GROUP)
    await redis_client.expire(cards, 60)  # a month has nearly passed since the last card
    await fresh.remember(GROUP, ("30",), "2408.13714v1")  # then the bot answers a question
    assert KEEP_S - 5 <= await redis_client.ttl(cards) <= KEEP_S  # cards live as long as posts
    assert KEEP_S - 5 <= await redis_client.ttl(posts) <= KEEP_S


async def test_remembering_nothing_writes_nothing(redis_client: aioredis.Redis) -> None:
    await PostIndex(redis_client, P).remember(GROUP, (), "2410.10001v1", votes=True)
    assert not await redis_client.exists(keys.posts(P, GROUP), keys.vote_cards(P, GROUP))
