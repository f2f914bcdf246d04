"""Why a paper was picked for a chat, in one short line of the chat's language."""

from __future__ import annotations

from collections.abc import Sequence

from bot.papers.models import Language
from bot.summaries.labels import label

LIKED_NEAR = 0.25  # cosine to a liked paper from which "close to … you liked" is the reason
MAX_TERMS = 3


def why_line(
    language: Language,
    *,
    keywords: Sequence[str] = (),
    liked: str | None = None,
    score: float | None = None,
) -> str | None:
    """The closest liked paper if any is near, else the matched keywords, else the description
    score; None when there is nothing to say."""
    if liked is not None:
        return label("why_liked", language, paper=liked)
    if keywords:
        shown = ", ".join(dict.fromkeys(keywords[:MAX_TERMS]))
        return label("why_keywords", language, terms=shown)
    if score is not None:
        return label("why_about", language, score=f"{score:.2f}")
    return None
