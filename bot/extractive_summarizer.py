"""The Summarizer used when no LLM is configured: sentences chosen from the paper itself."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.extractive import extractive_analysis
from bot.labels import EXTRACTIVE_LABEL
from bot.models import Analysis, FullText, Language, PaperMeta


@dataclass
class ExtractiveSummarizer:
    """No network, no model: an extractive Analysis, labelled as such everywhere it is shown."""

    model_id: str = "extractive/v1"
    label: str = EXTRACTIVE_LABEL
    extractive: bool = True

    async def summarize(
        self, meta: PaperMeta, text: FullText, language: Language
    ) -> tuple[Analysis, str]:
        """Pick sentences off the event loop (it is CPU work)."""
        analysis = await asyncio.to_thread(extractive_analysis, meta, text, language)
        return analysis, self.label
