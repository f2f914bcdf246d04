"""Reading arXiv's LaTeXML HTML: sections, front matter, teaser figure, links, and refusals."""

import pytest
from support.htmlgen import latexml_html

from bot.errors import DocumentError
from bot.papers.html import is_probably_latexml, parse_arxiv_html

BASE = "https://arxiv.org/html/2408.13714v1/"
SECTIONS = [
    ("1 Introduction", ["Talking heads are hard.", "We fix that."]),
    ("2 Related Work", ["Others tried GANs."]),
    ("3 Method", ["We predict $x^2 < y$ & more."]),
    ("4 Experiments", ["FID drops to 3.1."]),
    ("5 Conclusion", ["It works."]),
]


def _doc(body: str, head: str = "", authors: str = "") -> str:
    """A minimal LaTeXML page around some article content."""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title>{head}</head>'
        f'<body><div class="ltx_page_main"><div class="ltx_page_content">'
        f'<article class="ltx_document"><h1 class="ltx_title ltx_title_document">Paper</h1>'
        f'<div class="ltx_authors">{authors}</div>{body}</article></div></div></body></html>'
    )


def _section(n: int, heading: str, inner: str, cls: str = "ltx_section") -> str:
    return (
        f'<section class="{cls}" id="S{n}"><h2 class="ltx_title ltx_title_section">'
        f'<span class="ltx_tag ltx_tag_section">{n} </span>{heading}</h2>{inner}</section>'
    )


def _para(html: str) -> str:
    return f'<div class="ltx_para"><p class="ltx_p">{html}</p></div>'


def _text(html: str) -> str:
    """The body text of a page with one section holding html."""
    paper = parse_arxiv_html(_doc(_section(1, "Introduction", html)), BASE)
    return paper.sections[-1].text


def _figure(src: str, caption: str, fid: str = "S1.F1", size: str = "") -> str:
    return (
        f'<figure class="ltx_figure" id="{fid}"><img src="{src}" class="ltx_graphics" {size} '
        f'alt="Refer to caption"><figcaption class="ltx_caption">{caption}</figcaption></figure>'
    )


# --- a whole generated page ---------------------------------------------------------------


def test_generated_page_gives_abstract_then_classified_sections() -> None:
    page = latexml_html("Talking <Heads> & Co", [("Ada", "Lab")], "We study $a<b$ & c.", SECTIONS)
    paper = parse_arxiv_html(page, BASE)
    assert [(s.heading, s.kind) for s in paper.sections] == [
        ("Abstract", "abstract"),
        ("1 Introduction", "introduction"),
        ("2 Related Work", "related"),
        ("3 Method", "method"),
        ("4 Experiments", "experiments"),
        ("5 Conclusion", "conclusion"),
    ]
    assert paper.title == "Talking <Heads> & Co"
    assert paper.sections[0].text == "We study $a<b$ & c."
    assert paper.sections[3].text == "We predict $x^2 < y$ & more."
    assert paper.sections[1].text.startswith("Talking heads are hard.\n\nWe fix that.")
    assert all(s.page is None for s in paper.sections)


def test_generated_page_leaves_out_chrome_bibliography_and_appendix() -> None:
    paper = parse_arxiv_html(latexml_html("T", [("Ada", "Lab")], "Abs.", SECTIONS), BASE)
    everything = "\n".join(s.text for s in paper.sections) + paper.front_matter
    leaks = ("xr-hyper", "Report Issue", "LaTeXML", "A prior method", "Appendix text", "\u2062")
    for absent in leaks:
        assert absent not in everything
    assert "https://github.com/baseline-lab/prior-method" not in paper.links


def test_generated_page_front_matter_and_figure() -> None:
    authors = [("Cheng-Yu Huang", "National Taiwan University"), ("Alan Turing", "Bletchley Park")]
    page = latexml_html("T", authors, "Abs.", SECTIONS, figure_caption="Figure 1: The pipeline.")
    paper = parse_arxiv_html(page.encode(), BASE)
    assert paper.front_matter.splitlines() == [
        "Cheng-Yu Huang",
        "National Taiwan University",
        "Alan Turing",
        "Bletchley Park",
    ]
    assert paper.figure_url == "https://arxiv.org/html/2408.13714v1/x1.png"
    assert paper.figure_caption == "Figure 1: The pipeline."


def test_generated_page_without_figure() -> None:
    paper = parse_arxiv_html(latexml_html("T", [], "Abs.", SECTIONS, figure_src=None), BASE)
    assert (paper.figure_url, paper.figure_caption) == (None, "")
    assert not paper.has_figures  # so no PDF is fetched for a figure


# --- text cleaning ------------------------------------------------------------------------


def test_math_keeps_the_tex_not_the_mathml() -> None:
    html = (
        'Let <math alttext="\\alpha_t &lt; 1" display="inline"><semantics><msub><mi>α</mi>'
        "<mi>t</mi></msub><annotation-xml><ci>CONTENT</ci></annotation-xml></semantics></math>"
        " hold."
    )
    assert _text(_para(html)) == "Let $\\alpha_t < 1$ hold."


def test_math_without_alttext_uses_the_tex_annotation() -> None:
    html = (
        'So <math><semantics><mi>E</mi><annotation encoding="application/x-tex">E=mc^2'
        "</annotation></semantics></math>."
    )
    assert _text(_para(html)) == "So $E=mc^2$."


def test_numeric_citations_go_and_author_year_citations_stay() -> None:
    html = (
        'Models <cite class="ltx_cite">[<a href="#bib.bib1">1</a>, <a href="#bib.bib2">2</a>]'
        "</cite>"
        ' invert noise, as in <cite class="ltx_cite">[<a href="#bib.bib3">3</a>–5]</cite>. Prior'
        ' work <cite class="ltx_cite ltx_citemacro_citep">(Ho et al., <a href="#b">2020</a>)</cite>'
        " used more steps."
    )
    assert _text(_para(html)) == (
        "Models invert noise, as in. Prior work (Ho et al., 2020) used more steps."
    )


def test_footnote_text_goes_inline_and_its_marks_do_not() -> None:
    note = (
        '<span class="ltx_note ltx_role_footnote"><sup class="ltx_note_mark">1</sup>'
        '<span class="ltx_note_outer"><span class="ltx_note_content"><sup class="ltx_note_mark">1'
        '</sup><span class="ltx_tag ltx_tag_note">1</span><a href="https://github.com/a/b" '
        'class="ltx_ref ltx_url">https://github.com/a/b</a></span></span></span>'
    )
    mark = (
        '<span class="ltx_note ltx_role_footnotemark"><sup class="ltx_note_mark">2</sup>'
        '<span class="ltx_note_outer"><span class="ltx_note_content"><span class="ltx_note_type">'
        "footnotemark: </span>2</span></span></span>"
    )
    text = _text(_para(f"Code is released.{note} Ada{mark} wrote it."))
    assert text == "Code is released (https://github.com/a/b). Ada wrote it."


def test_entities_and_non_ascii_are_decoded() -> None:
    html = _para("a &lt; b &amp;&amp; c &gt; d, Zürich, 北京, caf&eacute;&nbsp;au lait")
    assert _text(html) == "a < b && c > d, Zürich, 北京, café au lait"
    page = _doc(_section(1, "Intro", html))
    assert parse_arxiv_html(page.encode("utf-8"), BASE).sections[-1].text == _text(html)


def test_scripts_styles_errors_and_navigation_do_not_leak() -> None:
    html = "<script>var x = 'SCRIPT';</script><style>.a{}</style><nav>NAV</nav>" + _para(
        'Ada<span class="ltx_ERROR undefined">\\orcidlink</span> wrote it.<button>B</button>'
    )
    assert _text(html) == "Ada wrote it."


def test_lists_tables_and_equations() -> None:
    html = (
        _para("Our contributions:")
        + '<ul class="ltx_itemize"><li class="ltx_item"><span class="ltx_tag ltx_tag_item">•</span>'
        '<div class="ltx_para"><p class="ltx_p">a model;</p></div></li><li class="ltx_item">'
        '<span class="ltx_tag ltx_tag_item">•</span><div class="ltx_para"><p class="ltx_p">a '
        "benchmark.</p></div></li></ul>"
        '<table class="ltx_equation ltx_eqn_table"><tbody><tr class="ltx_equation ltx_eqn_row">'
        '<td class="ltx_eqn_cell"></td><td class="ltx_eqn_cell"><math alttext="y=f(x)" '
        'display="block"><mi>y</mi></math></td><td class="ltx_eqn_cell"></td>'
        '<td class="ltx_eqn_cell ltx_eqn_eqno"><span class="ltx_tag ltx_tag_equation">(1)</span>'
        "</td></tr></tbody></table>"
        '<figure class="ltx_table"><figcaption class="ltx_caption"><span class="ltx_tag '
        'ltx_tag_table">Table 1: </span>Scores.</figcaption><table class="ltx_tabular">'
        '<tr class="ltx_tr"><th class="ltx_td">Model</th><th class="ltx_td">FID</th></tr>'
        '<tr class="ltx_tr"><td class="ltx_td">Ours</td><td class="ltx_td">3.1</td></tr></table>'
        "</figure>"
    )
    assert _text(html) == (
        "Our contributions:\n\n• a model;\n• a benchmark.\n\n$y=f(x)$\n\n"
        "Table 1: Scores.\n\nModel | FID\nOurs | 3.1"
    )


def test_subsections_are_folded_into_their_section_with_their_headings() -> None:
    sub = (
        '<section class="ltx_subsection" id="S2.SS1"><h3 class="ltx_title ltx_title_subsection">'
        '<span class="ltx_tag ltx_tag_subsection">2.1 </span>Encoder</h3>{}'
        '<section class="ltx_subsubsection"><h4 class="ltx_title">2.1.1 Details</h4>{}</section>'
        "</section>"
    ).format(_para("Sub text."), _para("Deep text."))
    body = _section(1, "Introduction", _para("Intro.")) + _section(2, "Model", _para("Top.") + sub)
    paper = parse_arxiv_html(_doc(body), BASE)
    assert [s.heading for s in paper.sections] == ["1 Introduction", "2 Model"]
    assert paper.sections[1].kind == "method"
    assert (
        paper.sections[1].text == "Top.\n\n2.1 Encoder\n\nSub text.\n\n2.1.1 Details\n\nDeep text."
    )


def test_chapters_inside_parts_are_the_sections() -> None:
    chapter = (
        '<section class="ltx_chapter"><h2 class="ltx_title ltx_title_chapter">Chapter 1 '
        f"Introduction</h2>{_para('Why.')}</section>"
    )
    body = f'<section class="ltx_part"><h1 class="ltx_title">Part I</h1>{chapter}</section>'
    paper = parse_arxiv_html(_doc(body), BASE)
    assert [(s.heading, s.text) for s in paper.sections] == [("Chapter 1 Introduction", "Why.")]


def test_back_matter_and_appendix_are_left_out() -> None:
    body = (
        _section(1, "Introduction", _para("Intro."))
        + _section(2, "Acknowledgments", _para("Thanks, funders."))
        + '<div class="ltx_acknowledgements">We thank the GPUs.</div>'
        + _section(3, "Limitations", _para("Small data."))
        + '<section class="ltx_bibliography"><h2 class="ltx_title">References</h2>'
        '<ul class="ltx_biblist"><li class="ltx_bibitem">Ho. DDPM. '
        '<a href="https://github.com/hojonathanho/diffusion">code</a></li></ul></section>'
        + '<section class="ltx_appendix"><h2 class="ltx_title">Appendix A Proofs</h2>'
        + _para('Proof. <a href="https://example.org/extra">data</a>')
        + "</section>"
    )
    paper = parse_arxiv_html(_doc(body), BASE)
    assert [s.heading for s in paper.sections] == ["1 Introduction", "3 Limitations"]
    assert paper.sections[1].kind == "conclusion"
    assert paper.links == ("https://example.org/extra",)


def test_a_references_section_written_by_hand_ends_the_body() -> None:
    body = _section(1, "Introduction", _para("Intro.")) + _section(2, "References", _para("[1] X."))
    body += _section(3, "Extra", _para("After the references."))
    assert [s.heading for s in parse_arxiv_html(_doc(body), BASE).sections] == ["1 Introduction"]


def test_a_paper_without_sections_is_one_text_section() -> None:
    abstract = (
        '<div class="ltx_abstract"><h6 class="ltx_title">Abstract</h6><p class="ltx_p">A.</p></div>'
    )
    paper = parse_arxiv_html(_doc(abstract + _para("One.") + _para("Two.")), BASE)
    assert [(s.heading, s.kind, s.text) for s in paper.sections] == [
        ("Abstract", "abstract", "A."),
        ("Text", "other", "One.\n\nTwo."),
    ]


# --- front matter -------------------------------------------------------------------------


def test_front_matter_lists_authors_affiliations_and_title_notes() -> None:
    authors = (
        '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">Ada Lovelace'
        '<sup class="ltx_sup">1</sup></span><span class="ltx_author_notes">'
        '<span class="ltx_contact '
        'ltx_role_affiliation">Analytical Engine Lab, London</span><span class="ltx_contact '
        'ltx_role_email"><a href="mailto:ada@example.org">ada@example.org</a></span></span></span>'
        '<span class="ltx_author_before">&amp;</span><span class="ltx_creator ltx_role_author">'
        '<span class="ltx_personname">Alan Turing<br class="ltx_break">Bletchley Park, UK</span>'
        "</span>"
    )
    page = _doc(_section(1, "Intro", _para("x")), authors=authors).replace(
        ">Paper</h1>",
        '>Paper<span class="ltx_note ltx_role_thanks"><sup class="ltx_note_mark">*</sup><span '
        'class="ltx_note_outer"><span class="ltx_note_content">Work done at Acme.</span></span>'
        "</span></h1>",
    )
    paper = parse_arxiv_html(page, BASE)
    assert paper.title == "Paper"
    assert paper.front_matter.splitlines() == [
        "Ada Lovelace1",
        "Analytical Engine Lab, London",
        "ada@example.org",
        "Alan Turing",
        "Bletchley Park, UK",
        "Work done at Acme.",
    ]
    assert "mailto:ada@example.org" not in paper.links


# --- the teaser figure --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "head", "src", "expected"),
    [
        (BASE, "", "x1.png", "https://arxiv.org/html/2408.13714v1/x1.png"),
        (BASE, "", "2408.13714v1/x1.png", "https://arxiv.org/html/2408.13714v1/x1.png"),
        (BASE.rstrip("/"), "", "2408.13714v1/x1.png", "https://arxiv.org/html/2408.13714v1/x1.png"),
        (
            "https://arxiv.org/html/2408.13714",
            '<base href="/html/2408.13714v2/">',
            "extracted/5811455/fig/teaser.jpg",
            "https://arxiv.org/html/2408.13714v2/extracted/5811455/fig/teaser.jpg",
        ),
        (BASE, "", "https://example.org/a.png", "https://example.org/a.png"),
        (
            "http://127.0.0.1:8080/html/2408.13714v1/",
            "",
            "x1.png",
            "http://127.0.0.1:8080/html/2408.13714v1/x1.png",
        ),
    ],
)
def test_figure_src_is_resolved_against_the_page(
    base: str, head: str, src: str, expected: str
) -> None:
    page = _doc(_section(1, "Intro", _figure(src, "Figure 1: Teaser.")), head=head)
    assert parse_arxiv_html(page, base).figure_url == expected


def test_figure_one_is_preferred_and_icons_tables_and_appendix_are_not_teasers() -> None:
    table = (
        '<figure class="ltx_table"><img src="table.png" class="ltx_graphics"><figcaption '
        'class="ltx_caption">Table 1: T.</figcaption></figure>'
    )
    body = _section(
        1,
        "Intro",
        table
        + _figure("logo.png", "University logo", fid="S1.F0")
        + _figure("tiny.png", "A glyph", fid="S1.F9", size='width="16" height="16"')
        + _figure("x2.png", "Figure 2: Later.", fid="S1.F2")
        + _figure("x1.png", "Figure 1: The <b>teaser</b> with $x$.", fid="S1.F1"),
    )
    paper = parse_arxiv_html(_doc(body), BASE)
    assert paper.figure_url == BASE + "x1.png"
    assert paper.figure_caption == "Figure 1: The teaser with $x$."


def test_without_a_figure_one_the_first_usable_figure_is_taken() -> None:
    body = _section(1, "Intro", _figure("x3.png", "Figure 3: A.") + _figure("x4.png", "Fig. 4: B."))
    paper = parse_arxiv_html(_doc(body), BASE)
    assert (paper.figure_url, paper.figure_caption) == (BASE + "x3.png", "Figure 3: A.")


def test_figure_with_panels_uses_the_first_panel_and_the_outer_caption() -> None:
    panels = (
        '<figure class="ltx_figure" id="S1.F1"><div class="ltx_flex_figure">'
        '<figure class="ltx_figure ltx_figure_panel"><img src="x1.png" class="ltx_graphics">'
        '<figcaption class="ltx_caption">(a) left</figcaption></figure>'
        '<figure class="ltx_figure ltx_figure_panel"><img src="x2.png" class="ltx_graphics">'
        "</figure></div>"
        '<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 1: </span>'
        "Both sides.</figcaption></figure>"
    )
    paper = parse_arxiv_html(_doc(_section(1, "Intro", panels)), BASE)
    assert (paper.figure_url, paper.figure_caption) == (BASE + "x1.png", "Figure 1: Both sides.")


def test_a_figure_drawn_as_svg_only_gives_no_teaser() -> None:
    svg = '<figure class="ltx_figure"><svg class="ltx_picture"><text>tikz</text></svg></figure>'
    paper = parse_arxiv_html(_doc(_section(1, "Intro", _para("See the drawing.") + svg)), BASE)
    assert paper.figure_url is None
    assert paper.has_figures  # the service takes Figure 1 from the PDF instead


def _object(data: str, caption: str, fid: str = "S1.F1", kind: str = "image/svg+xml") -> str:
    """A figure as LaTeXML oxide writes it: an <object> drawing, no <img>."""
    return (
        f'<figure class="ltx_figure" id="{fid}"><object type="{kind}" data="{data}" '
        'class="ltx_graphics" width="476" height="506"></object>'
        f'<figcaption class="ltx_caption">{caption}</figcaption></figure>'
    )


def test_an_svg_drawing_is_the_teaser_of_a_page_by_the_newer_converter() -> None:
    body = _section(1, "Intro", _object("2408.13714v1/Fig1_spiral.svg", "Figure 1: Spiral."))
    paper = parse_arxiv_html(_doc(body), BASE.rstrip("/"))
    assert paper.figure_url == BASE + "Fig1_spiral.svg"
    assert (paper.figure_is_svg, paper.figure_caption) == (True, "Figure 1: Spiral.")


@pytest.mark.parametrize(
    ("figures", "expected", "svg"),
    [
        # Figure 1 drawn as SVG beats a raster Figure 2.
        (
            _object("f1.svg", "Figure 1: A.") + _figure("x2.png", "Figure 2: B.", "S1.F2"),
            "f1.svg",
            True,
        ),
        # Within one figure, a raster panel is taken before an SVG one.
        (
            '<figure class="ltx_figure"><object type="image/svg+xml" data="a.svg"></object>'
            '<img src="b.png"><figcaption>Figure 1: Both.</figcaption></figure>',
            "b.png",
            False,
        ),
        (_figure("drawing.svg", "Figure 1: As an img."), "drawing.svg", True),
        (_object("chart.png", "Figure 1: An object PNG.", kind="image/png"), "chart.png", False),
        # An <object> holding a PDF or a page is not an image.
        (_object("f1.pdf", "Figure 1: PDF.", kind="application/pdf"), None, False),
        (_object("logo.svg", "Figure 1: Logo."), None, False),
    ],
)
def test_which_drawing_is_the_teaser(figures: str, expected: str | None, svg: bool) -> None:
    paper = parse_arxiv_html(_doc(_section(1, "Intro", figures)), BASE)
    assert paper.figure_url == (BASE + expected if expected else None)
    assert paper.figure_is_svg is svg


def test_the_affiliation_label_of_the_newer_converter_is_not_front_matter() -> None:
    authors = (
        '<span class="ltx_creator ltx_role_author"><span class="ltx_personname">Ada</span>'
        '<span class="ltx_author_notes"><span class="ltx_contact ltx_role_affiliation">'
        '<span class="ltx_contact_name">Affiliation: </span><span class="ltx_text">Bath</span>'
        "</span></span></span>"
    )
    paper = parse_arxiv_html(_doc(_section(1, "Intro", _para("x")), authors=authors), BASE)
    assert paper.front_matter.splitlines() == ["Ada", "Bath"]


# --- refusals -----------------------------------------------------------------------------

NO_HTML = (
    "<!DOCTYPE html><html><head><title>arXiv</title></head><body><header>arXiv</header>"
    "<main><h1>No HTML for '2408.13714'</h1><p>HTML is not available for the source. This could"
    " be due to the source files not being HTML, LaTeX, or a conversion failure.</p></main>"
    "</body></html>"
)


@pytest.mark.parametrize(
    "page",
    [
        NO_HTML,
        "",
        "   \n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR garbage \xff\xfe",
        "<html><body><p>" + "Just a blog post. " * 50 + "</p></body></html>",
        '<div class="package-alerts ltx_document"><p>HTML conversions sometimes fail.</p></div>',
        _doc('<div class="ltx_abstract"><p class="ltx_p">Only an abstract.</p></div>'),
        _doc(
            '<div class="ltx_ERROR">Conversion to HTML had a Fatal error and exited abruptly.</div>'
            + _section(1, "Introduction", _para("Half a paper."))
        ),
    ],
)
def test_pages_that_are_not_latexml_papers_raise_document_error(page: str | bytes) -> None:
    with pytest.raises(DocumentError) as raised:
        parse_arxiv_html(page, BASE)
    assert "HTML" in raised.value.message


def test_is_probably_latexml() -> None:
    assert is_probably_latexml(latexml_html("T", [], "A.", SECTIONS))
    assert is_probably_latexml(latexml_html("T", [], "A.", SECTIONS).encode())
    assert not is_probably_latexml(NO_HTML)
    assert not is_probably_latexml(b"%PDF-1.5 binary")
    assert not is_probably_latexml('<div class="package-alerts ltx_document">x</div>')
