"""Tests for bot.summaries.textstats: cleaning, sentence splitting, keyphrases, centrality and trimming."""

from __future__ import annotations

import pytest

from bot.summaries.textstats import (
    STOPWORDS,
    centrality,
    clean_text,
    keyphrases,
    near_duplicate,
    split_sentences,
    trim,
    words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We use adapters, e.g. LoRA, in every layer. It works.",
            ["We use adapters, e.g. LoRA, in every layer.", "It works."],
        ),
        (
            "Smith et al. (2020) showed this first. We agree with them.",
            ["Smith et al. (2020) showed this first.", "We agree with them."],
        ),
        (
            "Zhang et al. Proposed a variant later. It failed.",
            ["Zhang et al. Proposed a variant later.", "It failed."],
        ),
        (
            "As shown in Fig. 3, accuracy rises. Next we test.",
            ["As shown in Fig. 3, accuracy rises.", "Next we test."],
        ),
        (
            "The error drops to 3.5% on VoxCeleb2. It is 2.1 points lower.",
            ["The error drops to 3.5% on VoxCeleb2.", "It is 2.1 points lower."],
        ),
        (
            "See Sec. 4 and Eq. 2 for details. Done here.",
            ["See Sec. 4 and Eq. 2 for details.", "Done here."],
        ),
        (
            "J. Smith and K. Lee wrote it, i.e. two people. They agree.",
            ["J. Smith and K. Lee wrote it, i.e. two people.", "They agree."],
        ),
        (
            "Is it a question? Yes it is! Then a full stop.",
            ["Is it a question?", "Yes it is!", "Then a full stop."],
        ),
        (
            "Results are listed in Table 2. We observe gains.",
            ["Results are listed in Table 2.", "We observe gains."],
        ),
        (
            "0 10 20 iter. 56-layer Figure 1. Training error on CIFAR-10. The deeper net fails.",
            [
                "0 10 20 iter.",
                "56-layer",
                "Figure 1. Training error on CIFAR-10.",
                "The deeper net fails.",
            ],
        ),
        (
            "A heading without a stop\n\nThe next paragraph.",
            ["A heading without a stop", "The next paragraph."],
        ),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("learn\ufffeing residual functions", "learning residual functions"),
        ("speech recog-\r\nnition works", "speech recognition works"),
        ("deep networks [12, 14] are hard", "deep networks are hard"),
        ("as in prior work \\cite{smith2020}.", "as in prior work ."),
        ("\\textbf{LoRA-Head} is fast", "LoRA-Head is fast"),
        ("a $\\sim$3x speed-up and 10\\% less error", "a ~3x speed-up and 10% less error"),
        ("see Fig.~3 for details", "see Fig. 3 for details"),
        ("  many \n\n  spaces\t here ", "many spaces here"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_words_skip_numbers_and_keep_hyphenated_terms() -> None:
    assert words("We train 3 low-rank adapters for 2.5 hours on CIFAR-10.") == [
        "We",
        "train",
        "low-rank",
        "adapters",
        "for",
        "hours",
        "on",
        "CIFAR-10",
    ]


ASR_TITLE = "Streaming Speech Recognition with Low-Rank Adapters"
ASR_ABSTRACT = (
    "Automatic speech recognition systems are often deployed on devices with little memory. "
    "We propose a streaming speech recognition model that adapts to new accents with low-rank "
    "adapters. The adapters add 2% of the parameters of the acoustic model. On the LibriSpeech "
    "benchmark, our streaming speech recognition model lowers the word error rate by 12% "
    "relative to a full fine-tuning baseline, and the low-rank adapters train in 3 hours."
)


def test_keyphrases_find_the_topic_and_no_stopwords() -> None:
    found = keyphrases(ASR_TITLE, ASR_ABSTRACT, "", limit=5)
    assert 3 <= len(found) <= 5
    assert "speech recognition" in found or "streaming speech recognition" in found
    assert any("low-rank adapter" in k for k in found)
    for phrase in found:
        tokens = phrase.lower().split()
        assert not any(t in STOPWORDS for t in tokens), phrase
        assert not any(t.isdigit() or len(t) == 1 for t in tokens), phrase


def test_keyphrases_prefer_the_bigram_over_its_words() -> None:
    found = keyphrases(ASR_TITLE, ASR_ABSTRACT, "", limit=6)
    assert "speech" not in found
    assert "recognition" not in found


def test_keyphrases_keep_acronym_case_and_count_body_text() -> None:
    body = "LoRA adapters are small. We merge LoRA weights after training. LoRA is fast."
    found = keyphrases("Adapting Transformers", "We study LoRA for transformers.", body, limit=4)
    assert "LoRA" in found
    assert "lora" not in found


def test_keyphrases_are_deterministic() -> None:
    assert keyphrases(ASR_TITLE, ASR_ABSTRACT, ASR_ABSTRACT) == keyphrases(
        ASR_TITLE, ASR_ABSTRACT, ASR_ABSTRACT
    )


def test_centrality_ranks_the_shared_topic_first() -> None:
    sentences = [
        "Speech recognition models need labelled audio.",
        "Low-rank adapters make speech recognition models cheap to adapt.",
        "Adapters for speech recognition models reduce the labelled audio needed.",
        "The weather in Paris was sunny on Tuesday.",
    ]
    scores = centrality(sentences)
    assert len(scores) == 4
    assert scores.index(max(scores)) in (1, 2)
    assert scores.index(min(scores)) == 3
    assert centrality([]) == []
    assert centrality(sentences) == scores


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (
            "We propose LoRA-Head for talking heads.",
            "We propose LoRA-Head for talking heads!",
            True,
        ),
        (
            "Our method reduces FID on the HDTF dataset.",
            "On the HDTF dataset, our method reduces FID.",
            True,
        ),
        ("We propose LoRA-Head for talking heads.", "The weather was sunny in Paris.", False),
    ],
)
def test_near_duplicate(a: str, b: str, same: bool) -> None:
    assert near_duplicate(a, b) is same


@pytest.mark.parametrize("limit", [20, 45, 70])
def test_trim_cuts_at_a_word_boundary(limit: int) -> None:
    text = (
        "We propose a low-rank adaptation method for talking head generation from one video clip."
    )
    out = trim(text, limit)
    assert len(out) <= limit
    assert out.endswith("…")
    assert text.startswith(out[:-1])
    assert text[len(out) - 1] == " "  # the cut fell between two words


def test_trim_leaves_short_text_alone() -> None:
    assert trim("  Short enough.  ", 100) == "Short enough."
