"""The words of a digest around its cards: the header, the titles beyond the cap, a quiet day."""

from __future__ import annotations

from datetime import date

from bot.chat.post import Post
from bot.digests.subscriptions import Subscription
from bot.papers.models import PaperMeta


def header(sub: Subscription, day: date | None, count: int) -> Post:
    """The message before the cards: topic, date, count."""
    when = day.isoformat() if day else ""
    if sub.language == "zh":
        text = f"📚 {sub.topic()} 方向最新论文已更新 {when}：{count} 篇"
    else:
        text = f"📚 New papers in {sub.topic()} — {when}: {count}"
    return Post(text=text)


def more_titles(papers: list[PaperMeta], sub: Subscription) -> Post:
    """Beyond the cap: titles with links."""
    intro = "更多论文：" if sub.language == "zh" else "More papers today:"
    lines = [intro] + [f"• {p.title} — {p.abs_url}" for p in papers]
    return Post(text="\n".join(lines))


def quiet_day(sub: Subscription) -> Post:
    """The line a subscription that asked for notices gets when arXiv announced nothing."""
    if sub.language == "zh":
        return Post(text=f"📭 {sub.topic()}：今天 arXiv 没有发布新论文。")
    return Post(text=f"📭 {sub.topic()}: arXiv announced no new papers today.")
