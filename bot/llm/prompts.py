"""Prompt templates live as files in the top-level ``prompts`` package (shipped in the wheel as
package data); this module loads them through importlib.resources, fills and fingerprints them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

PROMPTS: Traversable = files("prompts")  # works from a checkout, a wheel, an sdist or the image

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
LANGUAGE_NAMES = {"en": "English", "zh": "Simplified Chinese (简体中文)"}


@dataclass(frozen=True, slots=True)
class PromptPair:
    """A system and a user template, and a hash of both (part of every cache key)."""

    system: str
    user: str

    @property
    def fingerprint(self) -> str:
        """12 hex digits that change whenever either template changes."""
        digest = hashlib.sha256((self.system + "\0" + self.user).encode()).hexdigest()
        return digest[:12]


@cache
def load(name: str, directory: Traversable = PROMPTS) -> PromptPair:
    """Load ``{name}_system.md`` and ``{name}_user.md`` from the prompts package."""
    system = (directory / f"{name}_system.md").read_text(encoding="utf-8")
    user = (directory / f"{name}_user.md").read_text(encoding="utf-8")
    return PromptPair(system=system, user=user)


def fill(template: str, **values: str) -> str:
    """Substitute ``{name}`` placeholders; paper text may contain braces, so no str.format."""
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)
