"""The daily post as a file (FORMAT.md): front matter, a disclaimer naming the model, papers."""

from __future__ import annotations

from datetime import date, datetime

from bot.papers.models import Figure, Language, PaperSummary
from bot.summaries.labels import EXTRACTIVE_LABEL
from bot.summaries.markdown import paper_markdown


def _yaml(text: str) -> str:
    """A YAML scalar that survives colons, quotes and leading symbols."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def disclaimer(models: list[str], language: Language) -> str:
    """The line under the front matter: who wrote the summaries, and how to use them."""
    who = ", ".join(dict.fromkeys(models)) or "no model"
    if language == "zh":
        return (
            f"> ⚠️ 以下所有内容总结都来自于 {who}，如有错误，仅供参考，谨慎使用\n"
            "> 🔴 请注意：千万不要用于严肃的学术场景，只能用于论文阅读前的初筛！"
        )
    return (
        f"> ⚠️ Every summary below was written by {who}; it may contain mistakes.\n"
        "> 🔴 Use it to choose what to read, never as a source."
    )


def digest_post(
    topic: str,
    day: date,
    papers: list[tuple[PaperSummary, Figure | None]],
    language: Language,
    *,
    hexo: bool = True,
    generated: datetime | None = None,
) -> str:
    """The whole post; ``hexo`` adds the blog front matter of the example."""
    first = papers[0][0].meta.title if papers else ""
    if language == "zh":
        description = f"{topic} 方向最新论文已更新，请持续关注 Update in {day.isoformat()}  {first}"
        heading = f"# {day.isoformat()} 更新"
    else:
        description = f"New papers in {topic}, updated {day.isoformat()}: {first}"
        heading = f"# Update {day.isoformat()}"
    models = [EXTRACTIVE_LABEL if s.extractive else s.model_label for s, _ in papers]
    out: list[str] = []
    if hexo:
        stamp = (generated or datetime.combine(day, datetime.min.time())).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        out += [
            "---",
            f"title: {_yaml(topic)}",
            f"date: {stamp}",
            "categories: Paper",
            "tags:",
            f"    - {_yaml(topic)}",
            f"description: {_yaml(description)}",
            f"keywords: {_yaml(topic)}",
            "mathjax: true",
            "---",
            "",
        ]
    out += [disclaimer(models, language), "", heading, ""]
    if not papers:
        out.append("No new papers." if language == "en" else "今日没有新论文。")
    for summary, figure in papers:
        out += ["", paper_markdown(summary, figure), ""]
    return "\n".join(out).rstrip() + "\n"
