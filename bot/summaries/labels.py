"""The words around a summary, in each reader language (headings, field names, the model line)."""

from __future__ import annotations

from bot.papers.models import ClaimCheck, Language

EXTRACTIVE_LABEL = "extractive summary (no LLM configured)"

_LABELS: dict[str, dict[Language, str]] = {
    "authors": {"en": "Authors", "zh": "作者"},
    "summary": {"en": "Summary", "zh": "一句话总结"},
    "takeaways": {"en": "Key Takeaways", "zh": "要点"},
    "analysis": {"en": "Analysis", "zh": "论文分析"},
    "title": {"en": "Title", "zh": "标题"},
    "affiliation": {"en": "Affiliation", "zh": "第一作者单位"},
    "keywords": {"en": "Keywords", "zh": "关键词"},
    "urls": {"en": "Urls", "zh": "链接"},
    "overview": {"en": "Summary", "zh": "总结"},
    "methods": {"en": "Methods", "zh": "方法"},
    "conclusion": {"en": "Conclusion", "zh": "结论"},
    "innovation": {"en": "Innovation point", "zh": "创新点"},
    "performance": {"en": "Performance", "zh": "性能"},
    "workload": {"en": "Workload", "zh": "工作量"},
    "figures": {"en": "Figures from the paper", "zh": "点此查看论文截图"},
    "code": {"en": "Code", "zh": "代码"},
    "none": {"en": "None", "zh": "无"},
    "more_authors": {"en": "and {n} more", "zh": "等 {n} 人"},
    "written_by": {"en": "Summary written by {model}", "zh": "以下总结由 {model} 生成"},
    "extractive": {
        "en": EXTRACTIVE_LABEL,
        "zh": EXTRACTIVE_LABEL + "：抽取式摘要，句子摘自原文，未使用大语言模型",
    },
    "model_down": {
        "en": "Quoted from the paper: the language model did not answer just now (try again later "
        "for a written answer).",
        "zh": "以上内容摘自原文：语言模型暂时没有响应，稍后再问可得到完整回答。",
    },
    "why_keywords": {"en": "Why: matches {terms}", "zh": "推荐理由：命中关键词 {terms}"},
    "why_liked": {
        "en": "Why: close to {paper} you liked",
        "zh": "推荐理由：与你点赞的 {paper} 相近",
    },
    "why_about": {
        "en": "Why: matches your description ({score})",
        "zh": "推荐理由：符合订阅描述（{score}）",
    },
    "why_followed": {
        "en": "Why: by {author}, whom you follow",
        "zh": "推荐理由：你关注的作者 {author} 的新论文",
    },
    "fate_delivered": {"en": "delivered on {day}", "zh": "已于 {day} 推送"},
    "fate_later_version": {
        "en": "{version} is a later version of the one delivered on {day} (not sent again)",
        "zh": "{version} 是 {day} 已推送论文的新版本（不再重复推送）",
    },
    "fate_retry": {
        "en": "its summary failed; it is retried in the next digest",
        "zh": "总结生成失败，将在下次推送时重试",
    },
    "fate_below": {
        "en": "announced on {day}, scored {score}, below the threshold {threshold}",
        "zh": "{day} 发布，得分 {score}，低于阈值 {threshold}",
    },
    "fate_cap": {
        "en": "announced on {day}, over the cap (listed as a title only)",
        "zh": "{day} 发布，超出篇数上限（仅列出标题）",
    },
    "fate_cross": {
        "en": "announced on {day} as a cross-list (not included; --cross includes them)",
        "zh": "{day} 作为交叉列表发布（未包含；订阅时加 --cross 可包含）",
    },
    "fate_unmatched": {
        "en": "announced on {day}, but it does not match the keywords",
        "zh": "{day} 发布，但不符合关键词",
    },
    "fate_other_categories": {
        "en": "not in these categories (it is in {categories})",
        "zh": "不在订阅的分类中（它属于 {categories}）",
    },
    "fate_unseen": {
        "en": "not seen in this subscription's announcements of the last {days} days",
        "zh": "最近 {days} 天的订阅发布中没有见到这篇论文",
    },
    "unverified": {"en": "⚠ unverified: ", "zh": "⚠ 未经核实："},
    "checked": {"en": "✓ Numbers checked against the paper", "zh": "✓ 数字已对照论文核查"},
    "checked_abstract": {
        "en": "✓ Numbers checked against the abstract",
        "zh": "✓ 数字已对照摘要核查",
    },
    "checked_removed": {"en": " ({n} removed)", "zh": "（删去 {n} 处）"},
    "checked_marked": {"en": " ({n} marked ⚠)", "zh": "（{n} 处标 ⚠）"},
    "checked_both": {
        "en": " ({removed} removed, {marked} marked ⚠)",
        "zh": "（删去 {removed} 处，{marked} 处标 ⚠）",
    },
    "answer_unverified": {
        "en": " [⚠ not in the cited passages: {numbers}]",
        "zh": "【⚠ 引用段落中未见：{numbers}】",
    },
    "disclaimer": {
        "en": "Summaries are machine-written: use them to decide what to read, not as a source.",
        "zh": "总结由机器生成，可能有误，仅用于论文阅读前的初筛，请勿用于严肃的学术场景。",
    },
}


def label(name: str, language: Language, **values: str) -> str:
    """The label ``name`` in ``language``, with ``{placeholders}`` filled."""
    text = _LABELS[name][language]
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def check_line(check: ClaimCheck | None, language: Language) -> str | None:
    """One short line saying the numbers were checked against the paper and what that removed;
    None when no check ran (the extractive summary, or a summary cached before checks)."""
    if check is None:
        return None
    line = label("checked_abstract" if check.against == "abstract" else "checked", language)
    if check.removed and check.marked:
        extra = label(
            "checked_both", language, removed=str(check.removed), marked=str(check.marked)
        )
    elif check.removed or check.marked:
        kind = "checked_removed" if check.removed else "checked_marked"
        extra = label(kind, language, n=str(check.removed or check.marked))
    else:
        extra = ""
    return line + extra


def model_line(model_label: str, extractive: bool, language: Language) -> str:
    """Which model wrote the text, or that no model did."""
    if extractive:
        return label("extractive", language)
    return label("written_by", language, model=model_label)
