"""Text statistics for extractive summaries: cleaning, sentences, terms, keyphrases, ranking."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence


def _wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of a literal, as a set."""
    return frozenset(text.split())


STOPWORDS = _wordset(
    """a about above after again against all almost along already also although always am among an
    and another any are aren't around as at be because been before being below between both but by
    can cannot could did do does doing done down due during each either else etc even ever every
    few for from further had has have having he her here hers him his how however i if in into is
    isn't it its itself just least less let like made make makes many may me might more most much
    must my neither no nor not now of off often on once one only onto or other others otherwise our
    ours out over own per perhaps rather same she should since so some such than that the their
    theirs them themselves then there thereby therefore these they this those though through thus to
    too toward towards under until up upon us very via was we well were what when where whether
    which while who whom whose why will with within without would yet you your"""
)
# Words that are fine inside a keyphrase's neighbourhood but never make a keyword themselves.
_GENERIC = _wordset(
    """paper work method methods approach approaches result results propose proposed proposes show
    shows shown use used uses using based new novel different various several first second
    third two three four five large small high low good better best recent recently existing
    previous prior state art fig figure figures table tables section sections eq equation et al
    e.g i.e respectively moreover furthermore additionally specifically finally example task
    tasks problem problems way ways number numbers set sets case cases present presents
    presented introduce introduces introduced achieve achieves achieved obtain obtained provide
    provides provided demonstrate demonstrates study studies studied given allow allows enable
    enables significant significantly improve improves improved performance effective efficient
    important able key main related following further compared experiments experimental code
    available github http https www com org pdf arxiv while whereas thereby"""
)
_ABBREVIATIONS = _wordset(
    "e.g i.e al fig figs eq eqs eqn sec secs tab vs cf resp approx no nos ref refs dr mr ms mrs "
    "prof st vol pp ed eds ch app alg def thm lem prop cor jr ca viz"
)
_BOUNDARY = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_CAPTION_LABEL = re.compile(r"(?:^|\s)((?:Fig(?:ure)?|Table|Tab)\.?\s*\d+\.)$", re.IGNORECASE)
_REFERRING = _wordset("in see of and or to from with as by on at")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['’-][A-Za-z0-9]+)*")
_CHUNK_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”/|=<>]")
_LATEX_DROP = re.compile(
    r"\\(?:cite[tp]?|ref|eqref|autoref|[cC]ref|label|footnote|url|href)\*?(?:\[[^\]]*\])?\{[^}]*\}"
)
_LATEX_KEEP = re.compile(r"\\(?:text\w*|emph|math\w*|underline|mbox|textsc)\{([^{}]*)\}")
_LATEX_SYMBOLS = {
    r"\sim": "~",
    r"\times": "×",
    r"\pm": "±",
    r"\approx": "≈",
    r"\leq": "≤",
    r"\geq": "≥",
    r"\le": "≤",
    r"\ge": "≥",
    r"\%": "%",
    r"\&": "&",
    r"\_": "_",
    "``": "“",
    "''": "”",
}
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?")
_NUMERIC_CITATION = re.compile(r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]")


def clean_text(text: str) -> str:
    """Undo PDF line-break hyphens and LaTeX leftovers, drop numeric citations, collapse spaces."""
    text = re.sub(r"[\ufffe\u00ad\x02]\s*", "", text)
    text = re.sub(r"(?<=[a-z])-\s*\n\s*(?=[a-z])", "", text)
    text = _LATEX_DROP.sub("", re.sub(r"(?<=\S)~(?=\S)", " ", text))
    for _ in range(2):
        text = _LATEX_KEEP.sub(r"\1", text)
    for command, symbol in _LATEX_SYMBOLS.items():
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", symbol, text)
    text = _LATEX_COMMAND.sub("", text).replace("$", "").replace("{", "").replace("}", "")
    text = _NUMERIC_CITATION.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def _ends_with_abbreviation(chunk: str) -> bool:
    """True when the text before a full stop ends in an abbreviation or an initial ('J.')."""
    last = chunk.rsplit(None, 1)[-1].lstrip("([\"'“").rstrip(".!?\"')]”’") if chunk.strip() else ""
    return last.lower() in _ABBREVIATIONS or (len(last) == 1 and last.isupper())


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, not at 'e.g.', 'et al.', 'Fig. 3', initials or decimals.

    A caption label ('Figure 1. Training error …') starts a sentence and stays inside it, so
    captions can be recognised and left out.
    """
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = clean_text(paragraph)
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            chunk = paragraph[start : match.start() + 1]
            label = _CAPTION_LABEL.search(chunk)
            before = chunk[: label.start(1)].split() if label else []
            if label and (not before or before[-1].lower().lstrip("(") not in _REFERRING):
                if before:  # 'junk Figure 1. Caption …': the caption starts a sentence of its own
                    sentences.append(chunk[: label.start(1)].strip())
                start += label.start(1)
                continue
            if _ends_with_abbreviation(chunk):
                continue
            sentences.append(paragraph[start : match.end()].strip())
            start = match.end()
        if paragraph[start:].strip():
            sentences.append(paragraph[start:].strip())
    return sentences


def words(text: str) -> list[str]:
    """The word tokens of a text, as written (letters first; pure numbers are not words)."""
    return _WORD.findall(text)


def stem(word: str) -> str:
    """A light, lower-case plural stripper so 'networks' and 'network' count as one term."""
    word = word.lower().replace("’", "'")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed words of a text that carry meaning: no stopwords, single letters or generic words."""
    return [
        stem(w)
        for w in words(text)
        if len(w) > 1 and w.lower() not in STOPWORDS and w.lower() not in _GENERIC
    ]


def near_duplicate(a: str, b: str, threshold: float = 0.6) -> bool:
    """True when two sentences share most of their content terms (Jaccard at least threshold)."""
    ta, tb = set(content_terms(a)), set(content_terms(b))
    if not ta or not tb:
        return a.strip().lower() == b.strip().lower()
    return len(ta & tb) / len(ta | tb) >= threshold


def centrality(
    sentences: Sequence[str], iterations: int = 30, damping: float = 0.85
) -> list[float]:
    """TextRank scores over the TF-IDF cosine-similarity graph of the sentences (sum to ~1)."""
    bags = [Counter(content_terms(s)) for s in sentences]
    n = len(bags)
    if n == 0:
        return []
    df = Counter(t for bag in bags for t in bag)
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, bag in enumerate(bags):
        weights = {t: c * math.log((n + 1) / df[t]) for t, c in bag.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for t, w in sorted(weights.items()):
            postings[t].append((i, w / norm))
    edges: list[dict[int, float]] = [defaultdict(float) for _ in range(n)]
    for plist in postings.values():
        if n >= 10 and len(plist) > n // 2:
            continue  # near-ubiquitous terms carry ~0 weight but cost O(df²)
        for i, wi in plist:
            for j, wj in plist:
                if i != j:
                    edges[i][j] += wi * wj
    out = [sum(e.values()) for e in edges]
    scores = [1.0 / n] * n
    for _ in range(iterations):
        incoming = [0.0] * n
        for j, e in enumerate(edges):
            if out[j] > 0:
                share = scores[j] / out[j]
                for i, w in e.items():
                    incoming[i] += w * share
        scores = [(1 - damping) / n + damping * x for x in incoming]
    return scores


def _display(token: str, title_shouts: bool) -> str:
    """Keep acronyms and mixed case ('LoRA', 'TTS', 'WaveNet'), lower-case everything else."""
    upper = sum(c.isupper() for c in token)
    keep = upper >= 2 and (not token.isupper() or len(token) <= 5)
    return token if keep and not title_shouts else token.lower()


def keyphrases(title: str, abstract: str, body: str, limit: int = 5) -> list[str]:
    """Up to `limit` key terms, preferring multi-word phrases, ranked by weighted frequency.

    Phrases are runs of 1-3 words with no stopword or punctuation between them; a title mention
    weighs 3, an abstract mention 2 and the body counts logarithmically.
    """
    counts: dict[tuple[str, ...], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    surfaces: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for source, text in enumerate((title, abstract, body[:200_000])):
        tokens: dict[str, _Token | None] = {}
        shouts = source == 0 and title.isupper()
        for chunk in _CHUNK_BREAK.split(clean_text(text)):
            run: list[_Token] = []
            for raw in [*chunk.split(), ""]:
                if raw not in tokens:
                    tokens[raw] = _token(raw, shouts)
                token = tokens[raw]
                if token is not None:
                    run.append(token)
                    continue
                _count_ngrams(run, source, counts, surfaces)
                run = []
    scored: list[tuple[float, tuple[str, ...]]] = []
    for key, (in_title, in_abstract, in_body) in counts.items():
        if in_title + in_abstract + in_body < 2:
            continue
        score = 3.0 * min(in_title, 1.0) + 2.0 * in_abstract + math.log2(1.0 + in_body)
        scored.append((score * (0.6 if len(key) == 1 else 1.6), key))
    chosen: list[tuple[str, ...]] = []
    for _score, key in sorted(scored, key=lambda item: (-item[0], item[1])):
        joined = f" {' '.join(key)} "
        if any(joined in f" {' '.join(c)} " or f" {' '.join(c)} " in joined for c in chosen):
            continue
        chosen.append(key)
        if len(chosen) == limit:
            break
    return [min(surfaces[k].items(), key=lambda item: (-item[1], item[0]))[0] for k in chosen]


_Token = tuple[str, str, bool]  # (stem, how it is shown, whether it is a generic word)


def _token(raw: str, shouts: bool) -> _Token | None:
    """A keyphrase word from a whitespace token, or None where a phrase must break."""
    word = re.sub(r"['’]s$", "", raw.strip("'’-"))
    if not _WORD.fullmatch(word) or len(word) < 2 or word.lower() in STOPWORDS:
        return None
    return stem(word), _display(word, shouts), word.lower() in _GENERIC


def _count_ngrams(
    run: list[_Token],
    source: int,
    counts: dict[tuple[str, ...], list[float]],
    surfaces: dict[tuple[str, ...], Counter[str]],
) -> None:
    """Count every 1-3 word n-gram of a stopword-free run whose ends are not generic words."""
    for size in (1, 2, 3):
        for i in range(len(run) - size + 1):
            gram = run[i : i + size]
            if gram[0][2] or gram[-1][2]:
                continue
            key = tuple(t[0] for t in gram)
            counts[key][source] += 1.0
            surfaces[key][" ".join(t[1] for t in gram)] += 1


def trim(text: str, limit: int) -> str:
    """Shorten text to at most `limit` characters at a word boundary, ending in '…' if cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:–-") + "…"
