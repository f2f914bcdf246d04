"""👍/👎 reactions on Discord digest cards count as votes: real core, real discord.py, FakeDiscord's
gateway sending MESSAGE_REACTION_ADD/REMOVE, real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.discord_server import (
    BOT_ID,
    DIRECT_MESSAGE_REACTIONS,
    DM,
    GUILD_MESSAGE_REACTIONS,
    PAPERS,
    TOPIC,
    FakeDiscord,
    Message,
)
from support.memory_adapter import until
from support.paperkit import settings_for

from adapters.discord import DiscordAdapter
from adapters.discord.reactions import reaction_vote
from adapters.discord.session import intents
from bot.app import Core, build_core
from bot.arxiv.ids import parse_paper_ref
from bot.chat.contract import ChatRef
from bot.summaries.card import paper_post

PAPER, BASE = "2408.13714v1", "2408.13714"
CHANNEL = ChatRef("discord", str(PAPERS))
Bot = tuple[Core, DiscordAdapter]


@pytest.fixture
async def bot(
    arxiv: FakeArxiv, dc: FakeDiscord, redis_url: str, redis_client: object
) -> AsyncIterator[Bot]:
    """The real core (extractive summaries) with its Discord adapter, connected."""
    core = await build_core(settings_for(arxiv, redis_url, user_rate_limit=0))
    adapter = DiscordAdapter(core, token=dc.token, api_url=dc.api_url, gateway_url=dc.gateway_url)
    core.attach(adapter)
    await adapter.start()
    await until(lambda: adapter.connected, what="discord connected")
    yield core, adapter
    await adapter.stop()
    await core.aclose()


async def post(bot: Bot, dc: FakeDiscord, chat: ChatRef = CHANNEL, votes: bool = True) -> Message:
    """A card about TalkLoRA in ``chat``: a digest card (vote buttons) unless ``votes`` is off."""
    core, adapter = bot
    meta = (await core.papers.resolve(parse_paper_ref(BASE))).meta
    summary, _ = await core.papers.summary(meta, "en")
    sent = await adapter.send(chat, paper_post(summary, None, votes=votes))
    return dc.messages[int(sent.message_ids[0])]


def shown(card: Message) -> list[str]:
    """The emoji and tally of the card's vote buttons: ["👍2", "👎"]."""
    buttons = [b for row in card.components for b in row["components"] if "custom_id" in b]
    return [f"{b['emoji']['name']}{b.get('label') or ''}" for b in buttons]


async def react(
    dc: FakeDiscord, card: Message, emoji: str, user: int, *, removed: bool = False
) -> None:
    """A member adds (or removes) a reaction; wait until the bot refreshed the card's tally."""
    edits = len(card.edits)
    dc.push_reaction(card, emoji, user_id=user, removed=removed)
    await dc.wait_until(lambda: len(card.edits) > edits, timeout=10)


async def test_a_thumbs_up_counts_and_removing_it_withdraws_it(bot: Bot, dc: FakeDiscord) -> None:
    core, _ = bot
    card = await post(bot, dc)
    posted = len(dc.visible(PAPERS))
    await react(dc, card, "👍", 1)
    assert shown(card) == ["👍1", "👎"]
    assert await core.feedback.tally(CHANNEL, BASE) == (1, 0)
    await react(dc, card, "👍🏽", 2)  # any skin tone
    assert shown(card) == ["👍2", "👎"]
    await react(dc, card, "👍", 1, removed=True)
    assert shown(card) == ["👍1", "👎"]
    assert await core.feedback.tally(CHANNEL, BASE) == (1, 0)
    assert card.buttons[0] == "https://arxiv.org/abs/2408.13714v1"  # link buttons kept
    assert card.embeds and card.embeds[0]["title"]  # the card itself untouched
    assert len(dc.visible(PAPERS)) == posted  # no message is ever sent for a reaction


async def test_a_change_of_mind_from_thumbs_up_to_thumbs_down(bot: Bot, dc: FakeDiscord) -> None:
    core, _ = bot
    card = await post(bot, dc)
    await react(dc, card, "👍", 1)
    await react(dc, card, "👎", 1)  # the newest reaction is the vote
    assert shown(card) == ["👍", "👎1"]
    await react(dc, card, "👍", 1, removed=True)  # taking the old 👍 away keeps the 👎
    assert shown(card) == ["👍", "👎1"]
    (example,) = await core.feedback.examples(CHANNEL)
    assert (example.paper, example.vote) == (PAPER, -1)
    await react(dc, card, "👎", 1, removed=True)
    assert shown(card) == ["👍", "👎"]
    assert await core.feedback.count(CHANNEL) == 0


async def test_reactions_in_a_thread_and_a_dm_count_for_that_chat(
    bot: Bot, dc: FakeDiscord
) -> None:
    core, _ = bot
    in_thread = await post(bot, dc, ChatRef("discord", str(PAPERS), str(TOPIC)))
    in_dm = await post(bot, dc, ChatRef("discord", str(DM)))
    await react(dc, in_thread, "👎", 1)
    await react(dc, in_dm, "👍", 42)
    assert (shown(in_thread), shown(in_dm)) == (["👍", "👎1"], ["👍1", "👎"])
    topic = ChatRef("discord", str(PAPERS), str(TOPIC))
    assert await core.feedback.tally(topic, BASE) == (0, 1)
    assert await core.feedback.tally(ChatRef("discord", str(DM)), BASE) == (1, 0)


async def test_other_messages_emoji_and_bots_change_nothing(bot: Bot, dc: FakeDiscord) -> None:
    core, _ = bot
    card = await post(bot, dc)
    answer = await post(bot, dc, votes=False)  # about the paper, but no vote buttons
    chatter = dc.push_message("great paper!", user_id=5)
    dc.push_reaction(answer, "👍", user_id=3)
    await dc.wait_until(lambda: any(c.path.endswith(str(answer.id)) for c in dc.calls_of("fetch")))
    dc.push_reaction(chatter, "👍", user_id=3)
    dc.push_reaction(card, "👍", user_id=BOT_ID, bot=True)  # the bot's own
    dc.push_reaction(card, "👍", user_id=BOT_ID, removed=True)  # (a removal names no member)
    dc.push_reaction(card, "👍", user_id=77, bot=True)  # another bot
    dc.push_reaction(card, "😀", user_id=3)
    dc.push_reaction(card, "thumbsup", user_id=3, custom=555)  # a server's own emoji
    await react(dc, card, "👎", 4)  # a member's vote, handled after all of the above
    assert shown(card) == ["👍", "👎1"]
    assert (answer.edits, chatter.edits) == ([], [])
    assert await core.feedback.count(CHANNEL) == 1
    assert len(dc.calls_of("edit_message")) == 1


async def test_the_bot_asks_discord_for_reactions(bot: Bot, dc: FakeDiscord) -> None:
    (identified,) = dc.identified
    wanted = GUILD_MESSAGE_REACTIONS | DIRECT_MESSAGE_REACTIONS
    assert identified["intents"] & wanted == wanted
    both = intents(), intents(message_content=False)
    assert all(i.guild_reactions and i.dm_reactions for i in both)
    assert not any(i.members or i.presences for i in both)  # still nothing privileged


@pytest.mark.parametrize(
    ("emoji", "vote"),
    [("👍", 1), ("👎", -1), ("👍🏿", 1), ("👎🏻", -1), ("❤️", None), ("👌", None), ("", None)],
)
def test_which_emoji_are_votes(emoji: str, vote: int | None) -> None:
    assert reaction_vote(discord.PartialEmoji(name=emoji)) == vote
