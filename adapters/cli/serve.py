"""Long-running modes: the platform adapters (`paperbot run`) or the console chat (`paperbot chat`)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from adapters.console import ConsoleAdapter
from adapters.registry import platforms, read_platforms
from bot.app import Core, build_core
from bot.chat.contract import ChatAdapter
from bot.errors import UserFacingError
from bot.infra.health_server import HealthServer, redis_ping
from bot.infra.settings import Settings
from bot.summaries.labels import EXTRACTIVE_LABEL


def banner(core: Core, adapters: Sequence[str]) -> str:
    """The start-up line: where data lives, what writes summaries and ranks passages, the chats."""
    llm = core.summarizer.label
    if core.summarizer.extractive:
        llm = f"{EXTRACTIVE_LABEL}; set GEMINI_API_KEY for LLM summaries"
    embeddings = core.qa.embeddings
    ranking = f"BM25 + {embeddings.model} embeddings" if embeddings else "BM25"
    return (
        f"paperbot · storage: {core.redis_description} · summaries: {llm} · "
        f"passages for questions: {ranking} · chats: {', '.join(adapters)}"
    )


def http_server(core: Core, settings: Settings) -> HealthServer | None:
    """The HTTP server (health, metrics, subscription pages and feeds), unless its port is 0."""
    if not settings.metrics_port:
        return None
    return HealthServer(
        core.metrics,
        redis_ping=redis_ping(core.redis),
        adapters=core.adapter_states,
        host=settings.metrics_host,
        port=settings.metrics_port,
        routes=core.site.routes() if core.site is not None else (),
    )


async def chat(settings: Settings, stdin: TextIO | None = None) -> int:
    core = await build_core(settings)
    server = http_server(core, settings)
    try:
        console = ConsoleAdapter(core, settings.data_dir / "figures", stdin=stdin)
        print(banner(core, ["console chat"]))
        print("Type /help, or /summarize 2408.13714. /quit or Ctrl-D leaves.")
        if server is not None:
            try:  # the pages and feeds of /feed; the chat works without them
                await server.start()
            except OSError as exc:
                print(
                    f"Pages and feeds are not served: port {settings.metrics_port}: {exc.strerror}"
                )
                server = None
        core.attach(console)
        await console.start()
        await core.scheduler.start()
        await console.finished.wait()
        return 0
    finally:
        if server is not None:
            await server.stop()
        await core.aclose()


def platform_adapters(
    core: Core, env: Mapping[str, str] | None = None, dotenv: Path | None = None
) -> list[ChatAdapter]:
    """An adapter for every registered platform whose token is set in ``env``.

    ``env`` defaults to os.environ over ./.env; each platform reads its own variables.
    """
    return [p.build(s, core) for p, s in read_platforms(env, dotenv) if s.enabled]


async def run(settings: Settings) -> int:
    core = await build_core(settings)
    adapters = platform_adapters(core)
    if not adapters:
        await core.aclose()
        tokens = " or ".join(p.token_env for p in platforms())
        print(f"No {tokens} set: starting the console chat.")
        return await chat(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    print(banner(core, [a.platform for a in adapters]))
    server = http_server(core, settings)
    try:
        if server is not None:
            try:
                await server.start()  # before logging in: a port in use fails fast
            except OSError as exc:
                raise UserFacingError(
                    f"PAPERBOT_METRICS_PORT {settings.metrics_port} cannot be used: {exc.strerror}"
                ) from None
        for adapter in adapters:  # each connects in the background, retrying until it is up
            core.attach(adapter)
            await adapter.start()
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
