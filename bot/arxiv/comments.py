"""What an arXiv comment says about where a paper was accepted: the phrase, or nothing.

An acceptance is stated in words ("Accepted to CVPR 2025", "accepted as an oral at ICML 2025",
"To appear in IEEE TPAMI", "Published in Nature Communications", "In Proceedings of …",
"ECCV 2024 camera-ready") and names a venue. Hopes and plans are not acceptances: "Under review
at ICLR 2025", "Submitted to NeurIPS 2025", "not accepted", "accepted pending revisions",
"extended version of a paper accepted at …" all give nothing, and so do words about another
paper or result ("supersedes the one accepted at ECCV", "Results published in Nature … are
reproduced") or an acceptance "in principle". The trigger must open its clause (at most
``MAX_LEAD_WORDS`` words before it since the clause's start or its last comma or colon, unless
those words name this paper: "The final version of this paper has been accepted to …"), so a
long sentence that merely mentions an accepted paper states nothing. The phrase returned is cut
from the comment itself, never written by anyone else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PHRASE = 140  # characters; a longer clause is cut at a word boundary
MAX_VENUE_WORDS = 12  # a venue's key words kept (its name and year come first)
MAX_LEAD_WORDS = 6  # "This paper has been accepted to …"; more words: it is about something else

_TRIGGER = re.compile(
    r"\b(?:accepted|to\s+appear|will\s+appear|forthcoming|in\s+press|published"
    r"|in\s+proceedings\s+of"
    r"|(?:to\s+be\s+)?presented\s+(?:at|in)|camera[\s-]*ready)\b",
    re.IGNORECASE,
)
_CAMERA_READY = re.compile(r"camera[\s-]*ready", re.IGNORECASE)
# Before the trigger, in the same clause: it is a hope, a refusal or about another paper.
_HEDGE_BEFORE = re.compile(
    r"\b(?:not|never|submitted|submission|under\s+review|rejected|conditionally|if|once|when"
    r"|hopefully|extension\s+of|to\s+be|will\s+be|may\s+be"
    r"|supersed(?:e|es|ed|ing)|replaces|the\s+one|results?|findings|based\s+on|builds?\s+on"
    r"|(?:shorter|short|preliminary|earlier|previous|prior|conference|workshop|extended|abridged)"
    r"\s+version)\b",
    re.IGNORECASE,
)
# After it: conditions still to be met.
_HEDGE_AFTER = re.compile(
    r"\b(?:pending|subject\s+to|conditional(?:ly)?|with\s+(?:major|minor)\s+revisions?"
    r"|in[\s-]+principle)\b",
    re.IGNORECASE,
)
# Where a clause ends: ; | new line, ". Next", ", 10 pages", or before "code at …" or a URL.
_BREAK = re.compile(
    r"[;|\n]"
    r"|\.\s+(?=(?-i:[A-Z0-9(]))"
    r"|,\s*(?=\d+\s*(?:pages?|figures?|figs?|tables?|pp)\b)"
    r"|(?:[,.:]?\s+|[,.:])"
    r"(?=(?:project\s+page|code|github|website|webpage|demo|https?://)(?![a-z]))",
    re.IGNORECASE,
)
_ABBREVIATIONS = frozenset(
    """proc trans conf int intl vol no symp assoc comput lett rev phys sci eng inf mach learn
    res stat appl math univ al""".split()  # noqa: SIM905
)
_LEAD = re.compile(r"[,:]")  # a clause's parts: the trigger opens one of them
_THIS_PAPER = re.compile(
    r"\b(?:this|our)\s+(?:paper|work|manuscript|article|version|study|preprint)\b", re.IGNORECASE
)
_LAST_WORD = re.compile(r"([A-Za-z]+)\s*$")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9&+'-]*")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
# Words that say "accepted" rather than where: left out of the venue's key.
_NOT_VENUE = frozenset(
    """accepted acceptance to at by for in into on as the a an of and appear appears will be
    published publication presented presentation forthcoming press camera ready camera-ready
    version final paper papers this work article manuscript main conference track proceedings
    oral poster spotlight highlight long short full regular talk""".split()  # noqa: SIM905
)


@dataclass(frozen=True, slots=True)
class Acceptance:
    """An acceptance stated in a comment: the phrase as written and the venue's key words."""

    phrase: str  # "Accepted to NeurIPS 2025", first letter capitalized
    venue: tuple[str, ...]  # ("neurips", "2025"): lower-case words naming the venue

    @property
    def key(self) -> str:
        """A stable name of the venue, e.g. ``neurips-2025`` (the year included)."""
        return "-".join(self.venue)

    def restates(self, other: Acceptance | None) -> bool:
        """True when ``other`` already said this (same venue words, however worded)."""
        return other is not None and set(self.venue) <= set(other.venue)


def _clauses(comment: str) -> list[str]:
    """The comment's clauses, in order (an abbreviation's dot does not end one)."""
    found: list[str] = []
    start = 0
    for end in _BREAK.finditer(comment):
        if end.group().startswith("."):
            word = _LAST_WORD.search(comment[: end.start()])
            if word and (len(word[1]) == 1 or word[1].lower() in _ABBREVIATIONS):
                continue  # "Proc. of", "J. Mach. Learn. Res."
        found.append(comment[start : end.start()])
        start = end.end()
    found.append(comment[start:])
    return [c for c in found if c.strip()]


def _venue(text: str) -> tuple[str, ...]:
    """The venue's words in the text after a trigger: names, acronyms and years, lower-case."""
    words: list[str] = []
    for word in _WORD.findall(text):
        low = word.lower().strip("'-")
        if not low or low in _NOT_VENUE or low in words:
            continue
        if words or _YEAR.match(low) or word[0].isupper() or word[0].isdigit():
            words.append(low)  # the venue starts at its first name, acronym or year
        if len(words) == MAX_VENUE_WORDS:
            break
    # a venue needs a name: at least one capitalized word or acronym, not only a year
    named = any(not _YEAR.match(w) and not w.isdigit() for w in words)
    return tuple(words) if named else ()


def _capped(phrase: str) -> str:
    phrase = " ".join(phrase.split()).rstrip(" ,.;:-–—")
    if phrase.count("(") > phrase.count(")"):
        phrase += ")"
    if len(phrase) > MAX_PHRASE:
        phrase = phrase[:MAX_PHRASE].rsplit(" ", 1)[0].rstrip(" ,.;:-–—(") + "…"
    return phrase[:1].upper() + phrase[1:]


def acceptance(comment: str | None) -> Acceptance | None:
    """The acceptance the comment states, or None (none stated, or only a hope or plan)."""
    if not comment:
        return None
    for clause in _clauses(comment):
        for trigger in _TRIGGER.finditer(clause):
            before, after = clause[: trigger.start()], clause[trigger.end() :]
            if _HEDGE_BEFORE.search(before) or _HEDGE_AFTER.search(after):
                continue
            camera_ready = _CAMERA_READY.fullmatch(trigger.group()) is not None
            lead = _LEAD.split(before)[-1]
            long_lead = len(_WORD.findall(lead)) > MAX_LEAD_WORDS
            if long_lead and not camera_ready and not _THIS_PAPER.search(lead):
                continue  # "We reproduce the experiments of the paper accepted at …"
            if camera_ready:
                venue, phrase = _venue(clause), clause  # "ECCV 2024 camera-ready version"
            else:
                venue, phrase = _venue(after), clause[trigger.start() :]
            if venue:
                return Acceptance(_capped(phrase), venue)
    return None
