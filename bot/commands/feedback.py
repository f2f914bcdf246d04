"""Feedback commands: /like and /dislike teach a chat's ranking with papers it already knows.

The papers come as arXiv ids in the text, or as a BibTeX / CSL JSON file (a Zotero export) sent
with the command: the adapter hands the file over as ``Command.attachment``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.arxiv.ids import parse_paper_ref
from bot.chat.contract import Command, CommandInfo, Conversation, OptionInfo
from bot.chat.post import Post
from bot.chat.router import Router
from bot.digests.subscriptions import SubscriptionStore
from bot.errors import BadInput, PaperNotFound
from bot.papers.models import PaperId, PaperMeta
from bot.papers.service import PaperService
from bot.ranking.feedback import FeedbackStore, Vote
from bot.ranking.library_files import read_library
from bot.ranking.seeding import LibrarySeeder

MAX_IDS = 20
_IDS = OptionInfo("ids", "arXiv ids, separated by spaces (or send a .bib / CSL JSON file)")
COMMANDS = {
    "like": CommandInfo(
        "like",
        "More papers like these in this chat's digests",
        "点赞论文：本群摘要多推荐类似论文",
        usage="/like 2408.13714 2407.09817",
        options=(_IDS,),
        reads_file=True,
    ),
    "dislike": CommandInfo(
        "dislike",
        "Fewer papers like these in this chat's digests",
        "点踩论文：本群摘要少推荐类似论文",
        usage="/dislike 2401.12345",
        options=(_IDS,),
        reads_file=True,
    ),
}


@dataclass(kw_only=True)
class FeedbackCommands:
    """Handlers for /like and /dislike: one vote per user per paper, kept per chat."""

    papers: PaperService
    feedback: FeedbackStore
    subscriptions: SubscriptionStore

    def register(self, router: Router) -> None:
        """Add /like and /dislike to the router."""
        router.add(COMMANDS["like"], self.like)
        router.add(COMMANDS["dislike"], self.dislike)

    async def like(self, command: Command, conversation: Conversation) -> None:
        """Record the given papers as liked by this user in this chat."""
        await self._rate(command, conversation, 1)

    async def dislike(self, command: Command, conversation: Conversation) -> None:
        """Record the given papers as disliked by this user in this chat."""
        await self._rate(command, conversation, -1)

    async def _rate(self, command: Command, conversation: Conversation, vote: Vote) -> None:
        name = "like" if vote > 0 else "dislike"
        if command.attachment is not None:
            await self._rate_file(command, conversation, vote, name)
            return
        words = [w for w in re.split(r"[\s,;]+", command.args) if w]
        if not words:
            raise BadInput(
                f"Which papers? {COMMANDS[name].usage}, or attach a BibTeX or CSL JSON file "
                f"(a Zotero export) to /{name} (on Telegram: as the file's caption)."
            )
        if len(words) > MAX_IDS:
            raise BadInput(f"At most {MAX_IDS} papers at a time.")
        malformed: list[str] = []
        missing: list[str] = []
        recorded: list[PaperMeta] = []
        for word in dict.fromkeys(words):
            paper = _paper(word)
            if paper is None:
                malformed.append(word[:30])
                continue
            try:
                meta = await self.papers.meta(paper)
            except PaperNotFound:
                missing.append(str(paper))
                continue
            await self.feedback.rate(command.chat, command.user_id, meta, vote)
            recorded.append(meta)
        await conversation.reply(
            Post(text=await self._answer(command, name, recorded, malformed, missing))
        )

    async def _rate_file(
        self, command: Command, conversation: Conversation, vote: Vote, name: str
    ) -> None:
        """Record the arXiv papers of a BibTeX or CSL JSON file sent with the command."""
        assert command.attachment is not None
        library = read_library(command.attachment.data)
        seeder = LibrarySeeder(api=self.papers.api, feedback=self.feedback)
        report = await seeder.seed(
            library, command.chat, command.user_id, vote, conversation.status
        )
        text = report.describe(name)
        recorded = report.by_id or report.by_title
        if recorded and not await self.subscriptions.for_chat(command.chat):
            text += "\nThey will shape this chat's digests once you /subscribe."
        await conversation.reply(Post(text=text))

    async def _answer(
        self,
        command: Command,
        name: str,
        recorded: list[PaperMeta],
        malformed: list[str],
        missing: list[str],
    ) -> str:
        lines = []
        if recorded:
            mark = "👍" if name == "like" else "👎"
            lines.append(f"{mark} Recorded {len(recorded)} {name}d paper(s) for this chat:")
            lines += [f"• {m.id.base} — {m.title}" for m in recorded]
            if not await self.subscriptions.for_chat(command.chat):
                lines.append("They will shape this chat's digests once you /subscribe.")
        else:
            lines.append("Nothing recorded.")
        if missing:
            lines.append(f"Not found on arXiv: {', '.join(missing)}")
        if malformed:
            lines.append(f"Not arXiv ids: {', '.join(malformed)} (e.g. 2408.13714)")
        return "\n".join(lines)


def _paper(word: str) -> PaperId | None:
    try:
        found = parse_paper_ref(word)
    except BadInput:
        return None
    return found if isinstance(found, PaperId) else None
