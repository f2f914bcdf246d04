"""The shape of the code: a platform-free core, and deployment files that are valid."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.paths import REPO

ROOT = REPO
PLATFORM_MODULES = ("adapters", "telegram", "discord")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_core_never_imports_an_adapter_or_a_platform_sdk() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in PLATFORM_MODULES
        )
        for path in (ROOT / "bot").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) > 20  # the walk really read the core


def test_prompts_live_in_files() -> None:
    assert (ROOT / "prompts" / "summary_system.md").read_text().strip()
    assert "{excerpt}" in (ROOT / "prompts" / "summary_user.md").read_text()


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_the_compose_file_is_valid_and_persists_redis() -> None:
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "appendonly" in result.stdout and "redis-data" in result.stdout


def test_every_setting_is_documented_in_the_readme_and_env_example() -> None:
    source = (ROOT / "bot" / "infra" / "settings.py").read_text()
    names = set(
        re.findall(r'"((?:PAPERBOT|REDIS|TELEGRAM|DISCORD|GEMINI|GOOGLE|OPENAI)_[A-Z_]*)"', source)
    )
    assert len(names) > 25
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    assert sorted(n for n in names if f"{n}=" not in example) == []
    assert (
        sorted(n for n in names if n not in readme and n.rsplit("_", 1)[0] + "_" not in readme)
        == []
    )
