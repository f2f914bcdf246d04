"""Where things are: the repository the tests run from, and ../shared's fixtures beside it."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"
PDFS = SHARED_FIXTURES / "pdfs"
