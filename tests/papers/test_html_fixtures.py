"""Real arXiv HTML pages (2024 to 2026, both converters) read into the right paper.

The pages are in ../shared/fixtures/html (see its README); every test skips when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.html_pages import PAGES, Expected

from bot.papers.html import HtmlPaper, parse_arxiv_html
from bot.summaries.extractive import find_affiliation


def _read(shared_fixtures: Path, name: str) -> HtmlPaper:
    page = (shared_fixtures / "html" / f"{name}.html").read_bytes()
    # The URL the service passes: the page's own address with a slash added.
    return parse_arxiv_html(page, f"https://arxiv.org/html/{name}/")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_title_abstract_and_sections(shared_fixtures: Path, page: Expected) -> None:
    paper = _read(shared_fixtures, page.name)
    assert paper.title == page.title
    assert tuple(s.heading for s in paper.sections) == page.headings
    assert paper.sections[0].kind == "abstract"
    assert paper.sections[0].text.startswith(page.abstract_start)
    assert all(len(s.text) > 300 for s in paper.sections)
    everything = "\n".join(s.text for s in paper.sections)
    for furniture in ("Report GitHub Issue", "License: CC BY", "arXiv:" + page.name):
        assert furniture not in everything


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_front_matter_lines(shared_fixtures: Path, page: Expected) -> None:
    paper = _read(shared_fixtures, page.name)
    lines = paper.front_matter.splitlines()
    positions = [lines.index(line) for line in page.front_matter]
    assert positions == sorted(positions)
    assert not any(line.startswith("Affiliation:") for line in lines)  # oxide's label
    if page.affiliation:
        found = find_affiliation(paper.front_matter, page.first_author, paper.title)
        assert found == page.affiliation


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_teaser_figure(shared_fixtures: Path, page: Expected) -> None:
    paper = _read(shared_fixtures, page.name)
    assert paper.figure_url == page.figure
    assert paper.figure_is_svg is page.figure_is_svg
    assert paper.figure_caption.startswith(page.caption_start)
    assert paper.has_figures


def test_a_page_fetched_without_the_slash_resolves_the_same(shared_fixtures: Path) -> None:
    page = (shared_fixtures / "html" / "2603.21852v2.html").read_bytes()
    paper = parse_arxiv_html(page, "https://arxiv.org/html/2603.21852v2")
    assert paper.figure_url == "https://arxiv.org/html/2603.21852v2/Fig1_graph_spiral.svg"
