"""Tests for bot.papers.pdf_text: text extraction, cleaning, guards and the PDFium worker thread."""

from __future__ import annotations

import asyncio
import ctypes
import threading
import time

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from support.paths import PDFS
from support.pdfgen import body_lines, image_only_pdf, text_pdf

from bot.errors import DocumentError
from bot.papers.pdf_text import clean_text, read_pdf, read_pdf_async, run_pdfium


def fixture(name: str) -> bytes:
    path = PDFS / name
    if not path.is_file():
        pytest.skip(f"fixture {name} not available")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("re-\nsults are good", "results are good"),
        ("learn\x02ing residual", "learning residual"),  # PDFium's mark for a broken word
        ("learn\ufffeing", "learning"),
        ("high\x022", "high-2"),  # a marked hyphen before a non-letter stays a hyphen
        ("the ﬁrst ﬂow ﬀ ﬃ ﬄ", "the first flow ff ffi ffl"),
        ("a\x00b\x07c\x1bd", "abcd"),
        ("bracket\uf8f0piece", "bracketpiece"),  # private-use glyphs of broken math fonts
        ("one\r\ntwo\rthree", "one\ntwo\nthree"),
        ("tab\there  \n\n\n\nnext", "tab here\n\nnext"),
        ("state-of-the-art\nmodels", "state-of-the-art\nmodels"),
        ("1990-\n2000", "1990-\n2000"),
        ("Word-\nBased", "Word-\nBased"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_reads_each_page_in_order() -> None:
    data = text_pdf([["First page alpha", *body_lines(300)], ["Second page beta", *body_lines(99)]])
    pdf = read_pdf(data)
    assert pdf.page_count == 2
    assert len(pdf.pages) == 2
    assert pdf.pages[0].startswith("First page alpha")
    assert pdf.pages[1].startswith("Second page beta")


def test_line_end_hyphen_is_joined() -> None:
    pdf = read_pdf(text_pdf([["Our re-", "sults are strong", *body_lines(300)]]))
    assert "Our results are strong" in pdf.pages[0]


def test_max_pages_limits_pages_read_not_page_count() -> None:
    pages = [[f"Page number {i}", *body_lines(300)] for i in range(1, 5)]
    pdf = read_pdf(text_pdf(pages), max_pages=2)
    assert pdf.page_count == 4
    assert [p.splitlines()[0] for p in pdf.pages] == ["Page number 1", "Page number 2"]


def test_too_many_pages() -> None:
    data = text_pdf([body_lines(300)] * 3)
    with pytest.raises(DocumentError, match="the PDF has 3 pages; the limit is 2"):
        read_pdf(data, max_total_pages=2)


@pytest.mark.parametrize(
    "data",
    [b"", b"<html><body>Not found</body></html>", b"\x89PNG\r\n\x1a\n" + b"\0" * 100],
)
def test_not_a_pdf(data: bytes) -> None:
    with pytest.raises(DocumentError, match="not a PDF"):
        read_pdf(data)


def test_damaged_pdf() -> None:
    data = text_pdf([body_lines(300)])
    with pytest.raises(DocumentError, match="damaged"):
        read_pdf(data[:300])


def test_password_protected() -> None:
    data = text_pdf([body_lines(300)], password="s3cret")
    with pytest.raises(DocumentError, match="password-protected"):
        read_pdf(data)


def test_scanned_pdf_has_no_text() -> None:
    with pytest.raises(DocumentError, match="no extractable text"):
        read_pdf(image_only_pdf())


def _annotation_texts(data: bytes) -> list[str]:
    """The Contents of every annotation in the PDF, read with PDFium's annotation API."""
    found = []
    doc = pdfium.PdfDocument(data)
    try:
        for page in doc:
            for i in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
                annot = pdfium_c.FPDFPage_GetAnnot(page.raw, i)
                size = pdfium_c.FPDFAnnot_GetStringValue(annot, b"Contents", None, 0)
                if size > 2:
                    buf = ctypes.create_string_buffer(size)
                    ptr = ctypes.cast(buf, ctypes.POINTER(pdfium_c.FPDF_WCHAR))
                    pdfium_c.FPDFAnnot_GetStringValue(annot, b"Contents", ptr, size)
                    found.append(buf.raw[: size - 2].decode("utf-16-le"))
                pdfium_c.FPDFPage_CloseAnnot(annot)
            page.close()
    finally:
        doc.close()
    return found


def test_reader_notes_are_not_page_text() -> None:
    data = text_pdf([["Visible body text", *body_lines(300)]], note="Hidden reader note")
    assert "Hidden reader note" in _annotation_texts(data)  # the note really is in the file
    text = read_pdf(data).pages[0]
    assert "Visible body text" in text
    assert "Hidden reader note" not in text


def test_tacotron_reader_notes_do_not_leak() -> None:
    data = fixture("1712.05884v2.pdf")
    notes = _annotation_texts(data)
    assert "2个网络" in notes  # a FreeText note a reader left on page 1
    text = "\n".join(read_pdf(data).pages)
    assert "This paper describes Tacotron 2" in text
    for note in notes:
        assert note not in text


@pytest.mark.parametrize(
    ("name", "pages", "phrase"),
    [
        ("1512.03385v1.pdf", 12, "Deep Residual Learning for Image Recognition"),
        ("2206.10883v3.pdf", 37, "Multi-LexSum"),
        ("2501.10120v1.pdf", 15, "PaSa: An LLM Agent for Comprehensive Academic Paper Search"),
        ("1111.2011v2.pdf", 8, "Bethe Lattice"),
    ],
)
def test_fixture_papers(name: str, pages: int, phrase: str) -> None:
    pdf = read_pdf(fixture(name))
    assert pdf.page_count == pages
    assert phrase in pdf.pages[0]
    text = "\n".join(pdf.pages)
    assert "\x02" not in text and "\r" not in text
    assert "learn-ing" not in text


def test_resnet_broken_words_are_joined() -> None:
    first = read_pdf(fixture("1512.03385v1.pdf")).pages[0]
    assert "reformulate the layers as learning residual functions" in first


async def test_async_read_matches_sync() -> None:
    data = text_pdf([["Async page", *body_lines(300)]])
    assert await read_pdf_async(data) == read_pdf(data)


async def test_async_read_raises_document_error() -> None:
    with pytest.raises(DocumentError, match="not a PDF"):
        await read_pdf_async(b"nope")


async def test_pdfium_work_runs_on_one_thread_one_job_at_a_time() -> None:
    active: list[int] = []
    overlaps: list[int] = []

    def job(n: int) -> str:
        active.append(n)
        if len(active) > 1:
            overlaps.append(n)
        time.sleep(0.02)
        active.remove(n)
        return threading.current_thread().name

    names = await asyncio.gather(*(run_pdfium(job, n) for n in range(5)))
    assert overlaps == []
    assert len(set(names)) == 1 and names[0] != threading.current_thread().name


async def test_timeout_becomes_document_error() -> None:
    with pytest.raises(DocumentError, match="took too long"):
        await run_pdfium(time.sleep, 0.3, timeout=0.05)
