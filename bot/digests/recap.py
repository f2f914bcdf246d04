"""A subscription's week in review: the archive's papers of the last seven days grouped into
themes, each theme named and given a short overview by one model call from the cached summaries.

The model sees only each paper's title, one-line summary and takeaways (never the full text),
of at most ``BLOCK_PAPERS`` papers per theme (the newest: a busy week stays one call of bounded
size); a sentence of an overview holding a number or a name its theme's input lacks is dropped.
Without a model, or when the call fails, the themes keep the names clustering gave them and no
overview. Clustering is bounded too (bot.digests.themes).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, Field

from bot.arxiv.ids import parse_id
from bot.digests.archive import DeliveredCard, DigestArchive
from bot.digests.subscriptions import Subscription
from bot.digests.themes import Theme, group
from bot.errors import LLMError, UserFacingError
from bot.infra import keys
from bot.infra.cache import DAY, Cache
from bot.llm.base import LLMClient
from bot.llm.prompts import LANGUAGE_NAMES, PromptPair, fill, load
from bot.papers.models import PaperMeta, PaperSummary
from bot.papers.service import PaperService
from bot.ranking.feedback import FeedbackStore
from bot.summaries.evidence import PaperText

log = logging.getLogger(__name__)

RECAP_DAYS = 7
RECAP_WEEKDAY = 4  # Friday, in the subscription's time zone
BLOCK_PAPERS = 40  # papers per theme the model reads (the newest); all are listed
OVERVIEW_SENTENCES = 3
NAME_CHARS = 80
WRITING_TTL = 14 * DAY
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


def recap_due(day: date) -> bool:
    """Whether a weekly subscription's slot on ``day`` (the subscriber's local date) owes the
    week's recap: on Friday, or the first slot after it within the same week when Friday's was
    missed."""
    return day.weekday() >= RECAP_WEEKDAY


def week_of(day: date) -> str:
    """The ISO week ``day`` falls in, e.g. ``2024-W48``: a recap is posted once per week."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class ThemeWriting(BaseModel):
    """What the model wrote for one theme."""

    theme: int = Field(description="The theme's id, as given.")
    name: str = Field(description="A short name for the theme, 2 to 6 words.")
    overview: str = Field(description="2 or 3 sentences: what this week's papers on it do.")


class RecapWriting(BaseModel):
    """The model's answer: one entry per theme."""

    themes: list[ThemeWriting]


@dataclass(frozen=True, slots=True)
class RecapPaper:
    """A paper of the week: its metadata, the day it came, its cached summary, the chat's 👍."""

    meta: PaperMeta
    day: date
    summary: PaperSummary | None
    liked: bool


@dataclass(frozen=True, slots=True)
class RecapTheme:
    """A theme as shown: its name, its overview ("" without a model) and its papers."""

    name: str
    overview: str
    papers: tuple[RecapPaper, ...]


@dataclass(frozen=True, slots=True)
class Recap:
    """A subscription's week: the papers, their themes, and who wrote the overviews."""

    sub: Subscription
    since: date
    until: date
    papers: tuple[RecapPaper, ...]
    themes: tuple[RecapTheme, ...] = ()
    written_by: str | None = None  # the model's label; None: extractive (no overviews)
    failure: str | None = None  # why a configured model wrote no overviews this time
    dropped: int = 0  # overview sentences removed for numbers or names not in the summaries

    @property
    def liked(self) -> tuple[RecapPaper, ...]:
        """The papers the chat liked, in the order they came."""
        return tuple(p for p in self.papers if p.liked)


class Recaps:
    """Builds recaps from a subscription's archive; one model call per grouping of papers,
    cached, so asking again (or another process posting the same week) costs nothing."""

    def __init__(
        self,
        *,
        papers: PaperService,
        archive: DigestArchive,
        feedback: FeedbackStore,
        cache: Cache,
        llm: LLMClient | None,
        prompts: PromptPair | None = None,
    ) -> None:
        self.papers = papers
        self.archive = archive
        self.feedback = feedback
        self.cache = cache
        self.llm = llm
        self.prompts = prompts or load("recap")

    async def make(self, sub: Subscription, until: date) -> Recap:
        """The recap of the ``RECAP_DAYS`` days ending ``until`` (US Eastern announcement days)."""
        since = until - timedelta(days=RECAP_DAYS - 1)
        papers = await self._papers(sub, since, until)
        recap = Recap(sub=sub, since=since, until=until, papers=tuple(papers))
        if not papers:
            return recap
        texts = [_cluster_text(p, sub) for p in papers]
        themes = await asyncio.to_thread(group, texts)
        if self.llm is None:
            shown = tuple(_extractive(t, papers) for t in themes)
            return Recap(sub=sub, since=since, until=until, papers=recap.papers, themes=shown)
        blocks = [_theme_block(i, t, papers) for i, t in enumerate(themes, 1)]
        try:
            writing = await self._write(sub, blocks, len(papers))
        except LLMError as exc:
            log.warning("recap of %s: overviews not written: %s", sub.id, exc.message)
            shown = tuple(_extractive(t, papers) for t in themes)
            return Recap(
                sub=sub,
                since=since,
                until=until,
                papers=recap.papers,
                themes=shown,
                failure=exc.message,
            )
        written = {w.theme: w for w in writing.themes}
        shown_themes: list[RecapTheme] = []
        dropped = 0
        for index, (theme, block) in enumerate(zip(themes, blocks, strict=True), 1):
            evidence = PaperText.build(block)
            entry = written.get(index)
            name = _checked_name(entry.name if entry else "", evidence) or theme.name
            overview, removed = _checked_overview(entry.overview if entry else "", evidence)
            dropped += removed
            members = tuple(papers[i] for i in theme.members)
            shown_themes.append(RecapTheme(name=name, overview=overview, papers=members))
        return Recap(
            sub=sub,
            since=since,
            until=until,
            papers=recap.papers,
            themes=tuple(shown_themes),
            written_by=self.llm_label,
            dropped=dropped,
        )

    @property
    def llm_label(self) -> str:
        """Who writes the overviews, e.g. "Gemini (gemini-2.5-flash)"."""
        return self.llm.label if self.llm is not None else "extractive"

    async def _papers(self, sub: Subscription, since: date, until: date) -> list[RecapPaper]:
        """The archive's papers of those days, oldest first, with cached summaries only."""
        cards = [c for c in await self.archive.cards(sub.id, since) if c.day <= until]
        cards.sort(key=lambda c: (c.day, c.sent_at))
        liked = {_base(e.paper) for e in await self.feedback.examples(sub.chat) if e.vote > 0}
        found = []
        for card in cards:
            paper = await self._paper(card, sub, liked)
            if paper is not None:
                found.append(paper)
        return found

    async def _paper(
        self, card: DeliveredCard, sub: Subscription, liked: set[str]
    ) -> RecapPaper | None:
        paper = parse_id(card.paper)
        if paper is None:
            return None
        try:
            meta = await self.papers.meta(paper)  # cached when the digest ran
        except UserFacingError as exc:
            log.info("recap of %s: %s left out: %s", sub.id, card.paper, exc.message)
            return None
        summary = None
        if await self.papers.is_summarized(meta, sub.language):  # never summarized here
            summary, _ = await self.papers.summary(meta, sub.language)
        return RecapPaper(meta=meta, day=card.day, summary=summary, liked=card.base in liked)

    async def _write(self, sub: Subscription, blocks: list[str], count: int) -> RecapWriting:
        """One model call for every theme (cached by its input)."""
        assert self.llm is not None
        llm = self.llm
        system = fill(self.prompts.system, language_name=LANGUAGE_NAMES[sub.language])
        prompt = fill(
            self.prompts.user,
            topic=sub.topic(),
            papers=str(count),
            count=str(len(blocks)),
            themes="\n".join(blocks),
        )
        digest = hashlib.sha256(f"{system}\0{prompt}".encode()).hexdigest()[:16]
        key = keys.recap(
            self.cache.prefix,
            sub.language,
            f"{llm.provider}/{llm.model}",
            self.prompts.fingerprint,
            digest,
        )

        async def write() -> RecapWriting:
            reply = await llm.generate_json(
                system=system, prompt=prompt, schema=RecapWriting, max_output_tokens=2048
            )
            return reply.value

        writing, _ = await self.cache.get_or_compute(key, RecapWriting, write, ttl=WRITING_TTL)
        return writing


def _cluster_text(paper: RecapPaper, sub: Subscription) -> str:
    """Title and abstract, with the English one-line summary: what the clustering reads."""
    text = f"{paper.meta.title}. {paper.meta.abstract}"
    if paper.summary is not None and sub.language == "en":
        text += f" {paper.summary.analysis.summary}"
    return text


def _theme_block(index: int, theme: Theme, papers: list[RecapPaper]) -> str:
    """One theme as the model reads it: its terms, and each paper's title, summary, takeaways
    (its newest ``BLOCK_PAPERS`` papers)."""
    lines = [f'<theme id="{index}" terms="{theme.name}">']
    for i in theme.members[-BLOCK_PAPERS:]:
        paper = papers[i]
        lines.append(f"- {paper.meta.title}")
        if paper.summary is not None:
            analysis = paper.summary.analysis
            lines.append(f"  Summary: {analysis.summary}")
            if analysis.takeaways:
                lines.append(f"  Takeaways: {'; '.join(analysis.takeaways)}")
    lines.append("</theme>")
    return "\n".join(lines)


def _extractive(theme: Theme, papers: list[RecapPaper]) -> RecapTheme:
    return RecapTheme(name=theme.name, overview="", papers=tuple(papers[i] for i in theme.members))


def _checked_name(name: str, evidence: PaperText) -> str:
    """The model's theme name, or "" when it is empty, too long or names what the input lacks."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_CHARS or evidence.unsupported(name):
        return ""
    return name


def _checked_overview(overview: str, evidence: PaperText) -> tuple[str, int]:
    """The overview without sentences stating numbers or names the input lacks; how many went."""
    sentences = [s.strip() for s in _SENTENCE_END.split(" ".join(overview.split())) if s.strip()]
    kept = [s for s in sentences if not evidence.unsupported(s)]
    removed = len(sentences) - len(kept)
    kept = kept[:OVERVIEW_SENTENCES]
    joiner = "" if any(_is_cjk(s[-1]) for s in kept) else " "
    return joiner.join(kept), removed


def _is_cjk(char: str) -> bool:
    return char in "。！？" or "\u4e00" <= char <= "\u9fff"


def _base(versioned: str) -> str:
    paper = parse_id(versioned)
    return paper.base if paper is not None else versioned
