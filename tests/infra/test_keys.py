"""Redis key names: pinned byte for byte, since running deployments' data is stored under them."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from bot.chat.chat_store import ChatStore
from bot.chat.contract import ChatRef
from bot.chat.post_memory import PostIndex
from bot.digests.delivery_log import DeliveryLog
from bot.digests.subscriptions import Subscription, SubscriptionStore
from bot.infra import keys
from bot.infra.metrics import cache_kind

P = "paperbot:"
GROUP = ChatRef("telegram", "-1001234")
TOPIC = ChatRef("telegram", "-1001234", "77")  # a forum topic (thread) of that group

PINNED = [
    (keys.meta(P, "2408.13714"), "paperbot:meta:2408.13714"),
    (keys.meta(P, "2408.13714v2"), "paperbot:meta:2408.13714v2"),
    (keys.feed(P, "cs.CV", "2024082814"), "paperbot:feed:cs.CV:2024082814"),
    (keys.text(P, "2408.13714v1"), "paperbot:text:2408.13714v1:2"),
    (keys.figure(P, "2408.13714v1"), "paperbot:fig:2408.13714v1"),
    (keys.figure_info(P, "2408.13714v1"), "paperbot:figinfo:2408.13714v1"),
    (
        keys.summary(P, "2408.13714v1", "zh", "gemini/gemini-2.5-flash", "ab12"),
        "paperbot:sum:2408.13714v1:zh:gemini/gemini-2.5-flash:ab12",
    ),
    (keys.passage_index(P, "2408.13714v1", 1), "paperbot:index:2408.13714v1:1"),
    (
        keys.answer(P, "2408.13714v1", "en", "extractive/v1", "cd34", "0123456789abcdef"),
        "paperbot:answer:2408.13714v1:en:extractive/v1:cd34:0123456789abcdef",
    ),
    (
        keys.vectors(P, "2408.13714v1", "openai", "text-embedding-3-small", "default", 1),
        "paperbot:vectors:2408.13714v1:openai:text-embedding-3-small:default:1",
    ),
    (keys.lock("paperbot:text:2408.13714v1"), "paperbot:text:2408.13714v1:lock"),
    (keys.chat(P, GROUP), "paperbot:chat:telegram:-1001234"),
    (keys.chat(P, TOPIC), "paperbot:chat:telegram:-1001234:77"),
    (keys.posts(P, TOPIC), "paperbot:posts:telegram:-1001234"),  # one per chat, threads share
    (keys.vote_cards(P, TOPIC), "paperbot:votecards:telegram:-1001234"),
    (keys.archive_cards(P, "ab12cd"), "paperbot:archive:ab12cd:cards"),
    (keys.archive_days(P, "ab12cd"), "paperbot:archive:ab12cd:days"),
    (keys.archive_version(P, "ab12cd"), "paperbot:archive:ab12cd:version"),
    (
        keys.abstract_vector(P, "gemini", "gemini-embedding-001", "default", "2408.13714v1"),
        "paperbot:rankvec:gemini:gemini-embedding-001:default:2408.13714v1",
    ),
    (keys.rate_limit(P, "discord", "4242"), "paperbot:ratelimit:discord:4242"),
    (keys.conversation(P, TOPIC, "2408.13714"), "paperbot:conv:telegram:-1001234:77:2408.13714"),
    (keys.subscription(P, "k3x9"), "paperbot:sub:k3x9"),
    (keys.chat_subscriptions(P, GROUP), "paperbot:subs:chat:telegram:-1001234"),
    (keys.all_subscriptions(P), "paperbot:subs:all"),
    (keys.retries(P, "k3x9"), "paperbot:sub:k3x9:retry"),
    (keys.digest_reports(P, "k3x9"), "paperbot:report:k3x9"),
    (keys.delivered(P, TOPIC), "paperbot:delivered:telegram:-1001234:77"),
    (
        keys.digest_slot(P, "k3x9", "20240828T0000Z", "prefetch"),
        "paperbot:digest:k3x9:20240828T0000Z:prepared",
    ),
    (
        keys.digest_slot(P, "k3x9", "20240828T0000Z", "claim"),
        "paperbot:digest:k3x9:20240828T0000Z:claim",
    ),
    (
        keys.digest_slot(P, "k3x9", "20240828T0000Z", "done"),
        "paperbot:digest:k3x9:20240828T0000Z:done",
    ),
    (keys.feedback_votes(P, TOPIC), "paperbot:feedback:telegram:-1001234:77:votes"),
    (keys.feedback_papers(P, GROUP), "paperbot:feedback:telegram:-1001234:papers"),
]


@pytest.mark.parametrize(("built", "stored"), PINNED, ids=[s for _, s in PINNED])
def test_every_key_family_keeps_its_stored_name(built: str, stored: str) -> None:
    assert built == stored


def test_cache_metrics_label_each_cache_key_by_its_family() -> None:
    """The kind label of paperbot_cache_requests_total, which operators' dashboards use."""
    labels = [cache_kind(built, P) for built, _ in PINNED[:10]]
    assert labels == [
        "meta",
        "meta",
        "feed",
        "text",
        "fig",
        "figinfo",
        "sum",
        "index",
        "answer",
        "vectors",
    ]


def test_another_prefix_changes_only_the_prefix() -> None:
    assert keys.summary("bot2:", "1v1", "en", "m", "p") == "bot2:sum:1v1:en:m:p"
    assert keys.family("bot2:sum:1v1:en:m:p", "bot2:") == "sum"


async def test_data_stored_under_the_old_names_is_still_found(
    redis_client: aioredis.Redis,
) -> None:
    """What a running deployment wrote before key names moved here is read back unchanged."""
    sub = Subscription(id="k3x9", platform="telegram", chat_id="-1001234", categories=("cs.CV",))
    await redis_client.hset("paperbot:chat:telegram:-1001234", "language", "zh")
    await redis_client.hset("paperbot:posts:telegram:-1001234", "555", "2408.13714v1")
    await redis_client.zadd("paperbot:delivered:telegram:-1001234", {"2408.13714": 1.0})
    await redis_client.set("paperbot:sub:k3x9", sub.model_dump_json())
    await redis_client.sadd("paperbot:subs:chat:telegram:-1001234", "k3x9")
    await redis_client.sadd("paperbot:subs:all", "k3x9")

    assert await ChatStore(redis_client, P).language(GROUP) == "zh"
    assert await PostIndex(redis_client, P).paper_of(TOPIC, "555") == "2408.13714v1"
    assert await DeliveryLog(redis_client, P).has(GROUP, "2408.13714")
    store = SubscriptionStore(redis_client, P)
    assert [s.id for s in await store.for_chat(GROUP)] == ["k3x9"]
    assert [s.id for s in await store.all()] == ["k3x9"]
