"""Tests for bot.papers.pdf_backdrops: what lies under a point of a PDF page, and in what colour."""

from __future__ import annotations

import pytest

from bot.papers.pdf_backdrops import Backdrops, Point, Shape, rectangle

BLACK = (0, 0, 0)
WHITE = (255, 255, 255)
OUTER = ((20.0, 20.0), (592.0, 20.0), (592.0, 772.0), (20.0, 772.0))
INNER_SAME_WAY = ((26.0, 26.0), (586.0, 26.0), (586.0, 766.0), (26.0, 766.0))
INNER_OTHER_WAY = tuple(reversed(INNER_SAME_WAY))


@pytest.mark.parametrize(
    ("rings", "expected"),
    [
        ([[(10, 10), (110, 10), (110, 60), (10, 60), (10, 10)]], (10, 10, 110, 60)),
        ([[(10, 10), (10, 60), (110, 60), (110, 10)]], (10, 10, 110, 60)),  # not closed: filled
        ([[(60, 0), (120, 60), (60, 120), (0, 60), (60, 0)]], None),  # a square on its corner
        ([[(0, 0), (100, 0), (0, 100), (0, 0)]], None),  # a triangle
        ([list(OUTER), list(INNER_SAME_WAY)], None),  # a frame: two rings
    ],
)
def test_only_a_single_axis_aligned_ring_is_a_rectangle(
    rings: list[list[Point]], expected: tuple[float, ...] | None
) -> None:
    assert rectangle(rings) == expected


@pytest.mark.parametrize(
    ("inner", "even_odd", "hole_painted"),
    [
        (INNER_SAME_WAY, True, False),  # even-odd: the inner ring cuts a hole
        (INNER_OTHER_WAY, False, False),  # nonzero, drawn the other way: a hole
        (INNER_SAME_WAY, False, True),  # nonzero, drawn the same way: all painted
    ],
)
def test_a_frame_is_painted_by_its_fill_rule(
    inner: tuple[Point, ...], even_odd: bool, hole_painted: bool
) -> None:
    frame = Shape((20.0, 20.0, 592.0, 772.0), BLACK, (OUTER, inner), even_odd)
    assert frame.contains(23, 400)  # on the band
    assert frame.contains(300, 400) is hole_painted
    assert not frame.contains(10, 400)  # outside the box


def test_the_topmost_shape_under_a_point_decides_its_colour() -> None:
    backdrops = Backdrops(page=(0.0, 0.0, 612.0, 792.0))
    backdrops.add(Shape((0.0, 0.0, 612.0, 792.0), BLACK))  # a black page
    backdrops.add(Shape((100.0, 100.0, 300.0, 300.0), WHITE))  # a white card on it
    backdrops.add(Shape((150.0, 150.0, 160.0, 160.0), None))  # an image on the card
    assert backdrops.matches(WHITE, 200, 200)
    assert not backdrops.matches(BLACK, 200, 200)
    assert backdrops.matches(BLACK, 400, 400)
    assert not backdrops.matches(WHITE, 155, 155)  # the image's colour is unknown
    assert not backdrops.matches(BLACK, 155, 155)


def test_a_thin_rule_hides_nothing_drawn_over_it() -> None:
    backdrops = Backdrops(page=(0.0, 0.0, 612.0, 792.0))
    backdrops.add(Shape((50.0, 100.0, 550.0, 101.0), BLACK))
    assert not backdrops.matches(BLACK, 300, 100.5)
    assert backdrops.matches(WHITE, 300, 300)


def test_a_huge_page_keeps_a_small_grid() -> None:
    backdrops = Backdrops(page=(0.0, 0.0, 200_000.0, 200_000.0))
    for _ in range(50):
        backdrops.add(Shape((-1e9, -1e9, 1e9, 1e9), BLACK))  # far beyond the page
    assert len(backdrops.cells) <= 65 * 65
    # A rectangle covering a cell replaces what lay there; only the edge cells, which also take
    # the points off the page, keep every one.
    assert sum(len(cell) for cell in backdrops.cells.values()) < 65 * 65 + 4 * 65 * 50
    assert backdrops.matches(BLACK, 100_000, 100_000)
