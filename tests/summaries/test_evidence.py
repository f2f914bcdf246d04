"""What a paper's text vouches for: quotes, numbers in their usual forms, and names."""

from __future__ import annotations

import pytest

from bot.summaries.evidence import PaperText, names_in, numbers_in, without_citations

PAPER = PaperText.build(
    "TalkLoRA: Low-Rank Adaptation for Speech-Driven Animation",
    "On VOCASET, TalkLoRA reaches a lip vertex error of 3.24 mm against 3.9 mm for Face-\n"
    "Former. We train on 1,000 clips, 15 % of the data, with 1.5 million parameters; accuracy "
    "is 0.873. The ﬁnal gener-\nation runs in real time on three GPUs. Se\u00adquences are "
    "cut into windows. Table 3 lists 2 baselines: SadTalker and ResNet-50.",
)


@pytest.mark.parametrize(
    "quote",
    [
        "The final generation runs in real time on three GPUs",  # ﬁ ligature, line-break hyphen
        "Sequences are cut into windows",  # soft hyphen
        "lip vertex error of 3.24 mm against 3.9 mm for FaceFormer",  # hyphen split over lines
        "We train on 1000 clips, 15% of the data",  # number formats
        "We train on 1,000 clips, 0.15 of the data",
        "TalkLoRA reaches a lip vertex error … for Face-Former",  # an omission
    ],
)
def test_a_quote_is_found_whatever_the_typesetting(quote: str) -> None:
    assert PAPER.has_quote(quote)


@pytest.mark.parametrize(
    "quote",
    [
        "TalkLoRA reaches a lip vertex error of 2.1 mm",  # a changed number
        "On HDTF, TalkLoRA reaches a lip vertex error",  # a swapped dataset
        "The method generalises to unseen languages without any data",  # invented
        "three GPUs",  # too short to prove anything
        "",
    ],
)
def test_a_quote_the_paper_does_not_hold_is_not_found(quote: str) -> None:
    assert not PAPER.has_quote(quote)


@pytest.mark.parametrize(
    "prose",
    [
        "1000 clips",
        "1k clips",
        "15% of the data",
        "15 percent of the data",
        "0.15 of the data",
        "87.3% accuracy",  # 0.873 in the text
        "about 87% accuracy",  # explicit approximation allows a whole number
        "1.5M parameters",
        "3.2 mm",  # 3.24 rounded to the places written
    ],
)
def test_numbers_are_supported_in_their_usual_forms(prose: str) -> None:
    assert PAPER.unsupported(prose) == []


@pytest.mark.parametrize(
    ("prose", "missing"),
    [
        ("2,000 clips", ["2,000"]),
        ("87% accuracy", ["87%"]),  # a whole number is not a rounding of 87.3
        ("16% of the data", ["16%"]),
        ("an error of 2.95 mm on HDTF", ["2.95", "HDTF"]),
        ("beats Wav2Lip and SadTalker", ["Wav2Lip"]),
        ("ResNet-101 is used", ["ResNet-101"]),
        ("1.5万 parameters", ["1.5万"]),
        ("提升了 37%", ["37%"]),
    ],
)
def test_numbers_and_names_the_paper_lacks_are_reported(prose: str, missing: list[str]) -> None:
    assert PAPER.unsupported(prose) == missing


def test_references_small_counts_and_parts_of_names_are_not_claims() -> None:
    assert numbers_in("see Table 12, §4.2 and Fig. 3 [27]; a 3D model with 4 stages") == []
    assert [n.written for n in numbers_in("from 12 to 40%, a 2x gain")] == ["12", "40%"]
    assert names_in("FaceFormer and GPT-4 on a GPU, SOTA in 3D, x1 v2 T5") == [
        "FaceFormer",
        "GPT-4",
        "T5",
    ]


def test_a_name_split_or_spaced_in_the_text_is_found() -> None:
    assert PAPER.has_name("FaceFormer") and PAPER.has_name("ResNet50")
    assert PAPER.has_name("GPUs") and not PAPER.has_name("VoxCeleb2")


def test_citation_lists_are_dropped_in_linear_time_whatever_their_length() -> None:
    # A long author-year list, and one whose last item is no citation: a single pattern over
    # the list backtracked exponentially on the latter (minutes at 30 items, the bot frozen).
    cites = "; ".join(["Vaswani et al., 2017"] * 60)
    assert without_citations(f"as in ({cites}; OpenAI, 2023) we") == "as in we"
    unfinished = "(" + "Smith et al, 2020 " * 60 + "x"
    assert without_citations(unfinished) == unfinished
    kept = "we get 15% (see Table 2) and [3, 7] more"
    assert without_citations(kept) == "we get 15% (see Table 2) and more"
