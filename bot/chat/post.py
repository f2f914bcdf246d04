"""The platform-neutral post: what the core says, as plain-text parts each platform renders its own way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of a post: an optional heading followed by paragraphs and/or list items."""

    heading: str | None = None
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    """A labelled URL (rendered as a button where the platform has them)."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Image:
    """An image to attach to a post; ``url`` is where the public can fetch it, when it can."""

    data: bytes
    mime: str = "image/png"
    caption: str = ""
    filename: str = "figure.png"
    url: str | None = None  # a public https URL (the figure on arxiv.org): shown, not uploaded


@dataclass(frozen=True, slots=True, kw_only=True)
class Post:
    """A platform-neutral message. All strings are plain text: renderers escape them.

    A simple reply uses only ``text``. A paper card uses ``title``/``title_url``, ``blocks``
    (shown), ``folded`` (the long analysis, collapsed where the platform allows), ``links``,
    ``image`` and ``footer``; ``votes`` asks for 👍/👎 buttons under it.
    """

    text: str = ""
    title: str | None = None
    title_url: str | None = None
    blocks: tuple[Block, ...] = ()
    folded: tuple[Block, ...] = ()
    links: tuple[Link, ...] = ()
    image: Image | None = None
    footer: str | None = None
    paper_id: str | None = None  # versioned arXiv id the post is about (for replies and questions)
    votes: bool = False  # carry 👍/👎 buttons for ``paper_id`` (see bot.chat.contract.vote_data)
    reply_to: str | None = None  # a message id of the chat: sent as a reply to it (its thread)
