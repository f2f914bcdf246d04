"""The installed release (built once per test session), local fakes, a directory elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from install.release import Installed, build_and_install
from support.fakes.gemini_server import FakeGemini
from support.paperkit import gemini_responder, passages_in
from support.paths import REPO


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """paperbot's wheel installed into a fresh virtual environment in a temporary directory."""
    return build_and_install(tmp_path_factory.mktemp("install"))


def answering_model(body: dict[str, Any]) -> Any:
    """The summary model of the other tests, which also answers questions from the passages."""
    prompt = FakeGemini.prompt_text(body)
    for pid, text in passages_in(prompt):
        if "Rank 8 works best" in text:
            return {"answerable": True, "answer": "Rank 8 works best.", "citations": [pid]}
    return gemini_responder(body)


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    with FakeGemini(responder=answering_model) as server:
        yield server


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """An empty working directory outside the checkout."""
    directory = tmp_path / "elsewhere"
    directory.mkdir()
    assert not directory.resolve().is_relative_to(REPO)
    return directory
