"""Benchmark reading real arXiv HTML pages: sections, title, abstract, front matter, figure, time.

Usage::

    .venv/bin/python bench/html_pages.py [--repeat 5] [--fixtures ../shared/fixtures]

For each page in ``<fixtures>/html`` (arXiv's pages of 2024 to 2026, both converters) it prints:
the sections found, whether the title and the abstract are the ones a reader sees (checked against
``tests/support/html_pages.py``), the characters of front matter, how many hidden elements were
dropped, the parse time (``parse_arxiv_html``, median of ``--repeat``), and the teaser figure the
card gets through the real pipeline (``PaperService.full_text``) against a FakeArxiv:
``raster`` (the page's image), ``SVG-rendered`` (the page's SVG drawn to PNG), ``PDF fallback``
(Figure 1 cut from the PDF) or ``none``, with its pixel size, bytes and the time the figure took.

The pages' image files are not in ../shared: FakeArxiv serves stand-ins at the paths the page
references (a PNG of the size the page declares, or an SVG drawing of that size), so the figure
row measures finding, fetching, rendering and storing it, not the authors' pixels. A last row
serves 2603.21852v2 with its SVG missing and a generated PDF, to time the PDF fallback. With no
``<fixtures>/html`` folder the script says so and exits 0.
"""

# ruff: noqa: E402 (the paths must be set before bot and the test helpers are imported)
from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_ROOT / "bench"), str(_ROOT), str(_ROOT / "tests")]

import argparse
import asyncio
import io
import logging
import os
import platform
import time
from dataclasses import dataclass

from _setup import exit_on_sigterm, heading, median, ms, redis_server, table, tune_fake_servers
from lxml import etree
from PIL import Image
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.html_pages import PAGES, Expected, svg_drawing
from support.paperkit import settings_for
from support.pdfgen import figure_pdf

from bot.app import Core, build_core
from bot.papers.hidden import drop_hidden
from bot.papers.html import HtmlPaper, parse_arxiv_html
from bot.papers.models import PaperId

FIXTURES = _ROOT.parent / "shared" / "fixtures"


@dataclass
class Row:
    """One page's figures."""

    name: str
    paper: HtmlPaper
    expected: Expected | None
    parse_s: float
    hidden: int
    figure: str = "none"
    size: str = "-"
    figure_s: float = 0.0


def stand_ins(page: bytes, paper: HtmlPaper) -> dict[str, bytes]:
    """Files FakeArxiv serves for the page's teaser: a PNG or SVG of the size the page declares."""
    if paper.figure_url is None:
        return {}
    name = paper.figure_url.split(f"/{paper_name(paper)}/", 1)[-1]
    root = etree.fromstring(page, etree.HTMLParser())
    width, height = 600, 400
    for el in root.iter("img", "object"):
        src = el.get("src") or el.get("data") or ""
        if src.endswith(name) and el.get("width") and el.get("height"):
            width, height = int(el.get("width") or 0), int(el.get("height") or 0)
            break
    if paper.figure_is_svg:
        return {name: svg_drawing(str(width), str(height))}
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (51, 102, 204)).save(buf, format="PNG")
    return {name: buf.getvalue()}


def paper_name(paper: HtmlPaper) -> str:
    """``2603.21852v2`` from the figure's URL (``…/html/2603.21852v2/x1.png``)."""
    assert paper.figure_url is not None
    return paper.figure_url.split("/html/", 1)[1].split("/", 1)[0]


def parse_timed(page: bytes, name: str, repeat: int) -> tuple[HtmlPaper, float]:
    """The parsed page and the median parse time."""
    times = []
    paper = None
    for _ in range(repeat):
        start = time.perf_counter()
        paper = parse_arxiv_html(page, f"https://arxiv.org/html/{name}/")
        times.append(time.perf_counter() - start)
    assert paper is not None
    return paper, median(times)


async def figure_of(core: Core, arxiv: FakeArxiv, row: Row, fake: FakePaper) -> None:
    """Read the page through the service and record which figure the card got."""
    arxiv.add(fake)
    meta = await core.papers.meta(PaperId(base=fake.base, version=fake.version))
    pdf_before = arxiv.hits("/pdf/")
    start = time.perf_counter()
    await core.papers.full_text(meta)
    row.figure_s = time.perf_counter() - start - row.parse_s
    figure = await core.papers.figure(meta)
    if figure is None:
        return
    if arxiv.hits("/pdf/") > pdf_before:
        row.figure = "PDF fallback"
    elif figure.source_url is None:
        row.figure = "SVG-rendered"
    else:
        row.figure = "raster"
    width, height = Image.open(io.BytesIO(figure.data)).size
    row.size = f"{width}x{height} {len(figure.data) // 1024}KB"


async def run_pages(pages: list[Path], repeat: int) -> list[Row]:
    """Parse each page, then read it through the real core against FakeArxiv."""
    expected = {p.name: p for p in PAGES}
    rows: list[Row] = []
    with redis_server() as redis_url, FakeArxiv() as arxiv:
        core = await build_core(settings_for(arxiv, redis_url))
        try:
            for path in pages:
                data = path.read_bytes()
                paper, parse_s = parse_timed(data, path.stem, repeat)
                hidden = drop_hidden(etree.fromstring(data, etree.HTMLParser()))
                row = Row(path.stem, paper, expected.get(path.stem), parse_s, hidden)
                base, _, version = path.stem.rpartition("v")
                fake = FakePaper(
                    base,
                    int(version),
                    title=paper.title,
                    html=data.decode("utf-8"),
                    figures=stand_ins(data, paper),
                )
                await figure_of(core, arxiv, row, fake)
                rows.append(row)
            svg_page = next((p for p in pages if p.stem == "2603.21852v2"), None)
            if svg_page is not None:
                data = svg_page.read_bytes()
                paper, parse_s = parse_timed(data, svg_page.stem, repeat)
                row = Row("2603.21852v2, SVG absent", paper, None, parse_s, 0)
                fake = FakePaper(
                    "2603.21852",
                    3,  # another version, so nothing is cached
                    title=paper.title,
                    html=data.decode("utf-8").replace("2603.21852v2/", "2603.21852v3/"),
                    figures={},
                    pdf=figure_pdf(),
                )
                await figure_of(core, arxiv, row, fake)
                rows.append(row)
        finally:
            await core.aclose()
    return rows


def print_rows(rows: list[Row]) -> None:
    """The table, one page a row."""
    heading("arXiv HTML pages: what the parser reads and the figure the card gets")
    body = []
    for r in rows:
        e, p = r.expected, r.paper
        abstract = p.sections[0].text if p.sections and p.sections[0].kind == "abstract" else ""
        title_ok = "-" if e is None else ("yes" if p.title == e.title else "NO")
        abstract_ok = (
            "-" if e is None else ("yes" if abstract.startswith(e.abstract_start) else "NO")
        )
        read = [r.name, len(p.sections), title_ok, abstract_ok, len(p.front_matter), r.hidden]
        body.append([*read, ms(r.parse_s), r.figure, r.size, ms(max(0.0, r.figure_s))])
    headers = ["page", "sections", "title", "abstract", "front ch", "hidden", "parse ms"]
    headers += ["figure", "size", "figure ms"]
    print(table(headers, body))
    print("sections = abstract + body sections (references, appendix and back matter left out);")
    print("title/abstract = as a reader sees them (tests/support/html_pages.py); front ch =")
    print("characters of front matter (authors, affiliations); hidden = elements dropped as")
    print("invisible (white, display:none, zero size…); parse ms = parse_arxiv_html, median;")
    print("figure = raster | SVG-rendered | PDF fallback | none, through PaperService.full_text")
    print("against FakeArxiv serving stand-in image files; figure ms = full_text minus parsing")
    print("(fetching, rendering in a child process, storing in Redis).")


def main(argv: list[str] | None = None) -> int:
    """Measure every fixture page and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="parse runs per page (median)")
    parser.add_argument("--fixtures", type=Path, default=FIXTURES, help="../shared/fixtures")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print("paperbot benchmark: arXiv HTML pages")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    pages = sorted((args.fixtures / "html").glob("*.html"))
    if not pages:
        print(f"note: no HTML pages in {args.fixtures / 'html'}; nothing to measure.")
        return 0
    tune_fake_servers()
    started = time.perf_counter()
    print_rows(asyncio.run(run_pages(pages, args.repeat)))
    print(f"\ndone in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
