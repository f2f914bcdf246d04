"""`paperbot digest`: print the daily post of a topic (FORMAT.md) to stdout."""

from __future__ import annotations

import argparse
import sys

from bot.app import build_core
from bot.digests.runner import Progress
from bot.errors import BadInput, UserFacingError
from bot.infra.settings import Settings
from bot.papers.models import Language, PaperMeta


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
        picked = await core.scheduler.runner.collect(sub, day=day, progress=_progress(show))
        if show:
            print(file=sys.stderr)
    finally:
        await core.aclose()
    print(
        digest_post(
            sub.topic() if not args.title else args.title,
            picked.found.announced or day or datetime.now(UTC).date(),
            picked.papers,
            language,
            hexo=args.format == "hexo",
            generated=datetime.now(UTC),
        ),
        end="",
    )
    return 1 if picked.failed and not picked.papers else 0


def _progress(show: bool) -> Progress:
    """Report each paper on stderr: a skipped one always, a progress bar on a terminal."""

    def report(done: int, of: int, meta: PaperMeta, error: UserFacingError | None) -> None:
        if error is not None:
            print(f"paperbot: skipped {meta.id}: {error.message}", file=sys.stderr)
        if show:
            bar = "#" * (20 * done // max(1, of))
            print(f"\r[{bar:<20}] {done}/{of}", end="", file=sys.stderr)

    return report
