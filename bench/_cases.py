"""The papers the benchmarks serve: TalkLoRA (HTML), a generated PDF, and the fixture PDFs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from support.fakes.arxiv_server import FakePaper
from support.paperkit import pdf_paper, talklora
from support.pdfgen import figure_pdf

from bot.papers.pdf_text import read_pdf
from bot.papers.sections import split_sections

_STEM = re.compile(r"^(?P<base>\d{4}\.\d{4,5})v(?P<version>\d+)$")


@dataclass(frozen=True, slots=True)
class Case:
    """One paper to benchmark, with a short label for the tables."""

    label: str
    paper: FakePaper


@dataclass(frozen=True, slots=True)
class PdfFile:
    """A PDF to time text extraction and figure rendering on."""

    label: str
    data: bytes


def generated_pdfs() -> list[PdfFile]:
    """PDFs made with reportlab: the three-page test paper and a two-column page with Figure 1."""
    return [
        PdfFile("generated 3-page paper", pdf_paper()),
        PdfFile("generated figure page", figure_pdf(two_column=True)),
    ]


def fixture_pdfs(directory: Path) -> list[PdfFile]:
    """The arXiv PDFs in ``directory`` named like ``1512.03385v1.pdf`` (none when absent)."""
    if not directory.is_dir():
        return []
    found = sorted(p for p in directory.glob("*.pdf") if _STEM.match(p.stem))
    return [PdfFile(p.stem, p.read_bytes()) for p in found]


def pdf_as_paper(pdf: PdfFile) -> FakePaper:
    """Serve a fixture PDF as its arXiv id with no HTML; title and abstract read off the PDF."""
    match = _STEM.match(pdf.label)
    if match is None:
        raise ValueError(f"{pdf.label} is not an arXiv id")
    pages = read_pdf(pdf.data).pages
    lines = [line.strip() for line in pages[0].split("\n") if len(line.strip()) > 20]
    title = lines[0][:150] if lines else pdf.label
    sections = split_sections(pages)
    abstract = next((s.text for s in sections if s.kind == "abstract"), pages[0][:1500])
    return FakePaper(
        match["base"],
        int(match["version"]),
        title=title,
        abstract=" ".join(abstract.split())[:1900],
        html=None,
        pdf=pdf.data,
    )


def summarize_cases(fixtures: list[PdfFile]) -> list[Case]:
    """TalkLoRA as HTML, the generated paper as a PDF, then every fixture PDF (PDF only)."""
    cases = [
        Case("talklora (HTML)", talklora()),
        Case("generated PDF", talklora("2409.00002", html=None, pdf=pdf_paper())),
    ]
    cases += [Case(f"{pdf.label} (PDF)", pdf_as_paper(pdf)) for pdf in fixtures]
    return cases
