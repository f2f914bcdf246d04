"""A Monday in cs.CV for ranking tests: two talking-head papers among three off-topic ones."""

from __future__ import annotations

from datetime import date

from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.paperkit import talklora

MONDAY = date(2024, 11, 25)
OFF_TOPIC = {
    "2411.00002": ("Segmentation with a boundary loss", "We segment medical images with a loss."),
    "2411.00003": ("Faster scene rendering", "We render large outdoor scenes faster with caches."),
    "2411.00004": ("Speech recognition at scale", "We transcribe speech with a large encoder."),
}


def talking_head_morning(server: FakeArxiv) -> list[tuple[FakePaper, str]]:
    """Add the morning's five new papers to ``server``; the (paper, "new") pairs to announce."""
    head = server.add(talklora("2411.00001", categories=("cs.CV",)))
    lips = server.add(
        talklora(
            "2411.00005",
            title="Audio-driven talking head video generation with lip sync",
            abstract="We generate talking head videos from audio with accurate lip sync.",
        )
    )
    others = [
        server.add(talklora(base, title=title, abstract=abstract))
        for base, (title, abstract) in OFF_TOPIC.items()
    ]
    return [(p, "new") for p in (head, *others, lips)]
