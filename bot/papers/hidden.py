"""Text a reader cannot see: parts of an HTML page hidden by an attribute or an inline style.

A paper's HTML may carry text no reader sees (white on the white page, a zero font size, an
element with ``display:none``…), whether a LaTeX spacer (arXiv pages hold ``\\textcolor{white}``
fillers) or an instruction aimed at a language model. ``drop_hidden`` removes that text from the
parsed tree before anything reads it, and keeps everything a reader does see.

What counts as unseen (inline ``style`` and attributes only; stylesheets are not applied):

- gone with everything inside: the ``hidden`` attribute, ``display:none``, a box clipped to
  nothing (``clip: rect(0 0 0 0)``, ``clip-path: inset(50%)``), a zero-sized box with
  ``overflow:hidden``, a box moved a page away (``left:-9999px``, ``text-indent:-9999px``), or
  scaled to nothing (``transform: scale(0)``);
- unseen unless a descendant undoes it: ``visibility:hidden|collapse``, ``opacity`` under 0.05,
  a font under 3 px (sizes in %, em, pt, px… compound as in a browser), a text colour that is
  transparent or matches the background it sits on (the page is white; LaTeXML's
  ``--ltx-fg-color`` and ``--ltx-bg-color`` count as colour and background).

``aria-hidden`` is kept: it hides an element from screen readers, not from eyes (LaTeXML marks
visible rendering with it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import tinycss2
import tinycss2.color4
from lxml import etree

RGBA = tuple[float, float, float, float]
WHITE: RGBA = (1.0, 1.0, 1.0, 1.0)
BLACK: RGBA = (0.0, 0.0, 0.0, 1.0)
DEFAULT_FONT_PX = 16.0
MIN_FONT_PX = 3.0  # below this no one reads the text (LaTeX's \tiny is about 7 px)
MIN_OPACITY = 0.05
SAME_COLOUR = 0.1  # largest channel difference (0-1) at which text melts into its background
FAR_AWAY_PX = 1000.0  # an offset this far off puts a box off the page

_ABSOLUTE_PX = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
_ABSOLUTE_PX["q"] = 96 / 101.6
_RELATIVE = {"em": 1.0, "rem": 1.0, "ex": 0.5, "ch": 0.5}
_FONT_KEYWORDS = {
    "xx-small": 9.0,
    "x-small": 10.0,
    "small": 13.0,
    "medium": 16.0,
    "large": 18.0,
    "x-large": 24.0,
    "xx-large": 32.0,
    "xxx-large": 48.0,
}
_OFFSETS = ("left", "top", "right", "bottom", "text-indent", "margin-left", "margin-top")
_SIZES = ("width", "height", "max-width", "max-height")
_UNKNOWN = "unknown"  # a background that is an image or an unparsable colour: colour not judged
_IMAGE_FUNCTIONS = ("image", "image-set", "-webkit-image-set", "element", "cross-fade", "paint")
_MAX_VAR_DEPTH = 5  # var() inside var(): how deep substitution goes


@dataclass(frozen=True, slots=True)
class _Style:
    """What one inline style says about visibility."""

    gone: bool = False  # nothing inside can show
    visible: bool | None = None  # visibility, when the style sets it
    opacity: float = 1.0
    color: RGBA | str | None = None  # None: inherited; _UNKNOWN: not judged
    background: RGBA | str | None = None
    font: tuple[str, float] | None = None  # ("px", 12.0) or ("scale", 0.9)


@dataclass(frozen=True, slots=True)
class _State:
    """What an element inherits: its text colour, the background under it, its font size."""

    visible: bool = True
    opacity: float = 1.0
    color: RGBA | str = BLACK
    background: RGBA | str = WHITE
    font_px: float = DEFAULT_FONT_PX

    @property
    def unseen(self) -> bool:
        """True when text in this state cannot be seen."""
        if not self.visible or self.opacity < MIN_OPACITY or self.font_px < MIN_FONT_PX:
            return True
        if isinstance(self.color, str):
            return False
        if self.color[3] < MIN_OPACITY:
            return True
        if isinstance(self.background, str):
            return False
        return (
            max(abs(a - b) for a, b in zip(self.color[:3], self.background[:3], strict=True))
            < SAME_COLOUR
        )

    def under(self, style: _Style) -> _State:
        """The state of a child that has ``style``."""
        state = self
        if style.visible is not None:
            state = replace(state, visible=style.visible)
        if style.opacity < 1.0:
            state = replace(state, opacity=state.opacity * style.opacity)
        if style.color is not None:
            state = replace(state, color=style.color)
        if style.background is not None:
            state = replace(state, background=style.background)
        if style.font is not None:
            kind, value = style.font
            state = replace(state, font_px=value if kind == "px" else state.font_px * value)
        return state


def _tokens(declaration: Any) -> list[Any]:
    return [t for t in declaration.value if t.type not in ("whitespace", "comment")]


def _length_px(token: Any) -> float | None:
    """A length in px (em and % taken against the default font); None when not a length."""
    if token.type == "number" and token.value == 0:
        return 0.0
    if token.type == "dimension":
        unit = token.lower_unit
        if unit in _ABSOLUTE_PX:
            return float(token.value) * _ABSOLUTE_PX[unit]
        if unit in _RELATIVE:
            return float(token.value) * _RELATIVE[unit] * DEFAULT_FONT_PX
    if token.type == "percentage":
        return float(token.value) / 100 * DEFAULT_FONT_PX
    return None


def _colour(tokens: list[Any]) -> RGBA | str | None:
    """An sRGB colour with alpha, _UNKNOWN for one that cannot be compared, None for none."""
    for token in tokens:
        if token.type == "ident" and token.lower_value in ("inherit", "unset", "initial"):
            return None
        try:
            parsed = tinycss2.color4.parse_color(token)
        except (ValueError, TypeError):
            parsed = None
        if parsed is None:
            continue
        if isinstance(parsed, str):  # currentColor
            return None
        try:
            red, green, blue = parsed.to("srgb").coordinates
        except NotImplementedError:  # a colour space tinycss2 cannot convert
            return _UNKNOWN
        return (float(red), float(green), float(blue), float(parsed.alpha))
    return _UNKNOWN if tokens else None


def _background(tokens: list[Any]) -> RGBA | str | None:
    """The colour of a background; None when it shows the one beneath (``none``,
    ``transparent``, ``inherit``, a see-through or unreadable value); _UNKNOWN when an image
    or gradient paints it, or its colour cannot be compared."""
    for token in tokens:
        if token.type == "url" or (
            token.type == "function"
            and ("gradient" in token.lower_name or token.lower_name in _IMAGE_FUNCTIONS)
        ):
            return _UNKNOWN
    for token in tokens:
        if token.type not in ("hash", "function", "ident"):
            continue
        colour = _colour([token])
        if isinstance(colour, tuple) and colour[3] < 0.5:
            return None  # a see-through background shows the one beneath
        if colour is not None and colour != _UNKNOWN:
            return colour
        if colour == _UNKNOWN and _is_colour(token):
            return _UNKNOWN  # a colour tinycss2 cannot convert
    return None


def _is_colour(token: Any) -> bool:
    """True when tinycss2 reads ``token`` as a colour."""
    try:
        return tinycss2.color4.parse_color(token) is not None
    except (ValueError, TypeError):
        return False


def _substitute(tokens: list[Any], found: dict[str, list[Any]], depth: int = 0) -> list[Any]:
    """``tokens`` with each ``var(--name, fallback)`` replaced by what the same style sets."""
    out: list[Any] = []
    for token in tokens:
        if token.type != "function" or token.lower_name != "var" or depth > _MAX_VAR_DEPTH:
            out.append(token)
            continue
        args = [a for a in token.arguments if a.type not in ("whitespace", "comment")]
        name = args[0].value.lower() if args and args[0].type == "ident" else ""
        comma = next(
            (i for i, a in enumerate(args) if a.type == "literal" and a.value == ","), None
        )
        value = found.get(name) or (args[comma + 1 :] if comma is not None else [])
        out.extend(_substitute(value, found, depth + 1))
    return out


def _font_size(tokens: list[Any]) -> tuple[str, float] | None:
    if len(tokens) != 1:
        return None
    token = tokens[0]
    if token.type == "ident" and token.lower_value in _FONT_KEYWORDS:
        return ("px", _FONT_KEYWORDS[token.lower_value])
    if token.type == "percentage":
        return ("scale", float(token.value) / 100)
    if token.type == "dimension" and token.lower_unit in _RELATIVE:
        return ("scale", float(token.value) * _RELATIVE[token.lower_unit])
    px = _length_px(token)
    return ("px", px) if px is not None else None


def _scaled_to_nothing(tokens: list[Any]) -> bool:
    for token in tokens:
        if token.type == "function" and token.lower_name in ("scale", "scalex", "scaley"):
            numbers = [a.value for a in token.arguments if a.type in ("number", "percentage")]
            if any(abs(float(n)) < 1e-3 for n in numbers):
                return True
    return False


def _clipped_away(name: str, tokens: list[Any]) -> bool:
    for token in tokens:
        if token.type != "function":
            continue
        args = [a for a in token.arguments if a.type in ("number", "dimension", "percentage")]
        if name == "clip" and token.lower_name == "rect" and args:
            edges = [_length_px(a) or 0.0 for a in args]
            if len(edges) == 4 and edges[2] - edges[0] <= 1 and edges[1] - edges[3] <= 1:
                return True
        if name != "clip-path" or not args:
            continue
        if token.lower_name == "inset" and any(
            a.type == "percentage" and a.value >= 50 for a in args
        ):
            return True
        if token.lower_name == "circle" and (_length_px(args[0]) or 1.0) <= 0.0:
            return True
    return False


@lru_cache(maxsize=4096)
def parse_style(style: str) -> _Style:
    """What an inline ``style`` attribute says about visibility (cached: pages repeat styles)."""
    found: dict[str, list[Any]] = {}
    for item in tinycss2.parse_blocks_contents(style, skip_comments=True, skip_whitespace=True):
        if item.type == "declaration":
            found[item.lower_name] = _tokens(item)
    words = {
        name: tokens[0].lower_value
        for name, tokens in found.items()
        if len(tokens) == 1 and tokens[0].type == "ident"
    }
    gone = words.get("display") == "none"
    gone |= any(_clipped_away(name, found.get(name, [])) for name in ("clip", "clip-path"))
    gone |= _scaled_to_nothing(found.get("transform", [])) or words.get("scale") == "0"
    if any(v in ("hidden", "clip") for k, v in words.items() if k.startswith("overflow")):
        sizes = [_length_px(t[0]) for k in _SIZES if len(t := found.get(k, [])) == 1]
        gone |= any(size is not None and size <= 1.0 for size in sizes)
    for name in _OFFSETS:
        tokens = found.get(name, [])
        offset = _length_px(tokens[0]) if len(tokens) == 1 else None
        gone |= offset is not None and offset <= -FAR_AWAY_PX
    visible = None
    if "visibility" in words:
        visible = words["visibility"] not in ("hidden", "collapse")
    opacity = 1.0
    if len(tokens := found.get("opacity", [])) == 1 and tokens[0].type in ("number", "percentage"):
        value = float(tokens[0].value) / (100 if tokens[0].type == "percentage" else 1)
        opacity = min(1.0, max(0.0, value))
    colours = _substitute(
        found.get("color")
        or found.get("--ltx-fg-color")
        or found.get("-webkit-text-fill-color")
        or [],
        found,
    )
    backs = _substitute(
        found.get("background-color")
        or found.get("background")
        or found.get("--ltx-bg-color")
        or [],
        found,
    )
    return _Style(
        gone=gone,
        visible=visible,
        opacity=opacity,
        color=_colour(colours) if colours else None,
        background=_background(backs) if backs else None,
        font=_font_size(found["font-size"]) if "font-size" in found else None,
    )


_PLAIN = _Style()


def _style_of(el: etree._Element) -> _Style | None:
    """None when the element and everything in it is gone; else its own style."""
    if el.get("hidden") is not None:
        return None
    if el.tag in ("input", "INPUT") and (el.get("type") or "").lower() == "hidden":
        return None
    style = el.get("style")
    if not style or not style.strip():
        return _PLAIN
    parsed = parse_style(style)
    return None if parsed.gone else parsed


def _remove(el: etree._Element) -> None:
    """Take an element out of the tree, keeping its tail text where it was."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail or ""
    if tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _visit(el: etree._Element, state: _State, unseen: bool) -> int:
    """Drop what cannot be seen below ``el`` (in ``state``); returns how many elements went."""
    dropped = 0
    for child in list(el):
        if not isinstance(child.tag, str):
            continue
        style = _style_of(child)
        if style is None:
            _remove(child)
            dropped += 1
            continue
        child_state, child_unseen = state, unseen
        if style is not _PLAIN:
            child_state = state.under(style)
            child_unseen = child_state.unseen
        if len(child) or child_unseen:
            dropped += _visit(child, child_state, child_unseen)
        if child_unseen and len(child) == 0:  # nothing seen is left inside
            _remove(child)
            dropped += 1
    if unseen:  # its own text and its children's tails are drawn in its unseen state
        el.text = None
        for child in el:
            child.tail = None
    return dropped


def drop_hidden(root: etree._Element) -> int:
    """Remove every element a reader cannot see, and unseen text, from ``root``; returns how many.

    ``root`` is changed in place. Text a reader sees is kept, including the tails of removed
    elements and visible children of an invisible parent (``visibility:visible`` inside
    ``visibility:hidden``).
    """
    style = _style_of(root)
    if style is None:
        root.clear()
        return 1
    state = _State().under(style)
    return _visit(root, state, state.unseen)
