"""Deliver a subscription's digest to its chat: header, one card per paper, each paper once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from bot.arxiv.ids import parse_id
from bot.chat.chat_store import ChatStore
from bot.chat.contract import ChatRef, ChatUnreachable, SentRef
from bot.chat.post import Post
from bot.digests.archive import DeliveredCard, DigestArchive, DigestDay
from bot.digests.delivery_log import DeliveryLog
from bot.digests.discovery import Discovery, Found
from bot.digests.messages import coverage, header, more_titles, no_match, quiet_day
from bot.digests.recap import Recaps, recap_due, week_of
from bot.digests.recap_post import empty_recap, recap_post
from bot.digests.report import DigestReports, report_of
from bot.digests.schedule import EASTERN, is_announcement_day, parse_zone
from bot.digests.subscriptions import Subscription, SubscriptionStore
from bot.digests.updates import UpdateReplies
from bot.errors import UserFacingError
from bot.infra import keys
from bot.infra.metrics import Metrics
from bot.llm.base import LLMQuotaExhausted, reset_phrase
from bot.llm.quota import Exhausted, QuotaBook
from bot.papers.models import Figure, PaperId, PaperMeta, PaperSummary
from bot.papers.service import PaperService
from bot.summaries.card import paper_post

log = logging.getLogger(__name__)

Send = Callable[[ChatRef, Post], Awaitable[SentRef]]
Progress = Callable[[int, int, PaperMeta, UserFacingError | None], None]  # done, of, paper, error
SEND_ATTEMPTS = 3


class DeliveryFailed(RuntimeError):
    """A platform failed every attempt to send (down, timing out): the slot is retried later."""


@dataclass(kw_only=True)
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
    quota: Exhausted | None = None  # the model's daily quota was used up: failed papers wait
    gathered: list[str] = field(default_factory=list)  # weekly: kept for the recap, not posted
    recap: str | None = None  # weekly: what became of the week's recap at this run

    def describe(self) -> str:
        """One line for /subscriptions and logs."""
        when = self.announced.isoformat() if self.announced else "latest"
        if self.interrupted:
            return f"{when}: {len(self.sent)} papers before a restart; the rest follows"
        if self.unreachable:
            return f"{when}: chat unreachable ({self.unreachable})"
        if self.gathered or self.recap is not None:
            text = f"{when}: {len(self.gathered)} papers kept for the weekly recap"
            return f"{text}; {self.recap}" if self.recap else text
        if self.no_announcements:
            return f"{when}: no announcements"
        text = f"{when}: {len(self.sent)} papers"
        if self.failed:
            text += f", {len(self.failed)} to retry"
        if self.quota is not None:
            text += f" (the model's daily quota is used up; it {reset_phrase(self.quota.until)})"
        return text


@dataclass(kw_only=True)
class Collected:
    """A subscription's papers for one day, chosen and summarized; nothing sent yet."""

    found: Found
    already: int  # candidates the chat had received before
    papers: list[tuple[PaperSummary, Figure | None]] = field(default_factory=list)  # in order
    failed: list[str] = field(default_factory=list)  # versioned ids whose summary failed
    waiting: list[str] = field(default_factory=list)  # of those, failed for the used-up quota
    beyond_cap: list[PaperMeta] = field(default_factory=list)  # new, over the cap: titles only
    quota: Exhausted | None = None  # set when papers failed for the model's used-up daily quota

    @property
    def nothing_new(self) -> bool:
        """True when the chat has already received every candidate (or there were none)."""
        return not (self.papers or self.failed or self.beyond_cap)


@dataclass(kw_only=True)
class DigestRunner:
    """Runs a subscription's digest; safe to re-run after a crash (nothing is sent twice)."""

    papers: PaperService
    discovery: Discovery
    subscriptions: SubscriptionStore
    chats: ChatStore
    deliveries: DeliveryLog
    metrics: Metrics = field(default_factory=Metrics)
    quota: QuotaBook | None = None  # with it, a used-up daily quota stops new summaries
    reports: DigestReports = field(init=False)
    archive: DigestArchive = field(init=False)  # what each subscription's chat received
    recaps: Recaps | None = None  # weekly recaps (set by the composition root)

    def __post_init__(self) -> None:
        self.reports = DigestReports(self.chats.redis, self.subscriptions.prefix)
        self.archive = DigestArchive(self.chats.redis, self.subscriptions.prefix)

    def _retry_key(self, sub: Subscription) -> str:
        return keys.retries(self.subscriptions.prefix, sub.id)

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
        picked = await self.collect(sub, now=now)
        found = picked.found
        result.announced, result.already = found.announced, picked.already
        result.no_announcements = found.no_announcements and picked.nothing_new
        result.failed, result.beyond_cap = list(picked.failed), len(picked.beyond_cap)
        result.quota = picked.quota
        today = (now or datetime.now(UTC)).astimezone(EASTERN).date()
        report = report_of(
            sub,
            found,
            today,
            posted=[s.meta for s, _ in picked.papers],
            beyond_cap=picked.beyond_cap,
            already=picked.already,
            failed=picked.failed,
        )
        if not found.no_announcements:
            await self.reports.save(sub.id, report)
        self._count(found)
        await UpdateReplies.of(self).reply(  # --updates: replies under changed papers' cards
            sub, lambda item, post: self._send_once(chat, item, post, send), now, stopping
        )
        if picked.nothing_new:
            if sub.notify_empty and (found.no_announcements or not report.matched):
                weekend = not is_announcement_day(today)
                notice = (
                    quiet_day(sub, weekend) if found.no_announcements else no_match(sub, report)
                )
                await self._send_once(chat, f"empty:{sub.id}:{slot}", notice, send)
            return result
        if stopping.is_set():
            result.interrupted = True
            return result
        rest = picked.beyond_cap
        count = len(picked.papers) + len(rest)
        covered = coverage(sub, report, len(rest))
        top = header(sub, found.announced, count, covered)
        if picked.quota is not None:
            top = replace(top, text=f"{top.text}\n{waiting_for_quota(sub, picked)}")
        if await self._send_once(chat, f"header:{sub.id}:{slot}", top, send, result):
            await self.archive.record_day(sub.id, DigestDay(day=today, coverage=covered))
            await self.archive.prune(sub.id, today)  # once a run: it reads the whole archive
        for summary, figure in picked.papers:
            if result.unreachable:
                break
            if stopping.is_set():
                result.interrupted = True
                return result
            why = found.why.get(str(summary.meta.id))
            post = paper_post(summary, figure, brief=sub.detail == "brief", why=why, votes=True)
            sent = await self._send_once(chat, summary.meta.id.base, post, send, result)
            if sent is not None:
                result.sent.append(str(summary.meta.id))
                card = DeliveredCard(
                    paper=str(summary.meta.id), day=today, why=why, message_ids=sent.message_ids
                )
                await self.archive.record_card(sub.id, card)
        if stopping.is_set():
            result.interrupted = True
            return result
        if rest and not result.unreachable:
            listed = [p for p in rest if await self.deliveries.claim(chat, p.id.base)]
            delivered = False
            try:
                delivered = bool(listed) and bool(
                    await self._send_once(
                        chat, f"more:{sub.id}:{slot}", more_titles(listed, sub), send
                    )
                )
            finally:
                for paper in listed if not delivered else []:  # not sent: they stay new
                    await self.deliveries.release(chat, paper.id.base)
        await self._remember_failed(sub, result.failed)
        self.metrics.digest_papers.labels(outcome="posted").inc(len(result.sent))
        return result

    def _count(self, found: Found) -> None:
        """Count the candidates ranked and the papers withheld under the threshold."""
        self.metrics.ranked_candidates.inc(len(found.scores))
        self.metrics.digest_papers.labels(outcome="withheld").inc(len(found.below))

    async def prefetch(self, sub: Subscription, now: datetime | None = None) -> int:
        """Prefetch what ``sub``'s next digest will post (summaries, sending nothing); how many.

        The summaries land in the cache, so the digest itself only renders and sends.
        """
        return len((await self.collect(sub, now=now, weekly=sub.weekly)).papers)

    async def collect(
        self,
        sub: Subscription,
        *,
        now: datetime | None = None,
        day: date | None = None,
        progress: Progress | None = None,
        weekly: bool = False,
    ) -> Collected:
        """Choose ``sub``'s papers for today (or ``day``) and summarize those within its cap.

        Candidates are last run's failures first, then the announcement in relevance order, each
        paper once, less those the chat has received (``weekly``: less those this subscription
        kept for its recap, whatever the chat's other subscriptions posted); nothing is sent or
        recorded.
        """
        found = await self.discovery.find(sub, now, day)
        candidates = _unique(await self._retries(sub) + found.papers)
        if weekly:
            fresh = [p for p in candidates if await self.archive.card(sub.id, p.id.base) is None]
        else:
            fresh = [p for p in candidates if not await self.deliveries.has(sub.chat, p.id.base)]
        top = fresh[: sub.max_papers]
        picked = Collected(
            found=found, already=len(candidates) - len(fresh), beyond_cap=fresh[sub.max_papers :]
        )

        finished = 0

        async def one(meta: PaperMeta) -> tuple[PaperSummary, Figure | None] | None:
            nonlocal finished
            error: UserFacingError | None = None
            try:
                await self._refuse_if_exhausted(meta, sub)
                summary, _ = await self.papers.summary(meta, sub.language)
                return summary, await self.papers.figure(meta)
            except UserFacingError as exc:
                log.warning("digest %s: %s not summarized: %s", sub.id, meta.id, exc.message)
                picked.failed.append(str(meta.id))
                if isinstance(exc, LLMQuotaExhausted):
                    picked.waiting.append(str(meta.id))
                    model = self.papers.summarizer.model_id
                    picked.quota = Exhausted(model, exc.resets_at, exc.quota_id)
                error = exc
                return None
            finally:
                finished += 1
                if progress is not None:
                    progress(finished, len(top), meta, error)

        done = await asyncio.gather(*(one(m) for m in top))
        picked.papers = [d for d in done if d is not None]
        return picked

    async def _refuse_if_exhausted(self, meta: PaperMeta, sub: Subscription) -> None:
        """Raise LLMQuotaExhausted for a paper that would need the model while its daily quota
        is used up (a summary already written is still served), before its text is fetched."""
        if self.quota is None:
            return
        standing = await self.quota.exhausted(self.papers.summarizer.model_id)
        if standing is not None and not await self.papers.is_summarized(meta, sub.language):
            raise standing.error()

    async def _send_once(
        self, chat: ChatRef, item: str, post: Post, send: Send, result: DigestResult | None = None
    ) -> SentRef | None:
        """Record ``item`` as delivered, then send it; what the platform returned, or None when
        it was not sent now.

        Recording first makes delivery at most once: two runs never both send an item, and a
        crash between the record and the platform's answer never leads to a duplicate. A chat
        that is gone (ChatUnreachable) is marked and paused; a platform that keeps failing
        raises DeliveryFailed, so the slot stays open and a later tick sends the rest.
        """
        platform = chat.platform
        if not await self.deliveries.claim(chat, item):
            self.metrics.deliveries.labels(platform=platform, outcome="skipped_duplicate").inc()
            return None
        failure: Exception | None = None
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                sent = await send(chat, post)
            except asyncio.CancelledError:
                # Shutting down mid-send: the next run sends it. (A hard kill here cannot be
                # told from a delivered message: then it counts as delivered, at most once.)
                await self.deliveries.release(chat, item)
                raise
            except ChatUnreachable as exc:
                await self.deliveries.release(chat, item)
                await self.chats.mark_unreachable(exc.chat, exc.reason)
                await self.subscriptions.pause_chat(exc.chat, exc.reason)
                if result is not None:
                    result.unreachable = exc.reason
                self.metrics.deliveries.labels(platform=platform, outcome="unreachable").inc()
                return None
            except Exception as exc:
                failure = exc
                log.warning("digest send to %s failed (%d): %s", chat.key(), attempt, exc)
                await asyncio.sleep(0.5 * attempt)
                continue
            self.metrics.deliveries.labels(platform=platform, outcome="sent").inc()
            return sent
        await self.deliveries.release(chat, item)
        self.metrics.deliveries.labels(platform=platform, outcome="failed").inc()
        raise DeliveryFailed(f"{platform} refused or lost {SEND_ATTEMPTS} sends") from failure

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

    # ------------------------------------------------------------ weekly (bot.digests.recap)
    async def run_weekly(
        self,
        sub: Subscription,
        send: Send,
        slot: str,
        now: datetime | None = None,
        stopping: asyncio.Event | None = None,
    ) -> DigestResult:
        """A ``--weekly`` subscription's slot: keep today's papers for the recap without posting
        a card and, on Friday in the subscription's time zone (or its first slot after Friday
        that week), post the recap, once per week (``slot`` is unused: the week names the recap).

        Due-ness and the week are the subscriber's local date, as /subscribe promised ("on
        Fridays at 08:00 Asia/Shanghai"); the recap covers the seven announcement days (US
        Eastern, as the archive dates its cards) ending at the slot.
        """
        moment = now or datetime.now(UTC)
        result = await self.gather(sub, now=moment)
        today = moment.astimezone(EASTERN).date()
        local = moment.astimezone(parse_zone(sub.zone)).date()
        if stopping is not None and stopping.is_set():
            result.interrupted = True
            return result
        if self.recaps is not None and recap_due(local) and not result.unreachable:
            await self.send_recap(sub, send, today, result, week=week_of(local))
        return result

    async def gather(self, sub: Subscription, now: datetime | None = None) -> DigestResult:
        """Summarize (into the cache) and archive today's papers of ``sub`` without posting.

        Only the papers summarized within ``--max`` are kept, in this subscription's archive
        (unposted), which is also what later days skip: the chat's delivery log, shared by its
        other subscriptions, is left alone, so a daily subscription of the same topic in the
        chat still posts its cards.
        """
        picked = await self.collect(sub, now=now, weekly=True)
        found, result = picked.found, DigestResult()
        result.announced, result.already = found.announced, picked.already
        result.no_announcements = found.no_announcements and picked.nothing_new
        result.failed, result.quota = list(picked.failed), picked.quota
        result.beyond_cap = len(picked.beyond_cap)
        today = (now or datetime.now(UTC)).astimezone(EASTERN).date()
        kept = [s.meta for s, _ in picked.papers]
        if not found.no_announcements:
            report = report_of(
                sub,
                found,
                today,
                posted=kept,
                beyond_cap=picked.beyond_cap,
                already=picked.already,
                failed=picked.failed,
            )
            await self.reports.save(sub.id, report)
        self._count(found)
        for meta in kept:
            why = found.why.get(str(meta.id))
            card = DeliveredCard(paper=str(meta.id), day=today, why=why, posted=False)
            await self.archive.record_card(sub.id, card)
            result.gathered.append(str(meta.id))
        if kept:
            await self.archive.prune(sub.id, today)  # once a run: it reads the whole archive
        await self._remember_failed(sub, result.failed)
        return result

    async def send_recap(
        self,
        sub: Subscription,
        send: Send,
        today: date,
        result: DigestResult,
        *,
        week: str | None = None,
    ) -> None:
        """Post the recap of the week ending ``today`` (US Eastern) unless ``week`` (the
        subscriber's local ISO week; by default ``today``'s) had its recap already (any process).

        A week without papers gets its one line only with ``--notify-empty``.
        """
        assert self.recaps is not None
        item = f"recap:{sub.id}:{week or week_of(today)}"
        if await self.deliveries.has(sub.chat, item):
            return
        recap = await self.recaps.make(sub, today)
        if not recap.papers:
            if sub.notify_empty:
                await self._send_once(sub.chat, item, empty_recap(sub, recap.since, today), send)
            result.recap = "nothing this week"
            return
        if await self._send_once(sub.chat, item, recap_post(recap), send, result):
            result.recap = f"recap posted ({len(recap.papers)} papers, {len(recap.themes)} themes)"


def waiting_for_quota(sub: Subscription, picked: Collected) -> str:
    """The header's line saying how many papers wait for the model's daily quota, and until when
    (papers that failed otherwise, e.g. an unreadable PDF, are not waiting for it)."""
    assert picked.quota is not None
    count, until = len(picked.waiting), picked.quota.until.astimezone(UTC)
    if sub.language == "zh":
        return (
            f"⏳ {count} 篇论文等待语言模型的每日额度恢复（约 {until:%H:%M} UTC，太平洋时间午夜），"
            "将随下一期推送。"
        )
    papers = "paper waits" if count == 1 else "papers wait"
    return (
        f"⏳ {count} {papers} for the model's daily quota, which {reset_phrase(until)}. "
        "They come with the next digest."
    )


def _unique(papers: list[PaperMeta]) -> list[PaperMeta]:
    seen: dict[str, PaperMeta] = {}
    for paper in papers:
        seen.setdefault(paper.id.base, paper)
    return list(seen.values())
