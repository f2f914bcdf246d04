"""Render a Post as plain text (console, CLI, and the fallback when a platform rejects markup)."""

from __future__ import annotations

from bot.chat.post import Block, Post


def block_text(block: Block) -> str:
    """A block as lines: heading, paragraphs, then items numbered or bulleted."""
    lines: list[str] = []
    if block.heading:
        lines.append(block.heading)
    lines.extend(block.paragraphs)
    for i, item in enumerate(block.items, 1):
        lines.append(f"{i}. {item}" if block.numbered else f"  • {item}")
    return "\n".join(lines)


def post_text(post: Post, *, include_folded: bool = True) -> str:
    """Every part of a post as readable text, links spelled out."""
    parts: list[str] = []
    if post.title:
        parts.append(post.title + (f"\n{post.title_url}" if post.title_url else ""))
    if post.text:
        parts.append(post.text)
    parts.extend(block_text(b) for b in post.blocks)
    if include_folded:
        parts.extend(block_text(b) for b in post.folded)
    if post.links:
        parts.append("\n".join(f"{link.label}: {link.url}" for link in post.links))
    if post.footer:
        parts.append(post.footer)
    return "\n\n".join(p for p in parts if p)
