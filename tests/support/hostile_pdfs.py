"""Hostile PDFs for tests: many pages, encrypted, truncated, not a PDF, bombs, endless content.

Usage::

    from support.hostile_pdfs import deflate_bomb, many_pages, recursive_form

    data = many_pages(5000)         # 5,000 pages in a few hundred kB, built in milliseconds
    data = deflate_bomb(1000)       # a ~1 MB file whose page content inflates to 1 GB
    data = recursive_form()         # 600 bytes that draw themselves 2**40 times in PDFium

Every document is written object by object (the xref offsets are computed), so each is exactly
what its name says and costs the test nothing to build. Without the child-process limits of
``bot.papers.pdf_text``, ``recursive_form`` makes PDFium allocate more than 20 GB.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from functools import cache

from support.pdfgen import body_lines, text_pdf

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
RESOURCES = b"/Resources << /Font << /F1 5 0 R >> %s >>"
TEXT = b"BT /F1 10 Tf 72 %d Td (%s) Tj ET\n"


def build(objects: Sequence[bytes]) -> bytes:
    """A PDF whose object ``n`` (1-based) is ``objects[n - 1]``; object 1 is the catalog."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    """A stream object's body with its dictionary entries."""
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), entries, data)


def _page(content: int, xobjects: bytes = b"") -> bytes:
    return (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R " % content
        + RESOURCES % xobjects
        + b" >>"
    )


def prose(lines: int = 40) -> bytes:
    """A page of readable text as content-stream operators."""
    words = body_lines(lines * 80)[:lines]
    return b"".join(TEXT % (760 - 14 * i, w.encode()) for i, w in enumerate(words))


def one_page(content: bytes, xobjects: bytes = b"", *extra: bytes) -> bytes:
    """One page drawing ``content``; ``extra`` objects are numbered from 6."""
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(4, xobjects),
            stream(content),
            FONT,
            *extra,
        ]
    )


@cache
def many_pages(count: int = 5000) -> bytes:
    """``count`` real pages of text sharing one content stream."""
    kids = b" ".join(b"%d 0 R" % (6 + i) for i in range(count))
    pages = [_page(4) for _ in range(count)]
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
            b"<< >>",
            stream(prose()),
            FONT,
            *pages,
        ]
    )


def readable() -> bytes:
    """A small PDF with enough text to summarize (the control case)."""
    return text_pdf([["Readable paper", *body_lines(1500)], body_lines(1500)])


def encrypted() -> bytes:
    """A readable paper encrypted with a user password nobody told the bot."""
    return text_pdf([["Secret paper", *body_lines(1500)]], password="hunter2")


def truncated() -> bytes:
    """A real PDF cut off a third of the way through (a download that broke)."""
    data = readable()
    return data[: len(data) // 3]


NOT_PDFS = {
    "html": b"<!DOCTYPE html><html><body>arXiv is down for maintenance</body></html>",
    "png": bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 64,
    "zip": b"PK\x03\x04" + b"\x00" * 200,
    "empty": b"",
}


def inflating_to(megabytes: int, unit: bytes = b"0 0 m 612 792 l S\n") -> bytes:
    """A zlib stream that inflates to ``megabytes`` MB of ``unit`` repeated, built at once.

    Each megabyte is compressed after a full flush, so its deflate block is the same every
    time and is simply repeated; only the Adler-32 checksum needs the whole input.
    """
    chunk = unit * (1_000_000 // len(unit))
    packer = zlib.compressobj(9)
    head = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(megabytes):
        checksum = zlib.adler32(chunk, checksum)
    last = zlib.compressobj(wbits=-15).flush()  # an empty final block
    return head + block * (megabytes - 1) + last + checksum.to_bytes(4, "big")


@cache
def deflate_bomb(inflated_mb: int = 1000) -> bytes:
    """One page whose Flate content stream inflates to ``inflated_mb`` MB of line drawings."""
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            _page(4),
            stream(inflating_to(inflated_mb), b"/Filter /FlateDecode"),
            FONT,
        ]
    )


def recursive_form() -> bytes:
    """Readable text, then a form XObject that draws itself twice: endless content for PDFium."""
    form = stream(
        b"/X Do /X Do",
        b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /X 6 0 R >> >>",
    )
    return one_page(prose() + b"/X Do\n", b"/XObject << /X 6 0 R >>", form)


def padded(size: int) -> bytes:
    """A readable PDF followed by a comment that makes the file ``size`` bytes long."""
    head = readable()
    return head + b"%" + b"x" * max(0, size - len(head) - 2) + b"\n"


def padded_chunks(size: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """``padded(size)`` in pieces, for a server that streams it without holding it."""
    head = readable()
    yield head + b"%"
    left = size - len(head) - 1
    filler = b"x" * chunk
    while left > 0:
        yield filler[: min(chunk, left)]
        left -= chunk
