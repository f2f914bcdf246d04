"""Read the text of a PDF with PDFium: guarded against bad input, cleaned, on one worker thread."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import re
import resource
import subprocess
import sys
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, TypeVarTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from bot.errors import DocumentError
from bot.papers.pdf_hidden import remove_hidden_text

log = logging.getLogger(__name__)
T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# PDFium keeps process-global state and is not thread-safe: every call into it goes through this
# one worker thread (the only module-level singleton here, shared with bot.papers.pdf_figure).
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
_STREAM = re.compile(rb"\bstream\r?\n")
_INFLATE_CHUNK = 16_000_000

# A hostile PDF of a few hundred bytes can make PDFium run for minutes and allocate gigabytes
# (a form XObject that draws itself twice; a Flate stream that inflates to gigabytes), and a
# thread cannot be stopped: so the async entry points read each PDF in a child process with
# these limits, killed when it runs out of time.
TIMEOUT_S = 30.0  # wall-clock time of one PDF job
MEMORY_LIMIT = 1024 * 1024 * 1024  # address space of one child (real papers peak near 80 MB)
MAX_INFLATED_BYTES = 100_000_000  # what the compressed streams (images excepted) may expand to
TOO_COMPLEX = "the PDF is too complex to read within paperbot's limits"
TOO_SLOW = "reading the PDF took too long"


@dataclass(frozen=True, slots=True)
class PdfText:
    """The cleaned text of the pages read (1-based order) and the document's page count.

    ``hidden`` counts the text objects left out because a reader cannot see them.
    """

    pages: tuple[str, ...]
    page_count: int
    hidden: int = 0


def clean_text(raw: str) -> str:
    """Normalise extracted text: line ends, soft hyphens, ligatures, control and private chars."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_LIGATURES)
    text = _SOFT_HYPHEN_IN_WORD.sub("", text)
    text = _SOFT_HYPHEN_OTHER.sub("-", text)
    text = _HYPHEN_AT_LINE_END.sub(r"\1\2", text)
    text = _INVISIBLE.sub("", text.replace("\t", " "))
    lines = (line.rstrip() for line in text.split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def inflated_size(data: bytes, limit: int = MAX_INFLATED_BYTES) -> int:
    """Bytes the Flate streams of a PDF (images excepted) expand to, counted up to past ``limit``.

    A cheap guard against decompression bombs: zlib inflates in bounded chunks, nothing is kept.
    """
    total = 0
    for match in _STREAM.finditer(data):
        head = data[max(0, match.start() - 4096) : match.start()]
        head = head[max(0, head.rfind(b" obj")) :]  # the stream's own dictionary
        if b"/FlateDecode" not in head or b"/Image" in head:
            continue
        end = data.find(b"endstream", match.end())
        inflater = zlib.decompressobj()
        pending = data[match.end() : end if end >= 0 else len(data)]
        try:
            while pending and not inflater.eof and total <= limit:
                total += len(inflater.decompress(pending, _INFLATE_CHUNK))
                pending = inflater.unconsumed_tail
        except zlib.error:
            continue  # PDFium will say whether the stream is usable
        if total > limit:
            break
    return total


def open_document(data: bytes) -> pdfium.PdfDocument:
    """Open PDF bytes with PDFium, or raise DocumentError saying why not (caller must close)."""
    if b"%PDF-" not in data[:1024]:
        raise DocumentError("the file is not a PDF")
    if inflated_size(data) > MAX_INFLATED_BYTES:
        limit = MAX_INFLATED_BYTES // 1_000_000
        raise DocumentError(f"the PDF's compressed content expands to more than {limit} MB")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise DocumentError("the PDF is password-protected") from exc
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise DocumentError("the PDF is encrypted in a way that cannot be read") from exc
        raise DocumentError("the PDF is damaged or empty and could not be read") from exc


def _page_text(doc: pdfium.PdfDocument, index: int) -> tuple[str, int]:
    """(cleaned text a reader can see on one page, text objects left out as hidden).

    Hidden text objects are taken off the loaded page first (bot.papers.pdf_hidden); the text
    is read within the page's box, so text placed outside it is never read either.
    """
    page = doc[index]
    try:
        hidden = remove_hidden_text(page)
        textpage = page.get_textpage()
        try:
            return clean_text(textpage.get_text_bounded()), hidden
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
            read = [_page_text(doc, i) for i in range(min(count, max_pages))]
        except pdfium.PdfiumError as exc:
            raise DocumentError("the PDF is damaged and could not be read") from exc
    finally:
        doc.close()
    pages = tuple(text for text, _ in read)
    visible = sum(len("".join(page.split())) for page in pages)
    if visible < _MIN_TEXT_CHARS * max(1, len(pages)) // 2:
        raise DocumentError("the PDF has no extractable text (it may be a scanned image)")
    return PdfText(pages=pages, page_count=count, hidden=sum(n for _, n in read))


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
        raise DocumentError(TOO_SLOW) from exc


def _limit(kind: int, value: int) -> None:
    """Lower a resource limit of this process (never above the hard limit it already has)."""
    _soft, hard = resource.getrlimit(kind)
    resource.setrlimit(kind, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def _child_main() -> None:
    """The child's side: cap memory and CPU, run the pickled job, pickle back the outcome.

    The CPU cap ends the child even if its parent dies and can no longer kill it.
    """
    _limit(resource.RLIMIT_AS, MEMORY_LIMIT)
    fn, args, memory, seconds = pickle.load(sys.stdin.buffer)
    _limit(resource.RLIMIT_AS, memory)
    _limit(resource.RLIMIT_CPU, int(seconds) + 2)
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the job prints goes to stderr, never into the answer
    try:
        outcome: tuple[bool, Any] = (True, fn(*args))
    except DocumentError as exc:
        outcome = (False, exc.message)
    except MemoryError:
        outcome = (False, TOO_COMPLEX)
    with answer:
        pickle.dump(outcome, answer)


def _run_child(fn: Callable[..., T], args: tuple[Any, ...], timeout: float, memory: int) -> T:
    """Run ``fn(*args)`` in a fresh interpreter (blocking); kill it when ``timeout`` s are up.

    A new ``python -c`` imports only this module, gets no secrets in its environment, and
    imports nothing of the parent's ``__main__`` (multiprocessing's spawn/forkserver would).
    """
    paths = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
    child = subprocess.Popen(
        [sys.executable, "-c", "from bot.papers.pdf_text import _child_main; _child_main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PYTHONPATH": paths, "PATH": os.environ.get("PATH", "")},
    )
    try:
        out, err = child.communicate(pickle.dumps((fn, args, memory, timeout)), timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise DocumentError(TOO_SLOW) from None
    if child.returncode != 0 or not out:  # out of memory, or PDFium crashed
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        log.warning("PDF child exited with %s: %s", child.returncode, tail[0][:200])
        raise DocumentError(TOO_COMPLEX)
    ok, value = pickle.loads(out)
    if not ok:
        raise DocumentError(value)
    result: T = value
    return result


async def run_isolated(
    fn: Callable[[*Ts], T],
    *args: *Ts,
    timeout: float | None = None,  # noqa: ASYNC109 (the timeout becomes a DocumentError)
    memory: int | None = None,
) -> T:
    """Run ``fn(*args)`` (picklable) in a child process, one at a time, within time and memory.

    The child is killed after ``timeout`` s (default TIMEOUT_S) and may use ``memory`` bytes of
    address space (default MEMORY_LIMIT); either limit gives a DocumentError. Jobs wait their
    turn on the PDFium thread; one still waiting when its time is up never starts.
    """
    seconds = TIMEOUT_S if timeout is None else timeout
    limit = MEMORY_LIMIT if memory is None else memory
    job = partial(_run_child, fn, tuple(args), seconds, limit)
    return await run_pdfium(job, timeout=seconds * 2 + 5)


async def read_pdf_async(
    data: bytes,
    *,
    max_pages: int = 50,
    max_total_pages: int = 400,
    timeout: float | None = None,  # noqa: ASYNC109 (the timeout becomes a DocumentError)
) -> PdfText:
    """``read_pdf`` in a child process, within TIMEOUT_S (or ``timeout``) and MEMORY_LIMIT."""
    job = partial(read_pdf, data, max_pages=max_pages, max_total_pages=max_total_pages)
    return await run_isolated(job, timeout=timeout)
