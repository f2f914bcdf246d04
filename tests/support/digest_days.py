"""Three simulated digest days of one subscription, for the page and feed tests and bench/page.py.

Monday brings TalkLoRA (with a magenta teaser figure) and a paper whose title holds a
``<script>`` tag; Tuesday two more papers and a new version of TalkLoRA (not posted again);
Wednesday one. Each day the clock moves to 13:00 UTC and ``/digest`` runs in the chat; summaries
come from the local Gemini, so each card has a summary, takeaways and the folded analysis.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
from PIL import Image

from bot.app import Core
from bot.chat.contract import ChatRef
from bot.infra.health_server import HealthServer
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.paperkit import talklora

LAB = ChatRef("test", "lab")
MONDAY = date(2024, 11, 25)
MAGENTA = (226, 0, 116)  # the teaser figure's colour, looked for in screenshots
SCRIPT_TITLE = "Robust <script>alert(1)</script> Talking Heads & Faces"
ABSTRACT = "We animate a talking head from speech with low-rank adaptation."


def teaser_png() -> bytes:
    """A 640×320 figure: a magenta panel beside a dark teal one (unmistakable on screen)."""
    image = Image.new("RGB", (640, 320), MAGENTA)
    image.paste((0, 92, 99), (320, 0, 640, 320))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def paper(base: str, title: str, **extra: object) -> FakePaper:
    """A talking-head paper as arXiv serves it (HTML full text, the teaser figure)."""
    return talklora(base, title=title, abstract=ABSTRACT, figures={"x1.png": teaser_png()}, **extra)


DAYS: list[tuple[date, list[tuple[str, str, int]]]] = [
    (
        MONDAY,
        [
            ("2411.00001", "TalkLoRA: Low-Rank Adaptation for Talking Head Animation", 1),
            ("2411.00002", SCRIPT_TITLE, 1),
        ],
    ),
    (
        MONDAY + timedelta(days=1),
        [
            ("2411.00003", "Gaussian Talking Heads in Real Time", 1),
            ("2411.00004", "Lip-Sync Talking Head Video from Audio", 1),
            ("2411.00001", "TalkLoRA: Low-Rank Adaptation for Talking Head Animation", 2),
        ],
    ),
    (MONDAY + timedelta(days=2), [("2411.00005", "Emotional Talking Head Synthesis", 1)]),
]
POSTED = ["2411.00001", "2411.00002", "2411.00003", "2411.00004", "2411.00005"]


@dataclass
class Subscribed:
    """The subscription the three days were delivered to, and what its chat saw."""

    sub_id: str
    cards: list[str]  # versioned ids of the cards the chat received, in order
    said: Transcript


async def say(core: Core, text: str, **how: object) -> Transcript:
    """What the bot answers ``text`` in the lab chat."""
    said = Transcript()
    await core.handle(command(text, chat=LAB, **how), said)  # type: ignore[arg-type]
    return said


async def three_days(core: Core, arxiv: FakeArxiv) -> Subscribed:
    """Subscribe the lab to "talking head" in cs.CV and run its digest on three days."""
    core.scheduler.clock = lambda: datetime(2024, 11, 24, 13, 0, tzinfo=UTC)
    answer = (await say(core, '/subscribe cs.CV "talking head"')).text
    sub_id = answer.split("(")[1].split(")")[0]
    said = Transcript()
    for day, papers in DAYS:
        announced = [(arxiv.add(paper(base, title, version=v)), "new") for base, title, v in papers]
        arxiv.announce("cs.CV", day, announced)
        noon = datetime(day.year, day.month, day.day, 13, 0, tzinfo=UTC)
        core.scheduler.clock = lambda noon=noon: noon  # type: ignore[misc]
        await core.handle(command("/digest", chat=LAB), said)
    cards = [p.paper_id for p in said.posts if p.paper_id]
    return Subscribed(sub_id, [c for c in cards if c], said)


async def token_of(core: Core, sub_id: str) -> str:
    """The subscription's web token (issued as /feed would)."""
    assert core.site is not None
    return await core.site.tokens.token(sub_id)


async def fetch(server: HealthServer, path: str, **headers: str) -> httpx.Response:
    """GET ``path`` from the bot's HTTP server."""
    async with httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=10) as client:
        return await client.get(path, headers=headers)
