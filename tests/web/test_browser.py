"""The page in a real browser: headless Chromium at phone width against the live server, as a
screenshot (the cards and the magenta figure are on screen) and as its rendered DOM (cards,
the analysis folded, the figure loaded, the ``<script>`` title as text, no script run)."""

from __future__ import annotations

import asyncio
import io
import shutil
from pathlib import Path

import pytest
from lxml import html
from PIL import Image
from support.digest_days import MAGENTA, SCRIPT_TITLE, Subscribed, token_of

from bot.app import Core
from bot.infra.health_server import HealthServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="no chromium here (.ci/run installs Debian's chromium)"
    ),
    pytest.mark.timeout(120),
]
PHONE = "390,2000"


async def chromium(tmp_path: Path, url: str, *how: str) -> str:
    """Run headless Chromium on ``url`` (its own profile under ``tmp_path``); its stdout."""
    assert CHROMIUM is not None
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={PHONE}",
        "--virtual-time-budget=5000",  # let the figures load before the shot
        *how,
        url,
    ]
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    """True when ``pixel`` is ``colour`` give or take colour management."""
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


async def test_the_page_at_phone_width_shows_cards_and_the_figure(
    core: Core, subscribed: Subscribed, server: HealthServer, tmp_path: Path
) -> None:
    token = await token_of(core, subscribed.sub_id)
    shot = tmp_path / "page.png"
    await chromium(tmp_path, f"{server.url}/s/{token}", f"--screenshot={shot}")
    image = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    assert image.width == 390
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50  # text, cards and a figure, not a blank or error page
    magenta = sum(count for count, rgb in colours if near(rgb, MAGENTA))
    assert magenta > 20 * 20  # the teaser figure is drawn, not a broken-image icon
    white = sum(count for count, rgb in colours if rgb == (255, 255, 255))
    assert white > 390 * 300  # the cards' white panels on the grey page


async def test_the_rendered_dom_has_the_cards_folded_analysis_and_escaped_title(
    core: Core, subscribed: Subscribed, server: HealthServer, tmp_path: Path
) -> None:
    token = await token_of(core, subscribed.sub_id)
    dom = html.fromstring(await chromium(tmp_path, f"{server.url}/s/{token}", "--dump-dom"))
    cards = dom.xpath("//article[@class='card']")
    assert len(cards) == len(subscribed.cards) == 5
    assert not dom.xpath("//script")  # the title's <script> never became an element
    titles = [" ".join(c.xpath(".//h3")[0].text_content().split()) for c in cards]
    assert " ".join(SCRIPT_TITLE.split()) in titles  # shown as text, exactly
    (heading,) = dom.xpath("//article[@id='paper-2411.00002']/h3")
    (link,) = heading.getchildren()  # the title's link, and nothing the title's tags made
    assert link.tag == "a" and not link.getchildren()
    assert link.text == SCRIPT_TITLE  # "<script>alert(1)</script>" as the reader sees it
    for card in cards:
        (details,) = card.xpath(".//details")
        assert details.get("open") is None  # the analysis is folded
        assert "Methods" in details.text_content()
        (img,) = card.xpath(".//figure/img")
        assert img.get("src", "").endswith(".png")
