"""Seeding a chat's taste from a reference library: its arXiv papers recorded as liked or disliked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.arxiv.api import ArxivAPI
from bot.chat.contract import ChatRef
from bot.papers.models import PaperMeta
from bot.ranking.feedback import FeedbackStore, Vote
from bot.ranking.library_files import MAX_ENTRIES, Library, title_key

MAX_TITLE_LOOKUPS = 10  # arXiv asks for 3 s between requests: a file costs at most ~30 s of titles
SHOWN_PLACES = 10

Progress = Callable[[str], Awaitable[None]]


@dataclass(slots=True)
class SeedReport:
    """What became of each entry of a library file; every entry is counted exactly once."""

    kind: str
    by_id: list[PaperMeta] = field(default_factory=list)
    by_title: list[PaperMeta] = field(default_factory=list)
    unmatched: int = 0  # no arXiv id, and no title or none that arXiv has exactly
    not_on_arxiv: int = 0  # an arXiv id arXiv does not know
    duplicates: int = 0  # a paper already counted from another entry
    titles_skipped: int = 0  # titles past MAX_TITLE_LOOKUPS, not looked up
    malformed: list[int] = field(default_factory=list)
    over_cap: int = 0

    def take(self, meta: PaperMeta, found: list[PaperMeta]) -> None:
        """Count a paper found on arXiv in ``found``, or as a duplicate if already counted."""
        if any(m.id.base == meta.id.base for m in (*self.by_id, *self.by_title)):
            self.duplicates += 1
        else:
            found.append(meta)

    @property
    def total(self) -> int:
        """How many entries the file held."""
        found = len(self.by_id) + len(self.by_title) + self.duplicates
        skipped = self.unmatched + self.not_on_arxiv + self.titles_skipped + self.over_cap
        return found + skipped + len(self.malformed)

    def describe(self, name: str) -> str:
        """The reply: "Read 30 entries: 18 arXiv papers recorded as liked (12 by id, 6 by title), …"."""
        recorded = len(self.by_id) + len(self.by_title)
        parts = [
            f"{recorded} arXiv paper{_s(recorded)} recorded as {name}d "
            f"({len(self.by_id)} by id, {len(self.by_title)} by title)",
            f"{self.unmatched} without an arXiv id or matching title",
        ]
        if self.malformed:
            where = "line" if self.kind == "BibTeX" else "item"
            shown = ", ".join(str(n) for n in self.malformed[:SHOWN_PLACES])
            more = ", …" if len(self.malformed) > SHOWN_PLACES else ""
            parts.append(
                f"{len(self.malformed)} malformed ({where}{_s(self.malformed)} {shown}{more})"
            )
        else:
            parts.append("0 malformed")
        lines = [
            f"Read {self.total} {self.kind} entr{'y' if self.total == 1 else 'ies'}: "
            + ", ".join(parts)
            + "."
        ]
        if self.not_on_arxiv:
            lines.append(f"{self.not_on_arxiv} arXiv id{_s(self.not_on_arxiv)} not found on arXiv.")
        if self.duplicates:
            lines.append(f"{self.duplicates} duplicate{_s(self.duplicates)} counted once.")
        if self.titles_skipped:
            lines.append(
                f"{self.titles_skipped} title{_s(self.titles_skipped)} not looked up: at most "
                f"{MAX_TITLE_LOOKUPS} title searches a file (arXiv asks for 3 s between "
                f"requests). Send the rest as ids with /{name}, or in another file."
            )
        if self.over_cap:
            lines.append(f"{self.over_cap} entries past the first {MAX_ENTRIES} were skipped.")
        return "\n".join(lines)


def _s(count: int | list[int]) -> str:
    return "" if (count if isinstance(count, int) else len(count)) == 1 else "s"


@dataclass(kw_only=True)
class LibrarySeeder:
    """Finds a library's papers on arXiv (ids in batches, a few titles) and records the votes."""

    api: ArxivAPI
    feedback: FeedbackStore

    async def seed(
        self, library: Library, chat: ChatRef, user_id: str, vote: Vote, progress: Progress
    ) -> SeedReport:
        """Record every paper of ``library`` found on arXiv as ``user_id``'s vote in ``chat``."""
        report = SeedReport(library.kind, malformed=library.malformed, over_cap=library.over_cap)
        wanted = [e.paper for e in library.entries if e.paper is not None]
        if wanted:
            await progress(f"Looking up {len(wanted)} arXiv id{_s(len(wanted))}…")
        found = {m.id.base: m for m in await self.api.lookup_many(list(dict.fromkeys(wanted)))}
        for paper in wanted:
            meta = found.get(paper.base)
            if meta is None:
                report.not_on_arxiv += 1
            else:
                report.take(meta, report.by_id)
        titles = [e.title for e in library.entries if e.paper is None and title_key(e.title)]
        report.unmatched = sum(1 for e in library.entries if e.paper is None) - len(titles)
        report.titles_skipped = max(0, len(titles) - MAX_TITLE_LOOKUPS)
        for number, title in enumerate(titles[:MAX_TITLE_LOOKUPS], start=1):
            await progress(
                f"Searching arXiv for titles ({number}/{min(len(titles), MAX_TITLE_LOOKUPS)})…"
            )
            meta = await self._by_title(title)
            if meta is None:
                report.unmatched += 1
            else:
                report.take(meta, report.by_title)
        for meta in report.by_id + report.by_title:
            await self.feedback.rate(chat, user_id, meta, vote)
        return report

    async def _by_title(self, title: str) -> PaperMeta | None:
        """The arXiv paper whose title is exactly ``title`` (ignoring case and punctuation)."""
        wanted = title_key(title)
        for meta in await self.api.search(wanted, limit=10):
            if title_key(meta.title) == wanted:
                return meta
        return None
