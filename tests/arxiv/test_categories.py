"""The arXiv category taxonomy and reading the categories a user subscribes to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.arxiv.categories import ARCHIVES, CATEGORIES, category_name, parse_categories, suggest
from bot.errors import BadInput


def test_every_category_in_a_real_days_feed_is_known(shared_fixtures: Path) -> None:
    xml = (shared_fixtures / "feeds" / "rss_all-archives_2024-11-28.xml").read_text()
    seen = set(re.findall(r"<category>([^<]+)</category>", xml))
    assert len(seen) > 140
    assert seen - set(CATEGORIES) == set()


def test_every_archive_the_feed_names_as_valid_is_known(shared_fixtures: Path) -> None:
    xml = (shared_fixtures / "feeds" / "rss_error_bad-archive-astroph_2024-11-28.xml").read_text()
    named = re.search(r"Valid archive names are: ([^.<]+)\.", xml)
    assert named is not None
    valid = {a.strip() for a in named.group(1).split(",")} - {"test"}
    assert valid == set(ARCHIVES)


def test_the_taxonomy_is_complete_and_well_formed() -> None:
    assert len(CATEGORIES) == 155
    per_archive = {
        prefix: sum(c.startswith(prefix + ".") for c in CATEGORIES)
        for prefix in ("cs", "math", "physics", "astro-ph", "cond-mat", "q-bio", "q-fin", "stat")
    }
    assert per_archive == {
        "cs": 40,
        "math": 32,
        "physics": 22,
        "astro-ph": 6,
        "cond-mat": 9,
        "q-bio": 10,
        "q-fin": 9,
        "stat": 6,
    }
    for code in (
        "eess.AS",
        "econ.EM",
        "nlin.CD",
        "gr-qc",
        "hep-th",
        "nucl-ex",
        "quant-ph",
        "math-ph",
    ):
        assert code in CATEGORIES
    assert category_name("cs.CV") == "Computer Vision and Pattern Recognition"
    assert category_name("cs") == "all of cs"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cs.CV cs.GR eess.AS", ("cs.CV", "cs.GR", "eess.AS")),
        ("cs.CV, cs.GR,eess.AS", ("cs.CV", "cs.GR", "eess.AS")),
        ("  cs.cv  ", ("cs.CV",)),
        ("COND-MAT.STR-EL Hep-Th", ("cond-mat.str-el", "hep-th")),
        ("cs.CV cs.cv CS.CV", ("cs.CV",)),
        ("math.CV cs.CV", ("math.CV", "cs.CV")),
        ("cs; eess.sp", ("cs", "eess.SP")),
        ("astro-ph.co\nastro-ph.GA", ("astro-ph.CO", "astro-ph.GA")),
    ],
)
def test_categories_users_type_are_understood(text: str, expected: tuple[str, ...]) -> None:
    assert parse_categories(text) == expected


@pytest.mark.parametrize(
    ("text", "says", "suggests"),
    [
        ("cs.CVV", '"cs.CVV" is not an arXiv category', "cs.CV"),
        ("cs.CV cs.vision", '"cs.vision"', "cs.CV"),
        ("cs.graphics", "Did you mean", "cs.GR"),
        ("robotics", "Did you mean", "cs.RO"),
        ("astroph", "Did you mean", "astro-ph"),
        ("physics.optic", "Did you mean", "physics.optics"),
        ("xyzzy", "https://arxiv.org/category_taxonomy", "Example: cs.CV"),
        ("", "Which arXiv categories?", "Example: cs.CV"),
        (" , ", "Which arXiv categories?", "Example: cs.CV"),
    ],
)
def test_unknown_categories_are_named_with_close_ones(text: str, says: str, suggests: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_categories(text)
    assert says in caught.value.message
    assert suggests in caught.value.message
    assert "Example: cs.CV cs.GR eess.AS" in caught.value.message


def test_too_many_categories_are_refused() -> None:
    many = " ".join(sorted(CATEGORIES)[:21])
    with pytest.raises(BadInput, match="At most 20"):
        parse_categories(many)
    assert len(parse_categories(" ".join(sorted(CATEGORIES)[:20]))) == 20


def test_suggestions_put_the_nearest_spelling_first() -> None:
    assert suggest("cs.CVV")[0] == "cs.CV"
    assert suggest("cs.vision")[0] == "cs.CV"
    assert suggest("astroph")[0] == "astro-ph"
    assert suggest("learning") == ["cs.LG", "stat.ML"]
    assert len(suggest("theory", limit=2)) == 2
