"""The ``paperbot`` command: chat in the terminal, run the platform adapters, summarize one paper."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from adapters.console import ConsoleAdapter
from bot.app import Core, build_core
from bot.chat import ChatAdapter
from bot.errors import BadInput, UserFacingError
from bot.health_server import HealthServer, redis_ping
from bot.labels import EXTRACTIVE_LABEL
from bot.logs import RedactSecrets, secrets_of, setup_logging
from bot.markdown import paper_markdown
from bot.models import LANGUAGES, Figure, Language, PaperId, PaperMeta, PaperSummary
from bot.paper_ref import parse_paper_ref
from bot.settings import Settings, SettingsError


def _banner(core: Core, adapters: Sequence[str]) -> str:
    llm = core.summarizer.label
    if core.summarizer.extractive:
        llm = f"{EXTRACTIVE_LABEL}; set GEMINI_API_KEY for LLM summaries"
    embeddings = core.qa.embeddings
    ranking = f"BM25 + {embeddings.model} embeddings" if embeddings else "BM25"
    return (
        f"paperbot · storage: {core.redis_description} · summaries: {llm} · "
        f"passages for questions: {ranking} · chats: {', '.join(adapters)}"
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
                posts=core.post_index,
            )
        )
    if settings.discord_token:
        from adapters.discord import DiscordAdapter

        found.append(
            DiscordAdapter(
                settings.discord_token.get(),
                commands=core.router.commands(),
                api_url=settings.discord_api_url,
                gateway_url=settings.discord_gateway_url,
                on_unreachable=core.on_unreachable,
                on_migrated=core.on_migrated,
                posts=core.post_index,
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
    server = None
    if settings.metrics_port:
        server = HealthServer(
            core.metrics,
            redis_ping=redis_ping(core.redis),
            adapters=core.adapter_states,
            host=settings.metrics_host,
            port=settings.metrics_port,
        )
    try:
        if server is not None:
            try:
                await server.start()  # before logging in: a port in use fails fast
            except OSError as exc:
                raise UserFacingError(
                    f"PAPERBOT_METRICS_PORT {settings.metrics_port} cannot be used: {exc.strerror}"
                ) from None
        for adapter in adapters:
            await adapter.start(core.handle)
            core.attach(adapter)
        await core.scheduler.start()
        await stop.wait()
    finally:
        if server is not None:
            await server.stop()
        await core.scheduler.stop()  # digests finish the message in flight while adapters are up
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


async def _digest(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, date, datetime

    from bot.digest_post import digest_post
    from bot.subscribe_args import parse_subscribe
    from bot.subscriptions import Subscription

    topic_args = " ".join(
        [*args.categories.replace(",", " ").split(), args.query or ""]
        + (["--cross"] if args.cross else [])
    )
    spec = parse_subscribe(topic_args)  # bad categories or query fail before anything starts
    try:
        day = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise BadInput(f"--date must be YYYY-MM-DD, not {args.date[:20]!r}") from None
    language: Language = args.lang or settings.language
    sub = Subscription(
        id="cli",
        platform="cli",
        chat_id="stdout",
        categories=spec.categories,
        query=spec.query,
        include_cross=spec.include_cross,
        language=language,
        max_papers=args.max,
    )
    core = await build_core(settings)
    show = sys.stderr.isatty()
    try:
        found = await core.discovery.find(sub, day=day)
        chosen = found.papers[: args.max]
        done = 0

        async def one(meta: PaperMeta) -> tuple[PaperSummary, Figure | None] | None:
            nonlocal done
            try:
                summary, _ = await core.papers.summary(meta, language)
                figure = await core.papers.figure(meta)
            except UserFacingError as exc:
                print(f"paperbot: skipped {meta.id}: {exc.message}", file=sys.stderr)
                return None
            finally:
                done += 1
                if show:
                    bar = "#" * (20 * done // max(1, len(chosen)))
                    print(f"\r[{bar:<20}] {done}/{len(chosen)}", end="", file=sys.stderr)
            return summary, figure

        results = await asyncio.gather(*(one(m) for m in chosen))
        if show:
            print(file=sys.stderr)
    finally:
        await core.aclose()
    papers = [r for r in results if r is not None]
    print(
        digest_post(
            sub.topic() if not args.title else args.title,
            found.announced or day or datetime.now(UTC).date(),
            papers,
            language,
            hexo=args.format == "hexo",
            generated=datetime.now(UTC),
        ),
        end="",
    )
    return 0 if papers or not chosen else 1


async def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ask_commands import answer_post
    from bot.plaintext import post_text

    ref = parse_paper_ref(args.paper)
    if not isinstance(ref, PaperId):
        raise BadInput(f"{args.paper[:40]} is not an arXiv id or link.")
    question = " ".join(args.question.split())
    if not question:
        raise BadInput('What would you like to know? e.g. paperbot ask 2408.13714 "which rank?"')
    language: Language = args.lang or settings.language
    core = await build_core(settings)
    try:
        meta = await core.papers.meta(ref)
        answer = await core.qa.ask(meta, question, language, [])
    finally:
        await core.aclose()
    print(post_text(answer_post(answer, language)))
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
        if args.command == "ask":
            return asyncio.run(_ask(settings, args))
        if args.command == "digest":
            return asyncio.run(_digest(settings, args))
        return asyncio.run(_summarize(settings, args))
    except UserFacingError as exc:
        print(f"paperbot: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one line, as promised, not a traceback (logged in full)
        logging.getLogger(__name__).debug("paperbot failed", exc_info=True)
        secrets = [*secrets_of(settings), settings.redis_url or ""]
        reason = RedactSecrets(secrets).redact(str(exc).splitlines()[0][:200] if str(exc) else "")
        print(f"paperbot: {type(exc).__name__}: {reason}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
