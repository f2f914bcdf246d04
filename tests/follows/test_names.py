"""Author names as arXiv lists them: which strings may be the followed person and which not."""

from __future__ import annotations

import pytest

from bot.follows.names import distinct_people, fold, matches, parse_name, same_person


@pytest.mark.parametrize(
    ("followed", "listed"),
    [
        ("Jack Saunders", "Jack Saunders"),
        ("Jack Saunders", "J. Saunders"),
        ("Jack Saunders", "J Saunders"),
        ("Jack Saunders", "Saunders, Jack"),
        ("Jack Saunders", "Saunders, J."),
        ("Jack Saunders", "Saunders J."),
        ("Jack Saunders", "Jack A. Saunders"),
        ("Jack Saunders", "JACK SAUNDERS"),
        ("Jack Saunders", "Jack Saunders Jr."),
        ("J. Saunders", "Jack Saunders"),
        ("Jack A. Saunders", "J. A. Saunders"),
        ("Jack A. Saunders", "Jack Andrew Saunders"),
        ("saunders, jack", "Jack Saunders"),
        # accents, as users type them and as arXiv lists them
        ("José García", "Jose Garcia"),
        ("Jose Garcia", "José García"),
        ("José García", "J. García"),
        ("José Luis García", "J. L. Garcia"),
        ("Zoë Müller", "Zoe Muller"),
        ("Zoe Muller", "Müller, Zoë"),
        ("Søren Kierkegaard", "Soren Kierkegaard"),
        ("Łukasz Kaiser", "Lukasz Kaiser"),
        ("Jürgen Schmidhuber", "Jurgen Schmidhuber"),
        # compound family names and particles
        ("Gabriel García Márquez", "Gabriel García-Márquez"),
        ("Gabriel García-Márquez", "Gabriel García Márquez"),
        ("Gabriel Márquez", "García Márquez, Gabriel"),
        ("Vincent van Gogh", "Vincent Van Gogh"),
        ("Vincent van Gogh", "van Gogh, Vincent"),
        ("Vincent van Gogh", "V. Gogh"),
        ("Van Nguyen", "Van Nguyen"),  # a Vietnamese given name, not a particle
        ("Jean-Pierre Serre", "J.-P. Serre"),
        ("Jean-Pierre Serre", "Jean Pierre Serre"),
        ("Conor O'Brien", "Conor O’Brien"),
        # Chinese, Japanese and Korean names in Latin script, in either order
        ("Wei Zhang", "Zhang Wei"),
        ("Zhang Wei", "Wei Zhang"),
        ("Wei Zhang", "W. Zhang"),
        ("Wei Zhang", "Zhang, Wei"),
        ("Xiaoming Li", "Xiao-Ming Li"),
        ("Xiao-Ming Li", "Xiaoming Li"),
        ("Xiaoming Li", "X. Li"),
        ("Yann LeCun", "Yann Lecun"),
        ("Hiroshi Tanaka", "Tanaka Hiroshi"),
        ("Min-Jun Kim", "Minjun Kim"),
    ],
)
def test_variants_arxiv_lists_are_the_same_author(followed: str, listed: str) -> None:
    name = parse_name(followed)
    assert name is not None
    assert matches(name, listed)


@pytest.mark.parametrize(
    ("followed", "listed"),
    [
        ("Jack Saunders", "James Saunders"),  # two different full given names
        ("Jack Saunders", "Jackson Saunders"),
        ("Jack Saunders", "Jack Sanders"),
        ("Jack Saunders", "A. Saunders"),
        ("Jack A. Saunders", "Jack B. Saunders"),  # different middle initials
        ("Jack A. Saunders", "Jack Bernard Saunders"),
        ("José García", "José Garza"),
        ("José García", "Juan García"),
        ("Zoë Müller", "Zoe Miller"),
        ("Wei Zhang", "Wei Zhao"),
        ("Wei Zhang", "Wen Zhang"),
        ("Xiaoming Li", "Xiaoling Li"),
        ("Xiao-Ming Li", "Xiao-Ling Li"),
        ("Min-Jun Kim", "Min-Seo Kim"),
        ("Jack Saunders", "ATLAS Collaboration"),
        ("Jack Saunders", "Saunders"),
    ],
)
def test_different_people_do_not_match(followed: str, listed: str) -> None:
    name = parse_name(followed)
    assert name is not None
    assert not matches(name, listed)


@pytest.mark.parametrize(
    "text",
    ["", "Saunders", "   ", "张伟", "Андрей Колмогоров", "x" * 200, "J."],
)
def test_what_is_not_a_followable_name(text: str) -> None:
    assert parse_name(text) is None


def test_the_canonical_key_ignores_order_accents_and_case() -> None:
    keys = {
        parse_name(t).key  # type: ignore[union-attr]
        for t in ("Jack Saunders", "Saunders, Jack", "JACK  SAUNDERS", '"Jack Saunders"')
    }
    assert keys == {"saunders|jack"}
    assert parse_name("José García").key == parse_name("Jose Garcia").key  # type: ignore[union-attr]


def test_the_name_keeps_its_written_form_and_searches_by_family_name() -> None:
    name = parse_name("  Zoë   Müller ")
    assert name is not None
    assert name.text == "Zoë Müller" and name.search_term == "muller"
    assert parse_name("Müller, Zoë").text == "Zoë Müller"  # type: ignore[union-attr]
    assert parse_name("Saunders, Jack, Jr.").text == "Jack Saunders"  # type: ignore[union-attr]
    assert parse_name("Gabriel García-Márquez").search_term == "marquez"  # type: ignore[union-attr]
    assert parse_name("Vincent van Gogh").surname == "gogh"  # type: ignore[union-attr]
    assert parse_name("J. A. Saunders").initials_only  # type: ignore[union-attr]
    assert not parse_name("Jack A. Saunders").initials_only  # type: ignore[union-attr]


def test_fold_spells_out_letters_without_a_decomposition() -> None:
    assert fold("Straße Ørsted Łódź Æsir") == "Strasse Orsted Lodz Aesir"


def test_same_person_is_symmetric_on_the_examples() -> None:
    pairs = [("Jack Saunders", "J. Saunders"), ("Jack Saunders", "James Saunders")]
    for a, b in pairs:
        x, y = parse_name(a), parse_name(b)
        assert x is not None and y is not None
        assert same_person(x, y) == same_person(y, x)


def test_distinct_people_groups_forms_of_one_name_apart_from_another() -> None:
    groups = distinct_people(
        ["J. Saunders", "Jack Saunders", "James Saunders", "Saunders, Jack", "Jack A. Saunders"]
    )
    assert [g[0] for g in groups] == ["Jack A. Saunders", "James Saunders"]
    assert set(groups[0]) == {"Jack A. Saunders", "Jack Saunders", "Saunders, Jack", "J. Saunders"}
    assert distinct_people(["Jack Saunders", "J. Saunders"]) == [["Jack Saunders", "J. Saunders"]]
    assert distinct_people([]) == []
