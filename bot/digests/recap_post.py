"""The words of a weekly recap: its header, the papers the chat liked, each theme with its
overview and its papers as titles with links; and the line for a week without papers.

One text post: the adapters split it at their platforms' limits (bot.chat.lines).
"""

from __future__ import annotations

from datetime import date

from bot.chat.post import Post
from bot.digests.recap import Recap, RecapPaper
from bot.digests.subscriptions import Subscription


def recap_post(recap: Recap) -> Post:
    """The recap as one post, in the subscription's language."""
    zh = recap.sub.language == "zh"
    count, themes = len(recap.papers), len(recap.themes)
    span = _span(recap.since, recap.until, zh)
    if zh:
        lines = [f"🗓 本周回顾：{recap.sub.topic()}（{span}）", f"{count} 篇论文，{themes} 个主题"]
    else:
        papers = "paper" if count == 1 else "papers"
        named = "theme" if themes == 1 else "themes"
        lines = [
            f"🗓 Week in review: {recap.sub.topic()} ({span})",
            f"{count} {papers} in {themes} {named}",
        ]
    lines[-1] += f" · {_whose(recap, zh)}"
    if recap.liked:
        lines += ["", "👍 本群点赞的论文" if zh else "👍 Liked here"]
        for paper in recap.liked:
            lines.append(_title(paper))
            if paper.summary is not None:
                lines.append(f"   {paper.summary.analysis.summary}")
    for theme in recap.themes:
        size = f"（{len(theme.papers)} 篇）" if zh else f" ({len(theme.papers)})"
        lines += ["", f"🔹 {theme.name or ('其他' if zh else 'Other')}{size}"]
        if theme.overview:
            lines.append(theme.overview)
        rest = [p for p in theme.papers if not p.liked]
        lines += [_title(p) for p in rest]
        if not rest:
            lines.append("（均已列在点赞中）" if zh else "(all liked, listed above)")
    return Post(text="\n".join(lines))


def empty_recap(sub: Subscription, since: date, until: date) -> Post:
    """One line for a week in which the subscription received no papers."""
    span = _span(since, until, sub.language == "zh")
    if sub.language == "zh":
        return Post(text=f"🗓 {sub.topic()}：{span} 没有收到论文，本周无回顾。")
    return Post(text=f"🗓 {sub.topic()}: no papers from {span}, so there is no recap this week.")


def _whose(recap: Recap, zh: bool) -> str:
    """Who wrote the overviews, or why there are none."""
    if recap.written_by is not None:
        note = ""
        if recap.dropped:
            sentences = "sentence" if recap.dropped == 1 else "sentences"
            note = (
                f"；{recap.dropped} 句含摘要中没有的数字或名称，已删去"
                if zh
                else f"; {recap.dropped} {sentences} with numbers or names not in the summaries "
                "removed"
            )
        if zh:
            return f"概述由 {recap.written_by} 根据论文摘要写成{note}"
        return f"overviews by {recap.written_by} from the papers' summaries{note}"
    if recap.failure is not None:
        if zh:
            return f"语言模型未能写出概述（{recap.failure}），主题以其高频词命名"
        return f"the model wrote no overviews ({recap.failure}); themes are named by their terms"
    if zh:
        return "抽取式回顾（未配置语言模型）：主题以最具区分度的词命名，没有概述"
    return (
        "extractive recap (no LLM configured): themes are named by their most distinctive "
        "terms, without overviews"
    )


def _title(paper: RecapPaper) -> str:
    mark = "👍 " if paper.liked else "• "
    return f"{mark}{paper.meta.title} — {paper.meta.abs_url}"


def _span(since: date, until: date, zh: bool) -> str:
    return f"{since.isoformat()} 至 {until.isoformat()}" if zh else f"{since} to {until}"
