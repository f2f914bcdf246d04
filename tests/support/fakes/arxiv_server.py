"""A local arXiv: the Atom API, HTML full text, PDFs and figures, from a catalog tests fill.

Usage::

    with FakeArxiv() as arxiv:
        arxiv.add(FakePaper("2408.13714", 1, title=..., html=latexml_html(...)))
        settings = Settings(arxiv_api_url=arxiv.api_url, arxiv_html_url=arxiv.html_url, ...)

Failures are scripted with the base class: ``arxiv.queue(Reply(503))`` answers the next
request with a 503 whatever it asks for.

Figures are served from ``FakePaper.figures`` by their path under the paper's HTML folder
(``x1.png``, ``extracted/5749473/fig/teaser.jpg``, ``Fig1_graph_spiral.svg``), with the content
type their extension names (``.svg`` is ``image/svg+xml``; anything unknown is ``image/png``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape
from urllib.parse import parse_qs, unquote, urlsplit

from bot.arxiv.ids import parse_id
from support.rssgen import RssItemSpec, empty_feed, error_feed, rss_feed

from .arxiv_query import matcher
from .httpfake import Recorded, Reply, ScriptedServer

FIGURE_TYPES = {
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass
class FakePaper:
    """One version of a paper as the fake arXiv serves it."""

    base: str
    version: int = 1
    title: str = "A Paper"
    authors: tuple[str, ...] = ("Ada Lovelace",)
    abstract: str = "We study things."
    comment: str | None = None
    categories: tuple[str, ...] = ("cs.CV",)
    published: datetime = field(default_factory=lambda: datetime(2024, 8, 26, 17, 0, tzinfo=UTC))
    html: str | None = None
    pdf: bytes | None = None
    figures: dict[str, bytes] = field(default_factory=lambda: {"x1.png": PNG_1PX})

    @property
    def versioned(self) -> str:
        """``2408.13714v1``."""
        return f"{self.base}v{self.version}"


def _entry(p: FakePaper) -> str:
    stamp = p.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in p.authors)
    cats = "".join(
        f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in p.categories
    )
    comment = f"<arxiv:comment>{escape(p.comment)}</arxiv:comment>" if p.comment else ""
    return (
        f"<entry><id>http://arxiv.org/abs/{p.versioned}</id>"
        f"<title>{escape(p.title)}</title><updated>{stamp}</updated>"
        f'<link href="https://arxiv.org/abs/{p.versioned}" rel="alternate" type="text/html"/>'
        f'<link href="https://arxiv.org/pdf/{p.versioned}" rel="related" '
        f'type="application/pdf" title="pdf"/>'
        f"<summary>{escape(p.abstract)}</summary>{cats}<published>{stamp}</published>{comment}"
        f'<arxiv:primary_category term="{p.categories[0]}"/>{authors}</entry>'
    )


def atom_feed(papers: list[FakePaper], total: int | None = None) -> str:
    """An arXiv API answer listing ``papers`` (one page of ``total`` results)."""
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
        "<id>https://arxiv.org/api/fake</id><title>arXiv Query</title>"
        "<updated>2024-08-27T00:00:00Z</updated>"
        f"<opensearch:itemsPerPage>{len(papers)}</opensearch:itemsPerPage>"
        f"<opensearch:totalResults>{len(papers) if total is None else total}"
        "</opensearch:totalResults>"
        "<opensearch:startIndex>0</opensearch:startIndex>"
        + "".join(_entry(p) for p in papers)
        + "</feed>"
    )


class FakeArxiv(ScriptedServer):
    """Serves ``/api/query``, ``/html/<id>``, ``/html/<id>/<figure>`` and ``/pdf/<id>``."""

    def __init__(self) -> None:
        super().__init__()
        self.papers: dict[str, list[FakePaper]] = {}
        self.feeds: dict[str, str] = {}  # category -> today's announcement feed (RSS XML)
        self.default = self.route

    def add(self, paper: FakePaper) -> FakePaper:
        """Publish a version (the highest version is the latest)."""
        versions = self.papers.setdefault(paper.base, [])
        versions.append(paper)
        versions.sort(key=lambda p: p.version)
        return paper

    def announce(
        self, category: str, day: date, papers: list[tuple[FakePaper, str]] | None = None
    ) -> None:
        """Set today's feed of ``category``: (paper, announce type) pairs; none = a quiet day."""
        if not papers:
            self.feeds[category] = empty_feed(categories=category, date=day)
            return
        items = [
            RssItemSpec(
                p.base,
                version=p.version,
                title=p.title,
                authors=p.authors,
                abstract=p.abstract,
                categories=p.categories,
                announce_type=kind,
            )
            for p, kind in papers
        ]
        self.feeds[category] = rss_feed(items, categories=category, date=day)

    @property
    def rss_url(self) -> str:
        """Value for PAPERBOT_ARXIV_RSS_URL."""
        return f"{self.url}/rss"

    @property
    def api_url(self) -> str:
        """Value for PAPERBOT_ARXIV_API_URL."""
        return f"{self.url}/api/query"

    @property
    def html_url(self) -> str:
        """Value for PAPERBOT_ARXIV_HTML_URL."""
        return f"{self.url}/html"

    @property
    def pdf_url(self) -> str:
        """Value for PAPERBOT_ARXIV_PDF_URL."""
        return f"{self.url}/pdf"

    def hits(self, prefix: str) -> int:
        """How many requests had a path starting with ``prefix``."""
        return sum(1 for r in self.requests if r.path.startswith(prefix))

    def find(self, ref: str) -> FakePaper | None:
        """A version by ``id`` (latest) or ``idvN``."""
        paper = parse_id(ref)
        versions = self.papers.get(paper.base, []) if paper else []
        if paper is None or not versions:
            return None
        if paper.version is None:
            return versions[-1]
        return next((p for p in versions if p.version == paper.version), None)

    def route(self, request: Recorded) -> Reply:
        """Answer like arxiv.org does."""
        parts = urlsplit(request.path)
        path = unquote(parts.path)
        if path == "/api/query":
            return self._api(parse_qs(parts.query))
        if path.startswith("/rss/"):
            feed = self.feeds.get(path[len("/rss/") :])
            if feed is None:
                return Reply(200, error_feed(path[5:], date=date(2024, 11, 28)).encode())
            return Reply(200, feed.encode(), {"Content-Type": "application/rss+xml"})
        for prefix in ("/html/", "/pdf/"):
            if path.startswith(prefix):
                return self._document(prefix, path[len(prefix) :].strip("/"))
        return Reply(404, "not found")

    def _api(self, query: dict[str, list[str]]) -> Reply:
        found: list[FakePaper] = []
        ids = [i for i in ",".join(query.get("id_list", [])).split(",") if i]
        for ref in ids:
            paper = self.find(ref)
            if paper is not None:
                found.append(paper)
        search = " ".join(query.get("search_query", []))
        if search and not ids:
            wanted = matcher(search)  # fields, booleans, phrases, dates: see arxiv_query
            found = [v[-1] for v in self.papers.values() if wanted(v[-1])]
            if query.get("sortBy") == ["submittedDate"]:
                newest_first = query.get("sortOrder") != ["ascending"]
                found.sort(key=lambda p: p.published, reverse=newest_first)
        limit = int(query.get("max_results", ["100"])[0])
        start = int(query.get("start", ["0"])[0])
        body = atom_feed(found[start : start + limit], total=len(found))
        return Reply(200, body.encode(), {"Content-Type": "application/atom+xml; charset=utf-8"})

    def _split_figure(self, ref: str) -> tuple[str, str | None]:
        """(paper, figure path) of ``2407.16314v1/extracted/1/a.png``; the figure is None for a page."""
        if "/" not in ref or self.find(ref) is not None:
            return ref, None
        cut = ref.find("/")
        while cut != -1:  # the shortest prefix that names a paper (old ids hold a slash too)
            if self.find(ref[:cut]) is not None and "." in ref[cut + 1 :]:
                return ref[:cut], ref[cut + 1 :]
            cut = ref.find("/", cut + 1)
        return ref.rsplit("/", 1)[0], ref.rsplit("/", 1)[1]

    def _document(self, prefix: str, ref: str) -> Reply:
        ref = ref.removesuffix(".pdf")
        figure = None
        if prefix == "/html/":
            ref, figure = self._split_figure(ref)
        paper = self.find(ref)
        if paper is None:
            return Reply(404, "not found")
        if figure is not None:
            data = paper.figures.get(figure)
            kind = FIGURE_TYPES.get(figure[figure.rfind(".") :].lower(), "image/png")
            return Reply(200, data, {"Content-Type": kind}) if data else Reply(404, "")
        if prefix == "/html/":
            if paper.html is None:
                return Reply(404, "No HTML for this paper")
            return Reply(200, paper.html.encode(), {"Content-Type": "text/html; charset=utf-8"})
        if paper.pdf is None:
            return Reply(404, "No PDF")
        return Reply(200, paper.pdf, {"Content-Type": "application/pdf"})
