"""The composition root: ``build_core`` builds every client once from Settings and wires them into
a ``Core``, which the CLI runs and every chat adapter is handed as its host."""

from bot.app.build import build_core, build_llm
from bot.app.core import Core

__all__ = ["Core", "build_core", "build_llm"]
