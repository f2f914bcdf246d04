"""Tests for bot.questions.chunks: passages cut on sentence boundaries, with their heading, page and citation."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pydantic
import pytest
from support.pdfgen import text_pdf

from bot.papers.models import FullText, TextSection
from bot.papers.pdf_text import read_pdf
from bot.papers.sections import split_sections
from bot.questions.chunks import Chunk, chunk_paper, cite


def sentence(i: int) -> str:
    """A distinct sentence of about 90 characters."""
    return f"Sentence number {i} says that the residual block number {i} learns a small correction."


def paper(*sections: TextSection) -> FullText:
    return FullText(source="pdf", sections=sections)


def tokens(text: str) -> list[str]:
    return text.split()


def test_a_small_section_is_one_chunk_with_its_heading_kind_and_page() -> None:
    text = "We propose a method. It works well."
    chunks = chunk_paper(paper(TextSection(heading="3 Method", kind="method", text=text, page=4)))
    assert chunks == (Chunk(id=0, section="3 Method", kind="method", page=4, text=text),)


def test_a_long_section_is_cut_between_sentences_within_the_size_bound() -> None:
    sentences = [sentence(i) for i in range(40)]
    section = TextSection(heading="4 Experiments", text=" ".join(sentences), page=5)
    chunks = chunk_paper(paper(section), target_chars=600, overlap_chars=150)
    assert len(chunks) > 5
    assert all(len(c.text) <= 600 + 150 for c in chunks)
    for chunk in chunks:  # every passage is whole sentences: it starts and ends with one
        assert chunk.text.startswith("Sentence number ")
        assert chunk.text.endswith("correction.")
        assert chunk.section == "4 Experiments" and chunk.page == 5
    covered = " ".join(c.text for c in chunks)
    assert all(s in covered for s in sentences)  # nothing lost
    assert [c.id for c in chunks] == list(range(len(chunks)))


def test_consecutive_chunks_overlap_by_whole_sentences() -> None:
    section = TextSection(heading="Body", text=" ".join(sentence(i) for i in range(30)))
    chunks = chunk_paper(paper(section), target_chars=500, overlap_chars=200)
    assert len(chunks) > 3
    for before, after in pairwise(chunks):
        last = before.text.rsplit(". ", 1)[-1]
        start = after.text.index(last)  # the next passage repeats the last sentence(s) ...
        assert start + len(last) <= 200 and before.text.endswith(after.text[: start + len(last)])
        assert len(after.text) > start + len(last)  # ... and then moves on


def test_a_paragraph_end_is_preferred_as_a_boundary() -> None:
    first = " ".join(sentence(i) for i in range(8))  # ~720 characters
    second = " ".join(sentence(i) for i in range(8, 16))
    section = TextSection(heading="Body", text=f"{first}\n\n{second}")
    chunks = chunk_paper(paper(section), target_chars=1000, overlap_chars=0)
    assert [c.text for c in chunks] == [first, second]


def test_pdf_lines_are_joined_and_short_sentence_end_lines_close_paragraphs() -> None:
    lines = [
        "Deep networks are hard to train because gradients vanish as the",
        "depth grows, and adding layers to a suitably deep model leads to",
        "higher training error in practice.",
        "We study this problem with residual connections that let each block",
        "learn a correction to its input instead of a whole new function.",
    ]
    section = TextSection(heading="1 Introduction", text="\n".join(lines), page=1)
    (chunk,) = chunk_paper(paper(section))
    assert chunk.text == (
        " ".join(lines[:3]) + "\n\n" + " ".join(lines[3:])
    )  # one paragraph per blank line, no line breaks inside one


def test_an_unbreakable_run_is_cut_at_spaces_never_inside_a_word() -> None:
    row = " ".join(f"cell{i}" for i in range(1500))  # a table with no sentence end
    chunks = chunk_paper(paper(TextSection(heading="Table", text=row)), target_chars=500)
    assert len(chunks) > 10
    assert all(len(c.text) <= 500 + 200 for c in chunks)
    source = set(tokens(row))
    assert all(set(tokens(c.text)) <= source for c in chunks)
    assert {t for c in chunks for t in tokens(c.text)} == source


def test_the_number_of_chunks_is_bounded_and_the_whole_paper_still_covered() -> None:
    sections = [
        TextSection(heading=f"{n} Part", text=" ".join(sentence(i) for i in range(60)))
        for n in range(1, 41)
    ]  # 40 sections of ~5,400 characters: ~180 chunks at the default size
    chunks = chunk_paper(paper(*sections), max_chunks=60)
    assert 40 <= len(chunks) <= 60
    assert {c.section for c in chunks} == {s.heading for s in sections}  # the last ones too


def test_empty_sections_and_papers_give_no_chunks() -> None:
    assert chunk_paper(paper()) == ()
    assert chunk_paper(paper(TextSection(heading="Empty", text="  \n  "))) == ()


def test_html_sections_have_no_page() -> None:
    text = FullText(source="html", sections=(TextSection(heading="Abstract", text="We do X."),))
    assert chunk_paper(text)[0].page is None


def test_chunks_are_frozen() -> None:
    chunk = Chunk(id=0, section="Abstract", text="x")
    with pytest.raises(pydantic.ValidationError):
        chunk.text = "y"  # type: ignore[misc]


BODY = "Residual blocks add their input to their output so that gradients flow freely."


def spanning_pages() -> list[str]:
    """Three pages whose section 2 starts on page 1 and runs on to page 3."""
    page1 = f"Abstract\nWe study residual learning.\n1 Introduction\n{BODY}\n2 Method\nAlpha one. {BODY}"
    page2 = "\n".join(f"Beta {i} continues the method with residual blocks." for i in range(20))
    page3 = "\n".join(f"Gamma {i} ends the method with residual blocks." for i in range(20))
    return [page1, page2, f"{page3}\n3 Conclusion\nWe conclude."]


def test_with_the_page_texts_each_chunk_starts_on_its_own_page() -> None:
    pages = spanning_pages()
    sections = split_sections(pages)
    chunks = chunk_paper(paper(*sections), target_chars=500, overlap_chars=0, pages=pages)
    method = [c for c in chunks if c.section == "2 Method"]
    assert method[0].page == 1 and method[0].text.startswith("Alpha one.")
    for chunk in method[1:]:
        expected = 2 if chunk.text.startswith("Beta") else 3
        assert chunk.text.startswith(("Beta", "Gamma")) and chunk.page == expected
    assert {c.page for c in method} == {1, 2, 3}
    assert [c.page for c in chunks if c.section == "3 Conclusion"] == [3]


def test_without_the_page_texts_chunks_carry_their_sections_first_page() -> None:
    sections = split_sections(spanning_pages())
    chunks = chunk_paper(paper(*sections), target_chars=500, overlap_chars=0)
    assert {c.page for c in chunks if c.section == "2 Method"} == {1}


def test_pages_are_tracked_through_a_real_pdf() -> None:
    filler = [f"Line {i} of the method explains residual blocks in detail." for i in range(50)]
    pdf = read_pdf(
        text_pdf([["Abstract", "We study residual blocks.", "1 Method", *filler[:25]], filler[25:]])
    )
    sections = split_sections(pdf.pages)
    chunks = chunk_paper(paper(*sections), target_chars=400, overlap_chars=0, pages=pdf.pages)
    pages = {c.page for c in chunks if c.section == "1 Method"}
    assert pages == {1, 2}
    late = next(c for c in chunks if "Line 40 " in c.text)
    assert late.page == 2


@pytest.mark.parametrize(
    ("section", "page", "expected"),
    [
        ("4.2 Ablation", 6, "§4.2 Ablation, p. 6"),
        ("Abstract", None, "§Abstract"),
        ("3.1. Residual Learning", 3, "§3.1 Residual Learning, p. 3"),
        ("IV. RESULTS", None, "§IV RESULTS"),
        ("A. Ordered Phase", 4, "§A Ordered Phase, p. 4"),
        ("Front matter", 1, "§Front matter, p. 1"),
        (
            "2.1 Natural language processing for legal documents and court filings",
            2,
            "§2.1 Natural language processing for legal…, p. 2",
        ),
    ],
)
def test_cite(section: str, page: int | None, expected: str) -> None:
    assert cite(Chunk(id=0, section=section, page=page, text="x")) == expected


def test_a_real_paper_is_chunked_with_citable_pages(shared_fixtures: Path) -> None:
    pdf = read_pdf((shared_fixtures / "pdfs" / "1512.03385v1.pdf").read_bytes())
    text = FullText(source="pdf", sections=split_sections(pdf.pages), pages=pdf.page_count)
    chunks = chunk_paper(text, pages=pdf.pages)
    assert 20 <= len(chunks) <= 400
    assert all(len(c.text) <= 1200 + 200 for c in chunks)
    assert all(c.page is not None and 1 <= c.page <= pdf.page_count for c in chunks)
    deepest = next(c for c in chunks if "We set n = 200 that leads to a 1202-layer" in c.text)
    assert cite(deepest) == "§4.2 CIFAR-10 and Analysis, p. 8"  # the section starts on p. 7
