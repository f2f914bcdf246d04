"""Card votes: a 👍/👎 tap turned into the tapper's per-chat vote, and the card's tally."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.arxiv.ids import parse_id
from bot.chat.contract import Tap, VoteResult
from bot.errors import PaperNotFound
from bot.papers.service import PaperService
from bot.ranking.feedback import FeedbackStore, Vote

log = logging.getLogger(__name__)
NOTES = {1: "👍 recorded", -1: "👎 recorded", 0: "Vote withdrawn"}


@dataclass(kw_only=True)
class CardVotes:
    """Taps on cards: one vote per member per paper per chat, kept in the FeedbackStore.

    Tapping the button of one's current vote withdraws it; the other button changes it. A
    reaction sets the vote when added and withdraws it when removed (if it is still that). The
    paper's metadata (cached by PaperService) is stored with the vote for the ranking; no model
    is called. Votes count whether or not the chat still subscribes (a chat's taste outlives
    its subscriptions, as with /like).
    """

    papers: PaperService
    feedback: FeedbackStore

    async def vote(self, tap: Tap) -> VoteResult:
        """Record the tap (toggling as above) and return the paper's tally in that chat."""
        paper = parse_id(tap.paper)
        if paper is None:
            return VoteResult(0, 0, 0, "That button is not about a paper.", recorded=False)
        previous = await self.feedback.vote_of(tap.chat, tap.user_id, paper.base)
        wanted = _wanted(tap, previous)
        try:
            meta = await self.papers.meta(paper)
        except PaperNotFound:
            up, down = await self.feedback.tally(tap.chat, paper.base)
            return VoteResult(up, down, previous, "arXiv has no such paper.", recorded=False)
        await self.feedback.rate(tap.chat, tap.user_id, meta, wanted)
        up, down = await self.feedback.tally(tap.chat, paper.base)
        log.info("vote %+d on %s in %s", wanted, paper.base, tap.chat.key())
        return VoteResult(up, down, wanted, NOTES[wanted])


def _wanted(tap: Tap, previous: Vote) -> Vote:
    """The tapper's vote after ``tap``, given the one they had."""
    if tap.mode == "set":
        return tap.value
    if tap.mode == "unset":
        return 0 if previous == tap.value else previous
    return 0 if previous == tap.value else tap.value
