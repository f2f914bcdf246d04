"""Render a summary as the Markdown of FORMAT.md (the daily post's per-paper section)."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from bot.papers.models import Figure, PaperSummary
from bot.summaries.card import analysis_blocks
from bot.summaries.labels import check_line, label, model_line

_MD_SPECIAL = re.compile(r"([\\`*_~\[\]<>|])")
_ENTITY = re.compile(r"&(?=#?\w+;)")  # "&amp;" would show as "&"
_URL = re.compile(r"https?://[^\s<>\[\]()`\"']+")  # kept as typed, so links stay links
_LINE_START = re.compile(r"^(\s*)([#+=-])", re.MULTILINE)  # headings, list items, rules


def _escape_text(text: str) -> str:
    return _ENTITY.sub(r"\\&", _MD_SPECIAL.sub(r"\\\1", text))


def md_escape(text: str) -> str:
    """Escape what would change Markdown, forge a link or inject HTML; URLs stay clickable."""
    parts: list[str] = []
    end = 0
    for url in _URL.finditer(text):
        parts += [_escape_text(text[end : url.start()]), url.group()]
        end = url.end()
    parts.append(_escape_text(text[end:]))
    return _LINE_START.sub(r"\1\\\2", "".join(parts))


def _figure_html(figure: Figure, caption_label: str) -> list[str]:
    """The collapsible figure block: raw HTML, so everything in it is HTML-escaped."""
    src = figure.source_url or ""
    if urlsplit(src).scheme not in ("http", "https", ""):
        return []  # javascript:, data: …
    caption = " ".join(figure.caption.split())
    return [
        "<details>",
        f"  <summary>{html.escape(caption_label)}</summary>",
        f'<img src="{html.escape(src, quote=True)}" align="middle">',
        *([f"<p>{html.escape(caption, quote=False)}</p>"] if caption else []),
        "</details>",
        "",
    ]


def paper_markdown(summary: PaperSummary, figure: Figure | None = None) -> str:
    """One paper in the ChatPaper layout: facts from metadata, analysis from the model."""
    lang, meta, a = summary.language, summary.meta, summary.analysis
    out = [
        f"## {md_escape(meta.title)}",
        "",
        f"**{label('authors', lang)}:{md_escape(', '.join(meta.authors))}**",
        "",
        md_escape(meta.abstract),
        "",
        f"[PDF]({meta.abs_url}) {md_escape(meta.comment or '')}".rstrip(),
        "",
        f"**{label('summary', lang)}**",
        md_escape(a.summary),
        "",
        f"**{label('takeaways', lang)}**",
        *(f"{i}. {md_escape(t)}" for i, t in enumerate(a.takeaways, 1)),
        "",
        *([md_escape(line), ""] if (line := check_line(a.check, lang)) else []),
        f"_{md_escape(model_line(summary.model_label, summary.extractive, lang))}_",
        "",
    ]
    for block in analysis_blocks(summary):
        if block.heading:
            out += [f"{md_escape(block.heading)}:", ""]
            out += [f"   - {md_escape(item)}" for item in block.items]
        else:
            out += [md_escape(p) + "\n" for p in block.paragraphs]
        out.append("")
    if figure is not None and figure.source_url:
        out += _figure_html(figure, label("figures", lang))
    return "\n".join(out).rstrip() + "\n"
