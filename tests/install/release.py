"""A release as a user gets it: sdist and wheel built from a copy of this checkout, the wheel
installed with constraints.txt into a fresh virtual environment outside the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.paths import REPO

IGNORED = (
    ".git",
    ".venv",
    "__pycache__",
    "*.egg-info",
    "build",
    "dist",
    ".*_cache",
    ".env",
    "data",
)


@dataclass(frozen=True, slots=True)
class Installed:
    """What the release build produced and where it was installed."""

    sdist: Path
    wheel: Path
    venv: Path

    @property
    def python(self) -> Path:
        """The fresh environment's interpreter."""
        return self.venv / "bin" / "python"

    @property
    def paperbot(self) -> Path:
        """The installed console script."""
        return self.venv / "bin" / "paperbot"

    def env(self, home: Path, **settings: str) -> dict[str, str]:
        """A clean environment: the venv first on PATH, a HOME of its own, only ``settings``."""
        path = f"{self.venv / 'bin'}{os.pathsep}{os.defpath}"
        return {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", **settings}


def run(*args: str | Path) -> None:
    """Run a build or install step; fail with its output when it fails."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=240, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")


def copy_checkout(target: Path) -> None:
    """The files a clone of this working tree holds: tracked or new, never the ignored ones."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:  # not a git checkout (an unpacked archive): .gitignore by hand
        shutil.copytree(REPO, target, ignore=shutil.ignore_patterns(*IGNORED))
        return
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def build_and_install(root: Path) -> Installed:
    """Build sdist then wheel from it (python -m build), install the wheel pinned by constraints.txt."""
    assert not root.resolve().is_relative_to(REPO), "the install must happen outside the checkout"
    checkout, dist, venv = root / "checkout", root / "dist", root / "venv"
    copy_checkout(checkout)
    run(sys.executable, "-m", "build", "--outdir", dist, checkout)
    (sdist,), (wheel,) = dist.glob("*.tar.gz"), dist.glob("*.whl")
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    pip: list[str | Path] = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python"]
    pip += ["install", "--quiet", "--no-compile", "--disable-pip-version-check"]
    run(*pip, "-c", checkout / "constraints.txt", wheel)
    return Installed(sdist=sdist, wheel=wheel, venv=venv)
