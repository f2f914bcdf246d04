"""Paper metadata and search through the ``arxiv`` package, paced and off the event loop."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import arxiv
import requests

from bot.arxiv.ids import parse_id
from bot.arxiv.pacer import RETRYABLE_STATUS, Pacer, RetryableError
from bot.errors import PaperNotFound, SourceUnavailable
from bot.papers.models import PaperId, PaperMeta

UNREACHABLE = "arXiv did not answer; please try again in a few minutes."
PAGE_SIZE = 100  # one request answers a whole batch of ids


class _TimeoutSession(requests.Session):
    """A requests session whose calls time out (the arxiv package sets none)."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout_s)
        return super().request(*args, **kwargs)


def to_meta(result: arxiv.Result) -> PaperMeta:
    """Convert an arxiv.Result into our record (the versioned id comes from entry_id)."""
    paper = parse_id(result.get_short_id())
    if paper is None or paper.version is None:
        raise SourceUnavailable("arXiv returned a paper without a usable id.")
    return PaperMeta(
        id=paper,
        title=" ".join(result.title.split()),
        authors=tuple(a.name for a in result.authors),
        abstract=" ".join(result.summary.split()),
        comment=" ".join(result.comment.split()) if result.comment else None,
        journal_ref=result.journal_ref,
        doi=result.doi,
        primary_category=result.primary_category,
        categories=tuple(result.categories),
        published=result.published,
        updated=result.updated,
    )


def search_terms(text: str) -> str:
    """Turn free text into an arXiv query that needs every word (all:a AND all:b)."""
    words = re.findall(r"[\w\-]+", text)[:12]
    return " AND ".join(f"all:{w}" for w in words)


class ArxivAPI:
    """Looks papers up by id and searches arXiv, one paced request at a time."""

    def __init__(self, api_url: str, pacer: Pacer, timeout_s: float = 30.0) -> None:
        # Pages of one search are spaced by the client itself; searches by the shared pacer.
        self._client = arxiv.Client(page_size=PAGE_SIZE, delay_seconds=pacer.delay_s, num_retries=0)
        self._client.query_url_format = api_url + "?{}"
        self._client._session = _TimeoutSession(timeout_s)
        self._pacer = pacer
        self._timeout_s = timeout_s

    async def _run(self, search: arxiv.Search) -> list[arxiv.Result]:
        def fetch() -> list[arxiv.Result]:
            return list(self._client.results(search))

        async def request() -> list[arxiv.Result]:
            try:
                return await asyncio.wait_for(asyncio.to_thread(fetch), self._timeout_s + 5)
            except arxiv.HTTPError as exc:
                if exc.status in RETRYABLE_STATUS:
                    raise RetryableError(f"HTTP {exc.status}") from exc
                raise SourceUnavailable(
                    f"arXiv answered with an error (HTTP {exc.status})."
                ) from exc
            except (requests.ConnectionError, requests.Timeout, TimeoutError) as exc:
                raise RetryableError(type(exc).__name__) from exc

        try:
            return await self._pacer.call(request)
        except RetryableError as exc:
            raise SourceUnavailable(UNREACHABLE) from exc

    async def lookup(self, paper: PaperId) -> PaperMeta:
        """Metadata of one paper (latest version when ``paper`` has none)."""
        results = await self._run(arxiv.Search(id_list=[str(paper)], max_results=1))
        metas = [to_meta(r) for r in results]
        for meta in metas:
            if meta.id.base == paper.base and paper.version in (None, meta.id.version):
                return meta
        raise PaperNotFound(f"arXiv has no paper {paper}. Check the id and try again.")

    async def lookup_many(self, papers: list[PaperId], batch: int = 100) -> list[PaperMeta]:
        """Metadata of many papers, ``batch`` ids a request (unknown ids are silently skipped)."""
        found: list[PaperMeta] = []
        for start in range(0, len(papers), batch):
            chunk = papers[start : start + batch]
            search = arxiv.Search(id_list=[str(p) for p in chunk], max_results=len(chunk))
            found += [to_meta(r) for r in await self._run(search)]
        return found

    async def query(self, search_query: str, limit: int = 100) -> list[PaperMeta]:
        """Papers for a raw arXiv query (``all:x AND submittedDate:[…]``), newest first."""
        search = arxiv.Search(
            query=search_query,
            max_results=limit,
            sort_by=arxiv.SortCriterion.SubmittedDate,
            sort_order=arxiv.SortOrder.Descending,
        )
        return [to_meta(r) for r in await self._run(search)]

    async def search(self, text: str, limit: int = 5) -> list[PaperMeta]:
        """Papers matching free text, most relevant first."""
        query = search_terms(text)
        if not query:
            return []
        search = arxiv.Search(query=query, max_results=limit, sort_by=arxiv.SortCriterion.Relevance)
        return [to_meta(r) for r in await self._run(search)]
