"""SVG figures (arXiv's newer HTML converter draws them so) rendered to PNG with resvg.

The drawing is read with lxml first and stripped of what could reach outside it: scripts,
``foreignObject`` and any image or reference to another file (a figure is drawn from its own
bytes only; resvg would otherwise open local paths). Rendering runs in a child process
(``run_isolated``) under the PDF jobs' time and memory caps.
"""

from __future__ import annotations

import io
import re
from functools import partial

import resvg_py
from lxml import etree
from PIL import Image

from bot.papers.images import png_within, trim_white
from bot.papers.pdf_text import run_isolated

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
MAX_SVG_BYTES = 8_000_000
MAX_SIDE_PX = 1600  # the longer side of the PNG
MAX_ZOOM = 2.0  # a figure drawn 476 px wide becomes 952 px: sharp on a phone
_UNITS_PX = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54}
_UNITS_PX |= {"mm": 96 / 25.4, "em": 16.0, "ex": 8.0}
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_DROPPED = {"script", "foreignObject"}


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _length(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    if not match or match.group(2).lower() not in _UNITS_PX:
        return None
    return float(match.group(1)) * _UNITS_PX[match.group(2).lower()]


def _size(root: etree._Element) -> tuple[float, float] | None:
    """The drawing's own size in px: width and height, else its viewBox."""
    width, height = _length(root.get("width")), _length(root.get("height"))
    box = [float(v) for v in re.findall(r"-?[0-9]*\.?[0-9]+", root.get("viewBox") or "")]
    if len(box) == 4 and box[2] > 0 and box[3] > 0:
        if width and not height:
            height = width * box[3] / box[2]
        elif height and not width:
            width = height * box[2] / box[3]
        elif not width and not height:
            width, height = box[2], box[3]
    return (width, height) if width and height else None


def _sanitized(data: bytes) -> tuple[str, tuple[float, float] | None] | None:
    """The SVG as text with nothing that reaches outside it, and its size; None if not an SVG."""
    parser = etree.XMLParser(
        resolve_entities="internal",  # type: ignore[arg-type]  # lxml 5: never external files
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None or _local(root.tag) != "svg":
        return None
    for el in list(root.iter()):
        name = _local(el.tag)
        href = (el.get("href") or el.get(XLINK_HREF) or "").strip()
        outside = href and not href.startswith(("#", "data:"))
        if name in _DROPPED or (outside and name != "a"):
            parent = el.getparent()
            if parent is not None:
                parent.remove(el)
    return etree.tostring(root, encoding="unicode"), _size(root)


def svg_png(
    data: bytes, *, max_side: int = MAX_SIDE_PX, max_bytes: int = 5_000_000
) -> bytes | None:
    """Render an SVG drawing to a PNG on white; None when it is no SVG or draws nothing."""
    if len(data) > MAX_SVG_BYTES:
        return None
    sanitized = _sanitized(data)
    if sanitized is None:
        return None
    text, size = sanitized
    zoom = MAX_ZOOM if size is None else min(MAX_ZOOM, max_side / max(size))
    try:
        png = resvg_py.svg_to_bytes(svg_string=text, background="white", zoom=zoom, dpi=96.0)
        image = Image.open(io.BytesIO(bytes(png)))
        image.load()
    except (ValueError, OSError):  # resvg refuses the drawing, or it is empty
        return None
    flat = Image.new("RGB", image.size, "white")
    flat.paste(image, mask=image.getchannel("A") if "A" in image.getbands() else None)
    trimmed = trim_white(flat)
    return None if trimmed is None else png_within(trimmed, max_bytes)


async def svg_png_async(
    data: bytes,
    *,
    max_side: int = MAX_SIDE_PX,
    timeout: float | None = None,  # noqa: ASYNC109 (the timeout becomes a DocumentError)
) -> bytes | None:
    """``svg_png`` in a child process; DocumentError when it runs out of time or memory."""
    return await run_isolated(partial(svg_png, data, max_side=max_side), timeout=timeout)


_XML_TYPES = {"", "text/xml", "application/xml", "text/plain", "application/octet-stream"}


def looks_like_svg(content_type: str, data: bytes) -> bool:
    """True for a download that is an SVG drawing (by its type, or an XML body opening <svg)."""
    if content_type in ("image/svg+xml", "image/svg"):
        return True
    return content_type in _XML_TYPES and b"<svg" in data[:4096]
