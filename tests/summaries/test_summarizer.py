"""What the model is sent, and what is kept of its answer."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.papers.models import Analysis, FullText, PaperId, PaperMeta, TextSection
from bot.summaries.summarizer import EXCERPT_TOKENS, NOT_STATED, build_excerpt, check_analysis

META = PaperMeta(
    id=PaperId(base="1111.2011", version=2),
    title="A physics paper",
    authors=("A. Author",),
    abstract="We study lattices.",
    primary_category="cond-mat.stat-mech",
    published=datetime(2011, 11, 8, tzinfo=UTC),
    updated=datetime(2011, 11, 8, tzinfo=UTC),
)


def test_a_paper_without_the_usual_headings_still_fills_the_budget() -> None:
    long_other = "Lattice results hold. " * 3000  # 66k characters under unusual headings
    text = FullText(
        source="pdf",
        sections=(TextSection(heading="II. THE MODEL ON A LATTICE", text=long_other),),
    )
    excerpt = build_excerpt(META, text)
    assert len(excerpt) > EXCERPT_TOKENS * 4 * 0.9
    assert len(excerpt) <= EXCERPT_TOKENS * 4 * 1.05


def test_short_papers_are_sent_whole_and_every_kind_keeps_its_share() -> None:
    text = FullText(
        source="html",
        sections=(
            TextSection(heading="1 Introduction", kind="introduction", text="Intro. " * 10000),
            TextSection(heading="5 Conclusion", kind="conclusion", text="We conclude."),
        ),
    )
    excerpt = build_excerpt(META, text)
    assert "[Conclusion]\nWe conclude." in excerpt and "[Abstract]\nWe study lattices." in excerpt
    assert 5000 < excerpt.count("Intro.") < 10000


def analysis(**changes: object) -> Analysis:
    fields: dict[str, object] = {
        "summary": "A summary.",
        "takeaways": ["a", "b", "c", "d", "e"],
        "title_translation": "",
        "affiliation": "University of Nowhere",
        "keywords": ["x", "y", "z"],
        "background": "b",
        "past_methods": "N/A",
        "method": "m",
        "performance": "p",
        "method_steps": ["s1"],
        "significance": "s",
        "innovation": "i",
        "performance_assessment": "pa",
        "workload": "",
    }
    fields.update(changes)
    return Analysis.model_validate(fields)


def test_an_affiliation_not_printed_in_the_paper_becomes_not_stated() -> None:
    text = FullText(source="pdf", sections=(), first_page="Jane Doe\nUniversity of Bath, UK")
    assert check_analysis(analysis(), text).affiliation == NOT_STATED
    grounded = check_analysis(analysis(affiliation="University of Bath, UK"), text)
    assert grounded.affiliation == "University of Bath, UK"
    assert grounded.past_methods == NOT_STATED and grounded.workload == NOT_STATED
