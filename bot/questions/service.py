"""Answer questions about a paper from its own text: retrieve passages, answer, cite them."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from bot.errors import LLMError
from bot.infra import keys
from bot.infra.cache import Cache
from bot.infra.metrics import Metrics
from bot.llm.base import LLMClient, LLMInvalidOutput
from bot.llm.prompts import LANGUAGE_NAMES, PromptPair, fill
from bot.papers.models import Language, PaperMeta
from bot.papers.service import VERSION_TTL, PaperService
from bot.questions.answer import (
    Answer,
    ModelAnswer,
    Turn,
    check_numbers,
    extractive_answer,
    normalize_question,
    passages_block,
    within_budget,
)
from bot.questions.bm25 import FORMAT, BM25Index, BM25Retriever, Retriever
from bot.questions.chunks import Chunk, chunk_paper, cite
from bot.questions.embeddings import EmbeddingRetriever, Embeddings, HybridRetriever
from bot.questions.query_terms import QueryTerms, needs_translation

log = logging.getLogger(__name__)

TOP_K = 6
MIN_SCORE = 1.0  # below this, the best passage shares too little with the question
HISTORY_TURNS = 3
ANSWER_WORDS = 180
INDEXES_KEPT = 32  # passage indexes of recently asked papers kept in memory
ANSWER_FORM = 2  # part of the answer cache key; 2: numbers checked against the cited passages


@dataclass(kw_only=True)
class QAService:
    """Indexes a paper once (cached), answers questions from it (cached), keeps short history.

    ``llm`` is the app's ``MeteredLLM`` (gated, counted and priced), or None for quotes only.
    """

    papers: PaperService
    cache: Cache
    prompts: PromptPair
    llm: LLMClient | None
    embeddings: Embeddings | None = None  # None: BM25 alone
    terms: QueryTerms | None = None  # None: questions are searched with their own words only
    metrics: Metrics | None = None  # counts the numbers of answers checked and marked
    calls: int = 0
    tokens_in: int = 0
    _indexes: OrderedDict[str, BM25Index] = field(default_factory=OrderedDict, repr=False)

    @property
    def model_id(self) -> str:
        """Part of the answer cache key: the model, and the embedding model when one ranks."""
        if self.llm is None:
            return "extractive/v1"
        ranking = f"+{self.embeddings.model}" if self.embeddings else ""
        return f"{self.llm.provider}/{self.llm.model}{ranking}"

    async def index(self, meta: PaperMeta) -> BM25Index:
        """The paper's passage index, built once per version, cached in Redis and in memory."""
        key = keys.passage_index(self.cache.prefix, meta.id.versioned, FORMAT)
        index = self._indexes.get(key)
        if index is None:
            raw = await self.cache.redis.get(key)
            if raw is not None:
                index = BM25Index.from_dict(_json_loads(raw))
            else:
                text = await self.papers.full_text(meta)
                index = BM25Index.build(chunk_paper(text))
                await self.cache.redis.set(key, _json_dumps(index.to_dict()), ex=VERSION_TTL)
        self._indexes[key] = index
        self._indexes.move_to_end(key)
        while len(self._indexes) > INDEXES_KEPT:
            self._indexes.popitem(last=False)
        return index

    async def retriever(self, meta: PaperMeta) -> tuple[Retriever, bool]:
        """BM25 over the paper's passages, fused with embeddings when configured and reachable;
        and whether the embeddings were wanted but failed (BM25 stands in)."""
        index = await self.index(meta)
        lexical = BM25Retriever(index, MIN_SCORE)
        if self.embeddings is None:
            return lexical, False
        try:
            vectors = await self.embeddings.passages(meta.id.versioned, index.chunks)
        except LLMError as exc:
            log.warning("embedding %s failed (%s); answering from BM25 alone", meta.id, exc)
            return lexical, True
        semantic = EmbeddingRetriever(index.chunks, vectors, self.embeddings)
        return HybridRetriever(lexical, semantic), False

    def _answer_key(self, meta: PaperMeta, question: str, language: Language) -> str:
        digest = hashlib.sha256(normalize_question(question).encode()).hexdigest()[:16]
        prompts = self.prompts.fingerprint + (self.terms.prompts.fingerprint if self.terms else "")
        prompts += f".{ANSWER_FORM}"
        return keys.answer(
            self.cache.prefix, meta.id.versioned, language, self.model_id, prompts, digest
        )

    async def cached(self, meta: PaperMeta, question: str, language: Language) -> Answer | None:
        """A stored answer to the same question (history-free questions only)."""
        return await self.cache.get_model(self._answer_key(meta, question, language), Answer)

    async def ask(
        self, meta: PaperMeta, question: str, language: Language, history: list[Turn]
    ) -> Answer:
        """Answer from the best passages; say so plainly when they do not hold the answer."""
        if not history:
            cached = await self.cached(meta, question, language)
            if cached is not None:
                return cached
        retriever, degraded = await self.retriever(meta)
        query = " ".join([t.question for t in history[-1:]] + [question])
        found = await retriever.search(query, TOP_K)
        if self.terms is not None and (not found or needs_translation(question)):
            extra = await self.terms.english_terms(query, meta.title)
            degraded = degraded or extra is None
            if extra:
                found = await retriever.search(f"{query} {extra}", TOP_K) or found
        degraded = degraded or (isinstance(retriever, HybridRetriever) and retriever.degraded)
        chunks = within_budget([c for c, _ in found])
        if self.llm is not None and chunks:
            try:
                answer = await self._from_model(meta, question, language, history, chunks)
            except LLMError as exc:
                quoted = self._quoted(meta, question, chunks, model_down=True)
                if quoted is None:
                    raise
                log.warning("answering %s with quotes: the model failed (%s)", meta.id, exc)
                answer, degraded = quoted, True
        else:
            answer = self._quoted(meta, question, chunks) or self._not_found(
                meta, question, language
            )
        if not history and not degraded:  # an answer found with a part down is not kept
            key = self._answer_key(meta, question, language)
            await self.cache.set_model(key, answer, VERSION_TTL)
        return answer

    def _quoted(
        self, meta: PaperMeta, question: str, chunks: list[Chunk], *, model_down: bool = False
    ) -> Answer | None:
        """The best matching sentences (no model, or ``model_down``); None if none matches."""
        text, used = extractive_answer(question, chunks) if chunks else ("", [])
        if not used:
            return None
        label = self.llm.label if model_down and self.llm else "extractive (no LLM configured)"
        return Answer(
            paper=meta.id.versioned,
            question=question,
            text=text,
            citations=[cite(c) for c in used],
            answerable=True,
            model_label=label,
            extractive=True,
            model_down=model_down,
        )

    def _not_found(self, meta: PaperMeta, question: str, language: Language) -> Answer:
        text = (
            "论文中没有找到与这个问题相关的内容。"
            if language == "zh"
            else "The paper does not seem to say: no passage of it matches this question."
        )
        if self.llm is None and needs_translation(question):  # nothing can translate it
            text = (
                "未配置语言模型时，问题按原词与论文匹配，而论文是英文的：请用英文提问。"
                if language == "zh"
                else "Without a language model, questions are matched word for word with the "
                "paper, which is in English: please ask in English."
            )
        label = self.llm.label if self.llm else "extractive (no LLM configured)"
        return Answer(
            paper=meta.id.versioned,
            question=question,
            text=text,
            citations=[],
            answerable=False,
            model_label=label,
            extractive=self.llm is None,
        )

    async def _from_model(
        self,
        meta: PaperMeta,
        question: str,
        language: Language,
        history: list[Turn],
        chunks: list[Chunk],
    ) -> Answer:
        assert self.llm is not None
        language_name = LANGUAGE_NAMES[language]
        past = "".join(
            f"Earlier question: {t.question[:300]}\nEarlier answer: {t.answer[:500]}\n\n"
            for t in history[-HISTORY_TURNS:]
        )
        system = fill(self.prompts.system, language_name=language_name, max_words=str(ANSWER_WORDS))
        prompt = fill(
            self.prompts.user,
            title=meta.title,
            history=past,
            question=question,
            passages=passages_block(chunks),
        )
        by_id = {c.id: c for c in chunks}
        for attempt in (1, 2):
            self.calls += 1
            try:
                reply = await self.llm.generate_json(
                    system=system, prompt=prompt, schema=ModelAnswer, max_output_tokens=2048
                )
            except LLMInvalidOutput as exc:
                log.warning("unusable answer for %s (attempt %d): %s", meta.id, attempt, exc)
                continue
            self.tokens_in += reply.tokens_in
            value = reply.value
            used = [by_id[i] for i in dict.fromkeys(value.citations) if i in by_id]
            if value.answerable and not used:
                log.warning("answer for %s cites no given passage (attempt %d)", meta.id, attempt)
                continue
            text = " ".join(value.answer.split())
            if not text:
                continue
            text, checked, unsupported = check_numbers(text, used, question, language)
            if self.metrics is not None:
                self.metrics.claims_checked.labels(kind="answer").inc(checked)
                self.metrics.claims_unsupported.labels(kind="answer", action="marked").inc(
                    unsupported
                )
            return Answer(
                paper=meta.id.versioned,
                question=question,
                text=text,
                citations=[cite(c) for c in used],
                answerable=value.answerable,
                model_label=self.llm.label,
                numbers_checked=checked,
                numbers_unsupported=unsupported,
            )
        raise LLMError("The language model could not give a grounded answer; please try again.")


def _json_dumps(data: object) -> str:
    return json.dumps(data, separators=(",", ":"))


def _json_loads(raw: bytes | str) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("a cached index is not a JSON object")
    return value
