"""Test helper: small PDFs made with reportlab (text pages, a captioned figure, odd cases)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

PAGE_W, PAGE_H = letter  # 612 x 792 points
MARGIN = 54.0
LEADING = 12.0
BODY = (
    "Deep networks are hard to train because gradients vanish as depth grows, and adding "
    "layers to a suitably deep model leads to higher training error. We study this problem "
    "with residual connections that let each block learn a correction to its input rather "
    "than an unreferenced function, and we report results on several benchmarks. "
)


def _canvas(buf: io.BytesIO, password: str | None = None) -> Canvas:
    return Canvas(buf, pagesize=letter, encrypt=password, invariant=1)


def _lines(canvas: Canvas, x: float, top: float, lines: Sequence[str], size: float = 10) -> float:
    """Draw lines downward from ``top``; return the baseline below the last one."""
    canvas.setFont("Helvetica", size)
    y = top
    for line in lines:
        canvas.drawString(x, y, line)
        y -= LEADING
    return y


def body_lines(chars: int, width: int = 95) -> list[str]:
    """Filler paragraph text, wrapped to ``width`` characters a line."""
    text = (BODY * (chars // len(BODY) + 1))[:chars]
    return textwrap.wrap(text, width)


def text_pdf(
    pages: Sequence[Sequence[str]],
    *,
    password: str | None = None,
    note: str | None = None,
) -> bytes:
    """One page per item, each line drawn top-down; optionally encrypted or with reader notes."""
    buf = io.BytesIO()
    canvas = _canvas(buf, password)
    for lines in pages:
        _lines(canvas, MARGIN, PAGE_H - MARGIN, lines)
        if note is not None:
            canvas.textAnnotation(note, Rect=(400, 700, 420, 720))
            canvas.freeTextAnnotation(note, DA="/Helv 10 Tf 0 g", Rect=(300, 600, 500, 640))
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def image_only_pdf(pages: int = 2) -> bytes:
    """A "scanned" document: each page is one bitmap and has no text layer."""
    picture = Image.new("RGB", (200, 260), "white")
    for x in range(20, 180):
        for y in range(30, 230, 12):
            picture.putpixel((x, y), (0, 0, 0))
    buf = io.BytesIO()
    canvas = _canvas(buf)
    for _ in range(pages):
        canvas.drawImage(ImageReader(picture), MARGIN, MARGIN, PAGE_W - 2 * MARGIN, 600)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _shape(canvas: Canvas, left: float, bottom: float, width: float, height: float) -> None:
    """A vector drawing: a filled box, a circle, a diagonal line and one short label."""
    canvas.setFillColorRGB(0.2, 0.4, 0.8)
    canvas.rect(left, bottom, width * 0.45, height * 0.6, fill=1, stroke=0)
    canvas.setFillColorRGB(0.9, 0.3, 0.2)
    canvas.circle(left + width * 0.75, bottom + height * 0.5, min(width, height) * 0.22, fill=1)
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.line(left, bottom, left + width, bottom + height)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont("Helvetica", 7)
    canvas.drawString(left + 4, bottom + height - 10, "input")


def figure_pdf(
    caption: str = "Figure 1: Overview of the method. A box feeds a circle.",
    *,
    two_column: bool = False,
    figure_page: int = 1,
    draw_figure: bool = True,
) -> bytes:
    """Body text, then a drawing and its caption below it (in the right column if two-column)."""
    buf = io.BytesIO()
    canvas = _canvas(buf)
    for page in range(1, figure_page + 1):
        if two_column:
            col_w = (PAGE_W - 2 * MARGIN - 18) / 2
            left_x, right_x = MARGIN, MARGIN + col_w + 18
            _lines(canvas, left_x, PAGE_H - MARGIN, body_lines(2600, 48))
            x, width, chars = right_x, col_w, 48
        else:
            x, width, chars = MARGIN, PAGE_W - 2 * MARGIN, 95
        y = _lines(canvas, x, PAGE_H - MARGIN, body_lines(500, chars))
        if page == figure_page:
            fig_top = y - 10
            if draw_figure:
                _shape(canvas, x + 10, fig_top - 170, width - 20, 170)
            y = _lines(canvas, x, fig_top - 170 - 18, textwrap.wrap(caption, chars), size=9)
        _lines(canvas, x, y - 14, body_lines(900, chars))
        canvas.showPage()
    canvas.save()
    return buf.getvalue()
