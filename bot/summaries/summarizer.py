"""Summarizers: the model-written Analysis and the checks on what comes back, and the extractive one used without a model.

Every model-written Analysis is checked claim by claim against the paper's full text
(``bot.summaries.claims``): unsupported claims are removed or marked, and the Analysis carries
the ``ClaimCheck`` the card reports. The extractive summary is not checked: it copies the
paper's own sentences, and its label says so instead.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Protocol

from bot.errors import LLMError
from bot.infra.metrics import Metrics
from bot.llm.base import LLMClient, LLMInvalidOutput
from bot.llm.prompts import LANGUAGE_NAMES, PromptPair, fill
from bot.papers.injection import drop_injections
from bot.papers.models import Analysis, ClaimCheck, FullText, Language, PaperMeta, SectionKind
from bot.summaries.claims import check_claims, unsupported_share
from bot.summaries.evidence import PaperText
from bot.summaries.extractive import extractive_analysis
from bot.summaries.guards import Problem, describe, drop_offending, find_problems
from bot.summaries.labels import EXTRACTIVE_LABEL

log = logging.getLogger(__name__)

NOT_STATED = "not stated"
CHARS_PER_TOKEN = 4  # a conservative estimate for English scientific text
EXCERPT_TOKENS = 12_000
RETRY_SHARE = 0.25  # more than this share of claims unsupported: ask the model once more
RETRY_MIN = 2  # ... and at least this many (one slip in a short summary is not retried)

# Share of the excerpt budget for each kind of section, in the order the model reads them.
_BUDGET: tuple[tuple[SectionKind, float], ...] = (
    ("abstract", 0.08),
    ("introduction", 0.22),
    ("related", 0.07),
    ("method", 0.28),
    ("experiments", 0.22),
    ("conclusion", 0.10),
    ("other", 0.03),
)


class Summarizer(Protocol):
    """Writes the Analysis of a paper; ``model_id`` is part of cache keys, ``label`` is shown."""

    @property
    def model_id(self) -> str:
        """Provider and model, part of every summary cache key."""
        ...

    @property
    def label(self) -> str:
        """The model as shown to readers."""
        ...

    @property
    def extractive(self) -> bool:
        """True when no language model writes the text."""
        ...

    async def summarize(
        self, meta: PaperMeta, text: FullText, language: Language
    ) -> tuple[Analysis, str]:
        """(analysis in ``language``, label of the model that wrote it); LLMError on failure."""
        ...


def build_excerpt(meta: PaperMeta, text: FullText, budget_tokens: int = EXCERPT_TOKENS) -> str:
    """The paper text the model reads: each kind of section cut to its share of the budget.

    Shares of kinds the paper lacks (a physics paper has no "method" heading) go to the kinds it
    has, so no paper is sent less than the budget allows when it has more text.
    """
    budget_chars = budget_tokens * CHARS_PER_TOKEN
    abstract, _ = drop_injections(meta.abstract)  # the sections were scrubbed when read
    bodies = {
        kind: (abstract if kind == "abstract" else text.text_of(kind)).strip()
        for kind, _ in _BUDGET
    }
    caps = {kind: budget_chars * share for kind, share in _BUDGET}
    for _ in range(len(_BUDGET)):  # hand what short or missing kinds leave to the longer ones
        spare = sum(cap - len(bodies[k]) for k, cap in caps.items() if len(bodies[k]) < cap)
        hungry = [k for k, cap in caps.items() if len(bodies[k]) > cap]
        if spare <= 0 or not hungry:
            break
        weight = sum(caps[k] for k in hungry)
        for k, cap in list(caps.items()):
            caps[k] = min(cap, len(bodies[k])) if k not in hungry else cap + spare * cap / weight
    parts = [f"[Front matter]\n{text.first_page[:1500]}"] if text.first_page else []
    for kind, _ in _BUDGET:
        body, cap = bodies[kind], int(caps[kind])
        if not body:
            continue
        if len(body) > cap:
            body = body[:cap].rsplit(" ", 1)[0] + " […]"
        parts.append(f"[{kind.title()}]\n{body}")
    return "\n\n".join(parts)


def estimate_tokens(text: str) -> int:
    """A rough token count (4 characters a token)."""
    return len(text) // CHARS_PER_TOKEN + 1


def _clean(value: str) -> str:
    value = " ".join(value.split())
    return (
        value
        if value and value.lower().strip(" .") not in ("", "n/a", "none", "unknown")
        else (NOT_STATED)
    )


def _grounded_affiliation(affiliation: str, text: FullText) -> str:
    """Keep the model's affiliation only when it is printed in the paper's front matter."""
    value = " ".join(affiliation.split())
    haystack = " ".join(text.first_page.split()).lower()
    if value and value.lower() != NOT_STATED and haystack and value.lower() in haystack:
        return value
    if value and value.lower() != NOT_STATED:
        # Accept when every line-part (e.g. "University of Bath, UK") is printed on page 1.
        pieces = [p.strip().lower() for p in re.split(r"[,;]", value) if p.strip()]
        if haystack and pieces and all(p in haystack for p in pieces):
            return value
    return NOT_STATED


def paper_evidence(meta: PaperMeta, text: FullText) -> PaperText:
    """What claims are checked against: the full text, the front matter and arXiv's metadata."""
    return PaperText.build(
        meta.title,
        meta.abstract,
        meta.comment or "",
        meta.journal_ref or "",
        f"{meta.published.year} {meta.updated.year}",
        text.first_page,
        *(f"{s.heading}\n{s.text}" for s in text.sections),
    )


def too_many_unsupported(check: ClaimCheck) -> bool:
    """True when so much of a summary failed its check that the model is asked again."""
    unsupported = check.removed + check.marked
    return unsupported >= RETRY_MIN and unsupported_share(check) > RETRY_SHARE


def check_analysis(analysis: Analysis, text: FullText) -> Analysis:
    """Normalise the model's output and refuse one that would make a half-empty post."""
    raw_takeaways = [" ".join(x.split()) for x in analysis.takeaways]
    raw_quotes = [" ".join(x.split()) for x in analysis.takeaway_quotes]
    pairs = [
        (t, raw_quotes[i] if i < len(raw_quotes) else "") for i, t in enumerate(raw_takeaways) if t
    ][:9]
    takeaways = [t for t, _ in pairs]
    keywords = [k for k in (" ".join(x.split()) for x in analysis.keywords) if k][:6]
    steps = [s for s in (" ".join(x.split()) for x in analysis.method_steps) if s][:8]
    summary = " ".join(analysis.summary.split())
    if not summary or len(takeaways) < 3 or not keywords:
        raise LLMInvalidOutput("the language model returned an incomplete summary")
    if len(summary) > 140:
        summary = summary[:139].rsplit(" ", 1)[0] + "…"
    return Analysis(
        summary=summary,
        takeaways=takeaways,
        takeaway_quotes=[q for _, q in pairs],
        performance_quotes=[
            q for q in (" ".join(x.split()) for x in analysis.performance_quotes) if q
        ],
        title_translation=" ".join(analysis.title_translation.split()),
        affiliation=_grounded_affiliation(analysis.affiliation, text),
        keywords=keywords,
        background=_clean(analysis.background),
        past_methods=_clean(analysis.past_methods),
        method=_clean(analysis.method),
        performance=_clean(analysis.performance),
        method_steps=steps or [NOT_STATED],
        significance=_clean(analysis.significance),
        innovation=_clean(analysis.innovation),
        performance_assessment=_clean(analysis.performance_assessment),
        workload=_clean(analysis.workload),
    )


@dataclass(kw_only=True)
class LLMSummarizer:
    """One structured LLM call per paper, validated, retried once on unusable output.

    ``client`` is the app's ``MeteredLLM``: the rate gate and the metrics are its business.
    """

    client: LLMClient
    prompts: PromptPair
    metrics: Metrics | None = None
    excerpt_tokens: int = EXCERPT_TOKENS
    extractive: bool = False
    tokens_in: int = 0
    tokens_out: int = 0
    calls: int = 0

    @property
    def model_id(self) -> str:
        """Provider and model, e.g. 'gemini/gemini-2.5-flash'."""
        return f"{self.client.provider}/{self.client.model}"

    @property
    def label(self) -> str:
        """The model that wrote the text, as shown to readers."""
        return self.client.label

    async def summarize(
        self, meta: PaperMeta, text: FullText, language: Language
    ) -> tuple[Analysis, str]:
        """Ask the model for the Analysis; validate it; one retry; else LLMError."""
        language_name = LANGUAGE_NAMES[language]
        system = fill(self.prompts.system, language_name=language_name)
        prompt = fill(
            self.prompts.user,
            language_name=language_name,
            title=meta.title,
            authors=", ".join(meta.authors),
            comment=drop_injections(meta.comment or "none")[0],
            excerpt=build_excerpt(meta, text, self.excerpt_tokens),
        )
        evidence = await asyncio.to_thread(paper_evidence, meta, text)
        against = "abstract" if text.source == "abstract" else "paper"
        best: tuple[Analysis, str] | None = None
        best_rank = (True, 1.0)
        dropped: tuple[Problem, ...] = ()
        last: LLMError | None = None
        retried = False
        for attempt in (1, 2):
            self.calls += 1
            try:
                reply = await self.client.generate_json(
                    system=system, prompt=prompt, schema=Analysis, max_output_tokens=8192
                )
                self.tokens_in += reply.tokens_in
                self.tokens_out += reply.tokens_out
                analysis, problems = await self._guarded(
                    check_analysis(reply.value, text), meta, text
                )
            except LLMInvalidOutput as exc:
                log.warning("unusable summary for %s (attempt %d): %s", meta.id, attempt, exc)
                last = exc
                continue
            except LLMError as exc:  # rate limit, quota, timeout: keep a usable first answer
                if best is None:
                    raise
                log.warning("second summary of %s failed, posting the first: %s", meta.id, exc)
                break
            label = self.client.label
            if reply.model_version and reply.model_version not in label:
                label = f"{label}, served as {reply.model_version}"
            checked = check_claims(analysis, evidence, language, against=against)
            assert checked.check is not None
            rank = (bool(problems), unsupported_share(checked.check))  # a clean attempt first
            if best is None or rank < best_rank:
                best, best_rank, dropped = (checked, label), rank, problems
            if not too_many_unsupported(checked.check) and not problems:
                break
            retried = True
            log.warning(
                "summary of %s: %d of %d claims unsupported (attempt %d)",
                meta.id,
                checked.check.removed + checked.check.marked,
                checked.check.checked,
                attempt,
            )
        if best is None:
            raise LLMError(
                "The language model returned an unusable summary twice; nothing was posted. "
                "Please try again later."
            ) from last
        analysis, label = best
        if retried and analysis.check is not None:
            analysis = analysis.model_copy(
                update={"check": analysis.check.model_copy(update={"retried": True})}
            )
        self._count(analysis.check, dropped)
        return analysis, label

    async def _guarded(
        self, analysis: Analysis, meta: PaperMeta, text: FullText
    ) -> tuple[Analysis, tuple[Problem, ...]]:
        """The analysis without its placeholder, residue and unknown-name sentences
        (bot.summaries.guards), and those it had (the model is then asked once more)."""
        problems = await asyncio.to_thread(find_problems, analysis, meta, text)
        if not problems:
            return analysis, ()
        log.warning("summary of %s: %s", meta.id, describe(problems))
        return check_analysis(drop_offending(analysis, problems), text), problems

    def _count(self, check: ClaimCheck | None, dropped: tuple[Problem, ...]) -> None:
        """Claims checked, removed and marked, and guarded sentences dropped, for /metrics."""
        if self.metrics is None:
            return
        unsupported = self.metrics.claims_unsupported
        for problem in dropped:  # kind: placeholder, residue or name
            unsupported.labels(kind=problem.kind, action="removed").inc()
        if check is None:
            return
        self.metrics.claims_checked.labels(kind="summary").inc(check.checked)
        unsupported.labels(kind="summary", action="removed").inc(check.removed)
        unsupported.labels(kind="summary", action="marked").inc(check.marked)


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
