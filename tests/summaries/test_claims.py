"""An Analysis checked claim by claim: unsupported claims go, or stay marked if nothing is left."""

from __future__ import annotations

from typing import Any

from bot.papers.models import Analysis
from bot.summaries.claims import check_claims, sentences
from bot.summaries.evidence import PaperText

TEXT = (
    "We propose TalkLoRA, which adapts a transformer with low-rank adaptors. "
    "On VOCASET, TalkLoRA reaches a lip vertex error of 3.2 mm against 3.9 mm for FaceFormer. "
    "Rank 8 works best among ranks 2, 4, 8 and 16. Training takes 45 minutes per subject."
)
PAPER = PaperText.build(TEXT)


def analysis(**changes: Any) -> Analysis:
    fields: dict[str, Any] = {
        "summary": "TalkLoRA adapts talking heads quickly.",
        "takeaways": [
            "TalkLoRA reaches 3.2 mm lip vertex error on VOCASET.",
            "It beats FaceFormer (3.9 mm).",
            "Rank 8 works best.",
            "Adapting a subject takes 45 minutes.",
        ],
        "takeaway_quotes": [
            "TalkLoRA reaches a lip vertex error of 3.2 mm",
            "3.2 mm against 3.9 mm for FaceFormer",
            "Rank 8 works best among ranks 2, 4, 8 and 16",
            "Training takes 45 minutes per subject",
        ],
        "title_translation": "",
        "affiliation": "not stated",
        "keywords": ["LoRA"],
        "background": "Talking heads are hard to adapt.",
        "past_methods": "not stated",
        "method": "Low-rank adaptors in a transformer.",
        "performance": "3.2 mm vs 3.9 mm for FaceFormer on VOCASET. It supports the goal.",
        "performance_quotes": ["lip vertex error of 3.2 mm against 3.9 mm for FaceFormer"],
        "method_steps": ["Freeze the transformer.", "Train rank 8 adaptors."],
        "significance": "Fast adaptation.",
        "innovation": "Low-rank adaptors for animation.",
        "performance_assessment": "Lower error than FaceFormer.",
        "workload": "45 minutes per subject.",
    }
    return Analysis.model_validate(fields | changes)


def test_a_faithful_analysis_keeps_every_claim_and_says_what_was_checked() -> None:
    checked = check_claims(analysis(), PAPER, "en")
    assert checked.takeaways == analysis().takeaways
    assert checked.performance == analysis().performance
    assert checked.check is not None
    assert (checked.check.removed, checked.check.marked) == (0, 0)
    assert checked.check.checked >= 9  # 4 takeaways, 1 quote, and sentences with numbers/names


def test_planted_numbers_swapped_datasets_and_invented_quotes_are_removed() -> None:
    planted = analysis(
        takeaways=[
            "TalkLoRA reaches 2.7 mm lip vertex error on VOCASET.",  # planted number
            "It beats FaceFormer (3.9 mm) on HDTF.",  # swapped dataset
            "Rank 8 works best.",
            "It runs on a phone in real time.",  # invented, with an invented quote
        ],
        takeaway_quotes=[
            "TalkLoRA reaches a lip vertex error of 3.2 mm",
            "3.2 mm against 3.9 mm for FaceFormer",
            "Rank 8 works best among ranks 2, 4, 8 and 16",
            "TalkLoRA runs on a phone in real time",
        ],
        performance="3.2 mm vs 4.8 mm for SadTalker on VOCASET. It supports the goal.",
        workload="Training takes 12 GPU hours. 45 minutes per subject.",
    )
    checked = check_claims(planted, PAPER, "en")
    shown = " ".join([*checked.takeaways, checked.performance, checked.workload])
    for planted_claim in ("2.7", "HDTF", "phone", "4.8", "SadTalker", "12 GPU"):
        assert planted_claim not in shown
    assert checked.takeaways == ["Rank 8 works best."]
    assert checked.takeaway_quotes == ["Rank 8 works best among ranks 2, 4, 8 and 16"]
    assert checked.performance == "It supports the goal."
    assert checked.workload == "45 minutes per subject."
    assert checked.check is not None and checked.check.removed == 5


def test_what_would_leave_a_field_empty_is_kept_with_a_mark_in_the_readers_language() -> None:
    planted = analysis(
        summary="TalkLoRA halves the error on HDTF.",
        takeaways=["误差为 2.1 mm。", "比 FaceFormer 好 37%。"],
        takeaway_quotes=["", "an invented quote that is long enough"],
        performance="2.1 mm vs 3.9 mm.",
    )
    checked = check_claims(planted, PAPER, "zh")
    assert checked.takeaways == [
        "⚠ 未经核实：误差为 2.1 mm。",
        "⚠ 未经核实：比 FaceFormer 好 37%。",
    ]
    assert checked.summary.startswith("⚠ 未经核实：") and "HDTF" in checked.summary
    assert checked.performance == "⚠ 未经核实：2.1 mm vs 3.9 mm."
    assert checked.check is not None and checked.check.marked == 4


def test_model_prose_is_split_into_sentences_in_both_languages() -> None:
    assert sentences("FID 12.3 vs 15.1, e.g. on HDTF. It works!") == [
        "FID 12.3 vs 15.1, e.g. on HDTF.",
        "It works!",
    ]
    assert sentences("误差为 3.2 mm。优于基线。") == ["误差为 3.2 mm。", "优于基线。"]
