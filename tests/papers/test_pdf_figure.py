"""Tests for bot.papers.pdf_figure: the teaser figure rendered from above its "Figure 1" caption."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops
from support.paths import PDFS
from support.pdfgen import PAGE_W, body_lines, figure_pdf, text_pdf

from bot.errors import DocumentError
from bot.papers.models import Figure
from bot.papers.pdf_figure import teaser_figure, teaser_figure_async, trim_caption

BLUE = (51, 102, 204)  # the box pdfgen draws
RED = (230, 77, 51)  # the circle


def fixture(name: str) -> bytes:
    path = PDFS / name
    if not path.is_file():
        pytest.skip(f"fixture {name} not available")
    return path.read_bytes()


def image_of(figure: Figure | None) -> Image.Image:
    assert figure is not None
    assert figure.mime == "image/png"
    image = Image.open(io.BytesIO(figure.data))
    assert image.format == "PNG"
    return image.convert("RGB")


def share(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 40) -> float:
    """Fraction of pixels close to ``colour``."""
    masks = [
        band.point(lambda v, c=c: 255 if abs(v - c) <= tolerance else 0)
        for band, c in zip(image.split(), colour, strict=True)
    ]
    both = ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])
    return both.histogram()[255] / (image.width * image.height)


def dark_share(image: Image.Image) -> float:
    histogram = image.convert("L").histogram()
    return sum(histogram[:200]) / (image.width * image.height)


def test_single_column_figure() -> None:
    figure = teaser_figure(figure_pdf(), scale=2.0)
    image = image_of(figure)
    assert figure is not None
    assert figure.caption == "Figure 1: Overview of the method. A box feeds a circle."
    # the drawing is 484 x 170 points: at scale 2 about 970 x 340 pixels, with no body text
    assert 900 <= image.width <= 1000 and 320 <= image.height <= 380
    assert share(image, BLUE) > 0.1 and share(image, RED) > 0.03


def test_two_column_figure_stays_in_its_column() -> None:
    image = image_of(teaser_figure(figure_pdf(two_column=True), scale=2.0))
    column = (PAGE_W - 2 * 54 - 18) / 2
    assert image.width <= (column + 10) * 2
    assert 320 <= image.height <= 380
    assert share(image, BLUE) > 0.1 and share(image, RED) > 0.03


def test_scale_sets_resolution() -> None:
    small = image_of(teaser_figure(figure_pdf(), scale=1.0))
    large = image_of(teaser_figure(figure_pdf(), scale=3.0))
    assert 2.5 < large.width / small.width < 3.5


def test_figure_on_a_later_page() -> None:
    data = figure_pdf(figure_page=2)
    assert image_of(teaser_figure(data)).height > 300
    assert teaser_figure(data, max_pages=1) is None


@pytest.mark.parametrize(
    "caption",
    [
        "Fig. 1. Block diagram of the system.",
        "Fig. 1: Block diagram of the system.",
        "Figure 1. Block diagram of the system.",
        "FIG. 1. Block diagram of the system.",
    ],
)
def test_caption_spellings(caption: str) -> None:
    figure = teaser_figure(figure_pdf(caption))
    assert figure is not None and figure.caption == caption


@pytest.mark.parametrize(
    "caption",
    [
        "Figure 1 shows how a box feeds a circle in our method.",  # a sentence, not a caption
        "Figure 12: Another figure entirely.",
        "Figure 2: The second figure.",
    ],
)
def test_not_figure_one(caption: str) -> None:
    assert teaser_figure(figure_pdf(caption)) is None


def test_no_caption_in_a_text_only_paper() -> None:
    assert teaser_figure(text_pdf([body_lines(2000)])) is None


def test_caption_with_nothing_drawn_above() -> None:
    assert teaser_figure(figure_pdf(draw_figure=False)) is None


def test_long_caption_is_trimmed() -> None:
    sentence = "The encoder reads the input and passes a summary to the decoder. "
    figure = teaser_figure(figure_pdf("Figure 1: " + sentence * 8))
    assert figure is not None
    assert len(figure.caption) <= 300
    assert figure.caption.startswith("Figure 1: The encoder reads")
    assert figure.caption.endswith("decoder.")


def test_png_kept_under_max_bytes() -> None:
    full = teaser_figure(figure_pdf(), scale=3.0)
    small = teaser_figure(figure_pdf(), scale=3.0, max_bytes=8_000)
    assert full is not None and small is not None
    assert len(full.data) > 8_000 >= len(small.data)
    assert image_of(small).width < image_of(full).width


def test_not_a_pdf() -> None:
    with pytest.raises(DocumentError, match="not a PDF"):
        teaser_figure(b"GIF89a")


async def test_async_matches_sync() -> None:
    data = figure_pdf()
    assert await teaser_figure_async(data) == teaser_figure(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Figure 1:  A   short\ncaption.", "Figure 1: A short caption."),
        ("Figure 1: First sentence. " + "x" * 400, "Figure 1: First sentence."),
        ("Fig. 1. " + "word " * 100, "Fig. 1. " + ("word " * 58).strip() + "…"),
    ],
)
def test_trim_caption(text: str, expected: str) -> None:
    assert trim_caption(text) == expected


def test_resnet_figure_in_right_column_of_page_one() -> None:
    figure = teaser_figure(fixture("1512.03385v1.pdf"), scale=2.0)
    image = image_of(figure)
    assert figure is not None
    assert figure.caption.startswith("Figure 1. Training error (left) and test error (right)")
    assert figure.caption.endswith("presented in Fig. 4.")
    # two plots side by side in one 236-point column: wide, short, with red and olive curves
    assert 400 <= image.width <= 500 and 140 <= image.height <= 200
    assert share(image, (220, 0, 0), tolerance=60) > 0.002
    assert dark_share(image) < 0.2  # line plots, not a block of body text


def test_tacotron_block_diagram() -> None:
    figure = teaser_figure(fixture("1712.05884v2.pdf"))
    image = image_of(figure)
    assert figure is not None
    assert figure.caption == "Fig. 1. Block diagram of the Tacotron 2 system architecture."
    assert 400 <= image.width <= 520 and 300 <= image.height <= 460
    assert share(image, (250, 215, 180), tolerance=30) > 0.02  # the orange boxes


def test_pasa_figure_spans_the_page() -> None:
    figure = teaser_figure(fixture("2501.10120v1.pdf"), scale=2.0)
    image = image_of(figure)
    assert figure is not None
    assert figure.caption.startswith("Figure 1: Architecture of PaSa.")
    assert image.width > 0.6 * 595 * 2 and image.height < image.width / 2


def test_revtex_figure_on_page_three() -> None:
    figure = teaser_figure(fixture("1111.2011v2.pdf"))
    assert figure is not None
    assert figure.caption.startswith("FIG. 1. Schematic depiction")


def test_figure_beyond_max_pages() -> None:
    data = fixture("2206.10883v3.pdf")  # Figure 1 is on page 5
    assert teaser_figure(data) is None
    figure = teaser_figure(data, max_pages=5)
    assert figure is not None
    assert figure.caption.startswith("Figure 1: The pipeline of creating summaries")
