"""What a paper's text can vouch for: normalised text, quotes found in it, numbers and names in it.

Model-written prose is checked against ``PaperText``, built once from the paper's full text and
its metadata. Both sides are normalised the same way:

- Unicode compatibility forms (the ﬁ/ﬂ ligatures, full-width digits, thin spaces), soft hyphens
  and line-break hyphenation (``gener-\\nation``) are undone; case and punctuation are ignored.
- Numbers are compared by value: ``1,000`` = ``1000``, ``1.5k`` = ``1500``, ``15%`` = ``15 %``
  = ``0.15``, ``7B`` = ``7 billion``, ``1.5万`` = ``15000``; the text's number words ("three")
  count too. A number written with decimals is supported by a value that rounds to it
  (``12.3`` by ``12.34``); a whole number only by itself, unless the prose says it is
  approximate ("about 15%", "~15%"). Whole numbers up to 10 without a unit sign are not
  checked: they count things the way words do ("2 stages", like "two stages", which is not
  checked either), and every paper prints them.
- Citation markers ("[19]", "(Smith et al., 2020)") are neither quoted nor figures.
- References are not claims: numbers after §, Section, Table, Figure, Eq., Appendix or in a
  citation bracket are skipped, and so are the parts of names (``ResNet-50``, ``3D``).
- Names (datasets, baselines, models, metrics) are the tokens a dictionary would not hold:
  two capitals (``HDTF``, ``SadTalker``), letters with digits (``VoxCeleb2``, ``GPT-4``).
  A name is supported when its letters and digits appear in the text as one word or as two or
  three adjacent ones (``ResNet 50``, ``Face-\\nFormer``); a few generic abbreviations (GPU,
  SOTA, LLM…) and units (GB, ms…) are never required.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

SMALL_COUNT = 10  # whole numbers up to this, not percentages or decimals, are not checked
MIN_QUOTE_CHARS = 16  # letters and digits: shorter "quotes" (e.g. "the model") prove nothing

_SOFT = re.compile("[\u00ad\u200b\u200c\u200d\ufeff]")
_LINE_HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u2010\u2011]\s*\n\s*(?=[^\W\d_])")
_NUMBERED_CITATION = re.compile(r"\s?\[\d+(?:\s*[,;–-]\s*\d+)*\]")  # [19], [3, 7], [12-15]
_PARENTHESES = re.compile(r"\s?\(([^()]{1,4000})\)")
# One author-year citation: "Smith et al., 2020", "Lee and Kim 2019a", "OpenAI, 2023", checked
# piece by piece, so a long list costs linear time (a single pattern over the whole list
# backtracks exponentially when its last item does not fit).
_CITED = re.compile(r"[A-Z][^;]{0,60}?(?:(?:et al\.?|and [A-Z][^;]{0,30}?),?|,) \d{4}[a-z]?")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
_NUMBER = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<suffix>\s?(?:%|percent\b|per\s?cent\b)|[kKMB](?![A-Za-z])|万|亿"
    r"|\s(?:thousand|million|billion)\b)?"
)
_SPACED_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?: \d{3})+(?![\d.])")
_REFERENCE = re.compile(
    r"(?:§|\b(?:sections?|secs?|tables?|tabs?|figures?|figs?|eqs?|eqns?|equations?|appendix|"
    r"appendices|algorithms?|algs?|refs?|chapters?|lines?|steps?|stages?|phases?|rows?|"
    r"columns?|theorems?|lemmas?|definitions?|assumptions?|props?|propositions?)"
    r"|[表图第节])\.?\s*(?:\d+(?:\.\d+)*\s*(?:,|and|or|&|-|to|–)\s*)*$",
    re.IGNORECASE,
)
_APPROXIMATE = re.compile(
    r"(?:~|≈|∼|\babout|\baround|\bapprox(?:imately|\.)?|\bnearly|\broughly|\balmost|\bover|"
    r"\bmore than|\bless than|\bunder|\bup to|\bsome|约|近|超过|大约)\s*$",
    re.IGNORECASE,
)
_SCALE = {
    "k": Decimal(1000),
    "thousand": Decimal(1000),
    "m": Decimal(10**6),
    "million": Decimal(10**6),
    "b": Decimal(10**9),
    "billion": Decimal(10**9),
    "万": Decimal(10**4),
    "亿": Decimal(10**8),
}
_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
_TENS = "thirty forty fifty sixty seventy eighty ninety"
_NUMBER_WORDS = (
    {w: Decimal(i) for i, w in enumerate(_UNITS.split())}
    | {w: Decimal(10 * i) for i, w in enumerate(_TENS.split(), 3)}
    | {"hundred": Decimal(100), "thousand": Decimal(1000), "dozen": Decimal(12)}
)
_WORD = re.compile(r"[a-z]+")
_NAME = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*")
_URL = re.compile(
    r"(?:https?://)?(?:[\w-]+\.)+(?:com|org|io|net|edu|ai|dev|gl|ly|html?)\b(?:/\S*)?",
    re.IGNORECASE,
)
_PARTS = re.compile(r"[a-z0-9]+")
_DIMENSION = re.compile(r"[1-6]d")
GENERIC_NAMES = frozenset(
    """ai ml nlp cv llm llms vlm vlms mllm sota gpu gpus cpu cpus tpu tpus api apis rgb rgbd id ids
    url urls pdf arxiv github qa faq io usd eu us uk ok mb gb tb kb kib mib gib fps hz khz mhz
    ghz ms dB db flops gflops tflops pflops macs gmacs nan http https pytorch tensorflow jax cuda
    ios macos os iid vs eg ie etc phd msc bsc ceo tl dr tldr""".lower().split()
)


def _author_year(match: re.Match[str]) -> str:
    """ "" for a parenthesised list of author-year citations, else the text unchanged."""
    items = [item.strip() for item in match.group(1).split(";")]
    cited = any(items) and all(_CITED.fullmatch(item) for item in items if item)
    return "" if cited else match.group(0)


def without_citations(text: str) -> str:
    """``text`` without its citation markers ("[19]", "(Smith et al., 2020; Lee, 2019)")."""
    return _PARENTHESES.sub(_author_year, _NUMBERED_CITATION.sub("", text))


def normalize(text: str) -> str:
    """Unicode-compatible, de-hyphenated text: ligatures, soft hyphens, line-break hyphens undone."""
    text = unicodedata.normalize("NFKC", _SOFT.sub("", text))
    return _LINE_HYPHEN.sub("", text).translate(_DASHES)


def _decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None


@dataclass(frozen=True, slots=True)
class Number:
    """A number as written in prose: its value, how it was written, and whether it is a percent."""

    written: str
    value: Decimal
    percent: bool
    places: int  # digits after the decimal point, as written
    approximate: bool  # "about 15%", "~15%": rounding to a whole number is allowed


def numbers_in(text: str) -> list[Number]:
    """The numbers a sentence states, skipping references (Table 2, §4.2) and parts of names."""
    text = normalize(text)
    found: list[Number] = []
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        before, after = text[max(0, start - 40) : start], text[end : end + 1]
        if before.endswith(tuple("._#")) or (before[-1:].isascii() and before[-1:].isalnum()):
            continue  # part of a word, a decimal, or a version ("v2", "x1")
        if before[-1:] == "-" and before[-2:-1].isalpha():
            continue  # "GPT-4", "ResNet-50": a name, checked as one
        if _REFERENCE.search(before) or before.rstrip().endswith("["):
            continue
        suffix = (match["suffix"] or "").strip().lower()
        if not suffix and after.isascii() and after.isalpha() and after != "x":
            continue  # "3D", "4th", "2nd": not a quantity ("2x" is)
        value = _decimal(match["num"])
        if value is None:
            continue
        raw = match["num"].replace(",", "")
        if not suffix and "." not in raw and value <= SMALL_COUNT:
            continue
        value *= _SCALE.get(suffix.replace(" ", ""), Decimal(1))
        found.append(
            Number(
                written=match.group().strip(),
                value=value,
                percent=suffix.startswith(("%", "per")),
                places=len(raw.split(".")[1]) if "." in raw else 0,
                approximate=bool(_APPROXIMATE.search(before)),
            )
        )
    return found


def names_in(text: str) -> list[str]:
    """Name-like tokens of prose: datasets, baselines, models, metrics (``HDTF``, ``GPT-4``)."""
    names = []
    for match in _NAME.finditer(_URL.sub(" ", normalize(text))):  # links are not names
        token = match.group().rstrip(".-")
        letters = sum(c.isalpha() for c in token)
        capitals = sum(c.isupper() for c in token)
        digits = any(c.isdigit() for c in token)
        camel = re.search(r"[a-z][A-Z]", token) is not None
        if letters < 2 and not (digits and capitals):
            continue  # "x1", "v2"; but "T5" is a model
        if not (capitals >= 2 or (digits and letters) or camel):
            continue
        if _key(token) in GENERIC_NAMES or _DIMENSION.fullmatch(_key(token)):
            continue
        names.append(token)
    return names


def _key(token: str) -> str:
    return "".join(_PARTS.findall(token.lower()))


def _squeeze(text: str) -> str:
    """Letters and digits only, numbers in a canonical form, for quote matching; citation
    markers ("[19]", "(Smith et al., 2020)") are left out, as quoting models leave them out."""
    text = without_citations(normalize(text)).lower()
    out: list[str] = []
    end = 0
    for match in _NUMBER.finditer(text):
        out.append(text[end : match.start()])
        value = _decimal(match["num"])
        suffix = (match["suffix"] or "").strip()
        if value is not None and suffix.startswith(("%", "per")):
            value /= 100
        if value is None:
            out.append(match.group())
        else:
            out.append(f" n{_canonical(value).replace('.', 'd')}n ")
        if suffix and not suffix.startswith(("%", "per")):
            out.append(suffix)
        end = match.end()
    out.append(text[end:])
    return "".join(ch for ch in "".join(out) if ch.isalnum())


def _canonical(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True, slots=True)
class PaperText:
    """A paper's text, indexed once for the checks: squeezed for quotes, values, name parts."""

    squeezed: str
    values: frozenset[Decimal]
    rounded: tuple[frozenset[Decimal], ...]  # values rounded to 0 to 4 decimal places
    parts: frozenset[str]

    @classmethod
    def build(cls, *texts: str) -> PaperText:
        """Index the full text and the metadata (title, abstract, comment, year) together."""
        text = normalize("\n\n".join(texts))
        values: set[Decimal] = set()
        for match in _NUMBER.finditer(without_citations(text)):  # "[19]" is no figure
            value = _decimal(match["num"])
            if value is None:
                continue
            suffix = (match["suffix"] or "").strip().lower()
            value *= _SCALE.get(suffix.replace(" ", ""), Decimal(1))
            values.add(value)
            values.add(value / 100 if suffix.startswith(("%", "per")) else value)
            if value <= 1:
                values.add(value * 100)  # 0.15 in a table is 15% in prose
        for match in _SPACED_THOUSANDS.finditer(text):  # "1 000 000" (thin spaces)
            joined = _decimal(match.group().replace(" ", ""))
            if joined is not None:
                values.add(joined)
        lowered = text.lower()
        values.update(_NUMBER_WORDS[w] for w in _WORD.findall(lowered) if w in _NUMBER_WORDS)
        words = _PARTS.findall(lowered)
        parts = set(words)
        parts.update(a + b for a, b in itertools.pairwise(words))
        parts.update(a + b + c for a, b, c in zip(words, words[1:], words[2:], strict=False))
        rounded = tuple(
            frozenset(v.quantize(Decimal(1).scaleb(-p)) for v in values if abs(v) < 10**12)
            for p in range(5)
        )
        return cls(_squeeze(text), frozenset(values), rounded, frozenset(parts))

    def has_quote(self, quote: str) -> bool:
        """True when ``quote`` (allowing "…" for omissions) occurs in the text, normalised."""
        pieces = [_squeeze(p) for p in re.split(r"\[?(?:…|\.\.\.)\]?", quote)]
        pieces = [p for p in pieces if p]
        if sum(len(p) for p in pieces) < MIN_QUOTE_CHARS:
            return False
        return all(p in self.squeezed for p in pieces)

    def has_number(self, number: Number) -> bool:
        """True when the text states this value, in any of its usual forms."""
        forms = [(number.value, number.places)]
        if number.percent:
            forms.append((number.value / 100, number.places + 2))
        if any(value in self.values for value, _ in forms):
            return True
        if number.places == 0 and not number.approximate:
            return False  # a whole number is not "supported" by any value that rounds to it
        for value, places in forms:
            if abs(value) >= 10**12:
                continue
            places = min(places, len(self.rounded) - 1)
            if value.quantize(Decimal(1).scaleb(-places)) in self.rounded[places]:
                return True
        return False

    def has_name(self, name: str) -> bool:
        """True when the name's letters and digits appear as one, two or three adjacent words."""
        key = _key(name)
        if key in self.parts:
            return True
        return key.endswith("s") and key[:-1] in self.parts  # "GANs", "LLMs"

    def unsupported(self, prose: str) -> list[str]:
        """What ``prose`` states that the text does not: numbers as written, then names."""
        missing = [n.written for n in numbers_in(prose) if not self.has_number(n)]
        missing += [name for name in names_in(prose) if not self.has_name(name)]
        return list(dict.fromkeys(missing))
