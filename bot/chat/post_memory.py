"""Which paper each of the bot's messages was about, so a reply to any of them is a question.

Messages that carry 👍/👎 buttons (digest cards) are also noted apart: only a reaction on one of
those is a vote, never one on a /summarize card, an /ask answer or an update reply.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.chat.contract import ChatRef
from bot.infra import keys

KEEP_S = 30 * 86_400  # a reply to a month-old card still works


class PostIndex:
    """Two Redis hashes per chat, message id -> versioned paper id (expire a month after use).

    ``posts`` holds every message about a paper; ``votecards`` only those with vote buttons.
    Both are refreshed together, so a card counts votes as long as a reply to it is a question.
    """

    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, chat: ChatRef) -> str:
        return keys.posts(self.prefix, chat)

    def _cards_key(self, chat: ChatRef) -> str:
        return keys.vote_cards(self.prefix, chat)

    async def remember(
        self, chat: ChatRef, message_ids: tuple[str, ...], paper: str, votes: bool = False
    ) -> None:
        """Note that these messages were about ``paper``; with ``votes``, that they carry 👍/👎."""
        if not message_ids:
            return
        key, cards = self._key(chat), self._cards_key(chat)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping=dict.fromkeys(message_ids, paper))
            pipe.expire(key, KEEP_S)
            if votes:
                pipe.hset(cards, mapping=dict.fromkeys(message_ids, paper))
            pipe.expire(cards, KEEP_S)  # no-op when the chat has no cards yet
            await pipe.execute()

    async def paper_of(self, chat: ChatRef, message_id: str) -> str | None:
        """The paper one of our messages was about, if it was about one."""
        return _text(await self.redis.hget(self._key(chat), message_id))

    async def card_paper(self, chat: ChatRef, message_id: str) -> str | None:
        """The paper of one of our messages with vote buttons; None for any other message."""
        return _text(await self.redis.hget(self._cards_key(chat), message_id))


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value
