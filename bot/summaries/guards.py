"""Guards on a model-written Analysis: template placeholders, assistant residue, and names the
paper never mentions, found sentence by sentence and dropped (pure functions, no I/O).

What is caught, in every prose field (summary, takeaways, keywords, the analysis, the steps):

- **placeholder**: ``XXXX`` / ``xxx`` (also inside Chinese: "本文采用了XXXX"), bracketed slots
  such as ``[Your Name]``, ``<method>``, ``{dataset}``, ``【方法】``, template ellipses ("本文采用
  了……", "we use the ... to"), ``TODO``, ``TBD``, "lorem ipsum";
- **residue**: the assistant talking instead of the paper: "I hope this summary…", "As an AI…",
  "Let me know if…", "Here is the summary", "希望以上总结符合您的要求", "以上是…", "如有需要…",
  "作为一个AI…", any "您";
- **name**: names the paper does not contain (metadata — title, authors, abstract, comment — or
  the full text): a person cited as "Surname et al." / "Surname等人", a capitalised two-word
  person name ("Geoffrey Hinton") whose words the paper never uses, and method, model or dataset
  names written in CamelCase or capitals ("FaceFormer", "VOCASET", "GPT-4"); matched without case,
  hyphens or a plural "s", with common acronyms (AI, GPU, 3D…) allowed, and an acronym of up
  to six letters allowed when it is the initials of words the paper writes ("LVE" for "lip vertex
  error"; a short invented acronym may pass this way: false alarms cost more than misses).

The API, for the summarizer (bot/summaries/summarizer.py)::

    problems = find_problems(analysis, meta, text)      # () when the analysis is clean
    if problems:
        log.info("summary of %s: %s; retrying", meta.id, describe(problems))
        analysis = <ask the model once more>
        analysis = drop_offending(analysis, find_problems(analysis, meta, text))

``find_problems`` returns one ``Problem`` per offending sentence (field, item index for list
fields, the sentence, its kind and what matched). ``drop_offending`` removes exactly those
sentences: a text field left empty reads "not stated" (``title_translation``: empty), a list item
left empty is removed (``method_steps`` left empty: ["not stated"]). It does not re-check that
enough takeaways remain: that is the summarizer's ``check_analysis``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from bot.papers.models import Analysis, FullText, PaperMeta
from bot.summaries.claims import PROSE_FIELDS

NOT_STATED = "not stated"
TEXT_FIELDS = ("title_translation", *PROSE_FIELDS)  # every free-text field of an Analysis
LIST_FIELDS = ("takeaways", "keywords", "method_steps")

ProblemKind = Literal["placeholder", "residue", "name"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One offending sentence: where it is, what it is, and the words that gave it away."""

    field: str  # an Analysis field name
    index: int | None  # the item of a list field, None for a text field
    sentence: str
    kind: ProblemKind
    found: str  # e.g. "XXXX", "I hope this summary", "Hinton et al."


# ------------------------------------------------------------------ placeholders and residue

_SLOT_WORDS = (
    r"your|insert|enter|add|placeholder|todo|tbd|method|model|dataset|baseline|name|author|"
    r"title|number|value|metric|task|result|paper|affiliation|institution|keyword|year|"
    r"方法|数据集|名称|模型|作者|数值|指标|任务|结果|机构"
)
_PLACEHOLDERS = tuple(
    re.compile(p)
    for p in (
        r"(?<![A-Za-z])(?:X{3,}|x{3,})(?![A-Za-z])",
        rf"(?i)[\[<{{【]\s*(?:{_SLOT_WORDS})[^\]>}}】\n]{{0,30}}[\]>}}】]",
        r"……|\.{6}",
        r"(?<=[\u4e00-\u9fff])(?:…|\.{3})(?=[\u4e00-\u9fff，。、])",
        r"(?i)\b(?:the|a|an|of|with|uses?|using|called|named|on|by)\s+(?:…|\.{3})(?=\s|[,;]|$)",
        r"\b(?:TODO|TBD|FIXME)\b",
        r"(?i)\blorem ipsum\b",
    )
)
_RESIDUE = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\bI\s+hope\b",
        r"\bhope\s+(?:this|that|it)\s+(?:summary|helps|analysis|is\s+helpful)",
        r"\bas\s+an?\s+(?:ai|artificial intelligence|(?:large\s+)?language\s+model|assistant)\b",
        r"\blet\s+me\s+know\b",
        r"\bfeel\s+free\s+to\b",
        r"\b(?:here\s+is|here's|below\s+is|following\s+is)\s+(?:the|a|an|my)\s+(?:summary|"
        r"analysis|breakdown|overview|translation)",
        r"\bI\s+(?:cannot|can't|can\s+not|am\s+unable|do\s+not\s+have|don't\s+have)\b",
        r"\bI(?:\s+would|'d)\s+be\s+(?:happy|glad)\b",
        r"\bhappy\s+to\s+help\b",
        r"\bif\s+you\s+(?:have|need|would\s+like|want)\b",
        r"\b(?:do|would)\s+you\s+(?:want|like|need)\b",
        r"^\s*(?:sure|certainly|of\s+course)\s*[,!]",
        r"\bthe\s+(?:user|prompt)\s+(?:asked|wants|requested)\b",
        r"希望(?:以上|这个|这份|本次|我的|上述)?(?:的)?(?:总结|分析|回答|内容|摘要)?"
        r"(?:能|可以|能够)?(?:对您|对你)?(?:有所)?(?:帮助|符合|满足)",
        r"^\s*(?:以上|以下)(?:就)?(?:是|为)",
        r"如(?:有|果您|果你)(?:任何)?(?:需要|疑问|问题|其他)",
        r"(?:请|欢迎)(?:随时)?(?:告诉|联系|告知)",
        r"作为(?:一个|一名)?(?:AI|人工智能|语言模型|大语言模型|助手)",
        r"我(?:无法|不能|没有办法|很乐意)",
        r"您",
    )
)

# ------------------------------------------------------------------ names

_ET_AL = re.compile(
    r"(?<![A-Za-z])((?:(?:van|von|de|der|del|da|di|le|la)\s+)*[A-Z][\w'’\-]*[a-z][\w'’\-]*)"
    r"(?:\s+(?:and|&)\s+[A-Z][\w'’\-]+)?\s*(?:et\s+al\.?|等人|等)"
)
_PERSON = re.compile(
    r"(?<![A-Za-z])([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s+"
    r"((?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?![A-Za-z0-9])"
)
_CODENAME = re.compile(
    r"(?<![A-Za-z0-9-])("
    r"[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+(?:-[A-Za-z0-9]+)*"  # CamelCase: FaceFormer, TalkLoRA
    r"|[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*(?:-[A-Za-z0-9]+)*s?"  # capitals: VOCASET, GPT-4, LLMs
    r"|[a-z]+[A-Z][A-Za-z0-9]*"  # lower camel: wav2Vec, mAP, iPhone
    r")(?![A-Za-z0-9-])"
)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_COMMON = _wordset(  # acronyms any summary may use without the paper spelling them out
    "ai ml dl nlp cv llm gpu cpu tpu cnn rnn gan mlp sota api rgb rgbd fps 2d 3d 4d usd tb gb mb "
    "kb pdf html url id ood iid phd flops qa ui iot ar vr xr ceo ii iii iv vi vii viii ix xi xii "
    "usa uk eu us ok hd fhd uhd 4k 8k asr tts ocr gpus cpus llms cnns gans"
)
_STOP = _wordset(
    "the a an this that these those we our in on at of for with by from to and or but as it its "
    "is are was were be been each both all some most many more less"
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-\.]*[A-Za-z0-9]|[A-Za-z0-9]")
_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\bal\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\bFig\.)(?<!\bEq\.)"
    r"\s+(?=[A-Z0-9\"“(\[<{【\u4e00-\u9fff])|(?<=[。！？])\s*"
)


def _strip_accents(text: str) -> str:
    """ "Schölkopf" becomes "Scholkopf" (the case is kept)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_KEY_DROP = str.maketrans("", "", "-.'’")


def _key(word: str) -> str:
    """A word as names are compared: accents and case folded, without hyphens, dots or
    apostrophes."""
    return _strip_accents(word).lower().translate(_KEY_DROP)


@dataclass(frozen=True, slots=True)
class _Paper:
    """What the paper says, as the name checks look things up."""

    words: frozenset[str]  # every word of metadata and text, keyed
    lower: frozenset[str]  # words the paper writes in lower case (ordinary words, not names)
    initials: str  # first letters of its runs of words ("lip vertex error" gives "lve")

    @classmethod
    def of(cls, meta: PaperMeta, text: FullText | str) -> _Paper:
        """Index metadata and full text."""
        parts = [meta.title, " ".join(meta.authors), meta.abstract, meta.comment or ""]
        parts.append(meta.journal_ref or "")
        if isinstance(text, FullText):
            parts.append(text.first_page)
            parts.extend(f"{s.heading}\n{s.text}" for s in text.sections)
        else:
            parts.append(text)
        joined = _strip_accents(re.sub(r"(\w)-\n(\w)", r"\1\2", "\n".join(parts)))
        raw = _WORD.findall(joined)
        unique = set(raw)
        words = {w.lower().translate(_KEY_DROP) for w in unique}
        # "ResNet 50" for "ResNet-50"; pieces of compounds: "Tacotron-2" also gives "Tacotron"
        words |= {_key(a + b) for a, b in pairwise(raw) if b[0].isdigit()}
        words |= {_key(p) for w in unique if "-" in w for p in w.split("-") if p}
        initials = "|".join(
            "".join(w[0].lower() if w.isalpha() and len(w) >= 3 else "|" for w in run.split())
            for run in re.split(r"[^\w\s]", joined)
        )
        lower = frozenset(w.translate(_KEY_DROP) for w in unique if w.islower())
        return cls(frozenset(words), lower, initials)

    def spells_out(self, acronym: str) -> bool:
        """True when an acronym ("LVE", "MOSs") is the initials of words the paper writes."""
        letters = acronym.removesuffix("s")
        if not (letters.isalpha() and letters.isupper() and 2 <= len(letters) <= 6):
            return False
        return letters.lower() in self.initials

    def has(self, name: str) -> bool:
        """True when the paper contains ``name`` (also as a plural or possessive)."""
        key = _key(name)
        for variant in (key, key.removesuffix("s"), re.sub(r"s$|'s$|’s$", "", key)):
            if variant and variant in self.words:
                return True
        return False


def _names_missing(sentence: str, paper: _Paper) -> Iterator[str]:
    """Names in a sentence of the model's that the paper does not contain."""
    seen: set[str] = set()
    for match in _ET_AL.finditer(sentence):
        surname = match.group(1).split()[-1]
        if not paper.has(surname):
            seen.add(surname)
            yield match.group(0).strip()
    for match in _PERSON.finditer(sentence):
        first, last = match.group(1), match.group(2)
        if first.lower() in _STOP or last in seen:
            continue
        ordinary = _key(first) in paper.lower or _key(last) in paper.lower
        if not ordinary and not paper.has(last):
            seen.add(last)
            yield match.group(0)
    for match in _CODENAME.finditer(sentence):
        token = match.group(1)
        if re.fullmatch(r"[Xx]{3,}", token) or _key(token) in _COMMON or token in seen:
            continue
        if not paper.has(token) and not paper.spells_out(token):
            seen.add(token)
            yield token


# ------------------------------------------------------------------ finding and dropping


def split_sentences(text: str) -> list[str]:
    """The sentences of a field of the model's prose (English or Chinese)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _first(patterns: Iterable[re.Pattern[str]], sentence: str) -> str | None:
    for pattern in patterns:
        match = pattern.search(sentence)
        if match:
            return match.group(0).strip() or sentence
    return None


def sentence_problem(sentence: str, paper: _Paper) -> tuple[ProblemKind, str] | None:
    """(kind, what matched) when a sentence is a placeholder, residue or names an absent name."""
    found = _first(_PLACEHOLDERS, sentence)
    if found is not None:
        return "placeholder", found
    found = _first(_RESIDUE, sentence)
    if found is not None:
        return "residue", found
    for name in _names_missing(sentence, paper):
        return "name", name
    return None


def _items(analysis: Analysis) -> Iterator[tuple[str, int | None, str]]:
    for name in TEXT_FIELDS:
        yield name, None, str(getattr(analysis, name))
    for name in LIST_FIELDS:
        for index, item in enumerate(getattr(analysis, name)):
            yield name, index, str(item)


def find_problems(analysis: Analysis, meta: PaperMeta, text: FullText | str) -> tuple[Problem, ...]:
    """Every offending sentence of the analysis, in field order; () when it is clean."""
    paper = _Paper.of(meta, text)
    found: list[Problem] = []
    for field, index, value in _items(analysis):
        sentences = [value.strip()] if field == "keywords" else split_sentences(value)
        for sentence in sentences:
            problem = sentence_problem(sentence, paper)
            if problem is not None:
                found.append(Problem(field, index, sentence, *problem))
    return tuple(found)


def describe(problems: Iterable[Problem]) -> str:
    """One line for logs or a retry prompt: ``placeholder "XXXX" in method; …``."""
    return "; ".join(f'{p.kind} "{p.found}" in {p.field}' for p in problems)


def _without(value: str, sentences: set[str]) -> str:
    kept = [s for s in split_sentences(value) if s not in sentences]
    joiner = "" if re.search(r"[\u4e00-\u9fff]", value) else " "
    return joiner.join(kept).strip()


def drop_offending(analysis: Analysis, problems: Iterable[Problem]) -> Analysis:
    """The analysis without the offending sentences (see the module docstring for what remains)."""
    by_place: dict[tuple[str, int | None], set[str]] = {}
    for p in problems:
        by_place.setdefault((p.field, p.index), set()).add(p.sentence)
    if not by_place:
        return analysis
    update: dict[str, object] = {}
    for name in TEXT_FIELDS:
        bad = by_place.get((name, None))
        if bad:
            value = _without(str(getattr(analysis, name)), bad)
            update[name] = value or ("" if name == "title_translation" else NOT_STATED)
    for name in LIST_FIELDS:
        items: list[str] = []
        kept: list[int] = []
        for index, item in enumerate(getattr(analysis, name)):
            bad = by_place.get((name, index))
            if not bad:
                items.append(item)
            elif name != "keywords" and (rest := _without(item, bad)):
                items.append(rest)
            else:
                continue
            kept.append(index)
        if any(place[0] == name for place in by_place):
            update[name] = items or ([NOT_STATED] if name == "method_steps" else [])
            if name == "takeaways":  # each takeaway's evidence quote goes with it
                quotes = analysis.takeaway_quotes
                update["takeaway_quotes"] = [quotes[i] if i < len(quotes) else "" for i in kept]
    return analysis.model_copy(update=update)
