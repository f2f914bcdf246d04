"""What a new version changes for the chat: an acceptance newly stated, a repository newly named."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.digests.updates import Change, changes, code_repositories, reply_text
from bot.papers.models import PaperId, PaperMeta

ABSTRACT = "We animate talking heads from speech with low-rank adapters."


def version(n: int, comment: str | None = None, abstract: str = ABSTRACT) -> PaperMeta:
    stamp = datetime(2024, 11, 25, tzinfo=UTC)
    return PaperMeta(
        id=PaperId(base="2411.00001", version=n),
        title="TalkLoRA",
        authors=("Jack Saunders",),
        abstract=abstract,
        comment=comment,
        primary_category="cs.CV",
        published=stamp,
        updated=stamp,
    )


def test_an_acceptance_after_a_submission_is_news() -> None:
    found = changes(
        version(1, "Under review at NeurIPS 2025"), version(2, "Accepted to NeurIPS 2025")
    )
    assert found == [Change("accepted", "Accepted to NeurIPS 2025", "neurips-2025")]


def test_an_acceptance_already_stated_or_reworded_is_not() -> None:
    before = version(1, "Accepted to CVPR 2025")
    assert changes(before, version(2, "Accepted to CVPR 2025; 12 pages, typos fixed")) == []
    assert changes(before, version(2, "To appear in CVPR 2025")) == []


def test_a_typo_fix_changes_nothing() -> None:
    fixed = ABSTRACT.replace("animate", "animate realistic")
    assert changes(version(1, "8 pages"), version(2, "8 pages", abstract=fixed)) == []


def test_hopes_are_not_news() -> None:
    assert changes(version(1), version(2, "Submitted to ICLR 2026")) == []
    assert changes(version(1), version(2, "Under review at ICLR 2025")) == []


def test_a_newly_named_repository_is_news_once_and_a_known_one_is_not() -> None:
    named = f"{ABSTRACT} Code: https://github.com/talk-lab/talklora."
    found = changes(version(1), version(2, abstract=named))
    assert found == [
        Change("code", "https://github.com/talk-lab/talklora", "github.com/talk-lab/talklora")
    ]
    assert changes(version(1, abstract=named), version(2, abstract=named)) == []
    card_showed = ("https://github.com/talk-lab/talklora",)  # the v1 card's code link
    assert changes(version(1), version(2, abstract=named), card_showed) == []


def test_a_project_page_is_not_a_code_repository() -> None:
    assert code_repositories("Project page: https://talk-lab.github.io/talklora") == []
    page = version(2, "Project page: https://talk-lab.github.io/talklora")
    assert changes(version(1), page) == []


def test_a_promised_repository_is_not_called_released() -> None:
    later = version(2, "Code will be released at https://github.com/talk-lab/talklora")
    (change,) = changes(version(1), later)
    assert change.promised
    assert reply_text(change, later, "en").startswith("📣 Code repository named (v2): ")


def test_both_changes_in_one_version_make_two_replies() -> None:
    after = version(2, "Accepted to ICASSP 2025. Code at github.com/talk-lab/talklora")
    assert [c.kind for c in changes(version(1), after)] == ["accepted", "code"]


def test_the_reply_is_one_line_with_the_new_versions_link_in_either_language() -> None:
    after = version(2, "Accepted to NeurIPS 2025")
    accepted = Change("accepted", "Accepted to NeurIPS 2025", "neurips-2025")
    assert reply_text(accepted, after, "en") == (
        "📣 Accepted to NeurIPS 2025 (v2): https://arxiv.org/abs/2411.00001v2"
    )
    assert reply_text(accepted, after, "zh") == (
        "📣 新版本（v2）注明：Accepted to NeurIPS 2025：https://arxiv.org/abs/2411.00001v2"
    )
    code = Change("code", "https://github.com/a/b", "github.com/a/b")
    assert reply_text(code, after, "en") == (
        "📣 Code released (v2): https://github.com/a/b · https://arxiv.org/abs/2411.00001v2"
    )
    assert reply_text(code, after, "zh").startswith("📣 代码已公开（v2）：https://github.com/a/b")
