"""Realistic arXiv LaTeXML HTML pages for tests and the fake arXiv server.

Usage::

    from support.htmlgen import latexml_html

    page = latexml_html(
        "A Paper",
        [("Ada Lovelace", "Analytical Engine Lab"), ("Alan Turing", "Bletchley Park")],
        "We study $x^2$ and more.",
        [("1 Introduction", ["First paragraph.", "Second."]), ("2 Method", ["..."])],
    )

The page has the chrome arxiv.org adds around LaTeXML's output (head, navigation table of
contents, the unsupported-package alert, footer), one figure in the first section, a
bibliography whose entry links to someone else's repository, and an appendix. Text is
HTML-escaped; ``$...$`` in the abstract or a paragraph becomes a ``<math>`` element with the
TeX in ``alttext`` and MathML inside, as LaTeXML writes it.
"""

from __future__ import annotations

import re
from html import escape

_NUMBERED = re.compile(r"^((?:\d+|[A-Z])(?:\.\d+)*)\s+(.*)$", re.DOTALL)
_CAPTION_TAG = re.compile(r"^((?:Figure|Fig\.)\s*\d+[:.]\s*)(.*)$", re.DOTALL)
_MATH = re.compile(r"\$([^$]+)\$")


def _math(tex: str) -> str:
    alt = escape(tex, quote=True)
    return (
        f'<math alttext="{alt}" class="ltx_Math" display="inline">'
        f"<semantics><mrow><mi>m</mi><mo>⁢</mo><mi>l</mi></mrow>"
        f'<annotation encoding="application/x-tex">{escape(tex)}</annotation>'
        f"</semantics></math>"
    )


def _inline(text: str) -> str:
    """Escape text, turning $...$ into LaTeXML math."""
    out: list[str] = []
    pos = 0
    for m in _MATH.finditer(text):
        out.append(escape(text[pos : m.start()]))
        out.append(_math(m.group(1)))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def _heading(heading: str) -> tuple[str, str]:
    m = _NUMBERED.match(heading)
    return (m.group(1), m.group(2)) if m else ("", heading)


def _authors(authors: list[tuple[str, str]]) -> str:
    parts: list[str] = []
    for i, (name, affiliation) in enumerate(authors):
        if i:
            parts.append('<span class="ltx_author_before">  </span>')
        parts.append(
            '<span class="ltx_creator ltx_role_author">\n'
            f'<span class="ltx_personname">{escape(name)}</span><span class="ltx_author_notes">\n'
            f'<span class="ltx_contact ltx_role_affiliation">{escape(affiliation)}</span>\n'
            "</span></span>"
        )
    return '<div class="ltx_authors">\n' + "\n".join(parts) + "\n</div>"


def _figure(sec: str, src: str, caption: str) -> str:
    m = _CAPTION_TAG.match(caption)
    tag, rest = (m.group(1), m.group(2)) if m else ("", caption)
    tag_html = f'<span class="ltx_tag ltx_tag_figure">{escape(tag)}</span>' if tag else ""
    return (
        f'<figure class="ltx_figure" id="S{sec}.F1">'
        f'<img src="{escape(src, quote=True)}" id="S{sec}.F1.g1" '
        'class="ltx_graphics ltx_centering ltx_img_landscape" width="598" height="337" '
        'alt="Refer to caption">\n'
        f'<figcaption class="ltx_caption ltx_centering">{tag_html}{_inline(rest)}</figcaption>\n'
        "</figure>"
    )


def _section(n: int, heading: str, paragraphs: list[str], figure: str) -> str:
    tag, name = _heading(heading)
    tag_html = f'<span class="ltx_tag ltx_tag_section">{escape(tag)} </span>' if tag else ""
    paras = "\n".join(
        f'<div id="S{n}.p{i}" class="ltx_para">\n'
        f'<p id="S{n}.p{i}.1" class="ltx_p">{_inline(p)}</p>\n</div>'
        for i, p in enumerate(paragraphs, start=1)
    )
    return (
        f'<section id="S{n}" class="ltx_section">\n'
        f'<h2 class="ltx_title ltx_title_section">{tag_html}{escape(name)}</h2>\n'
        f"{paras}\n{figure}</section>"
    )


def _toc(sections: list[tuple[str, list[str]]]) -> str:
    items = "".join(
        f'<li class="ltx_tocentry"><a href="#S{n}" class="ltx_ref">'
        f'<span class="ltx_text ltx_ref_title">{escape(h)}</span></a></li>'
        for n, (h, _) in enumerate(sections, start=1)
    )
    return f'<nav class="ltx_TOC"><ol class="ltx_toclist">{items}</ol></nav>'


def latexml_html(
    title: str,
    authors: list[tuple[str, str]],
    abstract: str,
    sections: list[tuple[str, list[str]]],
    figure_src: str | None = "x1.png",
    figure_caption: str = "Figure 1: Overview of the method.",
) -> str:
    """An arXiv HTML page as LaTeXML and arxiv.org write it, with the given content."""
    body = []
    for n, (heading, paragraphs) in enumerate(sections, start=1):
        fig = _figure(str(n), figure_src, figure_caption) if n == 1 and figure_src else ""
        body.append(_section(n, heading, paragraphs, fig))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta content="text/html; charset=utf-8" http-equiv="content-type">
<title>{escape(title)}</title>
<meta content="width=device-width, initial-scale=1, shrink-to-fit=no" name="viewport">
<link href="https://arxiv.org/static/browse/0.3.4/css/ar5iv.0.7.9.min.css" rel="stylesheet">
<script src="https://arxiv.org/static/browse/0.3.4/js/addons_new.js"></script>
<style>.ltx_para {{ color: #222; }}</style>
</head>
<body>
<nav class="ltx_page_navbar">{_toc(sections)}</nav>
<div class="ltx_page_main">
<div class="package-alerts ltx_document" role="status"
 aria-label="Conversion errors have been found">
<p>HTML conversions sometimes display errors due to content that did not convert correctly.</p>
<ul arial-label="Unsupported packages used in this paper"><li>failed: xr-hyper</li></ul>
</div>
<div class="ltx_page_content">
<article class="ltx_document ltx_authors_1line">
<h1 class="ltx_title ltx_title_document">{escape(title)}</h1>
{_authors(authors)}
<div class="ltx_abstract">
<h6 class="ltx_title ltx_title_abstract">Abstract</h6>
<p id="id1.id1" class="ltx_p">{_inline(abstract)}</p>
</div>
{chr(10).join(body)}
<section id="bib" class="ltx_bibliography">
<h2 class="ltx_title ltx_title_bibliography">References</h2>
<ul class="ltx_biblist">
<li id="bib.bib1" class="ltx_bibitem">
<span class="ltx_tag ltx_role_refnum ltx_tag_bibitem">[1]</span>
<span class="ltx_bibblock">A. Baseline. A prior method. 2020.
<a href="https://github.com/baseline-lab/prior-method"
 class="ltx_ref ltx_url">https://github.com/baseline-lab/prior-method</a>
</span></li>
</ul>
</section>
<section id="A1" class="ltx_appendix">
<h2 class="ltx_title ltx_title_appendix">
<span class="ltx_tag ltx_tag_appendix">Appendix A </span>Additional proofs</h2>
<div id="A1.p1" class="ltx_para">
<p id="A1.p1.1" class="ltx_p">Appendix text that the summary does not need.</p></div>
</section>
</article>
</div>
<footer class="ltx_page_footer"><div class="ltx_page_logo">Generated by LaTeXML</div></footer>
</div>
<button class="btn btn-primary" id="openForm">Report Issue</button>
</body>
</html>
"""
