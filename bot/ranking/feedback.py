"""The store of a chat's liked and disliked papers, with their text, one vote per user per paper."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import redis.asyncio as aioredis

from bot.chat.contract import ChatRef
from bot.infra import keys
from bot.infra.metrics import Metrics
from bot.papers.models import PaperMeta

Vote = Literal[-1, 0, 1]


@dataclass(frozen=True, slots=True)
class Example:
    """A paper the chat rated: its net vote (+1 liked, -1 disliked) and the text to learn from."""

    paper: str  # versioned id as rated
    title: str
    abstract: str
    vote: Literal[-1, 1]
    voters: int


class FeedbackStore:
    """Per chat (a chat's taste spans its subscriptions, and /like names none): ``feedback:<chat>:
    votes`` maps "<paper> <user>" to +1/-1, ``feedback:<chat>:papers`` each rated paper to its
    id, title and abstract, so a model can be refit without asking arXiv."""

    def __init__(self, redis: aioredis.Redis, prefix: str, metrics: Metrics | None = None) -> None:
        self.redis = redis
        self.prefix = prefix
        self.metrics = metrics or Metrics()

    async def rate(self, chat: ChatRef, user_id: str, paper: PaperMeta, vote: Vote) -> Vote:
        """Record ``user_id``'s vote on ``paper`` (0 withdraws it); returns their previous vote.

        One vote per user per paper: a second vote replaces the first.
        """
        votes, texts = (
            keys.feedback_votes(self.prefix, chat),
            keys.feedback_papers(self.prefix, chat),
        )
        field = f"{paper.id.base} {user_id}"
        previous = await self.redis.hget(votes, field)
        before = await self._net(votes, paper.id.base)
        if vote == 0:
            await self.redis.hdel(votes, field)
            if not await self._voted(votes, paper.id.base):
                await self.redis.hdel(texts, paper.id.base)
        else:
            record = {"id": str(paper.id), "title": paper.title, "abstract": paper.abstract}
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(texts, paper.id.base, json.dumps(record, ensure_ascii=False))
                pipe.hset(votes, field, str(vote))
                await pipe.execute()
        await self._count(chat, paper.id.base, vote, before, await self._net(votes, paper.id.base))
        return _vote(previous)

    async def _count(self, chat: ChatRef, base: str, vote: Vote, before: int, after: int) -> None:
        """Count the tap and, for a paper the chat was posted, a change of its net verdict."""
        self.metrics.feedback_taps.labels(
            vote={1: "like", -1: "dislike", 0: "withdrawn"}[vote]
        ).inc()
        posted = await self.redis.zscore(keys.delivered(self.prefix, chat), base) is not None
        if posted and _sign(after) not in (0, _sign(before)):
            self.metrics.posted_verdicts.labels(verdict="liked" if after > 0 else "disliked").inc()

    async def _net(self, votes: str, base: str) -> int:
        """The sum of every member's vote on a paper."""
        up, down = await self._tally(votes, base)
        return up - down

    async def tally(self, chat: ChatRef, paper_base: str) -> tuple[int, int]:
        """How many members of the chat voted 👍 and 👎 on a paper."""
        return await self._tally(keys.feedback_votes(self.prefix, chat), paper_base)

    async def _tally(self, votes: str, base: str) -> tuple[int, int]:
        up = down = 0
        async for _, value in self.redis.hscan_iter(votes, match=f"{_glob(base)} *", count=200):
            number = int(value)
            up, down = up + (number > 0), down + (number < 0)
        return up, down

    async def vote_of(self, chat: ChatRef, user_id: str, paper_base: str) -> Vote:
        """The user's current vote on a paper (0: none)."""
        votes = keys.feedback_votes(self.prefix, chat)
        return _vote(await self.redis.hget(votes, f"{paper_base} {user_id}"))

    async def _voted(self, votes: str, base: str) -> bool:
        async for _ in self.redis.hscan_iter(votes, match=f"{_glob(base)} *", count=200):
            return True
        return False

    async def examples(self, chat: ChatRef) -> list[Example]:
        """The chat's liked and disliked papers (net vote of its members), oldest rated first."""
        votes = await self.redis.hgetall(keys.feedback_votes(self.prefix, chat))
        texts = await self.redis.hgetall(keys.feedback_papers(self.prefix, chat))
        tally: dict[str, list[int]] = {}
        for field, value in votes.items():
            base = _text(field).rsplit(" ", 1)[0]
            tally.setdefault(base, []).append(int(value))
        found = []
        for raw_base, raw in texts.items():
            base = _text(raw_base)
            net = sum(tally.get(base, []))
            if net == 0:
                continue
            record = json.loads(raw)
            found.append(
                Example(
                    paper=record["id"],
                    title=record["title"],
                    abstract=record["abstract"],
                    vote=1 if net > 0 else -1,
                    voters=len(tally[base]),
                )
            )
        return sorted(found, key=lambda e: e.paper)

    async def count(self, chat: ChatRef) -> int:
        """How many votes the chat has cast."""
        return int(await self.redis.hlen(keys.feedback_votes(self.prefix, chat)))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _vote(raw: bytes | str | None) -> Vote:
    value = int(_text(raw)) if raw is not None else 0
    return 1 if value > 0 else -1 if value < 0 else 0


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def _glob(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]\\" else c for c in text)
