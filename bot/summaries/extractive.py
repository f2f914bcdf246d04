"""Extractive analysis: every Analysis field filled with sentences taken from the paper, no LLM."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.papers.models import Analysis, FullText, Language, PaperMeta, SectionKind
from bot.summaries.textstats import (
    centrality,
    keyphrases,
    near_duplicate,
    split_sentences,
    trim,
    words,
)

NOT_STATED = "not stated"

# How many usable sentences each kind of section may give (400 in all) and how much text is read.
_BUDGET: dict[SectionKind, int] = {
    "abstract": 40,
    "introduction": 80,
    "related": 40,
    "method": 80,
    "experiments": 80,
    "conclusion": 40,
    "other": 40,
}
_MAX_KIND_CHARS = 60_000
_BODY_KINDS = frozenset(("introduction", "method", "experiments", "conclusion"))
_CAPTION = re.compile(r"^(?:fig(?:ure)?|tab(?:le)?)\.?\s*\d", re.IGNORECASE)
_REFERENCE = re.compile(r"^\[?\d{1,3}\]?\s+[A-Z]\.")
_NUMBER = re.compile(r"\d")

Cues = tuple[tuple[re.Pattern[str], float], ...]


def _cues(*pairs: tuple[str, float]) -> Cues:
    """Compile (pattern, weight) pairs, case-insensitive unless the pattern says otherwise."""
    return tuple((re.compile(p, re.IGNORECASE), w) for p, w in pairs)


_CONTRIBUTION = _cues(
    (
        r"\b(?:we|this (?:paper|work|article|study)|in this (?:paper|work))\b[^.;]{0,60}?"
        r"\b(?:propose|introduce|present|develop|design|describe|build|release|investigate)",
        3.0,
    ),
    (r"\bour (?:method|approach|model|framework|system)\b", 1.0),
)
_PAST = _cues(
    (
        r"\b(?:previous|prior|existing|conventional|traditional|earlier|current|recent|popular)"
        r"\s+(?:\w+\s+)?(?:works?|methods?|approach\w*|models?|systems?|stud\w+|techniques?)",
        2.0,
    ),
    (
        r"\b(?:however|suffer\w*|fail\w*|limited|limitations?|struggle\w*|drawbacks?|lack\w*|"
        r"expensive|costly|difficult|bottleneck|inefficient|challenging)\b",
        1.0,
    ),
    (r"\bet al\b", 0.5),
)
_PERFORMANCE = _cues(
    (r"\d(?:\.\d+)?\s*%", 2.0),
    (r"\b\d+\.\d+\b", 1.0),
    (
        r"\b(?:outperform\w*|state-of-the-art|sota|surpass\w*|achiev\w*|improv\w*|better than|"
        r"baselines?|accuracy|error rate|bleu|f1|wer|mos|fid|psnr|ssim|speed-?up)\b",
        1.5,
    ),
    (r"(?-i:\b[A-Z][a-z]+[A-Z]\w*|\b[A-Z]{2,}[\w-]*)", 0.5),
)
_COMPARISON = _cues(
    (
        r"\b(?:outperform\w*|surpass\w*|improv\w*|reduc\w*|gains?|compared|relative|comparable to|"
        r"(?:better|worse|higher|lower|faster|slower) than|exceed\w*\b[^.]{0,40}\bby\s+\d)",
        2.0,
    ),
    (r"\d(?:\.\d+)?\s*%|\b\d+\.\d+\b", 1.0),
)
_INNOVATION = _cues(
    (
        r"\b(?:novel|unlike|in contrast to|key idea|to (?:the best of )?our knowledge|for the "
        r"first time|(?:is|are|the) first\b[^.]{0,40}\bto\b|our (?:main )?contributions?|"
        r"differs? from)",
        2.0,
    ),
    (r"\b(?:propose|introduce)\w*|\bnew\b", 1.0),
)
_IMPACT = _cues(
    (
        r"\b(?:enabl\w*|benefit\w*|impact\w*|significan\w*|promising|potential|opens?|future|useful|"
        r"important|practical)\b",
        1.0,
    ),
)
_CONCLUDING = _IMPACT + _cues(
    (r"\bwe (?:have )?(?:presented|proposed|introduced|shown|demonstrated|showed|described)", 2.0),
    (r"\b(?:this|our) (?:paper|work)\b|\bin this (?:paper|work)\b", 1.5),
)
_WORKLOAD = _cues(
    (r"(?-i:\b(?:[GT]PUs?|A100|V100|H100|RTX\s?\d+)\b)", 3.0),
    (r"\b\d+(?:\.\d+)?\s*(?:GPU[- ])?(?:hours?|days?|weeks?)\b", 3.0),
    (r"\b\d+(?:\.\d+)?\s*(?:[MBK]|million|billion)\s+(?:trainable\s+)?param(?:eter)?s\b", 3.0),
    (
        r"\b(?:parameters|FLOPs|training time|trained for|epochs?|iterations|batch size|compute|"
        r"computational cost)\b",
        1.0,
    ),
    (r"\b(?:collected|annotat\w*|crowdsourc\w*|labell?ed by|hours of (?:speech|audio|video))", 1.5),
)
_STEP = _cues(
    (r"\b(?:first|then|next|finally|second|third|subsequently|afterwards)\b", 1.0),
    (r"\b(?:we|our)\b", 0.5),
    (r"\b(?:module|stage|step|encoder|decoder|loss|input|output|consists?|compris\w*)\b", 0.5),
)


@dataclass(frozen=True, slots=True)
class Sentence:
    """One usable sentence of the paper with the section it came from and its reading position."""

    text: str
    kind: SectionKind
    order: int


def _usable(sentence: str) -> bool:
    """True for prose sentences: 5-80 words, mostly letters, not a caption or margin stamp."""
    count = len(words(sentence))
    if count < 5 or count > 80 or "arXiv:" in sentence:
        return False
    if _CAPTION.match(sentence) or _REFERENCE.match(sentence):
        return False
    if not (sentence[0].isupper() or sentence[0].isdigit() or sentence[0] in "\"“'(["):
        return False
    visible = [c for c in sentence if not c.isspace()]
    return sum(c.isalpha() for c in visible) >= 0.6 * len(visible)


def paper_sentences(meta: PaperMeta, text: FullText) -> list[Sentence]:
    """The usable sentences of the abstract and the sections, in reading order, at most 400.

    Each kind of section has its own budget; a text with no recognised headings (one 'other'
    section) gets most of the budget for its 'other' text.
    """
    abstract = meta.abstract if meta.abstract.strip() else text.text_of("abstract")
    parts: list[tuple[SectionKind, str]] = [("abstract", abstract)]
    parts += [(s.kind, s.text) for s in text.sections if s.kind != "abstract"]
    budget, max_chars = dict(_BUDGET), dict.fromkeys(_BUDGET, _MAX_KIND_CHARS)
    if not any(s.kind in _BODY_KINDS for s in text.sections):
        budget["other"], max_chars["other"] = 360, 4 * _MAX_KIND_CHARS  # no headings recognised
    taken: dict[SectionKind, int] = dict.fromkeys(_BUDGET, 0)
    read: dict[SectionKind, int] = dict.fromkeys(_BUDGET, 0)
    out: list[Sentence] = []
    seen: set[str] = set()
    for kind, body in parts:
        chunk = body[: max(0, max_chars[kind] - read[kind])]
        read[kind] += len(chunk)
        for sentence in split_sentences(chunk):
            if taken[kind] == budget[kind]:
                break
            if _usable(sentence) and sentence.lower() not in seen:
                seen.add(sentence.lower())
                out.append(Sentence(sentence, kind, len(out)))
                taken[kind] += 1
    return out


def _score(sentence: str, cues: Cues) -> float:
    """Sum of the weights of the cue patterns found in a sentence (each pattern counts once)."""
    return sum(weight for pattern, weight in cues if pattern.search(sentence))


def _distinct(ranked: Iterable[Sentence], k: int) -> list[Sentence]:
    """The first k sentences of a ranking with no near-duplicates, put back in reading order."""
    chosen: list[Sentence] = []
    for s in ranked:
        if len(chosen) == k:
            break
        if not any(near_duplicate(s.text, c.text) for c in chosen):
            chosen.append(s)
    return sorted(chosen, key=lambda s: s.order)


def _pick(
    pool: Sequence[Sentence],
    cues: Cues,
    min_score: float,
    k: int = 2,
    avoid: frozenset[str] = frozenset(),
) -> list[Sentence]:
    """The k best-scoring sentences of a pool (ties to the earliest), skipping those in `avoid`."""
    scored = [(_score(s.text, cues), s) for s in pool if s.text not in avoid]
    ranked = sorted((x for x in scored if x[0] >= min_score), key=lambda x: (-x[0], x[1].order))
    return _distinct((s for _, s in ranked), k)


def _join(picked: Sequence[Sentence], limit: int = 300) -> str:
    """Sentences joined into one field value, each trimmed, or 'not stated' when there are none."""
    return " ".join(trim(s.text, limit) for s in picked) or NOT_STATED


def _of(sentences: Sequence[Sentence], *kinds: SectionKind) -> list[Sentence]:
    """The sentences from the given kinds of section, in reading order."""
    return [s for s in sentences if s.kind in kinds]


def _summary(sentences: Sequence[Sentence]) -> str:
    """The abstract's most representative sentence (contribution cue + centrality), ≤ 100 chars."""
    pool = _of(sentences, "abstract") or _of(sentences, "introduction") or list(sentences)
    if not pool:
        return NOT_STATED
    ranks = centrality([s.text for s in pool])
    top = max(ranks) or 1.0
    scores = [
        _score(s.text, _CONTRIBUTION) + 2.0 * r / top - (0.5 if len(s.text) > 200 else 0.0)
        for s, r in zip(pool, ranks, strict=True)
    ]
    best = min(range(len(pool)), key=lambda i: (-scores[i], i))
    return trim(pool[best].text, 100)


def _takeaways(sentences: Sequence[Sentence]) -> list[str]:
    """5-7 central distinct sentences of abstract, introduction and conclusion in reading order."""
    pool = _of(sentences, "abstract", "introduction", "conclusion")
    if len(pool) < 5:
        pool = list(sentences)
    ranks = centrality([s.text for s in pool])
    ranked = sorted(range(len(pool)), key=lambda i: (-ranks[i], i))
    target = 5 if len(pool) < 20 else 7
    return [trim(s.text, 200) for s in _distinct((pool[i] for i in ranked), target)]


def _method_steps(sentences: Sequence[Sentence]) -> list[str]:
    """Up to 8 (usually 3-6) central sentences of the method section, or ['not stated'].

    A paper with no section headed like a method (e.g. 'Deep Residual Learning') gets its steps
    from the unclassified sections instead, which is where its method then is.
    """
    pool = _of(sentences, "method") or _of(sentences, "other")
    if len(pool) > 8:
        ranks = centrality([s.text for s in pool])
        top = max(ranks) or 1.0
        value = [r / top + 0.5 * _score(s.text, _STEP) for s, r in zip(pool, ranks, strict=True)]
        pool = _distinct(
            (pool[i] for i in sorted(range(len(pool)), key=lambda i: (-value[i], i))), 6
        )
    return [trim(s.text, 200) for s in pool] or [NOT_STATED]


_MARKER = r"(?:\d{1,2}|[*∗†‡§¶♦♣♠♥⋆★]+)"
_INSTITUTION = re.compile(
    r"(?<![A-Za-z])(?:Universit\w*|Institut\w*|Lab\w*|Inc\.|Research|College|School|Academy|"
    r"Department|Dept\.|Cent(?:er|re)|Corporation|Ltd|GmbH|Google|Microsoft|Meta|DeepMind|OpenAI|"
    r"NVIDIA|Amazon|Apple|IBM|Facebook|Alibaba|Tencent|Baidu|ByteDance|Huawei|Samsung|Adobe|Intel|"
    r"Polytechnic|ETH|MIT|CNRS|Inria|Max Planck)(?![a-z])"
)


def _affiliation_line(header: Sequence[str], i: int, title: str) -> str | None:
    """The institution printed on header line i (plus its continuation), without markers."""
    line = header[i]
    if "@" in line or len(line) > 200 or line.lower() in title.lower():
        return None
    if not _INSTITUTION.search(line):
        return None
    following = header[i + 1] if i + 1 < len(header) else "@"
    if line.endswith(",") and "@" not in following and not re.match(_MARKER, following):
        line = f"{line} {following}"
    line = re.sub(rf"^{_MARKER}\s*", "", line)
    line = re.split(rf"[,;]?\s+{_MARKER}(?=[A-Z])|\s*[*∗†‡§¶♦♣♠♥⋆★]+(?=[A-Z])", line)[0]
    return line.strip(" ,;") or None


def find_affiliation(first_page: str, first_author: str, title: str = "") -> str:
    """The first institution line printed after the first author on page 1, or 'not stated'."""
    lines = [line.strip() for line in first_page.splitlines() if line.strip()]
    end = next((i for i, line in enumerate(lines) if re.match(r"abstract\b", line, re.I)), 40)
    header = lines[: min(end, 40)]
    surname = (first_author.split() or [""])[-1]
    pattern = re.compile(rf"\b{re.escape(surname)}\b")
    start = next((i for i, line in enumerate(header) if surname and pattern.search(line)), 0)
    for i in [*range(start, len(header)), *range(start)]:
        found = _affiliation_line(header, i, title)
        if found:
            return found
    return NOT_STATED


def _keywords(meta: PaperMeta, text: FullText) -> list[str]:
    """3-6 keyphrases from title, abstract and body; title words fill in when too few are found."""
    body = "\n\n".join(s.text for s in text.sections if s.kind != "abstract")
    found = keyphrases(meta.title, meta.abstract or text.text_of("abstract"), body, limit=5)
    for word in keyphrases(meta.title, meta.title, "", limit=6):
        if len(found) >= 3:
            break
        if all(word.lower() not in f.lower() for f in found):
            found.append(word)
    return found or [NOT_STATED]


def extractive_analysis(meta: PaperMeta, text: FullText, language: Language) -> Analysis:
    """Fill an Analysis from sentences of the paper itself; 'not stated' where none fits.

    The content stays in the paper's language whatever `language` is: a zh reader gets the
    headings in Chinese from the renderer, but the sentences as the authors wrote them, and no
    title translation (an extractive method cannot translate).
    """
    sentences = paper_sentences(meta, text)
    abstract = _of(sentences, "abstract")
    intro = _of(sentences, "introduction")
    conclusion = _of(sentences, "conclusion")
    plain_intro = [s for s in intro if _score(s.text, _CONTRIBUTION) == 0]
    background = plain_intro[:2] or abstract[:1]
    used = frozenset(s.text for s in background)
    past_pool = _of(sentences, "abstract", "introduction", "related", "other")
    past = _pick(past_pool, _PAST, 1.0, avoid=used)
    used |= {s.text for s in past}
    method = _pick(
        _of(sentences, "abstract", "introduction", "method"), _CONTRIBUTION, 3.0, avoid=used
    )
    results = _of(sentences, "experiments", "abstract", "conclusion", "other")
    numeric = [s for s in results if _NUMBER.search(s.text) or "outperform" in s.text.lower()]
    performance = _pick(numeric, _PERFORMANCE, 2.0, avoid=used | {s.text for s in method})
    significance = _pick(conclusion, _CONCLUDING, 0.0) or _pick(abstract[-3:], _IMPACT, 1.0, k=1)
    innovation = _pick(
        _of(sentences, "abstract", "introduction", "conclusion", "method"), _INNOVATION, 2.0, k=1
    )
    assessed = [s for s in results if _NUMBER.search(s.text)]
    assessment = _pick(
        assessed, _COMPARISON, 3.0, k=1, avoid=frozenset(s.text for s in performance)
    )
    workload = _pick(sentences, _WORKLOAD, 2.0, k=1)
    first_author = meta.authors[0] if meta.authors else ""
    return Analysis(
        summary=_summary(sentences),
        takeaways=_takeaways(sentences) or [NOT_STATED],
        title_translation="",
        affiliation=find_affiliation(text.first_page, first_author, meta.title),
        keywords=_keywords(meta, text),
        background=_join(background),
        past_methods=_join(past),
        method=_join(method),
        performance=_join(performance),
        method_steps=_method_steps(sentences),
        significance=_join(significance),
        innovation=_join(innovation),
        performance_assessment=_join(assessment),
        workload=_join(workload),
    )
