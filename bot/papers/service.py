"""The paper pipeline: find the paper, read its full text and figure, summarize; cached in Redis."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import BaseModel

from bot.arxiv.api import ArxivAPI
from bot.arxiv.fetch import Fetcher
from bot.arxiv.ids import SearchQuery
from bot.errors import DocumentError, PaperNotFound
from bot.infra import keys
from bot.infra.cache import DAY, Cache
from bot.infra.metrics import Metrics, summary_outcome
from bot.papers.codelinks import find_code_urls
from bot.papers.html import HtmlPaper, parse_arxiv_html
from bot.papers.injection import without_injections
from bot.papers.models import (
    Figure,
    FullText,
    Language,
    PaperId,
    PaperMeta,
    PaperSummary,
    TextSection,
)
from bot.papers.pdf_figure import teaser_figure_async
from bot.papers.pdf_text import read_pdf_async
from bot.papers.sections import first_page_text, split_sections
from bot.papers.svg_figure import looks_like_svg, svg_png_async
from bot.summaries.summarizer import Summarizer

log = logging.getLogger(__name__)

Progress = Callable[[str], Awaitable[None]]

LATEST_TTL = 6 * 3600  # how long "2408.13714" keeps meaning the version we saw
VERSION_TTL = 30 * DAY
FIGURE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
MAX_FIGURE_BYTES = 8_000_000
SUMMARY_FORM = 2  # bump when a cached summary's shape changes (2: claims checked, ClaimCheck)


async def _quiet(_: str) -> None:
    return None


class _Ids(BaseModel):
    ids: list[str]


@dataclass
class Resolved:
    """The paper a request named, and a note when it was picked by searching."""

    meta: PaperMeta
    note: str | None = None


class PaperService:
    """Everything about one paper, computed once and shared through Redis."""

    def __init__(
        self,
        *,
        api: ArxivAPI,
        fetcher: Fetcher,
        cache: Cache,
        summarizer: Summarizer,
        html_url: str,
        pdf_url: str,
        prompt_fingerprint: str,
        metrics: Metrics | None = None,
    ) -> None:
        self.api = api
        self.fetcher = fetcher
        self.cache = cache
        self.summarizer = summarizer
        self.html_url = html_url
        self.pdf_url = pdf_url
        self.prompt_fingerprint = prompt_fingerprint
        self.metrics = metrics or cache.metrics

    async def resolve(self, ref: PaperId | SearchQuery, progress: Progress = _quiet) -> Resolved:
        """Metadata for an id, or for the best match of a search."""
        if isinstance(ref, PaperId):
            return Resolved(await self.meta(ref, progress))
        await progress(f"Searching arXiv for “{ref.text[:80]}”…")
        found = await self.api.search(ref.text)
        if not found:
            raise PaperNotFound(
                f"No arXiv paper matches “{ref.text[:80]}”. Try other words or an id."
            )
        best = found[0]
        for meta in found:
            await self.cache.set_model(
                keys.meta(self.cache.prefix, str(meta.id)), meta, VERSION_TTL
            )
        others = ", ".join(str(m.id.base) for m in found[1:4])
        note = f"Picked {best.id.base} “{best.title}” for “{ref.text[:80]}”."
        if others:
            note += f" Other matches: {others}."
        return Resolved(best, note)

    async def meta(self, paper: PaperId, progress: Progress = _quiet) -> PaperMeta:
        """Metadata of a version (latest when unversioned), from cache or arXiv's API."""
        key = keys.meta(self.cache.prefix, str(paper))
        cached = await self.cache.get_model(key, PaperMeta)
        self.cache.count(key, cached is not None)
        if cached is not None:
            return cached
        await progress(f"Fetching {paper} from arXiv…")
        meta = await self.api.lookup(paper)
        await self.cache.set_model(keys.meta(self.cache.prefix, str(meta.id)), meta, VERSION_TTL)
        if paper.version is None:
            await self.cache.set_model(key, meta, LATEST_TTL)
        return meta

    async def full_text(self, meta: PaperMeta, progress: Progress = _quiet) -> FullText:
        """Sections, front matter and code links of one version (HTML when arXiv has it, else PDF)."""

        async def read() -> FullText:
            await progress("Reading the paper…")
            return await self._read(meta)

        key = keys.text(self.cache.prefix, meta.id.versioned)
        text, _ = await self.cache.get_or_compute(key, FullText, read, ttl=VERSION_TTL)
        return text

    async def figure(self, meta: PaperMeta) -> Figure | None:
        """The teaser figure stored when the full text was read (None when the paper has none)."""
        return await self.cached_figure(meta.id)

    async def cached_summary(self, paper: PaperId, language: Language) -> PaperSummary | None:
        """A version's summary when it is already cached, else None: reads Redis only, never
        arXiv or the model (the subscription pages show what was written, nothing new)."""
        return await self.cache.get_model(self.summary_key_of(paper, language), PaperSummary)

    async def cached_meta(self, paper: PaperId) -> PaperMeta | None:
        """A version's metadata when it is cached, else None (Redis only, never arXiv)."""
        return await self.cache.get_model(keys.meta(self.cache.prefix, str(paper)), PaperMeta)

    async def cached_figure_info(self, paper: PaperId) -> FigureInfo | None:
        """What is stored beside a version's figure (type, caption, public URL), without
        reading the figure; None when it has none (Redis only)."""
        return await self.cache.get_model(
            keys.figure_info(self.cache.prefix, paper.versioned), FigureInfo
        )

    async def cached_figure(self, paper: PaperId) -> Figure | None:
        """A version's stored figure, or None (Redis only)."""
        data = await self.cache.get_bytes(keys.figure(self.cache.prefix, paper.versioned))
        if not data:
            return None
        info = await self.cache.get_model(
            keys.figure_info(self.cache.prefix, paper.versioned), FigureInfo
        )
        info = info or FigureInfo()
        return Figure(data=data, mime=info.mime, caption=info.caption, source_url=info.source_url)

    def _summary_key(self, meta: PaperMeta, language: Language) -> str:
        return self.summary_key_of(meta.id, language)

    def summary_key_of(self, paper: PaperId, language: Language) -> str:
        """The cache key of a version's summary in ``language`` by this model and prompts."""
        return keys.summary(
            self.cache.prefix,
            paper.versioned,
            language,
            self.summarizer.model_id,
            f"{self.prompt_fingerprint}.{SUMMARY_FORM}",
        )

    async def is_summarized(self, meta: PaperMeta, language: Language) -> bool:
        """True when the summary is cached (serving it costs nothing)."""
        return bool(await self.cache.redis.exists(self._summary_key(meta, language)))

    async def summary(
        self, meta: PaperMeta, language: Language, progress: Progress = _quiet
    ) -> tuple[PaperSummary, bool]:
        """(summary, was_cached): one model call per version, language, model and prompt."""
        try:
            result = await self._summary(meta, language, progress)
        except BaseException as exc:
            self.metrics.summaries.labels(outcome=summary_outcome(exc)).inc()
            raise
        self.metrics.summaries.labels(outcome="cached" if result[1] else "ok").inc()
        return result

    async def _summary(
        self, meta: PaperMeta, language: Language, progress: Progress
    ) -> tuple[PaperSummary, bool]:
        key = self._summary_key(meta, language)
        cached = await self.cache.get_model(key, PaperSummary)
        if cached is not None:
            self.cache.count(key, True)
            return cached, True
        text = await self.full_text(meta, progress)

        async def write() -> PaperSummary:
            await progress(f"Summarizing with {self.summarizer.label}…")
            analysis, model_label = await self.summarizer.summarize(meta, text, language)
            return PaperSummary(
                meta=meta,
                language=language,
                analysis=analysis,
                code_urls=text.code_urls,
                model_label=model_label,
                extractive=self.summarizer.extractive,
                text_source=text.source,
                has_figure=await self.figure(meta) is not None,
            )

        return await self.cache.get_or_compute(key, PaperSummary, write, ttl=VERSION_TTL)

    async def _read(self, meta: PaperMeta) -> FullText:
        version = meta.id.versioned
        html = await self.fetcher.get(f"{self.html_url}/{version}")
        if html is not None and "html" in html.content_type:
            try:
                return await self._from_html(meta, html.content, html.url)
            except DocumentError:
                log.info("HTML of %s is not a LaTeXML paper; reading the PDF", version)
        pdf = await self.fetcher.get(f"{self.pdf_url}/{version}")
        if pdf is None:
            raise DocumentError(f"arXiv has no PDF for {version}, so it cannot be summarized.")
        return await self._from_pdf(meta, pdf.content)

    async def _from_html(self, meta: PaperMeta, html: bytes, url: str) -> FullText:
        base = url + ("" if url.endswith("/") else "/")
        paper = await asyncio.to_thread(parse_arxiv_html, html, base)
        await self._html_figure(meta, paper, url)
        body = " ".join(s.text for s in paper.sections)
        full = FullText(
            source="html",
            sections=paper.sections,
            first_page=paper.front_matter,
            code_urls=own_code_urls(meta, paper.front_matter, body),
        )
        return without_injections(full, meta, self.metrics)

    async def _html_figure(self, meta: PaperMeta, paper: HtmlPaper, page_url: str) -> None:
        """The page's teaser (an SVG drawing rendered to PNG), else Figure 1 of the PDF."""
        url = paper.figure_url
        same_origin = url is not None and _origin(url) == _origin(page_url)
        if url and same_origin and await self._store_html_figure(meta, url, paper.figure_caption):
            return
        if paper.has_figures:  # figures the page cannot give as an image: the PDF can
            await self._store_pdf_figure(meta)

    async def _store_html_figure(self, meta: PaperMeta, url: str, caption: str) -> bool:
        try:
            image = await self.fetcher.get(url)
        except Exception as exc:  # a missing figure never stops a summary
            log.info("figure of %s not fetched: %s", meta.id, type(exc).__name__)
            return False
        if image is None or len(image.content) > MAX_FIGURE_BYTES:
            return False
        figure = None
        if image.content_type in FIGURE_TYPES:
            figure = Figure(
                data=image.content, mime=image.content_type, caption=caption, source_url=url
            )
        elif looks_like_svg(image.content_type, image.content):
            try:
                png = await svg_png_async(image.content)
            except DocumentError as exc:
                log.info("SVG figure of %s not rendered: %s", meta.id, exc.message)
                png = None
            if png is not None:  # rendered here, so uploaded with the post (no source_url)
                figure = Figure(data=png, mime="image/png", caption=caption)
        if figure is None:
            return False
        await self._store_figure(meta, figure)
        return True

    async def _store_pdf_figure(self, meta: PaperMeta) -> None:
        try:
            pdf = await self.fetcher.get(f"{self.pdf_url}/{meta.id.versioned}")
            figure = await teaser_figure_async(pdf.content, max_pages=5) if pdf else None
        except Exception as exc:  # a missing figure never stops a summary
            log.info("PDF figure of %s not taken: %s", meta.id, type(exc).__name__)
            return
        if figure is not None:
            await self._store_figure(meta, figure)

    async def _from_pdf(self, meta: PaperMeta, data: bytes) -> FullText:
        pdf = await read_pdf_async(data)
        sections = split_sections(pdf.pages)
        if not any(s.kind == "abstract" for s in sections):
            abstract = TextSection(heading="Abstract", kind="abstract", text=meta.abstract)
            sections = (abstract, *sections)
        figure = await teaser_figure_async(data, max_pages=5)
        if figure is not None:
            await self._store_figure(meta, figure)
        body = "\n".join(pdf.pages)
        full = FullText(
            source="pdf",
            sections=sections,
            first_page=first_page_text(pdf.pages),
            code_urls=own_code_urls(meta, first_page_text(pdf.pages), body),
            pages=pdf.page_count,
        )
        return without_injections(full, meta, self.metrics, hidden=pdf.hidden)

    async def _store_figure(self, meta: PaperMeta, figure: Figure) -> None:
        version = meta.id.versioned
        info = FigureInfo(mime=figure.mime, caption=figure.caption, source_url=figure.source_url)
        await self.cache.set_model(keys.figure_info(self.cache.prefix, version), info, VERSION_TTL)
        await self.cache.set_bytes(
            keys.figure(self.cache.prefix, version), figure.data, VERSION_TTL
        )


def _origin(url: str) -> tuple[str, str]:
    """(scheme, host:port) of a URL: figures are fetched only from their page's origin."""
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


_RELEASE_WORDS = re.compile(
    r"\b(?:our|the|this)\s+(?:code|implementation|models?|data\s*sets?|project)\b|"
    r"\b(?:code|project\s+page|website)\s*:|available\s+at|publicly\s+available|"
    r"open[- ]?sourced?|released\s+at|project\s+page",
    re.IGNORECASE,
)


def own_code_urls(meta: PaperMeta, front_matter: str, body: str) -> tuple[str, ...]:
    """The paper's own code links: in the abstract or comment, else in sentences announcing them.

    Other links in the text usually point at baselines' code, so they are not taken.
    """
    found = find_code_urls(meta.abstract, meta.comment or "")
    if found:
        return found
    sentences = re.split(r"(?<=[.!?])\s+", f"{front_matter}\n{body}")
    releases = [s for s in sentences if _RELEASE_WORDS.search(s)]
    return find_code_urls(*releases)[:3]


class FigureInfo(BaseModel):
    """What is stored beside a figure's bytes: its type, caption and where arXiv serves it."""

    mime: str = "image/png"
    caption: str = ""
    source_url: str | None = None
