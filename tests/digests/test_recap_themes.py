"""Grouping a week's papers into themes (deterministic, 1 to 5, named by their terms), when a
recap is due, and a long recap split at the platforms' limits."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from adapters.discord.render import render as discord_render
from adapters.telegram.render import TEXT_LIMIT
from adapters.telegram.render import render as telegram_render
from bot.chat.lines import utf16_len
from bot.digests.recap import Recap, RecapPaper, RecapTheme, recap_due, week_of
from bot.digests.recap_post import recap_post
from bot.digests.subscriptions import Subscription
from bot.digests.themes import MOST_CLUSTERED, SVD_DIMS, group
from bot.infra import keys
from bot.papers.models import PaperId, PaperMeta

WEEK = [
    "Talking head video generation from audio with lip sync",
    "Medical image segmentation with a boundary loss",
    "Streaming speech recognition with a large encoder",
    "Audio-driven talking head animation with expressive lip sync",
    "Boundary-aware segmentation of organs in medical images",
    "Speech recognition for low-resource languages",
    "Lip sync evaluation for talking head videos",
    "Semi-supervised medical image segmentation",
    "Noise-robust speech recognition",
]


def test_a_week_falls_into_its_themes_named_by_their_terms() -> None:
    themes = group(WEEK)
    assert [t.members for t in themes] == [(0, 3, 6), (1, 4, 7), (2, 5, 8)]
    assert themes[0].terms[:2] == ("talking head", "lip sync")
    assert "segmentation" in themes[1].name and "speech recognition" in themes[2].name
    assert group(list(WEEK)) == themes  # the same week, the same themes


def test_few_papers_make_one_theme_and_many_at_most_five() -> None:
    (one,) = group(WEEK[:3])
    assert one.members == (0, 1, 2) and one.terms  # still named
    many = group([f"{w} {t}" for w in ("alpha", "beta", "gamma", "delta", "omega", "zeta", "eta")
                  for t in ("nets", "graphs", "trees")])  # fmt: skip
    assert 2 <= len(many) <= 5
    assert sorted(i for t in many for i in t.members) == list(range(21))  # every paper, once
    assert group([]) == []
    assert [t.members for t in group(["1 2", "3 4", "5 6", "7 8"])] == [(0, 1, 2, 3)]  # no words


@pytest.mark.parametrize(
    ("day", "due", "week"),
    [
        (date(2024, 11, 25), False, "2024-W48"),  # Monday
        (date(2024, 11, 28), False, "2024-W48"),  # Thursday
        (date(2024, 11, 29), True, "2024-W48"),  # Friday: the week's last announcement
        (date(2024, 11, 30), True, "2024-W48"),  # Saturday: Friday's slot was missed
        (date(2024, 12, 1), True, "2024-W48"),  # Sunday
        (date(2024, 12, 30), False, "2025-W01"),  # ISO weeks cross the new year
    ],
)
def test_a_recap_is_due_from_friday_to_the_end_of_its_week(day: date, due: bool, week: str) -> None:
    assert recap_due(day) is due and week_of(day) == week


def test_the_recap_key_is_pinned() -> None:
    stored = keys.recap("paperbot:", "en", "gemini/gemini-2.5-flash", "ab12", "cd34")
    assert stored == "paperbot:recap:en:gemini/gemini-2.5-flash:ab12:cd34"
    assert keys.family(stored, "paperbot:") == "recap"


def _paper(n: int) -> RecapPaper:
    title = f"A rather long title about talking head generation number {n} " * 3
    meta = PaperMeta(
        id=PaperId(base=f"2411.{n:05d}", version=1),
        title=title.strip(),
        authors=("A. Author",),
        abstract="An abstract.",
        primary_category="cs.CV",
        published=datetime(2024, 11, 25, tzinfo=UTC),
        updated=datetime(2024, 11, 25, tzinfo=UTC),
    )
    return RecapPaper(meta=meta, day=date(2024, 11, 25), summary=None, liked=n % 7 == 0)


def test_a_long_recap_is_split_at_each_platforms_limit_losing_nothing() -> None:
    papers = tuple(_paper(n) for n in range(1, 121))
    sub = Subscription(id="k3x9", platform="telegram", chat_id="1", categories=("cs.CV",))
    themes = tuple(
        RecapTheme(name=f"theme {i}", overview="Two sentences. Of overview.", papers=papers[i::3])
        for i in range(3)
    )
    recap = Recap(
        sub=sub, since=date(2024, 11, 23), until=date(2024, 11, 29), papers=papers, themes=themes
    )
    post = recap_post(recap)
    assert utf16_len(post.text) > 3 * TEXT_LIMIT
    messages = telegram_render(post).messages
    assert len(messages) > 3 and all(utf16_len(m) <= TEXT_LIMIT for m in messages)
    pieces = discord_render(post).card
    assert len(pieces) > 7 and all(len(p.content) <= 2000 for p in pieces)
    for text in ("\n".join(messages), "\n".join(p.content for p in pieces)):
        assert all(p.meta.abs_url in text for p in papers)


TOPIC_WORDS = {
    "head": "talking head lip sync audio driven portrait facial animation speech avatar expression"
    " mouth viseme identity video",
    "seg": "medical image segmentation boundary organ tumour mask label scan lesion ultrasound"
    " annotation pixel contour",
    "asr": "speech recognition transcription encoder decoder acoustic language streaming word"
    " error rate noise phoneme corpus",
}
FILLER = ("we", "propose", "method", "results", "show", "novel", "experiments", "benchmark")


def busy_week(size: int) -> tuple[list[str], list[str]]:
    """``size`` texts drawn from three topics' words (seeded), oldest first, and their topics."""
    rng = random.Random(7)
    texts, topics = [], []
    for n in range(size):
        topic = ("head", "seg", "asr")[n % 3]
        words = rng.sample(TOPIC_WORDS[topic].split(), 8) + rng.sample(FILLER, 4)
        texts.append(" ".join(words) + f" variant{n}")
        topics.append(topic)
    return texts, topics


def test_a_busy_week_is_grouped_on_its_newest_papers_and_every_older_one_joins_its_theme() -> None:
    texts, topics = busy_week(450)  # beyond SVD_DIMS and MOST_CLUSTERED
    assert len(texts) > MOST_CLUSTERED > SVD_DIMS
    themes = group(texts)
    assert sorted(i for t in themes for i in t.members) == list(range(450))  # each once
    assert len(themes) == 3
    for theme in themes:
        assert len({topics[i] for i in theme.members}) == 1  # older papers too (not clustered)
    assert group(texts) == themes  # deterministic
