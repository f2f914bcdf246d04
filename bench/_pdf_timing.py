"""Section 3 of the summarize benchmark: PDF text extraction and teaser-figure rendering."""

from __future__ import annotations

import io
import time

from _cases import PdfFile
from _setup import heading, median, ms, table
from PIL import Image

from bot.papers.pdf_figure import teaser_figure
from bot.papers.pdf_text import read_pdf
from bot.papers.sections import split_sections


def time_pdfs(pdfs: list[PdfFile], repeat: int, missing_note: str | None) -> None:
    """Section 3: read_pdf per page, section splitting, and teaser-figure rendering."""
    heading(f"3. PDF text extraction and figure rendering (median of {repeat} run(s))")
    rows = []
    for pdf in pdfs:
        reads, splits, figures = [], [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            text = read_pdf(pdf.data)
            t1 = time.perf_counter()
            split_sections(text.pages)
            t2 = time.perf_counter()
            figure = teaser_figure(pdf.data)
            t3 = time.perf_counter()
            reads.append(t1 - t0)
            splits.append(t2 - t1)
            figures.append(t3 - t2)
        read = median(reads)
        size = "none"
        if figure is not None:
            width, height = Image.open(io.BytesIO(figure.data)).size
            size = f"{width}x{height} {len(figure.data) // 1024}KB"
        pages = f"{len(text.pages)}/{text.page_count}"
        per_page = read / max(1, len(text.pages))
        rows.append([pdf.label, f"{len(pdf.data) // 1024}", pages, ms(read), ms(per_page)])
        rows[-1] += [ms(median(splits)), ms(median(figures)), size]
    headers = ["pdf", "KB", "pages", "read ms", "ms/page", "split ms", "figure ms", "figure"]
    print(table(headers, rows))
    print("read = read_pdf (PDFium text + cleaning, first 50 pages); split = split_sections;")
    print("figure = teaser_figure (find Figure 1 on pages 1-3, render at 2x, PNG-encode);")
    print('none = no "Figure 1" caption under a drawing on pages 1-3.')
    if missing_note:
        print(missing_note)
