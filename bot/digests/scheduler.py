"""When digests run: one cron trigger per subscription in its zone, catch-up, one run per slot.

Several processes may share one Redis: each keeps its own triggers, and a run is claimed with
``SET …:claim NX`` (renewed while it runs), so exactly one process delivers a slot. A slot is
marked done when its run finishes; a run that died half-way (process killed) is picked up by the
next tick of any process once its claim lapses, and the delivery log keeps it from sending a
paper twice. Slots missed while every process was down are caught up within the grace window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.digests.runner import DeliveryFailed, DigestResult, DigestRunner, Send
from bot.digests.schedule import (
    latest_slot,
    missed_slot,
    next_slot,
    parse_time_of_day,
    parse_zone,
    slot_key,
)
from bot.digests.subscriptions import Subscription, SubscriptionStore
from bot.infra import keys
from bot.infra.metrics import Metrics

log = logging.getLogger(__name__)

CLAIM_TTL_MS = 120_000
RENEW_EVERY_S = 30.0
DONE_TTL_S = 14 * 86_400
TICK_EVERY_S = 60.0
STOP_WAIT_S = 8.0  # docker stop allows 10 s before SIGKILL


def slot_time(key: str) -> datetime:
    """The instant a slot key names (inverse of bot.schedule.slot_key)."""
    return datetime.strptime(key, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


class DigestScheduler:
    """Fires digests on time, catches up missed ones, and never runs a slot twice."""

    def __init__(
        self,
        *,
        runner: DigestRunner,
        subscriptions: SubscriptionStore,
        redis: aioredis.Redis,
        prefix: str,
        send: Send,
        grace: timedelta = timedelta(hours=6),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        claim_ttl_ms: int = CLAIM_TTL_MS,
        parallel: int = 16,
        metrics: Metrics | None = None,
        prefetch: timedelta = timedelta(minutes=30),
    ) -> None:
        self.runner = runner
        self.subscriptions = subscriptions
        self.redis = redis
        self.prefix = prefix
        self.send = send
        self.grace = grace
        self.clock = clock
        self.claim_ttl_ms = claim_ttl_ms
        self.parallel = parallel
        self.prefetch = prefetch
        self.prefetching: set[asyncio.Task[int]] = set()  # prefetches under way
        self.metrics = metrics or Metrics()
        self.instance = uuid.uuid4().hex[:12]
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        """Start APScheduler in the running loop, add every trigger, and catch up once."""
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler.add_job(self.tick, "interval", seconds=TICK_EVERY_S, id="tick")
        self._scheduler.start()
        await self.sync()
        await self.tick()

    async def stop(self, wait_s: float = STOP_WAIT_S) -> None:
        """Stop firing: runs going on finish the message in flight, then stop (within ``wait_s``).

        An interrupted slot is not marked done, so the next tick of any process, this one after
        a restart included, sends the rest. Prefetches under way are dropped.
        """
        self._stopping.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        for prefetch in list(self.prefetching):
            prefetch.cancel()
        await asyncio.gather(*self.prefetching, return_exceptions=True)
        if self._running:
            _, late = await asyncio.wait(self._running, timeout=wait_s)
            for run in late:  # still summarizing: nothing of it was sent, the slot stays open
                run.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def sync(self) -> None:
        """Make the cron triggers match the stored subscriptions (other processes add some)."""
        if self._scheduler is None:
            return
        subs = {s.id: s for s in await self.subscriptions.all() if not s.paused}
        for job in self._scheduler.get_jobs():
            if job.id.startswith("sub:") and job.id[4:] not in subs:
                job.remove()
        for sub in subs.values():
            at, zone = parse_time_of_day(sub.at), parse_zone(sub.zone)
            trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=zone)
            job = self._scheduler.get_job(f"sub:{sub.id}")
            if job is None or str(job.trigger) != str(trigger):
                self._scheduler.add_job(
                    self.fire,
                    trigger,
                    args=[sub.id],
                    id=f"sub:{sub.id}",
                    replace_existing=True,
                    misfire_grace_time=int(self.grace.total_seconds()),
                    coalesce=True,
                )

    async def fire(self, sub_id: str) -> DigestResult | None:
        """A cron trigger fired: run today's slot of that subscription."""
        sub = await self.subscriptions.get(sub_id)
        if sub is None or sub.paused:
            return None
        slot = latest_slot(self.clock(), parse_time_of_day(sub.at), parse_zone(sub.zone))
        return await self.run_slot(sub, slot)

    async def tick(self) -> list[DigestResult]:
        """Run every slot that is due, missed or left unfinished (within the grace window).

        Due subscriptions run side by side (at most ``parallel``), so a slow or failing chat
        never holds up the others; summaries are shared through the cache.
        """
        await self.sync()
        now = self.clock()
        due: list[tuple[Subscription, datetime]] = []
        for sub in await self.subscriptions.all():
            if sub.paused:
                continue
            at, zone = parse_time_of_day(sub.at), parse_zone(sub.zone)
            last = slot_time(sub.last_slot) if sub.last_slot else None
            slot = missed_slot(now, last, at, zone, self.grace)
            if slot is not None:
                due.append((sub, slot))
        gate = asyncio.Semaphore(self.parallel)

        async def one(sub: Subscription, slot: datetime) -> DigestResult | None:
            async with gate:
                try:
                    return await self.run_slot(sub, slot)
                except DeliveryFailed as exc:  # the platform is down: expected, no traceback
                    log.warning(
                        "digest %s not delivered (%s); retried at the next tick", sub.id, exc
                    )
                    return None
                except Exception:
                    log.exception("digest %s failed; it is retried at the next tick", sub.id)
                    return None

        await self._prefetch_upcoming(now)
        done = await asyncio.gather(*(one(sub, slot) for sub, slot in due))
        return [r for r in done if r is not None]

    async def _prefetch_upcoming(self, now: datetime) -> None:
        """Prefetch, in the background, the digests due within ``prefetch`` (once each).

        Fetching full texts at arXiv's pace and the model calls then happen before the digest's
        time, and the digest itself only renders and sends.
        """
        if self.prefetch <= timedelta(0):
            return
        for sub in await self.subscriptions.all():
            if sub.paused:
                continue
            slot = next_slot(now, parse_time_of_day(sub.at), parse_zone(sub.zone))
            if slot - now > self.prefetch:
                continue
            key = keys.digest_slot(self.prefix, sub.id, slot_key(slot), "prefetch")
            if not await self.redis.set(key, self.instance, nx=True, ex=DONE_TTL_S):
                continue  # this process or another has it in hand
            task = asyncio.create_task(self._prefetch(sub, slot))
            self.prefetching.add(task)
            task.add_done_callback(self.prefetching.discard)

    async def _prefetch(self, sub: Subscription, slot: datetime) -> int:
        try:
            ready = await self.runner.prefetch(sub, now=self.clock())
        except Exception:
            log.exception("prefetch for digest %s failed; the digest will try", sub.id)
            return 0
        log.info("digest %s slot %s: %d summaries prefetched", sub.id, slot_key(slot), ready)
        return ready

    async def run_slot(self, sub: Subscription, slot: datetime) -> DigestResult | None:
        """Deliver one slot of one subscription, unless done or being done elsewhere."""
        key = slot_key(slot)
        done = keys.digest_slot(self.prefix, sub.id, key, "done")
        if await self.redis.exists(done):
            return None
        claim = keys.digest_slot(self.prefix, sub.id, key, "claim")
        if not await self.redis.set(claim, self.instance, nx=True, px=self.claim_ttl_ms):
            return None
        renew = asyncio.create_task(self._renew(claim))
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            run = self.runner.run_weekly if sub.weekly else self.runner.run  # weekly: a recap
            with self.metrics.digest_duration.time():
                result = await run(sub, self.send, key, now=self.clock(), stopping=self._stopping)
            if result.interrupted:  # shutting down: the slot stays open for the next tick
                log.info("digest %s slot %s interrupted: %s", sub.id, key, result.describe())
                return result
            await self.redis.set(done, "1", ex=DONE_TTL_S)
            fresh = await self.subscriptions.get(sub.id)
            if fresh is not None:
                fresh.last_slot, fresh.last_result = key, result.describe()
                await self.subscriptions.save(fresh)
            log.info("digest %s slot %s: %s", sub.id, key, result.describe())
            return result
        finally:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renew
            if await self.redis.get(claim) == self.instance.encode():
                await self.redis.delete(claim)
            if task is not None:
                self._running.discard(task)

    async def _renew(self, claim: str) -> None:
        while True:
            await asyncio.sleep(min(RENEW_EVERY_S, self.claim_ttl_ms / 4000))
            if await self.redis.get(claim) == self.instance.encode():
                await self.redis.pexpire(claim, self.claim_ttl_ms)

    def next_run(self, sub: Subscription) -> datetime | None:
        """When the subscription's trigger fires next in this process, if scheduled."""
        if self._scheduler is None:
            return None
        job = self._scheduler.get_job(f"sub:{sub.id}")
        return job.next_run_time if job is not None else None
