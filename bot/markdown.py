"""Render a summary as the Markdown of FORMAT.md (the daily post's per-paper section)."""

from __future__ import annotations

import re

from bot.labels import label, model_line
from bot.models import Figure, PaperSummary
from bot.render import analysis_blocks

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>])")


def md_escape(text: str) -> str:
    """Escape characters that would change Markdown or inject HTML."""
    return _MD_SPECIAL.sub(r"\\\1", text)


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
        out += [
            "<details>",
            f"  <summary>{label('figures', lang)}</summary>",
            f'<img src="{figure.source_url}" align="middle">',
            f"<p>{md_escape(figure.caption)}</p>" if figure.caption else "",
            "</details>",
            "",
        ]
    return "\n".join(out).rstrip() + "\n"
