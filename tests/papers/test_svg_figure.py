"""SVG figures rendered to PNG: sized for a chat, drawn from their own bytes only."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from support.html_pages import svg_drawing

from bot.papers.svg_figure import looks_like_svg, svg_png, svg_png_async

SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def _image(png: bytes | None) -> Image.Image:
    assert png is not None and png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGB")


def test_a_drawing_becomes_a_sharp_png_on_white() -> None:
    image = _image(svg_png(svg_drawing()))
    # 357 pt = 476 px, drawn at 2x and trimmed to the ink (plus a small margin).
    assert 780 <= image.width <= 840 and 830 <= image.height <= 900
    assert image.getpixel((image.width // 2, image.height // 3)) == (51, 102, 204)
    assert image.getpixel((2, 2)) == (255, 255, 255)  # no transparent (black in chats) corners


def test_a_huge_drawing_is_capped() -> None:
    image = _image(svg_png(svg_drawing("100000", "106302")))
    assert max(image.size) <= 1600


def test_a_drawing_without_size_uses_its_view_box() -> None:
    svg = svg_drawing().replace(b' width="357pt" height="379.5pt"', b"")
    assert max(_image(svg_png(svg)).size) > 700


def test_files_outside_the_drawing_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    Image.new("RGB", (200, 200), (0, 255, 0)).save(secret)
    svg = (
        f'<svg {SVG_NS} xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="200">'
        '<rect width="100" height="100" fill="#3366cc"/>'
        f'<image xlink:href="{secret}" x="100" y="100" width="100" height="100"/>'
        f'<image href="file://{secret}" x="0" y="100" width="100" height="100"/></svg>'
    ).encode()
    image = _image(svg_png(svg))
    assert (0, 255, 0) not in {color for _, color in image.getcolors(1 << 16) or []}
    entity = (
        f'<!DOCTYPE svg [<!ENTITY x SYSTEM "file://{secret}">]><svg {SVG_NS} width="9" '
        'height="9"><text>&x;</text></svg>'
    ).encode()
    assert svg_png(entity) is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml at all",
        b"<html><body>No SVG here</body></html>",
        b"\x89PNG\r\n\x1a\n",
        f'<svg {SVG_NS} width="100" height="100"/>'.encode(),  # draws nothing
        f'<svg {SVG_NS} width="100" height="100"><rect width="9" height="9"/>'.encode(),  # unclosed
    ],
)
def test_what_is_not_a_drawing_gives_no_figure(data: bytes) -> None:
    assert svg_png(data) is None


@pytest.mark.parametrize(
    ("content_type", "data", "expected"),
    [
        ("image/svg+xml", b"anything", True),
        ("text/xml", b'<?xml version="1.0"?><svg>', True),
        ("application/octet-stream", b"<svg xmlns=", True),
        ("text/html", b"<svg>", False),
        ("image/png", b"<svg>", False),
        ("text/xml", b"<html/>", False),
    ],
)
def test_looks_like_svg(content_type: str, data: bytes, expected: bool) -> None:
    assert looks_like_svg(content_type, data) is expected


async def test_rendering_runs_in_a_child_process() -> None:
    image = _image(await svg_png_async(svg_drawing(), max_side=400))
    assert max(image.size) <= 400
