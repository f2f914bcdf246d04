"""The ``paperbot`` command: chat in the terminal, run the platform adapters, summarize one paper."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from adapters.console import ConsoleAdapter
from bot.app import Core, build_core
from bot.chat import ChatAdapter
from bot.errors import UserFacingError
from bot.labels import EXTRACTIVE_LABEL
from bot.logs import setup_logging
from bot.markdown import paper_markdown
from bot.models import LANGUAGES, Figure, Language
from bot.paper_ref import parse_paper_ref
from bot.settings import Settings, SettingsError


def _banner(core: Core, adapters: Sequence[str]) -> str:
    llm = core.summarizer.label
    if core.summarizer.extractive:
        llm = f"{EXTRACTIVE_LABEL}; set GEMINI_API_KEY for LLM summaries"
    return (
        f"paperbot · storage: {core.redis_description} · summaries: {llm} · "
        f"chats: {', '.join(adapters)}"
    )


async def _chat(settings: Settings, stdin: TextIO | None = None) -> int:
    core = await build_core(settings)
    try:
        console = ConsoleAdapter(settings.data_dir / "figures", stdin=stdin)
        print(_banner(core, ["console chat"]))
        print("Type /help, or /summarize 2408.13714. /quit or Ctrl-D leaves.")
        core.attach(console)
        await console.start(core.handle)
        await core.scheduler.start()
        await console.finished.wait()
        return 0
    finally:
        await core.aclose()


def platform_adapters(core: Core) -> list[ChatAdapter]:
    """Every platform adapter whose token is set."""
    found: list[ChatAdapter] = []
    settings = core.settings
    if settings.telegram_token:
        from adapters.telegram import TelegramAdapter

        found.append(
            TelegramAdapter(
                settings.telegram_token.get(),
                commands=core.router.commands(),
                base_url=settings.telegram_base_url,
                webhook_url=settings.telegram_webhook_url,
                webhook_listen=settings.telegram_webhook_listen,
                webhook_port=settings.telegram_webhook_port,
                webhook_secret=(
                    settings.telegram_webhook_secret.get()
                    if settings.telegram_webhook_secret
                    else None
                ),
                on_unreachable=core.on_unreachable,
                on_migrated=core.on_migrated,
            )
        )
    return found


async def _run(settings: Settings) -> int:
    core = await build_core(settings)
    adapters = platform_adapters(core)
    if not adapters:
        await core.aclose()
        print("No TELEGRAM_BOT_TOKEN or DISCORD_BOT_TOKEN set: starting the console chat.")
        return await _chat(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    print(_banner(core, [a.platform for a in adapters]))
    try:
        for adapter in adapters:
            await adapter.start(core.handle)
            core.attach(adapter)
        await core.scheduler.start()
        await stop.wait()
    finally:
        for adapter in adapters:
            with contextlib.suppress(Exception):
                await adapter.stop()
        await core.aclose()
    return 0


async def _summarize(settings: Settings, args: argparse.Namespace) -> int:
    ref = parse_paper_ref(args.paper)  # bad input fails before anything starts
    language: Language = args.lang or settings.language
    core = await build_core(settings)
    show = sys.stderr.isatty()

    async def progress(text: str) -> None:
        if show:
            print(f"… {text}", file=sys.stderr, flush=True)

    try:
        resolved = await core.papers.resolve(ref, progress)
        if resolved.note:
            print(resolved.note, file=sys.stderr)
        summary, _ = await core.papers.summary(resolved.meta, language, progress)
        figure = await core.papers.figure(resolved.meta)
    finally:
        await core.aclose()
    if args.format == "json":
        print(json.dumps(summary.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return 0
    if figure is not None and figure.source_url is None and args.figure_dir:
        path = Path(args.figure_dir) / f"{resolved.meta.id.versioned.replace('/', '_')}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(figure.data)
        figure = Figure(data=b"", mime=figure.mime, caption=figure.caption, source_url=str(path))
    print(paper_markdown(summary, figure), end="")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(prog="paperbot", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("chat", help="chat with the bot in this terminal")
    sub.add_parser("run", help="run every adapter whose token is set (the console when none)")
    s = sub.add_parser("summarize", help="print the summary of one paper")
    s.add_argument("paper", help="arXiv id, arXiv URL, or search words")
    s.add_argument("--lang", choices=LANGUAGES, default=None)
    s.add_argument("--format", choices=("markdown", "json"), default="markdown")
    s.add_argument("--figure-dir", default=None, help="save the paper's figure here")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the process exit code (2 bad input, 1 failure)."""
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"paperbot: {exc}", file=sys.stderr)
        return 2
    platforms = bool(settings.telegram_token or settings.discord_token)
    setup_logging(settings, verbose=args.command == "run" and platforms)
    try:
        if args.command == "chat":
            return asyncio.run(_chat(settings))
        if args.command == "run":
            return asyncio.run(_run(settings))
        return asyncio.run(_summarize(settings, args))
    except UserFacingError as exc:
        print(f"paperbot: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
