"""What users type to name a paper, and how paperbot reads it."""

import pytest

from bot.arxiv.ids import SearchQuery, parse_paper_ref
from bot.errors import BadInput
from bot.papers.models import PaperId


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2408.13714", PaperId(base="2408.13714")),
        ("2408.13714v2", PaperId(base="2408.13714", version=2)),
        ("  arXiv:2408.13714 ", PaperId(base="2408.13714")),
        ("arxiv: 2408.13714v1", PaperId(base="2408.13714", version=1)),
        ("https://arxiv.org/abs/2408.13714", PaperId(base="2408.13714")),
        ("https://arxiv.org/abs/2408.13714v3", PaperId(base="2408.13714", version=3)),
        ("http://arxiv.org/pdf/2408.13714v1.pdf", PaperId(base="2408.13714", version=1)),
        ("arxiv.org/pdf/2408.13714", PaperId(base="2408.13714")),
        ("https://arxiv.org/html/2408.13714v1/", PaperId(base="2408.13714", version=1)),
        ("https://www.arxiv.org/abs/hep-th/9901001v2", PaperId(base="hep-th/9901001", version=2)),
        ("hep-th/9901001", PaperId(base="hep-th/9901001")),
        ("math.GT/0309136", PaperId(base="math.gt/0309136")),
        ("1111.2011v2", PaperId(base="1111.2011", version=2)),
        ("talking head LoRA", SearchQuery("talking head LoRA")),
        ("hello", SearchQuery("hello")),
    ],
)
def test_references_users_type_are_understood(text: str, expected: object) -> None:
    assert parse_paper_ref(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Which paper?"),
        ("   ", "Which paper?"),
        ("9999.99999", "not a valid arXiv id"),
        ("2408.1371", "not a valid arXiv id"),
        ("2413.13714", "not a valid arXiv id"),
        ("2408.13714v0", "not a valid arXiv id"),
        ("1405.123456", "not a valid arXiv id"),
        ("https://example.com/abs/2408.13714", "only read papers from arxiv.org"),
        ("https://arxiv.org.evil.com/abs/2408.13714", "only read papers from arxiv.org"),
        ("https://arxiv.org/list/cs.CV/recent", "does not point to a paper"),
        ("x" * 5000, "too long"),
        ("!!! ???", "could not find any words"),
    ],
)
def test_bad_references_get_a_specific_answer(text: str, says: str) -> None:
    with pytest.raises(BadInput) as err:
        parse_paper_ref(text)
    assert says in err.value.message
    assert len(err.value.message) < 300
