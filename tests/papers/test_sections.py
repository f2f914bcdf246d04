"""Tests for bot.papers.sections: headings found in extracted page text, and the sections they open."""

from __future__ import annotations

import pytest
from support.paths import PDFS

from bot.papers.pdf_text import read_pdf
from bot.papers.sections import first_page_text, split_sections

BODY = "This paragraph is ordinary body text that explains the work in detail."


def headings(*pages: str) -> list[str]:
    return [s.heading for s in split_sections(pages)]


@pytest.mark.parametrize(
    ("line", "is_heading"),
    [
        ("1 Introduction", True),
        ("1. Introduction", True),
        ("1 Introduction:", False),
        ("1 0.5 0.7 0.9", False),  # a table row
        ("1 Our results show that the method works.", False),  # a sentence
        ("1 The gradient vanishes. We fix this with a skip.", False),
        ("1 See [12] for the proof", False),
        ("Figure 1: Overview of the method", False),
        ("1 Introduction " + "and a very long heading " * 4, False),  # over 80 characters
        ("1 University of Somewhere", False),  # an affiliation mark
        ("Abstract", True),
        ("ABSTRACT", True),
        ("Introduction", True),
        ("introduction to the topic", False),
    ],
)
def test_first_heading_candidates(line: str, is_heading: bool) -> None:
    found = headings(f"Title\n{line}\n{BODY}")
    assert (line.rstrip(":.") in found or line in found) is is_heading


def test_numbered_sections_with_pages_and_kinds() -> None:
    page1 = f"Paper Title\nAuthor One\nAbstract\nWe present things.\n1 Introduction\n{BODY}"
    page2 = f"{BODY}\n2 Related Work\n{BODY}\n3 Method\n{BODY}\n3.1 Encoder\nThe encoder."
    page3 = f"4 Experiments\n{BODY}\n4.1 Datasets\nWe use data.\n5 Conclusion\nDone."
    sections = split_sections([page1, page2, page3])
    assert [(s.heading, s.kind, s.page) for s in sections] == [
        ("Abstract", "abstract", 1),
        ("1 Introduction", "introduction", 1),
        ("2 Related Work", "related", 2),
        ("3 Method", "method", 2),
        ("3.1 Encoder", "method", 2),  # a subsection takes its section's kind
        ("4 Experiments", "experiments", 3),
        ("4.1 Datasets", "experiments", 3),
        ("5 Conclusion", "conclusion", 3),
    ]
    assert sections[1].text == f"{BODY}\n{BODY}"  # continues across the page break
    assert sections[0].text == "We present things."


def test_numbers_out_of_sequence_are_body_text() -> None:
    text = (
        f"1 Introduction\n{BODY}\n2 Model\n{BODY}\n"
        "8 NVIDIA GPUs train it\n"  # a line that happens to start with a number
        "2 Layer\n"  # a figure label repeating the current number
        f"3 Results\n{BODY}"
    )
    assert headings(text) == ["1 Introduction", "2 Model", "3 Results"]


def test_one_missed_heading_does_not_lose_the_rest() -> None:
    text = f"1 Introduction\n{BODY}\n3 Method\n{BODY}\n4 Results\n{BODY}"
    assert headings(text) == ["1 Introduction", "3 Method", "4 Results"]


def test_numbering_style_must_stay_the_same() -> None:
    text = f"1. INTRODUCTION\n{BODY}\n2 LSTM\n2. MODEL\n{BODY}\n2.1. Encoder\n{BODY}\n3 Conv"
    assert headings(text) == ["1. INTRODUCTION", "2. MODEL", "2.1. Encoder"]


def test_roman_sections_and_letter_subsections() -> None:
    text = (
        f"A Title On Page One\nI. INTRODUCTION\n{BODY}\nII. THE MODEL\n{BODY}\n"
        f"A. Ordered Phase\n{BODY}\nB. Disordered phase\n{BODY}\nD. Skipped Letter\n"
        f"III. DISCUSSION\n{BODY}"
    )
    sections = split_sections([text])
    assert [(s.heading, s.kind) for s in sections] == [
        ("Front matter", "other"),
        ("I. INTRODUCTION", "introduction"),
        ("II. THE MODEL", "method"),
        ("A. Ordered Phase", "method"),
        ("B. Disordered phase", "method"),
        ("III. DISCUSSION", "conclusion"),
    ]
    assert "D. Skipped Letter" in sections[4].text


def test_front_matter_kept_only_without_an_abstract_heading() -> None:
    without = split_sections([f"Title\nWe study spins.\nI. INTRODUCTION\n{BODY}"])
    assert (without[0].heading, without[0].kind, without[0].text) == (
        "Front matter",
        "other",
        "Title\nWe study spins.",
    )
    with_abstract = split_sections([f"Title\nAuthors\nAbstract\nWe study.\n1 Introduction\n{BODY}"])
    assert [s.heading for s in with_abstract] == ["Abstract", "1 Introduction"]


def test_inline_abstract() -> None:
    sections = split_sections([f"Title\nAbstract—We present a model.\n{BODY}\nI. INTRODUCTION\nx"])
    assert (sections[0].heading, sections[0].kind) == ("Abstract", "abstract")
    assert sections[0].text == f"We present a model.\n{BODY}"


def test_stops_at_references_and_drops_acknowledgements() -> None:
    text = (
        f"1 Introduction\n{BODY}\n2 Conclusion\nWe conclude.\nAcknowledgments\nWe thank Bob.\n"
        "References\n[1] A. Author. A paper. 2020.\nA Appendix Proofs\nLemma text."
    )
    sections = split_sections([text])
    assert [s.heading for s in sections] == ["1 Introduction", "2 Conclusion"]
    everything = "\n".join(s.text for s in sections)
    assert "Bob" not in everything and "A paper" not in everything and "Lemma" not in everything


@pytest.mark.parametrize(
    "front",
    [
        "1 Google Brain Team\n2 Other Lab\nAbstract\nWe study.",  # affiliation marks
        "1 Google Brain Team\nWe study.",
    ],
)
def test_introduction_restarts_mistaken_numbering(front: str) -> None:
    sections = split_sections([f"Title\n{front}\n1 Introduction\n{BODY}\n2 Method\n{BODY}"])
    assert [s.heading for s in sections][-2:] == ["1 Introduction", "2 Method"]
    assert not any("Google" in s.heading or "Lab" in s.heading for s in sections)


def test_known_heading_replaces_an_unknown_one_with_its_number() -> None:
    text = f"1 Introduction\n{BODY}\n2 Layer Norm\nx\n2 Method\n{BODY}\n3 Results\n{BODY}"
    sections = split_sections([text])
    assert [s.heading for s in sections] == ["1 Introduction", "2 Method", "3 Results"]
    assert sections[0].text == f"{BODY}\n2 Layer Norm\nx"


def test_heading_wrapped_over_two_lines_is_joined() -> None:
    text = f"I. INTRODUCTION\n{BODY}\nII. SELF-CONSISTENT ACTION IN THE\nLARGE z LIMIT\n{BODY}"
    sections = split_sections([text])
    assert sections[-1].heading == "II. SELF-CONSISTENT ACTION IN THE LARGE z LIMIT"
    assert sections[-1].text == BODY


def test_page_numbers_and_arxiv_stamp_are_dropped() -> None:
    text = f"1 Introduction\n{BODY}\n3\narXiv:1512.03385v1 [cs.CV] 10 Dec 2015\n{BODY}"
    assert split_sections([text])[-1].text == f"{BODY}\n{BODY}"


def test_empty_input() -> None:
    assert split_sections([]) == ()
    assert split_sections(["", "  "]) == ()


def test_first_page_text() -> None:
    assert first_page_text([]) == ""
    assert first_page_text(["  Title\nMicrosoft Research  ", "page two"]) == (
        "Title\nMicrosoft Research"
    )
    long_page = "\n".join(f"line {i} " + "x" * 60 for i in range(100))
    cut = first_page_text([long_page])
    assert 2000 < len(cut) <= 3000
    assert long_page.startswith(cut) and cut.endswith("x")  # cut at a line end


def fixture_sections(name: str) -> list[tuple[str, str, int | None]]:
    path = PDFS / name
    if not path.is_file():
        pytest.skip(f"fixture {name} not available")
    return [(s.heading, s.kind, s.page) for s in split_sections(read_pdf(path.read_bytes()).pages)]


def test_resnet_sections() -> None:
    found = fixture_sections("1512.03385v1.pdf")
    assert found[:3] == [
        ("Abstract", "abstract", 1),
        ("1. Introduction", "introduction", 1),
        ("2. Related Work", "related", 2),
    ]
    assert ("3.3. Network Architectures", "method", 3) in found
    assert ("4.1. ImageNet Classification", "experiments", 4) in found
    assert found[-1][0] == "4.3. Object Detection on PASCAL and MS COCO"  # references end it


def test_pasa_sections() -> None:
    found = fixture_sections("2501.10120v1.pdf")
    kinds = {kind for _, kind, _ in found}
    assert {"abstract", "introduction", "related", "method", "experiments", "conclusion"} <= kinds
    assert ("4.2 Crawler", "method", 5) in found
    assert found[-1] == ("6 Conclusion", "conclusion", 9)


def test_tacotron_sections() -> None:
    found = fixture_sections("1712.05884v2.pdf")
    heads = [h for h, _, _ in found]
    assert heads[:3] == ["ABSTRACT", "1. INTRODUCTION", "2. MODEL ARCHITECTURE"]
    assert "3.3.4. Simplifying WaveNet" in heads
    assert heads[-1] == "4. CONCLUSION"  # acknowledgements and references dropped
    assert not any(h.startswith(("2 ", "3 ", "5 ")) for h in heads)  # figure labels


def test_revtex_physics_sections() -> None:
    found = fixture_sections("1111.2011v2.pdf")
    assert [h for h, _, _ in found] == [
        "Front matter",
        "I. INTRODUCTION",
        "II. SELF-CONSISTENT ACTION IN THE LARGE z LIMIT",
        "A. Ordered Phase",
        "B. Disordered phase",
        "III. CRITICAL POINT IN N → ∞ LIMIT",
        "IV. CORRECTIONS AT FINITE N",
        "V. DISCUSSION",
    ]
    assert found[0][1] == "other" and found[1][1] == "introduction"
