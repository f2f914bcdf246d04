"""`paperbot digest`: print the daily post of a topic (FORMAT.md) to stdout."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.app import build_core
from bot.errors import BadInput, UserFacingError
from bot.infra.settings import Settings
from bot.papers.models import Figure, Language, PaperMeta, PaperSummary


async def digest(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, date, datetime

    from bot.digests.daily_post import digest_post
    from bot.digests.subscribe_args import parse_subscribe
    from bot.digests.subscriptions import Subscription

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
