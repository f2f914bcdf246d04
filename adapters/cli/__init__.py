"""The ``paperbot`` command: chat in the terminal, run the platform adapters, summarize one paper,
answer a question, print a digest. ``main`` is the console script's entry point."""

from adapters.cli.main import main

__all__ = ["main"]
