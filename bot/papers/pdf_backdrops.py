"""What text on a PDF page may sit on: the filled paths and images drawn before it, in order.

``Backdrops`` answers one question for ``bot.papers.pdf_hidden``: does the topmost thing painted
under a point have a given colour? A filled path counts where it is painted, not across its
box: a plain rectangle by its box, any other path (a border frame, a disc, a polygon) by its
outline under its fill rule. Shapes are filed under a coarse grid of cells, so a lookup reads
one cell, however many shapes the page holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MIN_BOX_PT = 3.0  # a backdrop thinner than this (a rule) hides nothing readable drawn over it
COLOUR_TOLERANCE = 20  # largest per-channel difference (0-255) of a colour from its backdrop
CELL_PT = 32.0  # side of the grid cells backdrops are filed under (larger on huge pages)
MAX_CELLS = 64  # grid cells along a page's side at most
BEZIER_STEPS = 8  # straight pieces standing for one curve of a traced path
_EPSILON = 0.01  # points this close (pt) are the same point
_WHITE = (255, 255, 255)

Box = tuple[float, float, float, float]  # left, bottom, right, top in page space
Point = tuple[float, float]
Rgb = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Shape:
    """One filled path or image: its page-space box and, for a path that is no plain rectangle,
    the outline that is actually painted (a frame, a disc, a polygon)."""

    box: Box
    colour: Rgb | None  # None: unknown (an image, a thin rule, an outline too long to test)
    rings: tuple[tuple[Point, ...], ...] = ()  # empty: the whole box is painted
    even_odd: bool = False

    def contains(self, x: float, y: float) -> bool:
        """True when (x, y) lies on the painted part of the shape."""
        if not in_box(self.box, x, y):
            return False
        if not self.rings:
            return True
        turns = _winding(self.rings, x, y)
        return turns % 2 != 0 if self.even_odd else turns != 0


@dataclass(slots=True)
class Backdrops:
    """Filled paths and images drawn so far on a page, in order: what text may sit on.

    Each shape is filed under the grid cells (``CELL_PT`` square or larger) its box touches,
    so finding what lies under a point reads one cell, not the whole page. A plain rectangle
    covering a cell hides everything drawn there before it, so that cell keeps only it.
    """

    page: Box = (0.0, 0.0, 612.0, 792.0)
    shapes: list[Shape] = field(default_factory=list)
    cells: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    colours: set[Rgb] = field(default_factory=set)
    _near: dict[Rgb, tuple[Rgb, ...]] = field(default_factory=dict)  # memo of close colours
    _side: float = CELL_PT  # of a grid cell
    _edges: tuple[int, int, int, int] = (0, 0, 0, 0)  # the page's first and last cells

    def __post_init__(self) -> None:
        left, bottom, right, top = self.page
        self._side = max(CELL_PT, (right - left) / MAX_CELLS, (top - bottom) / MAX_CELLS)
        self._edges = (*self._cell(left, bottom), *self._cell(right, top))

    def add(self, shape: Shape) -> None:
        """Record one backdrop drawn after those already recorded.

        A coloured one thinner than MIN_BOX_PT (a rule, a fraction bar) can cover what is drawn
        after it but hide nothing readable drawn over it, so its colour is not recorded.
        """
        box, colour = shape.box, shape.colour
        if colour is not None:
            if min(box[2] - box[0], box[3] - box[1]) < MIN_BOX_PT:
                shape = Shape(box, None, shape.rings, shape.even_odd)
            elif colour not in self.colours:
                self.colours.add(colour)
                self._near.clear()
        index = len(self.shapes)
        self.shapes.append(shape)
        (left, bottom), (right, top) = self._cell(box[0], box[1]), self._cell(box[2], box[3])
        first_x, first_y, last_x, last_y = self._edges
        for i in range(left, right + 1):
            for j in range(bottom, top + 1):
                inner = first_x < i < last_x and first_y < j < last_y  # edge cells reach beyond
                if inner and not shape.rings and _covers(box, i, j, self._side):
                    self.cells[i, j] = [index]
                else:
                    self.cells.setdefault((i, j), []).append(index)

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        """The grid cell of a point; points off the page fall in the page's edge cells."""
        left, bottom, right, top = self.page
        x, y = min(max(x, left), right), min(max(y, bottom), top)
        return math.floor(x / self._side), math.floor(y / self._side)

    def near(self, colour: Rgb) -> tuple[Rgb, ...]:
        """The backdrop colours (and white, the page's) within the tolerance of ``colour``."""
        found = self._near.get(colour)
        if found is None:
            found = tuple(c for c in (_WHITE, *self.colours) if _close(colour, c))
            self._near[colour] = found
        return found

    def matches(self, colour: Rgb, x: float, y: float) -> bool:
        """True when what lies under (x, y) has ``colour`` (within the tolerance)."""
        near = self.near(colour)
        shapes = self.shapes
        for index in reversed(self.cells.get(self._cell(x, y), ())):
            shape = shapes[index]
            if shape.contains(x, y):  # the topmost shape under the point
                return shape.colour is not None and shape.colour in near
        return _WHITE in near


def _covers(box: Box, i: int, j: int, side: float) -> bool:
    """True when ``box`` covers the whole grid cell (i, j) of cells ``side`` points square."""
    return (
        box[0] <= i * side
        and box[1] <= j * side
        and box[2] >= (i + 1) * side
        and box[3] >= (j + 1) * side
    )


def _winding(rings: tuple[tuple[Point, ...], ...], x: float, y: float) -> int:
    """How many times the closed rings turn around (x, y), counting direction."""
    turns = 0
    for ring in rings:
        x0, y0 = ring[-1]
        for x1, y1 in ring:
            if y0 <= y < y1 and (x1 - x0) * (y - y0) - (x - x0) * (y1 - y0) > 0:
                turns += 1
            elif y1 <= y < y0 and (x1 - x0) * (y - y0) - (x - x0) * (y1 - y0) < 0:
                turns -= 1
            x0, y0 = x1, y1
    return turns


def rectangle(rings: list[list[Point]]) -> Box | None:
    """The box of a single ring that is an axis-aligned rectangle, else None."""
    if len(rings) != 1:
        return None
    corners: list[Point] = []
    for point in rings[0]:
        if not corners or not _same(corners[-1], point):
            corners.append(point)
    if len(corners) > 1 and _same(corners[0], corners[-1]):
        corners.pop()
    if len(corners) != 4:
        return None
    for k in range(4):
        (ax, ay), (bx, by), (cx, cy) = corners[k - 2], corners[k - 1], corners[k]
        flat = abs(ay - by) <= _EPSILON and abs(bx - cx) <= _EPSILON
        upright = abs(ax - bx) <= _EPSILON and abs(by - cy) <= _EPSILON
        if not (flat or upright):
            return None
    return box_of(rings)


def _same(a: Point, b: Point) -> bool:
    return abs(a[0] - b[0]) <= _EPSILON and abs(a[1] - b[1]) <= _EPSILON


def box_of(rings: list[list[Point]]) -> Box:
    xs = [p[0] for ring in rings for p in ring]
    ys = [p[1] for ring in rings for p in ring]
    return (min(xs), min(ys), max(xs), max(ys))


def bezier(start: Point, c1: Point, c2: Point, end: Point) -> list[Point]:
    """A cubic Bezier curve as BEZIER_STEPS straight pieces (its points after ``start``)."""
    points = []
    for step in range(1, BEZIER_STEPS + 1):
        t = step / BEZIER_STEPS
        u = 1 - t
        a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        points.append(
            (
                a * start[0] + b * c1[0] + c * c2[0] + d * end[0],
                a * start[1] + b * c1[1] + c * c2[1] + d * end[1],
            )
        )
    return points


def _close(a: Rgb, b: Rgb) -> bool:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[2] - b[2])) <= COLOUR_TOLERANCE


def in_box(box: Box, x: float, y: float) -> bool:
    """True when (x, y) lies in ``box`` (its edges included)."""
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]
