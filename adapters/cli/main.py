"""The ``paperbot`` command line: its parser and the entry point that runs one subcommand."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from adapters.cli import digest, oneshot, serve
from adapters.registry import read_platforms
from bot.errors import UserFacingError
from bot.infra.logs import RedactSecrets, secrets_of, setup_logging
from bot.infra.settings import Settings, SettingsError
from bot.papers.models import LANGUAGES


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="paperbot",
        description="Chat in the terminal, run the platform adapters, summarize one paper.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("chat", help="chat with the bot in this terminal")
    sub.add_parser("run", help="run every adapter whose token is set (the console when none)")
    s = sub.add_parser("summarize", help="print the summary of one paper")
    s.add_argument("paper", help="arXiv id, arXiv URL, or search words")
    s.add_argument("--lang", choices=LANGUAGES, default=None)
    s.add_argument("--format", choices=("markdown", "json"), default="markdown")
    s.add_argument("--figure-dir", default=None, help="save the paper's figure here")
    a = sub.add_parser("ask", help="answer a question from a paper's text")
    a.add_argument("paper", help="arXiv id or link")
    a.add_argument("question")
    a.add_argument("--lang", choices=LANGUAGES, default=None)
    d = sub.add_parser("digest", help="print the daily post of a topic (FORMAT.md)")
    d.add_argument("--categories", default="", help="e.g. cs.CV,cs.GR")
    d.add_argument("--query", default=None, help="keywords, e.g. '\"talking head\" OR lip-sync'")
    d.add_argument("--cross", action="store_true", help="include cross-listed papers")
    d.add_argument("--date", default=None, help="a past announcement day, YYYY-MM-DD")
    d.add_argument("--lang", choices=LANGUAGES, default=None)
    d.add_argument("--max", type=int, default=10)
    d.add_argument("--format", choices=("hexo", "markdown"), default="hexo")
    d.add_argument("--title", default=None, help="the post's title (default: the topic)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the process exit code (2 bad input, 1 failure)."""
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        platforms = read_platforms()  # every platform's settings checked, whatever the command
    except SettingsError as exc:
        print(f"paperbot: {exc}", file=sys.stderr)
        return 2
    secrets = [*secrets_of(settings), *(s for p in platforms for s in p.settings.secret_values())]
    any_platform = any(p.settings.enabled for p in platforms)
    setup_logging(settings, verbose=args.command == "run" and any_platform, secrets=secrets)
    try:
        if args.command == "chat":
            return asyncio.run(serve.chat(settings))
        if args.command == "run":
            return asyncio.run(serve.run(settings))
        if args.command == "ask":
            return asyncio.run(oneshot.ask(settings, args))
        if args.command == "digest":
            return asyncio.run(digest.digest(settings, args))
        return asyncio.run(oneshot.summarize(settings, args))
    except UserFacingError as exc:
        print(f"paperbot: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one line, as promised, not a traceback (logged in full)
        logging.getLogger(__name__).debug("paperbot failed", exc_info=True)
        reason = RedactSecrets([*secrets, settings.redis_url or ""]).redact(
            str(exc).splitlines()[0][:200] if str(exc) else ""
        )
        print(f"paperbot: {type(exc).__name__}: {reason}", file=sys.stderr)
        return 1
