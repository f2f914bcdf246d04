"""The shared relevance days (../shared/relevance) as the tests read them; absent: skip."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.paths import REPO

RELEVANCE = REPO.parent / "shared" / "relevance"
DESCRIPTION = "audio-driven talking head video generation"
KEYWORDS = '"talking head" OR "talking face" OR lip-sync'


@dataclass(frozen=True)
class Days:
    """Papers by versioned id, the days' candidate ids in date order, the judged-true ids."""

    papers: dict[str, dict[str, str]]
    days: list[tuple[str, list[str]]]
    relevant: frozenset[str]
    judged_false: frozenset[str]


def load_days(root: Path = RELEVANCE) -> Days:
    """Read the shared days, or skip the test when this checkout has none."""
    if not (root / "days.json").is_file():
        pytest.skip(f"{root} is absent")
    papers = {}
    for line in (root / "papers.jsonl").read_text().splitlines():
        record = json.loads(line)
        papers[record["id"]] = record
    days = sorted(
        ((d["date"], d["candidates"]) for d in json.loads((root / "days.json").read_text())),
    )
    judged = [json.loads(line) for line in (root / "judged.jsonl").read_text().splitlines()]
    return Days(
        papers,
        days,
        frozenset(j["id"] for j in judged if j["talking_head"]),
        frozenset(j["id"] for j in judged if not j["talking_head"]),
    )


def precision(ranked: list[str], relevant: frozenset[str], k: int) -> float:
    """Share of the first ``k`` that are relevant (missing places count as misses)."""
    return sum(p in relevant for p in ranked[:k]) / k
