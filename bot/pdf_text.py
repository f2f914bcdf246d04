"""Read the text of a PDF with PDFium: guarded against bad input, cleaned, on one worker thread."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar, TypeVarTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from bot.errors import DocumentError

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# PDFium keeps process-global state and is not thread-safe: every call into it goes through this
# one worker thread (the only module-level singleton here, shared with bot.pdf_figure).
_PDFIUM_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdfium")

_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
    | {"\ufb05": "st", "\ufb06": "st"}
)
# PDFium joins a word hyphenated at a line end and marks the hyphen with \x02 (\ufffe in
# get_text_range); U+00AD is the soft hyphen of the PDF itself.
_SOFT_HYPHEN_IN_WORD = re.compile(r"[\x02\ufffe\u00ad](?=[a-z])")
_SOFT_HYPHEN_OTHER = re.compile(r"[\x02\ufffe\u00ad]")
_HYPHEN_AT_LINE_END = re.compile(r"([A-Za-z])-\n([a-z])")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
# control and format characters, private-use glyphs (pieces of brackets in math fonts), non-chars
_INVISIBLE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\ue000-\uf8ff\ufeff\ufff0-\uffff\U000f0000-\U0010ffff]"
)
_MIN_TEXT_CHARS = 100  # fewer visible characters than this per page read: a scanned document


@dataclass(frozen=True, slots=True)
class PdfText:
    """The cleaned text of the pages read (1-based order) and the document's page count."""

    pages: tuple[str, ...]
    page_count: int


def clean_text(raw: str) -> str:
    """Normalise extracted text: line ends, soft hyphens, ligatures, control and private chars."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_LIGATURES)
    text = _SOFT_HYPHEN_IN_WORD.sub("", text)
    text = _SOFT_HYPHEN_OTHER.sub("-", text)
    text = _HYPHEN_AT_LINE_END.sub(r"\1\2", text)
    text = _INVISIBLE.sub("", text.replace("\t", " "))
    lines = (line.rstrip() for line in text.split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def open_document(data: bytes) -> pdfium.PdfDocument:
    """Open PDF bytes with PDFium, or raise DocumentError saying why not (caller must close)."""
    if b"%PDF-" not in data[:1024]:
        raise DocumentError("the file is not a PDF")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise DocumentError("the PDF is password-protected") from exc
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise DocumentError("the PDF is encrypted in a way that cannot be read") from exc
        raise DocumentError("the PDF is damaged or empty and could not be read") from exc


def _page_text(doc: pdfium.PdfDocument, index: int) -> str:
    page = doc[index]
    try:
        textpage = page.get_textpage()
        try:
            return clean_text(textpage.get_text_bounded())
        finally:
            textpage.close()
    finally:
        page.close()


def read_pdf(data: bytes, *, max_pages: int = 50, max_total_pages: int = 400) -> PdfText:
    """Extract the cleaned text of the first ``max_pages`` pages of a PDF (blocking, PDFium)."""
    doc = open_document(data)
    try:
        count = len(doc)
        if count > max_total_pages:
            raise DocumentError(f"the PDF has {count} pages; the limit is {max_total_pages}")
        try:
            pages = tuple(_page_text(doc, i) for i in range(min(count, max_pages)))
        except pdfium.PdfiumError as exc:
            raise DocumentError("the PDF is damaged and could not be read") from exc
    finally:
        doc.close()
    visible = sum(len("".join(page.split())) for page in pages)
    if visible < _MIN_TEXT_CHARS * max(1, len(pages)) // 2:
        raise DocumentError("the PDF has no extractable text (it may be a scanned image)")
    return PdfText(pages=pages, page_count=count)


async def run_pdfium(
    fn: Callable[[*Ts], T],
    *args: *Ts,
    timeout: float | None = None,  # noqa: ASYNC109 (the timeout becomes a DocumentError)
) -> T:
    """Run ``fn(*args)`` on the one PDFium thread; DocumentError if it takes over ``timeout`` s.

    A timed-out call keeps the thread busy until it returns (a thread cannot be killed); calls
    still waiting in the queue when they time out never start.
    """
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.run_in_executor(_PDFIUM_THREAD, fn, *args), timeout)
    except TimeoutError as exc:
        raise DocumentError("reading the PDF took too long") from exc


async def read_pdf_async(
    data: bytes,
    *,
    max_pages: int = 50,
    max_total_pages: int = 400,
    timeout: float = 60.0,  # noqa: ASYNC109 (the timeout becomes a DocumentError)
) -> PdfText:
    """``read_pdf`` on the PDFium thread, under a timeout."""
    job = partial(read_pdf, data, max_pages=max_pages, max_total_pages=max_total_pages)
    return await run_pdfium(job, timeout=timeout)
