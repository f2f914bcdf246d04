"""One-shot commands: `paperbot summarize` prints a paper's summary, `paperbot ask` answers a question."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.app import build_core
from bot.arxiv.ids import parse_paper_ref
from bot.errors import BadInput
from bot.infra.settings import Settings
from bot.papers.models import Figure, Language, PaperId
from bot.summaries.markdown import paper_markdown


async def summarize(settings: Settings, args: argparse.Namespace) -> int:
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


async def ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.chat.plaintext import post_text
    from bot.commands.ask import answer_post

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
