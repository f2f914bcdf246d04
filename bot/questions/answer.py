"""Answers as records (Turn, ModelAnswer, Answer) and how passages are shown, budgeted, quoted."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from bot.questions.bm25 import terms
from bot.questions.chunks import Chunk, cite
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
