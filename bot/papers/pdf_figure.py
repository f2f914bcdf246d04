"""The teaser figure of a paper: find the "Figure 1" caption and render the region above it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from bot.errors import DocumentError
from bot.papers.images import png_within, trim_white
from bot.papers.models import Figure
from bot.papers.pdf_text import clean_text, open_document, run_isolated

_CAPTION = re.compile(r"^\s*fig(?:ure|\.)?\s*1\s*[:.|](?!\d)", re.IGNORECASE)
_GRAPHICS = (
    pdfium_c.FPDF_PAGEOBJ_PATH,
    pdfium_c.FPDF_PAGEOBJ_IMAGE,
    pdfium_c.FPDF_PAGEOBJ_SHADING,
    pdfium_c.FPDF_PAGEOBJ_FORM,
)
_BREAKS = {0x0A, 0x0D, 0x02, 0xFFFE}  # line ends, and PDFium's mark for a hyphen at a line end
_CAPTION_CHARS = 300
_PAD = 4.0


@dataclass(frozen=True, slots=True)
class _Box:
    left: float
    bottom: float
    right: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom

    def union(self, other: _Box) -> _Box:
        return _Box(
            min(self.left, other.left),
            min(self.bottom, other.bottom),
            max(self.right, other.right),
            max(self.top, other.top),
        )

    def clip(self, other: _Box) -> _Box | None:
        box = _Box(
            max(self.left, other.left),
            max(self.bottom, other.bottom),
            min(self.right, other.right),
            min(self.top, other.top),
        )
        return box if box.width > 0 and box.height > 0 else None

    def grow(self, by: float) -> _Box:
        return _Box(self.left - by, self.bottom - by, self.right + by, self.top + by)


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    box: _Box


def _page_lines(textpage: pdfium.PdfTextPage) -> list[_Line]:
    """Text lines with their boxes, split at line ends and where the text wraps back left."""
    lines: list[_Line] = []
    chars: list[str] = []
    box: _Box | None = None
    last: _Box | None = None

    def flush() -> None:
        nonlocal chars, box
        if box is not None and "".join(chars).strip():
            lines.append(_Line("".join(chars).strip(), box))
        chars, box = [], None

    for index in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage, index)
        if code in _BREAKS:
            chars.append("-" if code in (0x02, 0xFFFE) else "")
            flush()
            continue
        char = chr(code)
        if char.strip():
            char_box = _Box(*textpage.get_charbox(index))
            if box is not None and last is not None and _starts_new_line(box, last, char_box):
                flush()
            box = char_box if box is None else box.union(char_box)
            last = char_box
        chars.append(char)
    flush()
    return lines


def _starts_new_line(line: _Box, last: _Box, char: _Box) -> bool:
    """True when a char moves back left or far right of the last one (new line, figure label)."""
    if char.right <= last.left + 1 or char.left - last.right > max(12.0, 1.5 * char.height):
        return True
    middle = (char.bottom + char.top) / 2
    return char.left < last.left and not line.bottom - 2 <= middle <= line.top + 2


def _columns(lines: list[_Line], page: _Box) -> tuple[_Box | None, _Box | None, _Box]:
    """The left and right columns (None when single-column) and the whole text area."""
    mid = (page.left + page.right) / 2
    wide = [line.box for line in lines if line.box.width > 0.25 * page.width]
    left = [b for b in wide if b.right <= mid + 4]
    right = [b for b in wide if b.left >= mid - 4]
    # a figure may be wider than the text, but the arXiv stamp sits within 40 pt of the left edge
    area = _Box(page.left + 40, page.bottom, page.right - 40, page.top)
    if wide:
        area = area.union(
            _Box(min(b.left for b in wide), page.bottom, max(b.right for b in wide), page.top)
        )
    if len(left) < 5 or len(right) < 5:
        return None, None, area
    gutter = (max(b.right for b in left) + min(b.left for b in right)) / 2
    left_col = _Box(min(b.left for b in left), page.bottom, gutter, page.top)
    right_col = _Box(gutter, page.bottom, max(b.right for b in right), page.top)
    return left_col, right_col, area


def _caption_block(lines: list[_Line], start: int, column: _Box) -> list[_Line]:
    """The caption's lines: the first one and the lines tightly below it in its column."""
    block = [lines[start]]
    below = sorted(
        (ln for ln in lines if ln.box.top < lines[start].box.bottom and _overlaps(ln.box, column)),
        key=lambda ln: -ln.box.top,
    )
    for line in below:
        last = block[-1].box
        if last.bottom - line.box.top > 0.9 * last.height or sum(len(b.text) for b in block) > 600:
            break
        block.append(line)
    return block


def _overlaps(box: _Box, column: _Box) -> bool:
    return min(box.right, column.right) - max(box.left, column.left) > 0.3 * box.width


def _region(lines: list[_Line], caption: _Box, column: _Box, page: _Box) -> _Box | None:
    """The area above the caption up to the nearest body-text line in the same column."""
    top = min(page.top - 18, caption.top + 0.8 * page.height)
    for line in lines:
        b = line.box
        overlap = min(b.right, column.right) - max(b.left, column.left)
        if b.bottom > caption.top and overlap >= 0.5 * column.width and b.bottom < top:
            top = b.bottom - 1
    region = _Box(column.left - 2, caption.top + 1, column.right + 2, top)
    return region if region.height >= 30 and region.width >= 40 else None


def _tighten(page: pdfium.PdfPage, lines: list[_Line], region: _Box) -> _Box | None:
    """Shrink the region to the drawings in it plus the labels next to them."""
    ink: _Box | None = None
    for obj in page.get_objects(filter=_GRAPHICS, max_depth=1):
        part = _Box(*obj.get_bounds()).clip(region)
        if part is not None:
            ink = part if ink is None else ink.union(part)
    if ink is None:
        return None
    near = ink.grow(12)
    for line in lines:
        inside = region.left <= line.box.left and line.box.right <= region.right
        if inside and line.box.clip(near) is not None and line.box.clip(region) is not None:
            ink = ink.union(line.box)
    limit = _Box(region.left - _PAD, region.bottom, region.right + _PAD, region.top)
    return ink.grow(_PAD).clip(limit)


def _render(page: pdfium.PdfPage, box: _Box, page_box: _Box, scale: float) -> Image.Image:
    crop = (
        box.left - page_box.left,
        box.bottom - page_box.bottom,
        page_box.right - box.right,
        page_box.top - box.top,
    )
    bitmap = page.render(scale=scale, crop=crop, draw_annots=False, may_draw_forms=False)
    try:
        image: Image.Image = bitmap.to_pil().convert("RGB")
        return image
    finally:
        bitmap.close()


def trim_caption(text: str, limit: int = _CAPTION_CHARS) -> str:
    """Collapse whitespace and cut a caption to whole sentences (or words) within ``limit``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(". ", 0, limit)
    if cut > 12:  # a sentence ends after the "Figure 1." label
        return text[: cut + 1]
    return text[: text.rfind(" ", 0, limit - 1)].rstrip(",;:") + "…"


def _page_figure(page: pdfium.PdfPage, scale: float, max_bytes: int) -> Figure | None:
    if page.get_rotation() % 360:
        return None
    page_box = _Box(*page.get_bbox())
    textpage = page.get_textpage()
    try:
        lines = _page_lines(textpage)
    finally:
        textpage.close()
    left_col, right_col, area = _columns(lines, page_box)
    mid = (page_box.left + page_box.right) / 2
    for index, line in enumerate(lines):
        if not _CAPTION.match(line.text):
            continue
        column = area
        if left_col is not None and right_col is not None:
            if line.box.right <= mid + 4:
                column = left_col
            elif line.box.left >= mid - 4:
                column = right_col
        block = _caption_block(lines, index, column)
        region = _region(lines, block[0].box, column, page_box)
        box = _tighten(page, lines, region) if region is not None else None
        box = box.clip(page_box) if box is not None else None
        if box is None or box.width < 40 or box.height < 24:
            continue
        image = trim_white(_render(page, box, page_box, scale))
        png = None if image is None else png_within(image, max_bytes)
        if png is not None:
            caption = clean_text("\n".join(line.text for line in block))
            return Figure(data=png, mime="image/png", caption=trim_caption(caption))
    return None


def teaser_figure(
    data: bytes, *, max_pages: int = 3, scale: float = 2.0, max_bytes: int = 5_000_000
) -> Figure | None:
    """Render Figure 1 (from the first ``max_pages`` pages) as PNG with its caption, or None."""
    doc = open_document(data)
    try:
        for index in range(min(len(doc), max_pages)):
            page = doc[index]
            try:
                figure = _page_figure(page, scale, max_bytes)
            finally:
                page.close()
            if figure is not None:
                return figure
        return None
    except pdfium.PdfiumError as exc:
        raise DocumentError("the PDF is damaged and could not be read") from exc
    finally:
        doc.close()


async def teaser_figure_async(
    data: bytes,
    *,
    max_pages: int = 3,
    scale: float = 2.0,
    max_bytes: int = 5_000_000,
    timeout: float | None = None,  # noqa: ASYNC109 (the timeout becomes a DocumentError)
) -> Figure | None:
    """``teaser_figure`` in a child process, within the limits of ``bot.pdf_text.run_isolated``."""
    job = partial(teaser_figure, data, max_pages=max_pages, scale=scale, max_bytes=max_bytes)
    return await run_isolated(job, timeout=timeout)
