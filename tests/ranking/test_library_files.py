"""Reading reference libraries: every way BibTeX and Zotero spell an arXiv id, and titles compared
the way a person would (case, LaTeX braces and accents, punctuation and spacing ignored)."""

from __future__ import annotations

import pytest

from bot.ranking.library_files import arxiv_id, read_library, title_key


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"eprint": "2408.13714", "archiveprefix": "arXiv"}, "2408.13714"),
        ({"eprint": "hep-th/9901001v2"}, "hep-th/9901001v2"),
        ({"eprint": "2408.13714", "archiveprefix": "SSRN"}, None),
        ({"url": "https://arxiv.org/pdf/2408.13714v3.pdf"}, "2408.13714v3"),
        ({"url": "https://example.com/2408.13714"}, None),
        ({"doi": "10.48550/arXiv.2408.13714"}, "2408.13714"),
        ({"doi": "10.1145/2408.13714"}, None),
        ({"journal": "CoRR, arXiv:2408.13714"}, "2408.13714"),
        ({"archive_id": "2408.13714"}, "2408.13714"),
        ({"number": "12"}, None),
        ({"note": "arXiv: 2413.13714"}, None),  # month 13: not an id
    ],
)
def test_arxiv_ids_are_found_where_exports_put_them(
    fields: dict[str, str], expected: str | None
) -> None:
    found = arxiv_id(fields)
    assert (str(found) if found else None) == expected


def test_titles_match_despite_latex_case_and_punctuation() -> None:
    assert title_key("{T}alk{LoRA}: Low-Rank \\emph{Adaptation} for Caf\\'{e}s") == title_key(
        "TalkLoRA — low-rank adaptation for cafés"
    )
    assert title_key("TalkLoRA 2") != title_key("TalkLoRA")


def test_entries_past_the_cap_are_counted_not_read() -> None:
    library = read_library(b"\n".join(b"@misc{k%d, title={T %d}}" % (n, n) for n in range(503)))
    assert (len(library.entries), library.over_cap) == (500, 3)
