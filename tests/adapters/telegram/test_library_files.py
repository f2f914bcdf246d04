"""A BibTeX or Zotero file sent to the Telegram bot: the real python-telegram-bot downloads it from
FakeTelegram (getFile, then the file route) and the core records its arXiv papers in Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.telegram_server import FakeTelegram
from support.memory_adapter import until
from support.paperkit import settings_for, talklora

from adapters.telegram import TelegramAdapter
from bot.app import Core, build_core
from bot.chat.contract import ChatRef
from bot.ranking.feedback import FeedbackStore

USER, GROUP = 42, -100777
BIB = b"""@article{saunders2024talklora,
  title = {{TalkLoRA}: Low-Rank Adaptation for Speech-Driven Animation},
  eprint = {2408.13714}, archivePrefix = {arXiv}
}
@misc{portrait, title = {Audio-driven portrait animation}}
@book{knuth, author = {Donald Knuth}, title = {The Art of Computer Programming}}
@article{broken title = {x}}
"""


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.add(talklora())
        server.add(talklora("2407.09817", title="Audio-driven portrait animation"))
        yield server


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(
    arxiv: FakeArxiv, tg: FakeTelegram, redis_url: str, redis_client: object
) -> AsyncIterator[Core]:
    core = await build_core(settings_for(arxiv, redis_url, user_rate_limit=0))
    adapter = TelegramAdapter(core, token=tg.token, base_url=tg.base_url, poll_timeout=0.5)
    core.attach(adapter)
    await adapter.start()
    await until(lambda: adapter.connected, what="telegram connected")
    yield core
    await adapter.stop()
    await core.aclose()


async def examples(core: Core, chat_id: int) -> dict[str, int]:
    store = FeedbackStore(core.redis, core.settings.redis_prefix)
    found = await store.examples(ChatRef("telegram", str(chat_id)))
    return {e.paper: e.vote for e in found}


async def reply_to(tg: FakeTelegram, chat_id: int) -> str:
    """The bot's answer (status lines such as "Looking up 1 arXiv id…" come and go before it)."""

    def answers() -> list[str]:
        texts = [str(c.params.get("text", "")) for c in tg.sent(chat_id)]
        return [t for t in texts if not t.endswith("…")]

    await until(lambda: bool(answers()), seconds=15, what=f"an answer in chat {chat_id}")
    [answer] = answers()
    return answer


async def test_a_bibtex_file_in_a_private_chat_is_liked(bot: Core, tg: FakeTelegram) -> None:
    tg.push_document(USER, USER, "My Library.bib", BIB)  # no caption: /like, in private
    text = await reply_to(tg, USER)
    assert text.startswith(
        "Read 4 BibTeX entries: 2 arXiv papers recorded as liked (1 by id, 1 by title), "
        "1 without an arXiv id or matching title, 1 malformed (line 7)."
    ), text
    assert await examples(bot, USER) == {"2408.13714v1": 1, "2407.09817v1": 1}
    assert len(tg.calls_of("getFile")) == 1


async def test_a_group_needs_the_caption_and_dislike_counts_too(
    bot: Core, tg: FakeTelegram
) -> None:
    tg.push_document(GROUP, USER, "shared.bib", BIB, chat_type="supergroup")  # just a shared file
    tg.push_document(GROUP, USER, "refs.bib", BIB, caption="/dislike", chat_type="supergroup")
    text = await reply_to(tg, GROUP)
    assert "2 arXiv papers recorded as disliked" in text
    assert await examples(bot, GROUP) == {"2408.13714v1": -1, "2407.09817v1": -1}
    assert len(tg.calls_of("getFile")) == 1  # the uncaptioned file was never downloaded


async def test_a_file_that_is_not_a_library(bot: Core, tg: FakeTelegram) -> None:
    tg.push_document(USER, USER, "photo.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    text = await reply_to(tg, USER)
    assert text.startswith("That file is neither BibTeX nor CSL JSON"), text
    assert await examples(bot, USER) == {}


async def test_a_file_over_the_limit_is_not_downloaded(bot: Core, tg: FakeTelegram) -> None:
    tg.push_document(USER, USER, "huge.bib", b"%" * 1_000_001, caption="/like")
    assert await reply_to(tg, USER) == "That file is over 1 MB; send a smaller export."
    assert tg.calls_of("getFile") == []
