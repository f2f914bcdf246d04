"""Search terms for a question the paper's own words do not match: translated, or paraphrased.

A question in Chinese shares no word with an English paper, and a paraphrase ("how much hardware")
may share none with its passage ("9 minutes on one A100"); BM25 then finds nothing. One small model
call turns such a question into the English terms a passage answering it would contain.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from bot.errors import LLMError
from bot.llm.base import LLMClient
from bot.llm.prompts import PromptPair, fill

log = logging.getLogger(__name__)

MAX_TERMS = 12
MAX_CHARS = 300
_FOREIGN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0400-\u04ff]")


class SearchTerms(BaseModel):
    """What the model returns."""

    terms: list[str] = Field(description="English words and short phrases to search the paper for.")


def needs_translation(question: str) -> bool:
    """Whether the question is written (partly) in a script an English paper does not use."""
    return _FOREIGN.search(question) is not None


@dataclass(kw_only=True)
class QueryTerms:
    """Asks the model (the app's ``MeteredLLM``) for English search terms; None when it cannot."""

    llm: LLMClient
    prompts: PromptPair
    calls: int = 0

    async def english_terms(self, question: str, title: str) -> str | None:
        """Up to 12 English search terms for the question, space-separated; None on failure."""
        self.calls += 1
        try:
            reply = await self.llm.generate_json(
                system=self.prompts.system,
                prompt=fill(self.prompts.user, title=title, question=question),
                schema=SearchTerms,
                temperature=0.0,
                max_output_tokens=256,
            )
        except LLMError as exc:
            log.warning("no search terms for a question (%s); searching its own words", exc)
            return None
        terms = [" ".join(t.split()) for t in reply.value.terms[:MAX_TERMS]]
        return " ".join(t for t in terms if t)[:MAX_CHARS]
