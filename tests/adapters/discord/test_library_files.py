"""A BibTeX library attached to /like on Discord: real discord.py downloads it from FakeDiscord (the
resolved attachment's URL) and the real core records its arXiv papers in Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.fakes.discord_server import PAPERS, FakeDiscord, Interaction
from support.memory_adapter import until
from support.paperkit import settings_for

from adapters.discord import DiscordAdapter
from bot.app import Core, build_core
from bot.chat.contract import ChatRef

CHANNEL = ChatRef("discord", str(PAPERS))
KNOWN = [f"2401.{10001 + n}" for n in range(18)]
UNKNOWN = ["2401.99998", "2401.99999"]  # well-formed ids arXiv does not have
ATTACHMENT = 11  # Discord's option type for a file


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        for n, base in enumerate(KNOWN):
            server.add(FakePaper(base, title=f"Speech driven faces number {n}"))
        yield server


@pytest.fixture
async def bot(
    arxiv: FakeArxiv, dc: FakeDiscord, redis_url: str, redis_client: object
) -> AsyncIterator[Core]:
    core = await build_core(settings_for(arxiv, redis_url, user_rate_limit=0))
    adapter = DiscordAdapter(core, token=dc.token, api_url=dc.api_url, gateway_url=dc.gateway_url)
    core.attach(adapter)
    await adapter.start()
    await until(lambda: adapter.connected and bool(dc.commands), what="discord connected")
    yield core
    await adapter.stop()
    await core.aclose()


def thirty_entries() -> tuple[bytes, list[int]]:
    """20 entries with arXiv ids (18 on arXiv), 7 books with neither id nor title, 3 malformed;
    and the malformed entries' first lines."""
    ids = KNOWN + UNKNOWN
    blocks = [
        f"@article{{a{n},\n  title = {{Paper {n}}},\n  eprint = {{{base}}},\n"
        f"  archivePrefix = {{arXiv}}\n}}"
        if n % 2
        else f"@misc{{a{n},\n  title = {{Paper {n}}},\n  url = {{https://arxiv.org/abs/{base}}}\n}}"
        for n, base in enumerate(ids)
    ]
    blocks += [
        f"@book{{b{n},\n  author = {{Ada Lovelace}},\n  year = {{1843}}\n}}" for n in range(7)
    ]
    malformed = [
        "@article{broken1 title = {No comma after the key}}",
        "@article{broken2,\n  title = {Never closed,\n  year = {2020}",
        "@misc{broken3 = {x}}",
    ]
    text = "% My Library, exported by hand\n"
    lines: list[int] = []
    for n, block in enumerate(blocks):
        text += block + "\n\n"
        if n in (3, 12, 26):
            lines.append(text.count("\n") + 1)
            text += malformed.pop(0) + "\n\n"
    return text.encode(), lines


async def liked(core: Core) -> dict[str, int]:
    return {e.paper: e.vote for e in await core.feedback.examples(CHANNEL)}


async def response(dc: FakeDiscord, ix: Interaction, start: str) -> str:
    """The interaction's answer once it begins with ``start`` (status lines come before it)."""

    def texts() -> list[str]:
        return [m.content for m in dc.answers(ix)]

    await dc.wait_until(lambda: any(t.startswith(start) for t in texts()), timeout=15)
    (text,) = texts()
    return text


async def test_like_with_a_thirty_entry_bibtex_file_says_what_was_used(
    bot: Core, dc: FakeDiscord
) -> None:
    (like,) = [c for c in dc.commands if c["name"] == "like"]
    options = {o["name"]: (o["type"], o.get("required", False)) for o in like["options"]}
    assert options == {"ids": (3, False), "file": (ATTACHMENT, False)}
    (summarize,) = [c for c in dc.commands if c["name"] == "summarize"]
    assert ATTACHMENT not in {
        o["type"] for o in summarize["options"]
    }  # only commands that read one

    data, lines = thirty_entries()
    ix = dc.push_command("like", files={"file": ("My Library.bib", data)}, user_id=42)
    text = await response(dc, ix, "Read ")
    places = ", ".join(str(n) for n in lines)
    assert text == (
        "Read 30 BibTeX entries: 18 arXiv papers recorded as liked (18 by id, 0 by title), "
        f"7 without an arXiv id or matching title, 3 malformed (lines {places}).\n"
        "2 arXiv ids not found on arXiv.\n"
        "They will shape this chat's digests once you /subscribe."
    )
    assert await liked(bot) == {f"{base}v1": 1 for base in KNOWN}
    assert len(dc.calls_of("cdn")) == 1


async def test_a_file_over_the_limit_is_refused_without_downloading_it(
    bot: Core, dc: FakeDiscord
) -> None:
    ix = dc.push_command("like", files={"file": ("huge.bib", b"%" * 1_000_001)})
    (answer,) = await dc.await_answers(ix, 1, timeout=10)
    assert answer.content == "That file is over 1 MB; send a smaller export."
    assert answer.ephemeral
    assert dc.calls_of("cdn") == []
    assert await liked(bot) == {}


async def test_a_file_discord_will_not_hand_over_is_said_and_nothing_recorded(
    bot: Core, dc: FakeDiscord
) -> None:
    dc.fail_next("cdn", 404)
    data, _ = thirty_entries()
    ix = dc.push_command("dislike", files={"file": ("refs.bib", data)})
    text = await response(dc, ix, "Discord did not hand me that file")
    assert text == "Discord did not hand me that file; please send it again."
    assert await liked(bot) == {}
