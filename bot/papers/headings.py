"""Section headings: recognise them in extracted text and say what kind of section they open."""

from __future__ import annotations

import re

from bot.papers.models import SectionKind

_KIND_WORDS: tuple[tuple[SectionKind, tuple[str, ...]], ...] = (
    ("abstract", ("abstract",)),
    ("introduction", ("introduction", "motivation", "overview")),
    (
        "related",
        ("related work", "background", "preliminar", "prior work", "literature"),
    ),
    (
        "conclusion",
        ("conclusion", "concluding", "discussion", "summary", "future work", "limitation"),
    ),
    (
        "experiments",
        (
            "experiment",
            "evaluation",
            "result",
            "benchmark",
            "ablation",
            "empirical",
            "analysis",
        ),
    ),
    (
        "method",
        (
            "method",
            "approach",
            "model",
            "framework",
            "architecture",
            "algorithm",
            "proposed",
            "system",
            "design",
            "formulation",
            "training",
        ),
    ),
)

_NUMBERING = re.compile(r"^\s*(?:[0-9]+(?:\.[0-9]+)*\.?|[IVXLC]+\.|[A-Z]\.)\s+")


def strip_numbering(heading: str) -> str:
    """'3.2 Training Details' -> 'Training Details'; 'IV. RESULTS' -> 'RESULTS'."""
    return _NUMBERING.sub("", heading).strip()


def classify_heading(heading: str) -> SectionKind:
    """Map a heading to the kind of section it opens ('other' when unsure)."""
    words = strip_numbering(heading).lower()
    for kind, needles in _KIND_WORDS:
        if any(needle in words for needle in needles):
            return kind
    return "other"


def is_back_matter(heading: str) -> bool:
    """True for headings after which the text is no longer the paper's argument."""
    words = strip_numbering(heading).lower()
    return words.startswith(("references", "bibliography", "acknowledg"))
