"""Build the platform-neutral Post of a paper card from a summary (one template for every paper)."""

from __future__ import annotations

import re

from bot.chat.post import Block, Image, Link, Post
from bot.papers.models import Figure, Language, PaperSummary
from bot.summaries.labels import check_line, label, model_line

MAX_CARD_AUTHORS = 8
_PUBLIC_FIGURE = re.compile(r"https://(?:[a-z0-9-]+\.)*arxiv\.org/[^\s\"'<>\\]*")


def author_line(authors: tuple[str, ...], language: Language, limit: int = MAX_CARD_AUTHORS) -> str:
    """'A, B, C' or 'A, B, … and 12 more' for long author lists."""
    if len(authors) <= limit:
        return ", ".join(authors)
    shown = ", ".join(authors[:limit])
    return f"{shown} {label('more_authors', language, n=str(len(authors) - limit))}"


def analysis_blocks(summary: PaperSummary) -> tuple[Block, ...]:
    """FORMAT.md's eight-point analysis: facts from metadata, the rest from the model."""
    lang, a, meta = summary.language, summary.analysis, summary.meta
    title = meta.title
    if a.title_translation and a.title_translation.strip().lower() != title.lower():
        title = f"{title} ({a.title_translation})"
    code = ", ".join(summary.code_urls) if summary.code_urls else label("none", lang)
    facts = (
        f"1. {label('title', lang)}: {title}",
        f"2. {label('authors', lang)}: {', '.join(meta.authors)}",
        f"3. {label('affiliation', lang)}: {a.affiliation}",
        f"4. {label('keywords', lang)}: {', '.join(a.keywords)}",
        f"5. {label('urls', lang)}: {meta.abs_url}, GitHub: {code}",
    )
    overview = (a.background, a.past_methods, a.method, a.performance)
    conclusion = (
        a.significance,
        "; ".join(
            f"{label(name, lang)}: {value.rstrip(' .;。；')}"
            for name, value in (
                ("innovation", a.innovation),
                ("performance", a.performance_assessment),
                ("workload", a.workload),
            )
        ),
    )
    return (
        Block(paragraphs=facts),
        Block(heading=f"6. {label('overview', lang)}", items=_numbered(overview)),
        Block(heading=f"7. {label('methods', lang)}", items=_numbered(a.method_steps)),
        Block(heading=f"8. {label('conclusion', lang)}", items=_numbered(conclusion)),
    )


def public_figure_url(url: str | None) -> str | None:
    """The figure's URL when anyone can fetch it (https on arxiv.org), else None."""
    if url is None or not _PUBLIC_FIGURE.fullmatch(url.strip()):
        return None
    return url.strip()


def _numbered(items: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"({i}): {text}" for i, text in enumerate(items, 1))


def paper_post(
    summary: PaperSummary,
    figure: Figure | None,
    *,
    brief: bool = False,
    why: str | None = None,
    votes: bool = False,
) -> Post:
    """A paper card: title, authors, summary, takeaways, links, figure; the analysis folded.

    Under the takeaways, one line says the numbers were checked against the paper (and how
    many unsupported claims were removed or marked) when the check ran: model-written
    summaries. The extractive summary has no such line: it quotes the paper's own sentences
    and its footer says so; nothing was checked, so nothing claims it was.
    ``why`` (a digest's "Why: …" line for this chat) opens the card when given; ``votes`` asks
    for 👍/👎 buttons (digest cards).
    """
    lang, meta, a = summary.language, summary.meta, summary.analysis
    blocks = [
        Block(paragraphs=(f"{label('authors', lang)}: {author_line(meta.authors, lang)}",)),
        Block(heading=label("summary", lang), paragraphs=(a.summary,)),
        Block(heading=label("takeaways", lang), items=tuple(a.takeaways), numbered=True),
        Block(heading=label("keywords", lang), paragraphs=(", ".join(a.keywords),)),
    ]
    checked = check_line(a.check, lang)
    if checked:
        blocks.insert(3, Block(paragraphs=(checked,)))
    if summary.code_urls:
        blocks.append(Block(heading=label("code", lang), paragraphs=summary.code_urls[:3]))
    if meta.comment:
        blocks.insert(1, Block(paragraphs=(meta.comment,)))
    if why:
        blocks.insert(0, Block(paragraphs=(why,)))
    links = [Link("arXiv", meta.abs_url), Link("PDF", meta.pdf_url)]
    links += [Link(label("code", lang), url) for url in summary.code_urls[:1]]
    image = None
    if figure is not None:
        image = Image(
            data=figure.data,
            mime=figure.mime,
            caption=figure.caption,
            filename=f"{meta.id.versioned.replace('/', '_')}.{figure.mime.split('/')[-1]}",
            url=public_figure_url(figure.source_url),
        )
    return Post(
        title=meta.title,
        title_url=meta.abs_url,
        blocks=tuple(blocks),
        folded=() if brief else analysis_blocks(summary),
        links=tuple(links),
        image=image,
        footer=model_line(summary.model_label, summary.extractive, lang),
        paper_id=meta.id.versioned,
        votes=votes,
    )
