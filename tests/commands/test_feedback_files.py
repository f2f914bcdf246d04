"""/like and /dislike with a reference library attached (BibTeX, or CSL JSON as Zotero exports it):
its arXiv papers become the chat's examples, and the reply accounts for every entry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv, FakePaper

from bot.app import Core
from bot.chat.contract import Attachment, ChatRef
from bot.ranking.feedback import FeedbackStore

GROUP = ChatRef("test", "lab")
BY_ID = [f"2401.{10001 + n}" for n in range(12)]
BY_TITLE = [f"2402.{20001 + n}" for n in range(8)]
WORDS = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"]
TITLES = [f"Neural Talking Heads, Part {word}" for word in WORDS]


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        for n, base in enumerate(BY_ID):
            server.add(FakePaper(base, title=f"Speech driven faces number {n}", abstract="x y."))
        for base, title in zip(BY_TITLE, TITLES, strict=True):
            server.add(FakePaper(base, title=title, abstract="Talking heads from audio."))
        yield server


async def send_file(core: Core, name: str, data: bytes, caption: str = "/like") -> str:
    said = Transcript()
    plain = command(caption, chat=GROUP, chat_type="group")
    attached = replace(plain, attachment=Attachment(name, data))
    await core.handle(attached, said)
    return said.text


async def liked(core: Core) -> dict[str, int]:
    examples = await FeedbackStore(core.redis, core.settings.redis_prefix).examples(GROUP)
    return {e.paper.split("v")[0]: e.vote for e in examples}


def thirty_entries() -> tuple[str, list[int]]:
    """12 entries with ids (eprint, URLs, DOIs, journal), 10 titles only (6 on arXiv, spelled
    differently), 5 with neither, 3 malformed; the malformed ones' first lines."""
    spellings = [
        "eprint = {{{id}}}, archivePrefix = {{arXiv}}",
        "eprint = {{arXiv:{id}v1}}, archiveprefix = {{arXiv}}",
        "eprint = {{{id}}}, eprinttype = {{arxiv}}",
        "eprint = {{{id}}}",
        "url = {{https://arxiv.org/abs/{id}}}",
        "url = {{http://arxiv.org/abs/{id}v1}}",
        "url = {{https://arxiv.org/pdf/{id}.pdf}}",
        "url = {{https://arxiv.org/pdf/{id}v1}}",
        "doi = {{10.48550/arXiv.{id}}}",
        "doi = {{10.48550/ARXIV.{id}}}",
        "journal = {{arXiv preprint arXiv:{id}}}",
        "note = {{arXiv: {id}}}",
    ]
    blocks = [
        f"@article{{id{n},\n  title = {{Something}},\n  {spelling.format(id=base)}\n}}"
        for n, (spelling, base) in enumerate(zip(spellings, BY_ID, strict=True))
    ]
    titled = [
        "{Neural} {T}alking heads, part alpha",
        "NEURAL TALKING HEADS --- PART BRAVO",
        "Neural   Talking Heads: Part Charlie",
        "neural talking heads part delta.",
        "Neural Talking Heads, Part \\emph{Echo}",
        "Neural Talking Heads, Part Foxtr\\'{o}t",
        "Neural Talking Heads, Part Alpha and more",  # not an exact match
        "Neural Talking Heads",  # a prefix of six titles, none exactly
        "A Survey of Nothing in Particular",
        "Some Other Paper",
    ]
    blocks += [
        f"@inproceedings{{t{n},\n  title = {{{title}}},\n  year = {{2024}}\n}}"
        for n, title in enumerate(titled)
    ]
    blocks += [
        f"@book{{b{n},\n  author = {{Ada Lovelace}},\n  year = {{1843}}\n}}" for n in range(5)
    ]
    malformed = [
        "@article{broken1 title = {No comma after the key}}",
        "@article{broken2,\n  title = {Never closed,\n  year = {2020}",
        "@misc{broken3 = {x}}",
    ]
    text = "% exported by hand\n"
    lines: list[int] = []
    for n, block in enumerate(blocks):
        text += block + "\n\n"
        if n in (4, 15, 25):
            lines.append(text.count("\n") + 1)
            text += malformed.pop(0) + "\n\n"
    return text, lines


async def test_a_thirty_entry_bibtex_file_is_counted_exactly(core: Core, arxiv: FakeArxiv) -> None:
    text, lines = thirty_entries()
    reply = await send_file(core, "library.bib", text.encode())
    places = ", ".join(str(n) for n in lines)
    assert reply.startswith(
        "Read 30 BibTeX entries: 18 arXiv papers recorded as liked (12 by id, 6 by title), "
        f"9 without an arXiv id or matching title, 3 malformed (lines {places})."
    ), reply
    assert "They will shape this chat's digests once you /subscribe." in reply
    assert await liked(core) == {base: 1 for base in [*BY_ID, *BY_TITLE[:6]]}
    assert arxiv.hits("/api/query") == 1 + 10  # the ids in one batch, each title once


async def test_titles_past_the_lookup_limit_are_named_and_skipped(
    core: Core, arxiv: FakeArxiv
) -> None:
    entries = [
        f"@misc{{m{n}, title = {{Neural Talking Heads, Part {c}}}}}"
        for n, c in enumerate(WORDS + WORDS[:2])
    ]
    entries += ["@misc{x1, title = {Unknown one}}", "@misc{x2, title = {Unknown two}}"]
    reply = await send_file(core, "refs.bib", "\n".join(entries).encode(), "/dislike")
    assert reply.startswith(
        "Read 12 BibTeX entries: 8 arXiv papers recorded as disliked (0 by id, 8 by title), "
        "0 without an arXiv id or matching title, 0 malformed."
    ), reply
    assert "2 duplicates counted once." in reply
    assert "2 titles not looked up: at most 10 title searches a file" in reply
    assert await liked(core) == {base: -1 for base in BY_TITLE}
    assert arxiv.hits("/api/query") == 10


def csl_item(n: int, **fields: object) -> dict[str, object]:
    return {"id": f"item{n}", "type": "article", **fields}


async def test_a_zotero_csl_json_export(core: Core) -> None:
    items = [
        csl_item(1, title="x", URL=f"http://arxiv.org/abs/{BY_ID[0]}v1", publisher="arXiv"),
        csl_item(2, title="x", DOI=f"10.48550/arXiv.{BY_ID[1]}"),
        csl_item(3, title="x", number=f"arXiv:{BY_ID[2]}"),
        csl_item(4, title="x", archive_ID=f"arXiv:{BY_ID[3]}"),
        csl_item(5, title=TITLES[6].upper()),
        csl_item(6, title="A book that is not on arXiv", DOI="10.1000/xyz123"),
        "not an item",
        csl_item(8, title="x", URL="https://arxiv.org/abs/2401.99999"),
    ]
    reply = await send_file(core, "My Library.json", json.dumps(items).encode())
    assert reply.startswith(
        "Read 8 CSL JSON entries: 5 arXiv papers recorded as liked (4 by id, 1 by title), "
        "1 without an arXiv id or matching title, 1 malformed (item 7)."
    ), reply
    assert "1 arXiv id not found on arXiv." in reply
    assert await liked(core) == {base: 1 for base in [*BY_ID[:4], BY_TITLE[6]]}


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 40,  # binary
        b"%PDF-1.7\n" + bytes(range(128, 256)) * 20,
        b"Dear bot, please like my papers 2401.10001 and 2401.10002.",
        b'{"title": 3, "note": "json, but not CSL"}'[:-1],
        b"[1, 2, 3",
    ],
)
async def test_a_file_that_is_not_a_library_gets_a_clear_answer(core: Core, data: bytes) -> None:
    reply = await send_file(core, "upload.bin", data)
    assert reply == (
        "That file is neither BibTeX nor CSL JSON (Zotero: File → Export Library…, "
        "format BibTeX or CSL JSON)."
    )
    assert await liked(core) == {}


async def test_a_file_over_the_size_limit_is_refused(core: Core) -> None:
    reply = await send_file(core, "huge.bib", b"@misc{a, title={x}}\n" * 60_000)
    assert reply == "That file is over 1 MB; send a smaller export."
    assert await liked(core) == {}
