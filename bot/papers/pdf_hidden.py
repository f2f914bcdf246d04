"""Text a reader of a PDF page cannot see, found object by object and removed before extraction.

A paper can carry text meant only for a language model: drawn in the invisible render mode,
in white (or in the colour of the box it sits on), in a font too small to read. PDFium extracts
it like any other text, so ``remove_hidden_text`` takes such text objects off the loaded page
(nothing is written back to the file) before its text page is built. Text outside the page's
box needs nothing here: ``get_text_bounded`` already reads only what lies inside it.

What counts as hidden, per text object (after the matrices of any Form XObjects around it):

- render mode 3 (invisible) or 7 (clip only), unless it lies on an image covering at least half
  the page: that is the OCR layer of a scanned page, which the reader sees as the image;
- a fill (or, in the stroke-only modes, stroke) alpha of 0;
- a colour within ``COLOUR_TOLERANCE`` (``bot.papers.pdf_backdrops``) of what lies beneath it:
  the latest filled path or image drawn before it under its centre, else the white page. A path
  counts where it is painted, its outline traced through its fill rule (the hole of a border
  frame, the corners around a disc are the page); one of over ``MAX_PATH_SEGMENTS`` segments,
  or thinner than ``MIN_BOX_PT``, covers its box in a colour taken as unknown, like an image;
- an effective font size under ``MIN_FONT_PT`` whose box is also under ``MIN_BOX_PT`` tall
  (the box guards against Type 3 fonts whose nominal size says nothing of their glyphs).

Clipped-away text and text covered by a later opaque shape are not detected.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Iterator
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from bot.papers.pdf_backdrops import (
    MIN_BOX_PT,
    Backdrops,
    Box,
    Point,
    Rgb,
    Shape,
    bezier,
    box_of,
    in_box,
    rectangle,
)

MIN_FONT_PT = 2.0  # effective font size below which text is unreadable on screen and on paper
OCR_IMAGE_SHARE = 0.5  # an image covering this share of the page makes invisible text an OCR layer
_INVISIBLE_MODES = (3, 7)  # FPDF_TEXTRENDERMODE_INVISIBLE, FPDF_TEXTRENDERMODE_CLIP
_STROKE_ONLY_MODES = (1, 5)  # stroke, stroke + clip

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MAX_PATH_SEGMENTS = 2000  # a filled path with more segments is not traced (its colour unknown)
MAX_FORM_DEPTH = 15  # Form XObjects inside Form XObjects: how deep the scan descends
Handle = Any  # a PDFium page, or page object, handle (ctypes pointers, untyped in pypdfium2)


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _times(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF's row-vector convention: p · m · n)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (
        a * p + b * r,
        a * q + b * s,
        c * p + d * r,
        c * q + d * s,
        e * p + f * r + t,
        e * q + f * s + u,
    )


def _apply(box: Box, m: Matrix) -> Box:
    """The page-space bounds of a box given in a form's space."""
    if m == _IDENTITY:
        return box
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[0], box[3]), (box[2], box[1]), (box[2], box[3])):
        xs.append(x * m[0] + y * m[2] + m[4])
        ys.append(x * m[1] + y * m[3] + m[5])
    return (min(xs), min(ys), max(xs), max(ys))


class _PageScan:
    """One pass over a page's objects in drawing order, deciding which text is hidden.

    The out-parameters PDFium writes into are allocated once per scan: a paper has tens of
    thousands of text objects, and most are settled by three calls.
    """

    def __init__(self, page: pdfium.PdfPage) -> None:
        self.page = page
        left, bottom, right, top = page.get_bbox()
        self.backdrops = Backdrops(page=(left, bottom, right, top))
        self.hidden: list[tuple[Handle, Handle | None, str]] = []  # object, its form, reason
        self._scans: list[Box] | None = None  # page-sized images, looked for when needed
        self.page_area = max(1.0, (right - left) * (top - bottom))
        self._matrix = pdfium_c.FS_MATRIX()
        self._size = ctypes.c_float()
        self._rgba = tuple(ctypes.c_uint() for _ in range(4))
        self._box = tuple(ctypes.c_float() for _ in range(4))
        self._modes = (ctypes.c_int(), ctypes.c_int())
        self._point = (ctypes.c_float(), ctypes.c_float())

    def run(self) -> list[tuple[Handle, Handle | None, str]]:
        """Scan the page; the hidden text objects with their form (None on the page) and reason."""
        self._scan(self.page.raw, None, _IDENTITY, 0)
        return self.hidden

    def _children(self, parent: Handle, form: Handle | None) -> Iterator[Handle]:
        if form is None:
            count, get = pdfium_c.FPDFPage_CountObjects(parent), pdfium_c.FPDFPage_GetObject
        else:
            count, get = pdfium_c.FPDFFormObj_CountObjects(parent), pdfium_c.FPDFFormObj_GetObject
        for index in range(max(0, count)):
            handle = get(parent, index)
            if handle:
                yield handle

    def _own_matrix(self, handle: Handle) -> Matrix:
        m = self._matrix
        if not pdfium_c.FPDFPageObj_GetMatrix(handle, m):
            return _IDENTITY
        return (m.a, m.b, m.c, m.d, m.e, m.f)

    def _bounds(self, handle: Handle, outer: Matrix) -> Box | None:
        left, bottom, right, top = self._box
        if not pdfium_c.FPDFPageObj_GetBounds(handle, left, bottom, right, top):
            return None
        return _apply((left.value, bottom.value, right.value, top.value), outer)

    def _colour(self, handle: Handle, stroke: bool) -> tuple[Rgb, int] | None:
        r, g, b, a = self._rgba
        getter = (
            pdfium_c.FPDFPageObj_GetStrokeColor if stroke else pdfium_c.FPDFPageObj_GetFillColor
        )
        if not getter(handle, r, g, b, a):
            return None
        return (r.value, g.value, b.value), a.value

    def _scanned(self) -> list[Box]:
        """The page's images covering most of it (looked for once, when first needed)."""
        if self._scans is None:
            self._scans = []
            self._collect_images(self.page.raw, None, _IDENTITY, 0)
        return self._scans

    def _collect_images(
        self, parent: Handle, form: Handle | None, outer: Matrix, depth: int
    ) -> None:
        """Images covering most of the page: scans, whose invisible text is their OCR layer."""
        for handle in self._children(parent, form):
            kind = pdfium_c.FPDFPageObj_GetType(handle)
            if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                box = self._bounds(handle, outer)
                if box is not None and _area(box) >= OCR_IMAGE_SHARE * self.page_area:
                    self._scanned().append(box)
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
                inner = _times(self._own_matrix(handle), outer)
                self._collect_images(handle, handle, inner, depth + 1)

    def _scan(self, parent: Handle, form: Handle | None, outer: Matrix, depth: int) -> None:
        scale = math.sqrt(abs(outer[0] * outer[3] - outer[1] * outer[2]))
        for handle in self._children(parent, form):
            kind = pdfium_c.FPDFPageObj_GetType(handle)
            if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
                reason = self._text(handle, outer, scale)
                if reason is not None:
                    self.hidden.append((handle, form, reason))
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
                inner = _times(self._own_matrix(handle), outer)
                self._scan(handle, handle, inner, depth + 1)
            elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                box = self._bounds(handle, outer)
                if box is not None:
                    self.backdrops.add(Shape(box, None))
            elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                self._path(handle, outer)

    def _path(self, handle: Handle, outer: Matrix) -> None:
        """Record a filled path as a backdrop: a rectangle by its box, any other by its outline."""
        fill, stroke = self._modes
        if not pdfium_c.FPDFPath_GetDrawMode(handle, fill, stroke) or fill.value == 0:
            return
        colour = self._colour(handle, stroke=False)
        box = self._bounds(handle, outer)
        if colour is None or colour[1] == 0 or box is None:
            return
        if min(box[2] - box[0], box[3] - box[1]) < MIN_BOX_PT:  # a rule: its box is enough
            self.backdrops.add(Shape(box, None))
            return
        rings = self._rings(handle, _times(self._own_matrix(handle), outer))
        if not rings:  # too long to trace, or unreadable: it covers its box in an unknown colour
            self.backdrops.add(Shape(box, None))
            return
        box_painted = rectangle(rings)
        if box_painted is not None:
            self.backdrops.add(Shape(box_painted, colour[0]))
            return
        even_odd = fill.value == pdfium_c.FPDF_FILLMODE_ALTERNATE
        outline = tuple(tuple(ring) for ring in rings if len(ring) > 2)
        if outline:  # else only lines, which paint nothing
            self.backdrops.add(Shape(box_of(rings), colour[0], outline, even_odd))

    def _rings(self, handle: Handle, matrix: Matrix) -> list[list[Point]]:
        """A path's subpaths in page space, curves flattened; empty when it is too long."""
        count = pdfium_c.FPDFPath_CountSegments(handle)
        if not 0 < count <= MAX_PATH_SEGMENTS:
            return []
        a, b, c, d, e, f = matrix
        x, y = self._point
        rings: list[list[Point]] = []
        curve: list[Point] = []  # control points of the curve being read
        for index in range(count):
            segment = pdfium_c.FPDFPath_GetPathSegment(handle, index)
            if not segment or not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
                return []
            point = (x.value * a + y.value * c + e, x.value * b + y.value * d + f)
            kind = pdfium_c.FPDFPathSegment_GetType(segment)
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not rings:
                rings.append([point])
                curve = []
            elif kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
                curve.append(point)
                if len(curve) == 3:
                    rings[-1].extend(bezier(rings[-1][-1], *curve))
                    curve = []
            else:
                rings[-1].append(point)
        return rings

    def _text(self, handle: Handle, outer: Matrix, scale: float) -> str | None:
        """Why a reader cannot see this text object, or None when they can."""
        mode = pdfium_c.FPDFTextObj_GetTextRenderMode(handle)
        if mode in _INVISIBLE_MODES:
            box = self._bounds(handle, outer)
            if box is not None and any(in_box(s, *_centre(box)) for s in self._scanned()):
                return None
            return "invisible"
        colour = self._colour(handle, stroke=mode in _STROKE_ONLY_MODES)
        if colour is not None:
            rgb, alpha = colour
            if alpha == 0:
                return "transparent"
            if self.backdrops.near(rgb):
                box = self._bounds(handle, outer)
                if box is not None and self.backdrops.matches(rgb, *_centre(box)):
                    return "background"
        if not pdfium_c.FPDFTextObj_GetFontSize(handle, self._size):
            return None
        m = self._matrix
        det = m.a * m.d - m.b * m.c if pdfium_c.FPDFPageObj_GetMatrix(handle, m) else 1.0
        if abs(self._size.value) * math.sqrt(abs(det)) * scale >= MIN_FONT_PT:
            return None
        box = self._bounds(handle, outer)
        if box is not None and min(box[2] - box[0], box[3] - box[1]) < MIN_BOX_PT:
            return "tiny"
        return None


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def hidden_text(page: pdfium.PdfPage) -> list[str]:
    """Why each text object of a page a reader cannot see is hidden, in drawing order."""
    return [reason for _, _, reason in _PageScan(page).run()]


def remove_hidden_text(page: pdfium.PdfPage) -> int:
    """Take the text objects a reader cannot see off a loaded page; how many were removed.

    Build the page's text page after this call: it then holds only visible text.
    """
    hidden = _PageScan(page).run()
    removed = 0
    for handle, form, _reason in hidden:
        if form is None:
            ok = pdfium_c.FPDFPage_RemoveObject(page.raw, handle)
        else:
            ok = pdfium_c.FPDFFormObj_RemoveObject(form, handle)
        if ok:
            pdfium_c.FPDFPageObj_Destroy(handle)
            removed += 1
    return removed
