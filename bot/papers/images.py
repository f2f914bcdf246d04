"""Pillow helpers the figure renderers share: trim white margins, encode PNG within a budget."""

from __future__ import annotations

import io

from PIL import Image


def trim_white(image: Image.Image) -> Image.Image | None:
    """Crop white margins (keeping a little); None when (almost) nothing is drawn."""
    ink = image.convert("L").point(lambda v: 255 if v < 230 else 0)
    histogram = ink.histogram()
    if histogram[255] < 0.005 * image.width * image.height:
        return None
    left, top, right, bottom = ink.getbbox() or (0, 0, image.width, image.height)
    keep = 8
    box = (max(0, left - keep), max(0, top - keep), right + keep, bottom + keep)
    return image.crop((box[0], box[1], min(image.width, box[2]), min(image.height, box[3])))


def png_within(image: Image.Image, max_bytes: int) -> bytes | None:
    """The image as PNG, shrunk until it fits ``max_bytes``; None when it cannot fit."""
    while True:
        buf = io.BytesIO()
        image.save(buf, format="PNG", optimize=True)
        if buf.tell() <= max_bytes:
            return buf.getvalue()
        if min(image.size) < 64:
            return None
        size = (int(image.width * 0.7), int(image.height * 0.7))
        image = image.resize(size, Image.Resampling.LANCZOS)
