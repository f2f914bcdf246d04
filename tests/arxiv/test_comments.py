"""Acceptances in arXiv comments: stated ones found with the comment's own words, hopes ignored."""

from __future__ import annotations

import pytest

from bot.arxiv.comments import acceptance

STATED = [  # (comment, the phrase posted, the venue's key)
    ("Accepted to NeurIPS 2025", "Accepted to NeurIPS 2025", "neurips-2025"),
    (
        "Accepted to CVPR 2025. Project page: https://x.github.io/y",
        "Accepted to CVPR 2025",
        "cvpr-2025",
    ),
    ("10 pages, 5 figures, accepted at ICLR 2025", "Accepted at ICLR 2025", "iclr-2025"),
    ("Accepted (oral) to ECCV 2024; 14 pages", "Accepted (oral) to ECCV 2024", "eccv-2024"),
    ("Accepted as an oral at ICML 2025", "Accepted as an oral at ICML 2025", "icml-2025"),
    ("This paper has been accepted by IEEE TGRS", "Accepted by IEEE TGRS", "ieee-tgrs"),
    ("To appear in Proceedings of ACL 2025", "To appear in Proceedings of ACL 2025", "acl-2025"),
    (
        "Published as a conference paper at ICLR 2025",
        "Published as a conference paper at ICLR 2025",
        "iclr-2025",
    ),
    (
        "ECCV 2024 camera-ready version. Code: https://github.com/a/b",
        "ECCV 2024 camera-ready version",
        "eccv-2024",
    ),
    ("To be presented at AAAI 2025", "To be presented at AAAI 2025", "aaai-2025"),
    ("Submitted to CVPR 2025. Accepted to ICCV 2025", "Accepted to ICCV 2025", "iccv-2025"),
    (
        "Accepted to NeurIPS 2025 Datasets and Benchmarks Track, 9 pages, 4 figures",
        "Accepted to NeurIPS 2025 Datasets and Benchmarks Track",
        "neurips-2025-datasets-benchmarks",
    ),
    (
        "Accepted at the 39th Conference on Neural Information Processing Systems (NeurIPS 2025)",
        "Accepted at the 39th Conference on Neural Information Processing Systems (NeurIPS 2025)",
        "39th-neural-information-processing-systems-neurips-2025",
    ),
    (
        "Accepted in ICASSP 2025. Code at github.com/foo/bar",
        "Accepted in ICASSP 2025",
        "icassp-2025",
    ),
    (  # from a real API answer (shared fixtures)
        "13 pages, 6 figures, In Proceedings of the 31st ACM SIGSOFT International Symposium on "
        "Software Testing and Analysis (ISSTA) 2022",
        "In Proceedings of the 31st ACM SIGSOFT International Symposium on Software Testing and "
        "Analysis (ISSTA) 2022",
        "31st-acm-sigsoft-international-symposium-software-testing-analysis-issta-2022",
    ),
    (  # a long lead that names this paper
        "The final version of this paper has been accepted to IEEE TPAMI",
        "Accepted to IEEE TPAMI",
        "ieee-tpami",
    ),
    (  # the trigger opens the comma's part of the clause
        "Main paper 9 pages, appendix 12 pages, accepted at ICLR 2025",
        "Accepted at ICLR 2025",
        "iclr-2025",
    ),
    (
        "Accepted to Proc. of the ACM on Human-Computer Interaction",  # "Proc." ends no clause
        "Accepted to Proc. of the ACM on Human-Computer Interaction",
        "proc-acm-human-computer-interaction",
    ),
]

NOT_STATED = [
    "Under review at ICLR 2025",
    "Submitted to NeurIPS 2025",
    "Preprint. Under review.",
    "Work in progress; submitted to ACL 2025",
    "Not accepted at CVPR 2025",
    "Accepted pending minor revisions at TMLR",
    "Extended version of a paper accepted at ICML 2024",
    "A shorter version was published in ICML 2024",
    "Code will be released upon acceptance",
    "Will be published in Journal X",
    "camera-ready version",  # which venue? not said
    "Accepted to appear",
    # about another paper or result, or not (yet) an acceptance
    "Accepted in principle at Registered Reports track",
    "Stage 1 Registered Report accepted in-principle at Nature Human Behaviour",
    "Results published in Nature last year are reproduced",
    "This version supersedes the one accepted at ECCV",
    "Based on our workshop paper published in CVPRW 2024",
    "We reproduce the experiments of the paper accepted at ICML 2024",
    "accepted by the journal",
    "v2: fixed typos in Section 3",
    "8 pages, 4 figures",
    "",
    None,
]


@pytest.mark.parametrize(("comment", "phrase", "key"), STATED, ids=[c for c, _, _ in STATED])
def test_a_stated_acceptance_is_found_in_the_comments_own_words(
    comment: str, phrase: str, key: str
) -> None:
    found = acceptance(comment)
    assert found is not None
    assert (found.phrase, found.key) == (phrase, key)


@pytest.mark.parametrize("comment", NOT_STATED, ids=[repr(c) for c in NOT_STATED])
def test_hopes_plans_and_other_papers_acceptances_are_not_acceptances(
    comment: str | None,
) -> None:
    assert acceptance(comment) is None


def test_the_same_venue_reworded_is_not_news() -> None:
    accepted = acceptance("Accepted to CVPR 2025")
    assert accepted is not None
    assert accepted.restates(acceptance("To appear in CVPR 2025"))
    assert accepted.restates(acceptance("CVPR 2025 camera-ready"))
    assert not accepted.restates(acceptance("Accepted to ICCV 2025"))
    assert not accepted.restates(None)


def test_a_long_phrase_is_cut_at_a_word() -> None:
    comment = "Accepted to " + " ".join(["Very Long Venue Name"] * 12) + " 2025"
    found = acceptance(comment)
    assert found is not None and len(found.phrase) <= 141 and found.phrase.endswith("…")
