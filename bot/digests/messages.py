"""The words of a digest around its cards: header and coverage, titles beyond the cap, notices."""

from __future__ import annotations

from datetime import date

from bot.chat.post import Post
from bot.digests.report import DigestReport
from bot.digests.subscriptions import Subscription
from bot.papers.models import PaperMeta


def header(sub: Subscription, day: date | None, count: int, coverage: str = "") -> Post:
    """The message before the cards: topic, date, count, and the day's coverage line."""
    when = day.isoformat() if day else ""
    if sub.language == "zh":
        text = f"📚 {sub.topic()} 方向最新论文已更新 {when}：{count} 篇"
    else:
        text = f"📚 New papers in {sub.topic()} — {when}: {count}"
    return Post(text=f"{text}\n{coverage}" if coverage else text)


def coverage(sub: Subscription, report: DigestReport, beyond_cap: int) -> str:
    """What arXiv announced, matched, posted and withheld: 'arXiv announced 142 in cs.CV …'."""
    zh = sub.language == "zh"
    parts = []
    if report.categories and report.new + report.cross:
        cats = ", ".join(report.categories)
        total = report.new + report.cross
        if zh:
            parts.append(f"arXiv 在 {cats} 发布 {total} 篇（新 {report.new}，交叉 {report.cross}）")
        else:
            parts.append(
                f"arXiv announced {total} in {cats} ({report.new} new, {report.cross} cross-lists)"
            )
    below = len(report.below)
    counts: list[tuple[int, str, str, bool]] = [
        (report.matched, "matched", "匹配", True),
        (report.followed, "by authors you follow", "来自关注的作者", report.followed > 0),
        (len(report.posted), "posted", "推送", True),
        (beyond_cap, "more as titles", "仅列标题", beyond_cap > 0),
        (below, "below the threshold", "低于阈值", report.threshold is not None),
        (report.already, "sent before", "此前已推送", report.already > 0),
        (len(report.failed), "to retry", "待重试", bool(report.failed)),
    ]
    for count, en, cn, shown in counts:
        if shown:
            parts.append(f"{cn} {count}" if zh else f"{count} {en}")
    return " · ".join(parts)


def more_titles(papers: list[PaperMeta], sub: Subscription) -> Post:
    """Beyond the cap: titles with links."""
    intro = "更多论文：" if sub.language == "zh" else "More papers today:"
    lines = [intro] + [f"• {p.title} — {p.abs_url}" for p in papers]
    return Post(text="\n".join(lines))


def quiet_day(sub: Subscription, weekend: bool) -> Post:
    """The line a subscription that asked for notices gets when arXiv announced nothing."""
    if sub.language == "zh":
        why = "周末不发布" if weekend else "可能是 arXiv 假日"
        return Post(text=f"📭 {sub.topic()}：今天 arXiv 没有发布新论文（{why}）。")
    why = "arXiv does not announce at weekends" if weekend else "an arXiv holiday"
    return Post(text=f"📭 {sub.topic()}: arXiv announced no new papers today ({why}).")


def no_match(sub: Subscription, report: DigestReport) -> Post:
    """The line a subscription that asked for notices gets when nothing announced matched."""
    total, below = report.new + report.cross, len(report.below)
    if sub.language == "zh":
        text = f"📭 {sub.topic()}：arXiv 今天发布了 {total} 篇，没有符合的论文"
        text += f"（{below} 篇低于阈值）。" if below else "。"
        return Post(text=text)
    text = f"📭 {sub.topic()}: arXiv announced {total} papers today; none matched"
    text += f" ({below} below the threshold)." if below else "."
    return Post(text=text)


def left_out(sub: Subscription, report: DigestReport) -> Post:
    """``/digest ID --all``: the papers the last digest left out, as titles with links."""
    zh = sub.language == "zh"
    if not report.left:
        text = f"{report.day}：没有被略去的论文。" if zh else f"{report.day}: nothing was left out."
        return Post(text=text)
    intro = f"{report.day} 略去的论文：" if zh else f"Left out on {report.day}:"
    lines = [intro]
    for p in report.left:
        score = f"{p.score:.2f} " if p.score is not None else ""
        lines.append(f"• {score}{p.title} — {p.url}")
    if report.threshold is not None:
        lines.append(f"阈值 {report.threshold:.2f}" if zh else f"Threshold {report.threshold:.2f}")
    return Post(text="\n".join(lines))
