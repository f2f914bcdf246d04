"""Answers as records (Turn, ModelAnswer, Answer) and how passages are shown, budgeted, quoted,
and how the numbers of a model's answer are checked against the passages it cites."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from bot.papers.models import Language
from bot.questions.bm25 import terms
from bot.questions.chunks import Chunk, cite
from bot.summaries.claims import sentences
from bot.summaries.evidence import PaperText, numbers_in
from bot.summaries.labels import label
from bot.summaries.textstats import split_sentences

PASSAGE_BUDGET = 7000  # characters of passages sent per answer (~1,750 tokens)


class Turn(BaseModel):
    """One question and its answer, kept for follow-ups."""

    question: str
    answer: str


class ModelAnswer(BaseModel):
    """What the model returns."""

    answerable: bool = Field(description="False when the passages do not contain the answer.")
    answer: str = Field(description="The answer, or what the passages cover instead.")
    citations: list[int] = Field(description="Ids of the passages the answer used.")


class Answer(BaseModel):
    """An answer as shown: text, where it came from, who wrote it."""

    paper: str  # versioned id
    question: str
    text: str
    citations: list[str]  # "§4.2 Ablation, p. 6"
    answerable: bool
    model_label: str
    extractive: bool = False
    model_down: bool = False  # quoted because the configured model failed (never cached)
    numbers_checked: int = 0  # numbers of a model's answer checked against the cited passages
    numbers_unsupported: int = 0  # ... of which the passages do not state (marked in ``text``)


def normalize_question(question: str) -> str:
    """Case- and space-folded question, for the answer cache key."""
    return " ".join(re.sub(r"[^\w\s]", " ", question.lower()).split())


def passages_block(chunks: list[Chunk]) -> str:
    """The passages as the model reads them, each tagged with its id and section."""
    parts = []
    for chunk in chunks:
        body = chunk.text.replace("</passage>", "</ passage>")
        parts.append(f'<passage id="{chunk.id}" section="{cite(chunk)}">\n{body}\n</passage>')
    return "\n\n".join(parts)


def within_budget(chunks: list[Chunk], limit: int = PASSAGE_BUDGET) -> list[Chunk]:
    """The leading passages whose text fits in ``limit`` characters (always at least one)."""
    kept: list[Chunk] = []
    used = 0
    for chunk in chunks:
        if used + len(chunk.text) > limit and kept:
            break
        kept.append(chunk)
        used += len(chunk.text)
    return kept


def extractive_answer(question: str, chunks: list[Chunk]) -> tuple[str, list[Chunk]]:
    """Without a model: the sentences of the best passages sharing most content words with it.

    Returns ("", []) when no sentence shares a content word: the paper does not say.
    """
    wanted = set(terms(question, question=True))
    scored: list[tuple[int, int, str, Chunk]] = []
    for rank, chunk in enumerate(chunks[:3]):
        for sentence in split_sentences(chunk.text):
            overlap = len(wanted & set(terms(sentence)))
            if overlap:
                scored.append((overlap, -rank, sentence, chunk))
    best = sorted(scored, key=lambda s: (s[0], s[1]), reverse=True)[:2]
    used = list(dict.fromkeys(s[3] for s in best))
    return " ".join(f"“{s[2]}” ({cite(s[3])})" for s in best), used


def check_numbers(
    text: str, cited: list[Chunk], question: str, language: Language
) -> tuple[str, int, int]:
    """(text, numbers checked, numbers unsupported): every number of a model's answer checked
    against the passages it cites (and the question, which may name it).

    Unsupported numbers are **marked**, not removed: each sentence stating one is kept and
    followed by "[⚠ not in the cited passages: 3.7 mm]" in the reader's language, so the answer
    still reads as written and the reader sees which figure to distrust. Numbers are compared as
    in ``bot.summaries.evidence`` (15% = 0.15, 1,000 = 1000, rounding of decimals).
    """
    if not cited:
        return text, 0, 0
    passages = PaperText.build(question, *(c.text for c in cited))
    out: list[str] = []
    checked = unsupported = 0
    for sentence in sentences(text):
        numbers = numbers_in(sentence)
        missing = [n.written for n in numbers if not passages.has_number(n)]
        checked += len(numbers)
        unsupported += len(missing)
        if missing:
            numbers_text = ", ".join(dict.fromkeys(missing))
            mark = label("answer_unverified", language, numbers=numbers_text)
            body = sentence.rstrip(".!?。！？")
            sentence = body + mark + sentence[len(body) :]
        out.append(sentence)
    separator = "" if language == "zh" else " "
    return separator.join(out), checked, unsupported
