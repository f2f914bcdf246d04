"""Check a model-written Analysis claim by claim against the paper; drop or mark what it lacks.

The claims checked (``bot.summaries.evidence`` says how text, numbers and names are compared):

- each **takeaway**: its verbatim quote must occur in the paper, and every number and name in it
  must too;
- each **performance quote** must occur in the paper (the quotes are evidence, never shown);
- each **sentence** of the prose fields (summary, the overview, the conclusion, each method
  step) that states a number or a name: every one must occur in the paper.

What is unsupported is removed; when removing it would leave its field empty (every takeaway,
every sentence of a field), it is kept with a visible mark in the reader's language
("⚠ unverified: …") instead. Keywords, the title translation and the affiliation (grounded in
the front matter elsewhere) are not claims here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.papers.models import Analysis, ClaimCheck, Language
from bot.summaries.evidence import PaperText, names_in, numbers_in
from bot.summaries.labels import label

NOT_STATED = "not stated"
PROSE_FIELDS = (
    "summary",
    "background",
    "past_methods",
    "method",
    "performance",
    "significance",
    "innovation",
    "performance_assessment",
    "workload",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])|(?<=[。！？；])")


def sentences(text: str) -> list[str]:
    """The sentences of model prose (English or Chinese); decimals and "e.g." stay inside."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def states_something(text: str) -> bool:
    """True when ``text`` states a number or a name the paper could vouch for."""
    return bool(numbers_in(text) or names_in(text))


@dataclass
class _Tally:
    checked: int = 0
    removed: int = 0
    marked: int = 0


def _keep_or_mark(
    items: list[str], ok: Callable[[str, int], bool | None], mark: str, tally: _Tally
) -> list[str]:
    """Items whose claim holds (``ok`` None: not a claim); all of them, failures marked, if
    removing the failures would leave nothing."""
    verdicts = [ok(item, i) for i, item in enumerate(items)]
    tally.checked += sum(v is not None for v in verdicts)
    failed = sum(v is False for v in verdicts)
    kept = [item for item, v in zip(items, verdicts, strict=True) if v is not False]
    if kept or not failed:
        tally.removed += failed
        return kept
    tally.marked += failed
    return [mark + item for item in items]


def check_claims(
    analysis: Analysis,
    paper: PaperText,
    language: Language,
    *,
    against: str = "paper",
) -> Analysis:
    """The Analysis with unsupported claims removed or marked, and its ``check`` filled in."""
    mark = label("unverified", language)
    tally = _Tally()

    def sentence_ok(sentence: str, _: int) -> bool | None:
        if not states_something(sentence):
            return None
        return not paper.unsupported(sentence)

    def prose(text: str) -> str:
        if text.strip().lower().strip(" .") == NOT_STATED:
            return text
        kept = _keep_or_mark(sentences(text), sentence_ok, mark, tally)
        return " ".join(kept) if kept else text

    quotes = analysis.takeaway_quotes

    def takeaway_ok(takeaway: str, i: int) -> bool:
        quote = quotes[i] if i < len(quotes) else ""
        return paper.has_quote(quote) and not paper.unsupported(takeaway)

    takeaways = analysis.takeaways
    verdicts = [takeaway_ok(t, i) for i, t in enumerate(takeaways)]
    kept_takeaways = _keep_or_mark(takeaways, takeaway_ok, mark, tally)
    kept_quotes = [q for i, q in enumerate(quotes) if i < len(verdicts) and verdicts[i]]
    performance_quotes = [q for q in analysis.performance_quotes if paper.has_quote(q)]
    tally.checked += len(analysis.performance_quotes)
    tally.removed += len(analysis.performance_quotes) - len(performance_quotes)  # never shown
    steps = _keep_or_mark(analysis.method_steps, sentence_ok, mark, tally)
    fields = {name: prose(getattr(analysis, name)) for name in PROSE_FIELDS}
    check = ClaimCheck(
        checked=tally.checked,
        removed=tally.removed,
        marked=tally.marked,
        against="abstract" if against == "abstract" else "paper",
    )
    return analysis.model_copy(
        update={
            **fields,
            "takeaways": kept_takeaways,
            "takeaway_quotes": kept_quotes,
            "performance_quotes": performance_quotes,
            "method_steps": steps or analysis.method_steps,
            "check": check,
        }
    )


def unsupported_share(check: ClaimCheck) -> float:
    """Share of the checked claims that were removed or marked (0 when nothing was checked)."""
    return (check.removed + check.marked) / check.checked if check.checked else 0.0
