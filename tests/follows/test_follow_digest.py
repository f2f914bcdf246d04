"""Following authors end to end: /follow, /following, /unfollow, and the followed author's papers
arriving first and marked in the chat's next digest, whatever their category."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import redis.asyncio as aioredis
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.morning import MONDAY
from support.paperkit import settings_for, talklora

from bot.app import Core, build_core
from bot.chat.contract import ChatRef, SentRef
from bot.chat.post import Post
from bot.digests.schedule import submission_window
from bot.follows.finder import EMPTY_TTL
from bot.infra import keys

LAB = ChatRef("test", "lab")
OTHER = ChatRef("test", "other-lab")
NOW = datetime(2024, 11, 25, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
IN_WINDOW = datetime(2024, 11, 22, 10, 0, tzinfo=UTC)  # submitted for Sunday's announcement
FOLLOWED_LINE = "Why: by Jack Saunders, whom you follow"

TOPIC = "2411.00010"  # cs.CV, talking heads, by others
BOTH = "2411.00011"  # cs.CV, talking heads, by Jack Saunders
OFF = "2411.00012"  # cs.CV, off topic, by others
SPEECH = "2411.00020"  # eess.AS (not subscribed), by "J. Saunders"
JAMES = "2411.00021"  # cs.CL, by James Saunders: another person


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:

        def paper(
            base: str, title: str, authors: tuple[str, ...], category: str, **extra: Any
        ) -> FakePaper:
            return server.add(
                talklora(
                    base,
                    title=title,
                    authors=authors,
                    abstract=f"{title}. We describe the method and its evaluation.",
                    categories=(category,),
                    **extra,
                )
            )

        topic = paper(TOPIC, "Talking head synthesis with diffusion", ("Ada Lovelace",), "cs.CV")
        both = paper(
            BOTH,
            "Talking head avatars from a single photo",
            ("Jack Saunders", "Vinay Namboodiri"),
            "cs.CV",
            published=IN_WINDOW,
        )
        off = paper(OFF, "Segmentation with a boundary loss", ("Grace Hopper",), "cs.CV")
        speech = paper(
            SPEECH,
            "Speech enhancement with score matching",
            ("Maria Rossi", "J. Saunders"),
            "eess.AS",
            published=IN_WINDOW,
        )
        paper(
            JAMES,
            "Scaling laws of language models",
            ("James Saunders",),
            "cs.CL",
            published=IN_WINDOW,
        )
        server.announce("cs.CV", MONDAY, [(topic, "new"), (both, "new"), (off, "new")])
        server.announce("eess.AS", MONDAY, [(speech, "new")])
        yield server


@pytest.fixture
async def core(
    arxiv: FakeArxiv, redis_url: str, redis_client: aioredis.Redis
) -> AsyncIterator[Core]:
    built = await build_core(settings_for(arxiv, redis_url, user_rate_limit=0))
    built.scheduler.clock = lambda: NOW
    yield built
    await built.aclose()


async def say(
    core: Core, text: str, chat: ChatRef = LAB, chat_type: str = "private", admin: bool = False
) -> Transcript:
    said = Transcript()
    await core.handle(command(text, chat=chat, chat_type=chat_type, admin=admin), said)
    return said


def why(post: Post) -> str:
    """A card's opening "Why: …" line ("" when it has none)."""
    first = post.blocks[0].paragraphs if post.blocks else ()
    return first[0] if first and first[0].startswith(("Why:", "推荐理由")) else ""


def cards(said: Transcript) -> list[tuple[str, str]]:
    """(base id, why line) of each paper card, in order."""
    return [((p.paper_id or "").split("v")[0], why(p)) for p in said.posts if p.paper_id]


def author_searches(arxiv: FakeArxiv) -> list[str]:
    """The search queries that asked arXiv for an author."""
    queries = [
        parse_qs(urlsplit(r.path).query).get("search_query", [""])[0] for r in arxiv.requests
    ]
    return [q for q in queries if q.startswith("au:")]


async def test_a_followed_authors_paper_in_an_unsubscribed_category_arrives_first_marked_once(
    core: Core,
) -> None:
    await say(core, '/subscribe "talking head" cs.CV')
    followed = await say(core, '/follow "Jack Saunders"')
    assert followed.text.startswith("Following Jack Saunders: their new papers, in any category")
    assert "On arXiv as Jack Saunders — e.g." in followed.text

    sub = (await core.subscriptions.for_chat(LAB))[0]
    sent: list[Post] = []

    async def send(chat: ChatRef, post: Post) -> SentRef:
        sent.append(post)
        return SentRef(chat, (str(len(sent)),))

    result = await core.scheduler.runner.run(sub, send, "20241125T1300Z", NOW)  # the morning
    posted = [(p.paper_id or "").split("v")[0] for p in sent if p.paper_id]
    assert posted == [BOTH, SPEECH, TOPIC]  # followed first; eess.AS although not subscribed
    lines = {(p.paper_id or "")[:10]: why(p) for p in sent if p.paper_id}
    assert lines[SPEECH] == lines[BOTH] == FOLLOWED_LINE
    assert lines[TOPIC] == "Why: matches talking head"
    assert JAMES not in posted and OFF not in posted  # another Saunders; off the topic
    assert len(result.sent) == 3
    coverage = sent[0].text.splitlines()[1]  # the header counts only what the topic matched
    assert coverage == (
        "arXiv announced 3 in cs.CV (3 new, 0 cross-lists) · 2 matched · "
        "1 by authors you follow · 3 posted"
    )

    again = await say(core, "/digest")  # the same day again: nothing is sent twice
    assert cards(again) == []
    assert "nothing new" in again.text


async def test_a_paper_the_topic_also_picked_appears_once_and_marked_as_followed(
    core: Core,
) -> None:
    await say(core, '/follow "Saunders, Jack"')
    await say(core, '/subscribe "talking head" cs.CV')
    digest = await say(core, "/digest")
    bases = [b for b, _ in cards(digest)]
    assert bases.count(BOTH) == 1 and bases.count(SPEECH) == 1
    assert cards(digest)[0] == (BOTH, FOLLOWED_LINE)


async def test_a_followed_paper_is_posted_whatever_the_description_scores_it(
    core: Core,
) -> None:
    await say(core, '/subscribe cs.CV --about "talking head animation" --max 2')
    await say(core, '/follow "Jack Saunders"')
    digest = await say(core, "/digest")
    assert [b for b, _ in cards(digest)][:2] == [BOTH, SPEECH]  # the cap keeps them, first
    assert all(line == FOLLOWED_LINE for _, line in cards(digest)[:2])


async def test_the_mark_is_in_the_digests_language(core: Core) -> None:
    await say(core, '/subscribe "talking head" cs.CV --lang zh')
    await say(core, '/follow "Jack Saunders"')
    digest = await say(core, "/digest")
    assert cards(digest)[1] == (SPEECH, "推荐理由：你关注的作者 Jack Saunders 的新论文")


async def test_an_ambiguous_name_is_shown_back_with_a_paper_each_and_not_followed(
    core: Core,
) -> None:
    said = (await say(core, '/follow "J Saunders"')).text
    assert "“J Saunders” may be several people on arXiv lately; not followed yet:" in said
    assert f"• Jack Saunders — e.g. “Talking head avatars from a single photo” ({BOTH})" in said
    assert f"• James Saunders — e.g. “Scaling laws of language models” ({JAMES})" in said
    assert 'Follow the full name, e.g. /follow "Jack Saunders".' in said
    assert "follows no authors yet" in (await say(core, "/following")).text

    await say(core, '/subscribe "talking head" cs.CV')
    assert SPEECH not in [b for b, _ in cards(await say(core, "/digest"))]


async def test_a_name_without_recent_papers_is_followed_with_a_note(core: Core) -> None:
    said = (await say(core, "/follow Zoë Müller")).text
    assert said.startswith("Following Zoë Müller")
    assert "No paper by this name was found on arXiv in the last 365 days" in said
    assert "This chat has no digest yet: /subscribe to start one." in said
    assert "• Zoë Müller (since" in (await say(core, "/following")).text


async def test_unfollow_stops_the_papers_and_says_when_a_name_is_not_followed(
    core: Core,
) -> None:
    await say(core, '/follow "Jack Saunders"')
    assert "already follows Jack Saunders" in (await say(core, "/follow jack saunders")).text
    listing = (await say(core, "/following")).text
    assert "This chat follows 1 of at most 20 authors:\n• Jack Saunders (since" in listing

    assert (await say(core, '/unfollow "J. Saunders"')).text == "Stopped following Jack Saunders."
    not_followed = (await say(core, '/unfollow "Jack Saunders"')).text
    assert not_followed == "This chat does not follow Jack Saunders (it follows nobody)."

    await say(core, '/subscribe "talking head" cs.CV')
    digest = await say(core, "/digest")
    assert [b for b, _ in cards(digest)] == [TOPIC, BOTH]
    assert FOLLOWED_LINE not in digest.text


async def test_names_that_cannot_be_followed_get_a_short_reason(core: Core) -> None:
    assert "Which author?" in (await say(core, "/follow")).text
    assert "not a name I can follow" in (await say(core, "/follow Saunders")).text
    assert "arXiv lists authors in Latin letters" in (await say(core, "/follow 张伟")).text
    assert "follows no authors yet" in (await say(core, "/following")).text


async def test_in_groups_only_admins_change_the_follows(core: Core) -> None:
    member = await say(core, '/follow "Jack Saunders"', chat_type="group")
    assert "Only the chat's admins" in member.text
    admin = await say(core, '/follow "Jack Saunders"', chat_type="group", admin=True)
    assert admin.text.startswith("Following Jack Saunders")
    assert "Jack Saunders" in (await say(core, "/following", chat_type="group")).text
    assert (
        "Only the chat's admins"
        in (await say(core, '/unfollow "Jack Saunders"', chat_type="group")).text
    )


async def test_a_chat_follows_at_most_twenty_authors(core: Core) -> None:
    for i in range(20):
        said = await say(core, f'/follow "Ann Author{chr(97 + i)}"')
        assert said.text.startswith("Following"), said.text
    said = await say(core, '/follow "Jack Saunders"')
    assert "follows 20 authors, the most it can" in said.text


async def test_chats_following_one_family_name_share_one_search_per_day(
    core: Core, arxiv: FakeArxiv
) -> None:
    for chat in (LAB, OTHER):
        await say(core, '/subscribe "talking head" cs.CV', chat=chat)
    await say(core, '/follow "Jack Saunders"', chat=LAB)
    await say(core, '/follow "James Saunders"', chat=OTHER)  # the same family name
    before = len(author_searches(arxiv))
    lab = await say(core, "/digest", chat=LAB)
    other = await say(core, "/digest", chat=OTHER)
    searches = author_searches(arxiv)[before:]
    assert len(searches) == 1 and "submittedDate:[202411211900 TO 202411221900]" in searches[0]
    assert JAMES not in [b for b, _ in cards(lab)]
    james = "Why: by James Saunders, whom you follow"  # "J. Saunders" may be James too
    assert set(cards(other)[:2]) == {(SPEECH, james), (JAMES, james)}


async def test_an_empty_author_search_is_asked_again_soon_and_a_late_paper_still_arrives(
    core: Core, arxiv: FakeArxiv
) -> None:
    await say(core, '/subscribe "talking head" cs.CV')
    await say(core, '/follow "Grace Hopper"')  # her only paper is older than the window
    first = await say(core, "/digest")
    assert [b for b, _ in cards(first)] == [TOPIC, BOTH]
    start, _ = submission_window(NOW)
    key = keys.author_search(core.settings.redis_prefix, "hopper", f"{start:%Y%m%d%H%M}")
    assert 0 < await core.redis.ttl(key) <= EMPTY_TTL  # "nothing" is not pinned for days

    late = "2411.00030"  # arXiv's API indexes her new paper after that first search
    arxiv.add(
        talklora(
            late,
            title="Compilers for speech models",
            authors=("Grace Hopper",),
            abstract="Compilers for speech models. We describe the method and its evaluation.",
            categories=("eess.AS",),
            published=IN_WINDOW,
        )
    )
    await core.redis.pexpire(key, 1)  # the 30 minutes pass
    await asyncio.sleep(0.01)
    again = await say(core, "/digest")
    assert cards(again) == [(late, "Why: by Grace Hopper, whom you follow")]
