"""/why: what became of one paper in each of this chat's subscriptions, one line each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.arxiv.ids import parse_id, parse_paper_ref
from bot.chat.contract import Command, CommandInfo, Conversation, OptionInfo
from bot.chat.post import Post
from bot.chat.router import Router
from bot.digests.report import KEEP_DAYS, DigestReport
from bot.digests.runner import DigestRunner
from bot.digests.schedule import parse_zone
from bot.digests.subscribe_args import SUBSCRIBE_EXAMPLE
from bot.digests.subscriptions import Subscription
from bot.errors import BadInput
from bot.infra import keys
from bot.papers.models import Language, PaperId, PaperMeta
from bot.papers.service import PaperService
from bot.summaries.labels import label

COMMANDS = {
    "why": CommandInfo(
        "why",
        "What happened to a paper in this chat's digests",
        "查询某篇论文为何推送或未推送",
        usage="/why 2408.13714",
        options=(OptionInfo("paper", "arXiv id or link", required=True),),
    ),
}


@dataclass(kw_only=True)
class WhyCommands:
    """The /why handler: reads the delivery log, the retry sets and the digests' reports."""

    papers: PaperService
    runner: DigestRunner

    def register(self, router: Router) -> None:
        """Add /why to the router."""
        router.add(COMMANDS["why"], self.why)

    async def why(self, command: Command, conversation: Conversation) -> None:
        """One line per subscription of this chat saying what became of the paper."""
        paper = _paper(command.args)
        subs = await self.runner.subscriptions.for_chat(command.chat)
        if not subs:
            raise BadInput(f"This chat has no subscriptions. {SUBSCRIBE_EXAMPLE}")
        meta = await self.papers.meta(paper)  # PaperNotFound answers "not on arXiv"
        lines = [f"{meta.id} — {meta.title}"]
        for sub in subs:
            lines.append(f"• {sub.id} ({sub.topic()}): {await self.fate(sub, meta)}")
        await conversation.reply(Post(text="\n".join(lines)))

    async def fate(self, sub: Subscription, meta: PaperMeta) -> str:
        """What happened to ``meta`` in ``sub``, most decisive fact first."""
        language, base = sub.language, meta.id.base
        reports = await self.runner.reports.all(sub.id)
        when = await self.runner.chats.redis.zscore(
            keys.delivered(self.runner.subscriptions.prefix, sub.chat), base
        )
        if when is not None:
            day = datetime.fromtimestamp(when, parse_zone(sub.zone)).date().isoformat()
            sent = _posted_version(reports, base)
            if sent is not None and (meta.id.version or 0) > sent:
                return label("fate_later_version", language, version=str(meta.id), day=day)
            return label("fate_delivered", language, day=day)
        kept = await self.runner.archive.card(sub.id, base) if sub.weekly else None
        if kept is not None:  # a --weekly subscription keeps its papers for the recap
            return label("fate_delivered", language, day=kept.day.isoformat())
        if await self._retried(sub, base):
            return label("fate_retry", language)
        for report in reports:
            line = _in_report(report, base, language)
            if line is not None:
                return line
        if sub.categories and not set(meta.categories) & set(sub.categories):
            shown = ", ".join(meta.categories or (meta.primary_category,))
            return label("fate_other_categories", language, categories=shown)
        return label("fate_unseen", language, days=str(KEEP_DAYS))

    async def _retried(self, sub: Subscription, base: str) -> bool:
        key = keys.retries(self.runner.subscriptions.prefix, sub.id)
        members = await self.runner.chats.redis.smembers(key)
        return any(PaperId.model_validate_json(m).base == base for m in members)


def _in_report(report: DigestReport, base: str, language: Language) -> str | None:
    day = report.day.isoformat()
    for left in report.left:
        if _base(left.id) != base:
            continue
        if left.reason == "below" and left.score is not None and report.threshold is not None:
            score, threshold = f"{left.score:.2f}", f"{report.threshold:.2f}"
            return label("fate_below", language, day=day, score=score, threshold=threshold)
        return label("fate_cap", language, day=day)
    if base in report.cross_left:
        return label("fate_cross", language, day=day)
    if base in report.unmatched:
        return label("fate_unmatched", language, day=day)
    return None


def _posted_version(reports: list[DigestReport], base: str) -> int | None:
    for report in reports:
        for versioned in report.posted:
            paper = parse_id(versioned)
            if paper is not None and paper.base == base:
                return paper.version
    return None


def _paper(text: str) -> PaperId:
    words = text.split()
    if len(words) != 1:
        raise BadInput(f"Which paper? {COMMANDS['why'].usage} (an arXiv id or link)")
    found = parse_paper_ref(words[0])
    if not isinstance(found, PaperId):
        raise BadInput(f"{words[0][:40]!r} is not an arXiv id or link. {COMMANDS['why'].usage}")
    return found


def _base(versioned: str) -> str:
    paper = parse_id(versioned)
    return paper.base if paper is not None else versioned
