"""arXiv's HTML full text (LaTeXML output): sections, front matter, teaser figure and links.

Both converters are read: LaTeXML (figures as ``<img>``, often under a ``<base>``) and the newer
"LaTeXML oxide" (figures as ``<object type="image/svg+xml">``, paths carrying the version folder,
no ``<base>``). Text a reader cannot see is dropped first (``bot.papers.hidden``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from bot.errors import DocumentError
from bot.papers.headings import classify_heading, is_back_matter, strip_numbering
from bot.papers.hidden import drop_hidden
from bot.papers.models import TextSection

_BLOCK, _LINE = "\x00", "\x01"  # paragraph and line breaks while rendering
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "nav", "header", "footer", "button"}
_SKIP_TAGS |= {"dialog", "form", "svg", "head", "img", "annotation", "annotation-xml"}
_SKIP_CLASSES = {"ltx_note_mark", "ltx_tag_note", "ltx_note_type", "ltx_role_footnotemark"}
_SKIP_CLASSES |= {"ltx_ERROR", "ltx_rdf", "ltx_TOC", "ltx_page_navbar", "ltx_page_header"}
_SKIP_CLASSES |= {"ltx_page_footer", "ltx_pagination", "ltx_dates", "ltx_tag_equation"}
_SKIP_CLASSES |= {"ltx_author_before", "ltx_author_after", "package-alerts", "sr-only"}
_SKIP_CLASSES |= {"ltx_contact_name"}  # oxide's "Affiliation: " label before each affiliation
_BLOCK_TAGS = {"p", "div", "section", "article", "figure", "figcaption", "table", "ul", "ol"}
_BLOCK_TAGS |= {"dl", "blockquote", "pre", *_HEADINGS}
_FLAT_TAGS = {"li", "dt", "dd", "figcaption", *_HEADINGS}  # rendered on one line
_EQUATION = {"ltx_equation", "ltx_equationgroup", "ltx_eqn_table"}
_UNITS = {"ltx_section", "ltx_chapter", "ltx_appendix", "ltx_bibliography", "ltx_index"}
_NOT_BODY = {"ltx_appendix", "ltx_index", "ltx_acknowledgements"}
_UNITS |= _NOT_BODY
_LATEXML = re.compile(rb"class\s*=\s*[\"'](?![^\"']*package-alerts)[^\"']*\bltx_document\b")
_NUMERIC_CITE = re.compile(r"^[\s\[\]()0-9,;–—-]*$")
_FIGURE_ONE = re.compile(r"^(?:Figure|Fig\.?)\s*1(?![0-9])", re.IGNORECASE)
_ICON = re.compile(r"(?<![a-z])(?:logo|icon|orcid|badge|emoji)s?(?![a-z])")
_NOT_BODY_WORDS = ("appendix", "supplementary")
_FRONT_ROLES = ("ltx_role_affiliationtext", "ltx_role_institutetext", "ltx_role_address")
_INDEXED = {"ltx_document", "ltx_ERROR", "ltx_title_document", "ltx_abstract", "ltx_authors"}
_INDEXED |= {"ltx_para", "ltx_figure", "ltx_note", *_FRONT_ROLES}
_LINE_CLASSES = frozenset({"ltx_creator", "ltx_contact", "ltx_personname"})


@dataclass(frozen=True, slots=True, kw_only=True)
class HtmlPaper:
    """What the pipeline reads off one arXiv HTML page."""

    sections: tuple[TextSection, ...]
    front_matter: str
    figure_url: str | None
    figure_caption: str
    title: str
    links: tuple[str, ...] = ()  # absolute http(s) hrefs outside the bibliography, in order
    figure_is_svg: bool = False  # figure_url is an SVG drawing (to be rendered to PNG)
    has_figures: bool = False  # the body shows a figure (even one no teaser could be taken from)


def _classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


Index = dict[str, list[etree._Element]]


def _index(root: etree._Element) -> Index:
    """The elements carrying each class the parser looks for, in document order (one pass)."""
    index: Index = {name: [] for name in _INDEXED}
    for el in root.iter(tag=etree.Element):
        names = el.get("class")
        if names and "ltx_" in names:
            for name in names.split():
                if name in index:
                    index[name].append(el)
    return index


def _tag(el: etree._Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _text_of(el: etree._Element) -> str:
    return "".join(str(t) for t in el.itertext())


def _skipped(el: etree._Element) -> bool:
    return _tag(el) in _SKIP_TAGS or not _tag(el) or bool(_classes(el) & _SKIP_CLASSES)


def _math_text(el: etree._Element) -> str:
    alt = el.get("alttext")
    if not alt:
        tex = [a for a in el.iter() if a.get("encoding") == "application/x-tex"]
        alt = _text_of(tex[0] if tex else el)
    alt = " ".join(alt.split())
    return f"${alt}$" if alt else ""


def _flat(el: etree._Element, notes: bool = True) -> str:
    """The text of an element on one line (its tail excluded)."""
    out: list[str] = []
    _children(el, out, notes)
    return " ".join("".join(out).replace(_BLOCK, " ").replace(_LINE, " ").split())


def _children(
    el: etree._Element, out: list[str], notes: bool, skip: etree._Element | None = None
) -> None:
    out.append(el.text or "")
    for child in el:
        if child is not skip:
            _emit(child, out, notes)
        out.append(child.tail or "")


def _row(el: etree._Element, notes: bool) -> str:
    """A table row on one line: cells joined by ' | ' (equation rows by spaces)."""
    cells = [_flat(c, notes) for c in el if _tag(c) in ("td", "th") or "ltx_td" in _classes(c)]
    table = next(
        (a for a in el.iterancestors() if _tag(a) == "table" or "ltx_tabular" in _classes(a)), el
    )
    if (_classes(el) | _classes(table)) & _EQUATION:
        return " ".join(c for c in cells if c)
    return " | ".join(cells)


def _drop_trailing_space(out: list[str]) -> None:
    if out and out[-1] not in (_BLOCK, _LINE):
        out[-1] = out[-1].rstrip(" \t\n\r")


def _emit(el: etree._Element, out: list[str], notes: bool) -> None:
    """Append the rendered text of one element (not its tail) to out."""
    if _skipped(el):
        return
    tag, classes = _tag(el), _classes(el)
    if tag == "math":
        out.append(_math_text(el))
    elif tag == "br":
        out.append(_LINE)
    elif tag == "cite":
        text = _flat(el, notes)
        if _NUMERIC_CITE.match(text):
            _drop_trailing_space(out)  # "shown in [3]." reads "shown in."
        else:
            out.append(text)
    elif "ltx_note" in classes:
        _emit_note(el, out, notes)
    elif tag == "tr" or "ltx_tr" in classes:
        out += [_LINE, _row(el, notes), _LINE]
    elif classes & _LINE_CLASSES:  # author blocks: one name or affiliation per line
        out.append(_LINE)
        _children(el, out, notes)
        out.append(_LINE)
    elif tag in _FLAT_TAGS:
        out += [_BLOCK if tag in _BLOCK_TAGS else _LINE, _flat(el, notes), _LINE]
    elif tag in _BLOCK_TAGS:
        out.append(_BLOCK)
        _children(el, out, notes)
        out.append(_BLOCK)
    else:
        _children(el, out, notes)


def _emit_note(el: etree._Element, out: list[str], notes: bool) -> None:
    """A footnote goes inline in parentheses, before the sentence's closing stop."""
    content = [c for c in el.iter() if "ltx_note_content" in _classes(c)]
    text = _flat(content[0] if content else el, notes) if notes else ""
    if not text:
        return
    stop = ""
    if out and out[-1] not in (_BLOCK, _LINE):
        stripped = out[-1].rstrip()
        if stripped[-1:] in (".", "!", "?") and not stripped.endswith(".."):
            out[-1], stop = stripped[:-1], stripped[-1]
    out.append(f" ({text}){stop}")


def _render(el: etree._Element, skip: etree._Element | None = None) -> str:
    """An element's text: paragraphs separated by blank lines, table rows by newlines."""
    out: list[str] = []
    _children(el, out, True, skip)
    paragraphs = []
    for block in "".join(out).split(_BLOCK):
        lines = (" ".join(line.split()) for line in block.split(_LINE))
        text = "\n".join(line for line in lines if line)
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


def is_probably_latexml(html: str | bytes) -> bool:
    """True when the page looks like LaTeXML output (a cheap check before parsing)."""
    data = html.encode("utf-8", "replace") if isinstance(html, str) else html
    return _LATEXML.search(data) is not None and b"ltx_title" in data


def _parse(html: str | bytes) -> etree._Element:
    data = html.encode("utf-8", "replace") if isinstance(html, str) else html
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        raise DocumentError("arXiv's HTML for this paper is empty or unreadable.")
    return root


def _document(index: Index) -> etree._Element:
    docs = [e for e in index["ltx_document"] if "package-alerts" not in _classes(e)]
    if not docs:
        raise DocumentError("arXiv has no LaTeXML HTML for this paper.")
    for error in index["ltx_ERROR"]:
        if "Fatal error" in _text_of(error):
            raise DocumentError("arXiv's HTML conversion of this paper failed part-way.")
    return docs[0]


def _heading_of(unit: etree._Element) -> etree._Element | None:
    for child in unit:
        if _tag(child) in _HEADINGS and "ltx_title" in _classes(child):
            return child
    return None


def _units(el: etree._Element) -> list[etree._Element]:
    """Top-level sectional units in document order (parts are opened, sections are not)."""
    found: list[etree._Element] = []
    for child in el:
        if _skipped(child):
            continue
        if _classes(child) & _UNITS:
            found.append(child)
        elif "ltx_abstract" not in _classes(child) and "ltx_authors" not in _classes(child):
            found += _units(child)
    return found


def _body(doc: etree._Element, index: Index) -> list[TextSection]:
    sections: list[TextSection] = []
    for unit in _units(doc):
        classes = _classes(unit)
        heading_el = _heading_of(unit)
        heading = _flat(heading_el, notes=False) if heading_el is not None else ""
        words = strip_numbering(heading).lower()
        if "ltx_bibliography" in classes or words.startswith(("references", "bibliography")):
            break
        if classes & _NOT_BODY or is_back_matter(heading) or words.startswith(_NOT_BODY_WORDS):
            continue
        text = _render(unit, skip=heading_el)
        if text:
            heading = heading or "Untitled section"
            sections.append(TextSection(heading=heading, kind=classify_heading(heading), text=text))
    if not sections:  # a paper without \section: its loose paragraphs are the body
        outer = {"ltx_para", "ltx_abstract", "ltx_authors", "ltx_bibliography", "ltx_appendix"}
        paras = [p for p in index["ltx_para"] if not _inside(p, outer)]
        text = "\n\n".join(filter(None, (_render(p) for p in paras)))
        if text:
            sections.append(TextSection(heading="Text", kind="other", text=text))
    return sections


def _front_matter(index: Index, title: etree._Element | None) -> str:
    blocks = [_render(a) for a in index["ltx_authors"]]
    for role in _FRONT_ROLES:
        blocks += [_render(e) for e in index[role] if not _inside(e, {"ltx_authors"})]
    if title is not None:
        blocks += [_flat(n) for n in index["ltx_note"] if title in n.iterancestors()]
    lines = (line for block in blocks for line in block.splitlines())
    return "\n".join(line for line in lines if line.strip())


def _inside(el: etree._Element, classes: set[str]) -> bool:
    return any(_classes(a) & classes for a in el.iterancestors())


_SVG_TYPES = ("image/svg+xml", "image/svg")


def _graphic_src(el: etree._Element) -> tuple[str, bool] | None:
    """(address, is SVG) of an image element: ``<img src>``, ``<object data>``, ``<embed src>``."""
    tag = _tag(el)
    if tag == "img" or tag == "embed":
        src = el.get("src") or ""
    elif tag == "object":
        src = el.get("data") or ""
    else:
        return None
    src = src.strip()
    path = urlsplit(src).path.lower()
    is_svg = (el.get("type") or "").strip().lower() in _SVG_TYPES or path.endswith(".svg")
    if tag != "img" and not is_svg and not path.endswith((".png", ".jpg", ".jpeg", ".gif")):
        return None  # an <object> or <embed> holding something other than an image
    return src, is_svg


def _usable_image(el: etree._Element) -> tuple[str, bool] | None:
    """(address, is SVG) of a figure's image, None for an icon, a glyph or inline data."""
    found = _graphic_src(el)
    if found is None:
        return None
    src, _ = found
    if not src or src.startswith("data:"):
        return None
    if _ICON.search(urlsplit(src).path.lower().rsplit("/", 1)[-1]):
        return None
    for side in ("width", "height"):
        size = re.match(r"\d+", el.get(side) or "")
        if size and int(size.group()) < 48:
            return None
    return found


def _caption(figure: etree._Element) -> str:
    captions = [c for c in figure if _tag(c) == "figcaption"] or list(figure.iter("figcaption"))
    return _flat(captions[0]) if captions else ""


def _body_figures(index: Index) -> list[etree._Element]:
    """The body's figures (not a panel inside another, not in the appendix or bibliography)."""
    outside = {"ltx_bibliography", "ltx_appendix", "ltx_figure"}
    return [f for f in index["ltx_figure"] if _tag(f) == "figure" and not _inside(f, outside)]


def _shows_graphics(figure: etree._Element) -> bool:
    """True when a figure draws something: an image, an embedded drawing, an inline SVG."""
    return any(_tag(e) in ("img", "object", "embed", "svg") for e in figure.iter())


def _teaser(figures: list[etree._Element]) -> tuple[str, bool, str] | None:
    """(address, is SVG, caption) of Figure 1's first image, else of the first figure with one.

    Within a figure a raster image is preferred to an SVG drawing (it needs no rendering).
    """
    candidates: list[tuple[str, bool, str]] = []
    for figure in figures:
        images = [found for el in figure.iter() if (found := _usable_image(el)) is not None]
        if images:
            src, is_svg = next((i for i in images if not i[1]), images[0])
            candidates.append((src, is_svg, _caption(figure)))
    for candidate in candidates:
        if _FIGURE_ONE.match(candidate[2]):
            return candidate
    return candidates[0] if candidates else None


def _resolver(root: etree._Element, base_url: str) -> str:
    """The URL relative links resolve against, honouring <base href>."""
    hrefs = [b.get("href") for b in root.iter("base")]
    href = next((h.strip() for h in hrefs if h and h.strip()), None)
    return urljoin(base_url, href) if href else base_url


def _absolute(base: str, src: str) -> str:
    """urljoin, tolerating a base with a slash added and a src that repeats its last segment.

    arXiv writes ``src="2408.13714v1/x1.png"`` for the page ``/html/2408.13714v1``.
    """
    last = urlsplit(base).path.rstrip("/").rsplit("/", 1)[-1]
    if base.endswith("/") and last and src.startswith(last + "/"):
        base = base.rstrip("/")
    return urljoin(base, src.strip())


def _links(doc: etree._Element, base: str) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith("#") or _inside(a, {"ltx_bibliography"}):
            continue
        url = _absolute(base, href)
        if urlsplit(url).scheme in ("http", "https"):
            found.setdefault(url, None)
    return tuple(found)


def parse_arxiv_html(html: str | bytes, base_url: str) -> HtmlPaper:
    """Read an arXiv HTML page; raises DocumentError when it is not a LaTeXML paper."""
    root = _parse(html)
    drop_hidden(root)
    index = _index(root)
    doc = _document(index)
    title_els = index["ltx_title_document"]
    title_el = title_els[0] if title_els else None
    title = _flat(title_el, notes=False) if title_el is not None else ""
    if not title:
        title = re.sub(r"^\[[^\]]*\]\s*", "", " ".join(root.findtext(".//title", "").split()))
    sections: list[TextSection] = []
    abstracts = index["ltx_abstract"]
    if abstracts:
        text = _render(abstracts[0], skip=_heading_of(abstracts[0]))
        if text:
            sections.append(TextSection(heading="Abstract", kind="abstract", text=text))
    body = _body(doc, index)
    if not body:
        raise DocumentError("arXiv's HTML for this paper has no sections.")
    base = _resolver(root, base_url)
    figures = _body_figures(index)
    teaser = _teaser(figures)
    return HtmlPaper(
        sections=(*sections, *body),
        front_matter=_front_matter(index, title_el),
        figure_url=_absolute(base, teaser[0]) if teaser else None,
        figure_caption=teaser[2] if teaser else "",
        title=title,
        links=_links(doc, base),
        figure_is_svg=teaser[1] if teaser else False,
        has_figures=any(_shows_graphics(f) for f in figures),
    )
