"""Deliver a subscription's digest to its chat: header, one card per paper, each paper once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.arxiv.ids import parse_id
from bot.chat.chat_store import ChatStore
from bot.chat.contract import ChatRef, Post, SentRef
from bot.digests.delivery_log import DeliveryLog
from bot.digests.discovery import Discovery, Found
from bot.digests.messages import header, more_titles, quiet_day
from bot.digests.subscriptions import Subscription, SubscriptionStore
from bot.errors import UserFacingError
from bot.infra.metrics import Metrics
from bot.papers.models import PaperId, PaperMeta, PaperSummary
from bot.papers.service import PaperService
from bot.summaries.card import paper_post

log = logging.getLogger(__name__)

Send = Callable[[ChatRef, Post], Awaitable[SentRef]]
SEND_ATTEMPTS = 3


@dataclass
class DigestResult:
    """What one run delivered."""

    sent: list[str] = field(default_factory=list)  # versioned ids posted
    already: int = 0  # matching papers the chat had received before
    failed: list[str] = field(default_factory=list)  # summaries that failed: retried next run
    beyond_cap: int = 0
    no_announcements: bool = False
    unreachable: str | None = None
    announced: date | None = None
    interrupted: bool = False  # the bot was stopping: the rest goes out when it is back

    def describe(self) -> str:
        """One line for /subscriptions and logs."""
        when = self.announced.isoformat() if self.announced else "latest"
        if self.interrupted:
            return f"{when}: {len(self.sent)} papers before a restart; the rest follows"
        if self.unreachable:
            return f"{when}: chat unreachable ({self.unreachable})"
        if self.no_announcements:
            return f"{when}: no announcements"
        text = f"{when}: {len(self.sent)} papers"
        if self.failed:
            text += f", {len(self.failed)} to retry"
        return text


@dataclass
class DigestRunner:
    """Runs a subscription's digest; safe to re-run after a crash (nothing is sent twice)."""

    papers: PaperService
    discovery: Discovery
    subscriptions: SubscriptionStore
    chats: ChatStore
    deliveries: DeliveryLog
    metrics: Metrics = field(default_factory=Metrics)

    def _retry_key(self, sub: Subscription) -> str:
        return f"{self.subscriptions.prefix}sub:{sub.id}:retry"

    async def run(
        self,
        sub: Subscription,
        send: Send,
        slot: str,
        now: datetime | None = None,
        stopping: asyncio.Event | None = None,
    ) -> DigestResult:
        """Find, summarize and deliver today's papers for ``sub``; ``slot`` names the run.

        Once ``stopping`` is set (the bot shuts down), the run finishes the message in flight,
        sends nothing more and returns ``interrupted``: the rest goes out at the next run.
        """
        chat, result = sub.chat, DigestResult()
        stopping = stopping or asyncio.Event()
        found, candidates, fresh = await self._fresh(sub, now)
        result.announced = found.announced
        result.already = len(candidates) - len(fresh)
        result.no_announcements = found.no_announcements and not fresh
        top, rest = fresh[: sub.max_papers], fresh[sub.max_papers :]
        result.beyond_cap = len(rest)
        if not fresh:
            if found.no_announcements and sub.notify_empty:
                await self._send_once(chat, f"empty:{sub.id}:{slot}", quiet_day(sub), send)
            return result
        summaries = await self._summarize(top, sub, result)
        if stopping.is_set():
            result.interrupted = True
            return result
        count = len(summaries) + len(rest)
        await self._send_once(
            chat, f"header:{sub.id}:{slot}", header(sub, found.announced, count), send, result
        )
        for summary in summaries:
            if result.unreachable:
                break
            if stopping.is_set():
                result.interrupted = True
                return result
            post = paper_post(summary, await self.papers.figure(summary.meta),
                              brief=sub.detail == "brief")  # fmt: skip
            if await self._send_once(chat, summary.meta.id.base, post, send, result):
                result.sent.append(str(summary.meta.id))
        if stopping.is_set():
            result.interrupted = True
            return result
        if rest and not result.unreachable:
            listed = [p for p in rest if await self.deliveries.claim(chat, p.id.base)]
            if listed and not await self._send_once(
                chat, f"more:{sub.id}:{slot}", more_titles(listed, sub), send
            ):
                for paper in listed:  # the list did not go out: they stay new
                    await self.deliveries.release(chat, paper.id.base)
        await self._remember_failed(sub, result.failed)
        return result

    async def prepare(self, sub: Subscription, now: datetime | None = None) -> int:
        """Summarize ahead what ``sub``'s next digest will post, sending nothing; how many are ready.

        The summaries land in the cache, so the digest itself only renders and sends.
        """
        _, _, fresh = await self._fresh(sub, now)
        return len(await self._summarize(fresh[: sub.max_papers], sub, DigestResult()))

    async def _fresh(
        self, sub: Subscription, now: datetime | None
    ) -> tuple[Found, list[PaperMeta], list[PaperMeta]]:
        """Today's announcement, every candidate (retries first), and those the chat lacks."""
        found = await self.discovery.find(sub, now)
        candidates = _unique(await self._retries(sub) + found.papers)
        fresh = [p for p in candidates if not await self.deliveries.has(sub.chat, p.id.base)]
        return found, candidates, fresh

    async def _summarize(
        self, papers: list[PaperMeta], sub: Subscription, result: DigestResult
    ) -> list[PaperSummary]:
        async def one(meta: PaperMeta) -> PaperSummary | None:
            try:
                summary, _ = await self.papers.summary(meta, sub.language)
                return summary
            except UserFacingError as exc:
                log.warning("digest %s: %s not summarized: %s", sub.id, meta.id, exc.message)
                result.failed.append(str(meta.id))
                return None

        done = await asyncio.gather(*(one(m) for m in papers))
        return [s for s in done if s is not None]

    async def _send_once(
        self, chat: ChatRef, item: str, post: Post, send: Send, result: DigestResult | None = None
    ) -> bool:
        """Record ``item`` as delivered, then send it; a failed send is released for a retry.

        Recording first makes delivery at most once: two runs never both send an item, and a
        crash between the record and the platform's answer never leads to a duplicate.
        """
        platform = chat.platform
        if not await self.deliveries.claim(chat, item):
            self.metrics.deliveries.inc(platform=platform, outcome="skipped_duplicate")
            return False
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                sent = await send(chat, post)
            except asyncio.CancelledError:
                # Shutting down mid-send: the next run sends it. (A hard kill here cannot be
                # told from a delivered message: then it counts as delivered, at most once.)
                await self.deliveries.release(chat, item)
                raise
            except Exception as exc:
                log.warning("digest send to %s failed (%d): %s", chat.key(), attempt, exc)
                await asyncio.sleep(0.5 * attempt)
                continue
            reason = None if sent.message_ids else await self.chats.unreachable_reason(chat)
            if reason is not None:
                await self.deliveries.release(chat, item)
                await self.subscriptions.pause_chat(chat, reason)
                if result is not None:
                    result.unreachable = reason
                self.metrics.deliveries.inc(platform=platform, outcome="unreachable")
                return False
            self.metrics.deliveries.inc(platform=platform, outcome="sent")
            return True
        await self.deliveries.release(chat, item)
        self.metrics.deliveries.inc(platform=platform, outcome="failed")
        return False

    async def _retries(self, sub: Subscription) -> list[PaperMeta]:
        raw = await self.chats.redis.smembers(self._retry_key(sub))
        ids = [PaperId.model_validate_json(r) for r in raw]
        return await self.papers.api.lookup_many(ids) if ids else []

    async def _remember_failed(self, sub: Subscription, failed: list[str]) -> None:
        """Remember papers whose summary failed, for the next run (replacing the old list)."""
        key = self._retry_key(sub)
        await self.chats.redis.delete(key)
        ids = [p for p in (parse_id(f) for f in failed) if p is not None]
        if ids:
            await self.chats.redis.sadd(key, *[p.model_dump_json() for p in ids])


def _unique(papers: list[PaperMeta]) -> list[PaperMeta]:
    seen: dict[str, PaperMeta] = {}
    for paper in papers:
        seen.setdefault(paper.id.base, paper)
    return list(seen.values())
