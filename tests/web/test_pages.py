"""The page shows what the chat saw, from the caches only: each card (title linked, authors,
figure, summary, takeaways, the analysis folded, the why line) under its day's coverage line;
papers a --weekly subscription kept unposted are not on it, and a long month is cut to the
newest cards with a word on how many older ones are left out."""

from __future__ import annotations

from lxml import html
from support.chatkit import Transcript, command
from support.digest_days import (
    DAYS,
    SCRIPT_TITLE,
    Subscribed,
    fetch,
    say,
    teaser_png,
    token_of,
)
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini

from bot.app import Core
from bot.chat.contract import ChatRef
from bot.digests.schedule import EASTERN
from bot.infra import keys
from bot.infra.health_server import HealthServer
from bot.web.render import Links, page_html

OTHER = ChatRef("test", "reading-group")


def text_of(node: html.HtmlElement) -> str:
    """A node's text with whitespace collapsed."""
    return " ".join(node.text_content().split())


async def page(core: Core, server: HealthServer, sub_id: str) -> html.HtmlElement:
    token = await token_of(core, sub_id)
    response = await fetch(server, f"/s/{token}")
    assert response.status_code == 200
    return html.fromstring(response.text)


async def test_each_delivered_card_is_on_the_page_under_its_day(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    dom = await page(core, server, subscribed.sub_id)
    days = dom.xpath("//section[@class='day']")
    assert [text_of(d.xpath("h2")[0]) for d in days] == [
        "Wednesday 27 November 2024",
        "Tuesday 26 November 2024",
        "Monday 25 November 2024",
    ]
    coverage = [text_of(d.xpath("p[@class='coverage']")[0]) for d in days]
    assert coverage[1].startswith("arXiv announced 3 in cs.CV") and "1 sent before" in coverage[1]
    on_page = [a.get("href") for a in dom.xpath("//article/h3/a")]
    newest_day_first = ["00005", "00003", "00004", "00001", "00002"]  # in sending order
    assert on_page == [f"https://arxiv.org/abs/2411.{n}v1" for n in newest_day_first]
    assert "2411.00001v2" not in html.tostring(dom, encoding="unicode")  # not re-sent, not shown


async def test_a_card_holds_what_the_chat_saw(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    dom = await page(core, server, subscribed.sub_id)
    (card,) = dom.xpath("//article[@id='paper-2411.00001']")
    said = next(p for p in subscribed.said.posts if p.paper_id == "2411.00001v1")
    assert text_of(card.xpath("h3")[0]) == said.title
    assert text_of(card.xpath("p[@class='why']")[0]) == "Why: matches talking head"
    text = text_of(card)
    for block in said.blocks:  # authors, comment, summary, takeaways, check line, keywords, code
        for line in (*block.paragraphs, *block.items):
            assert " ".join(line.split()) in text
    (details,) = card.xpath("details")
    assert details.get("open") is None and text_of(details.xpath("summary")[0]) == "Analysis"
    for block in said.folded:
        assert block.heading is None or block.heading in text_of(details)
    assert [a.text for a in card.xpath("p[@class='links']/a")] == ["arXiv", "PDF", "Code"]
    assert "Summary written by Gemini (gemini-2.5-flash)" in text


async def test_the_figure_is_served_from_the_cache_under_the_token(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    token = await token_of(core, subscribed.sub_id)
    dom = await page(core, server, subscribed.sub_id)
    (img,) = dom.xpath("//article[@id='paper-2411.00003']//figure/img")
    assert img.get("src") == f"{token}/figure/2411.00003.png"  # relative to /s/<token>
    assert img.get("alt", "").startswith("Figure 1: TalkLoRA")
    figure = await fetch(server, f"/s/{img.get('src')}")
    assert figure.status_code == 200 and figure.headers["content-type"] == "image/png"
    assert figure.content == teaser_png()


async def test_a_title_with_a_script_tag_shows_as_text(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    token = await token_of(core, subscribed.sub_id)
    raw = (await fetch(server, f"/s/{token}")).text
    assert "<script" not in raw
    assert "Robust &lt;script&gt;alert(1)&lt;/script&gt; Talking Heads &amp; Faces" in raw
    dom = html.fromstring(raw)
    assert not dom.xpath("//script")
    (card,) = dom.xpath("//article[@id='paper-2411.00002']")
    assert text_of(card.xpath("h3")[0]) == SCRIPT_TITLE


async def test_a_page_view_calls_neither_the_model_nor_arxiv(
    core: Core, subscribed: Subscribed, server: HealthServer, gemini: FakeGemini, arxiv: FakeArxiv
) -> None:
    calls, requests = gemini.calls, len(arxiv.requests)
    prefix = core.settings.redis_prefix
    async for key in core.redis.scan_iter(match=f"{prefix}sum:2411.00004v1:*"):
        await core.redis.delete(key)  # the summary expired (or the model changed)
    dom = await page(core, server, subscribed.sub_id)
    (card,) = dom.xpath("//article[@id='paper-2411.00004']")
    assert text_of(card.xpath("h3")[0]) == DAYS[1][1][1][1]  # its title, from the metadata
    assert "no longer kept" in text_of(card)
    assert not card.xpath("details")
    assert (gemini.calls, len(arxiv.requests)) == (calls, requests)
    assert await core.redis.exists(keys.figure(prefix, "2411.00004v1"))


async def test_a_subscription_with_no_digest_yet_says_so(core: Core, server: HealthServer) -> None:
    answer = (await say(core, "/subscribe cs.GR")).text
    sub_id = answer.split("(")[1].split(")")[0]
    dom = await page(core, server, sub_id)
    assert not dom.xpath("//article")
    assert "No digest has been delivered yet" in text_of(dom)


async def test_papers_a_weekly_subscription_kept_unposted_are_not_shown(
    core: Core, subscribed: Subscribed, server: HealthServer
) -> None:
    answer = Transcript()  # another chat, so the papers are new to it
    await core.handle(command('/subscribe cs.CV "talking head" --weekly', chat=OTHER), answer)
    weekly = await core.subscriptions.get(answer.text.split("(")[1].split(")")[0])
    assert weekly is not None
    wednesday = core.scheduler.clock()  # noon of the last of the three days
    gathered = await core.scheduler.runner.gather(weekly, wednesday)
    assert gathered.gathered == ["2411.00005v1"]  # found, summarized, archived: never posted
    (kept,) = await core.scheduler.runner.archive.cards(weekly.id)
    assert kept.posted is False and kept.day == wednesday.astimezone(EASTERN).date()
    dom = await page(core, server, weekly.id)
    assert not dom.xpath("//article")
    assert "weekly recap in the chat, not paper cards" in text_of(dom)
    token = await token_of(core, weekly.id)
    feed = (await fetch(server, f"/s/{token}/feed.xml")).text
    assert "<entry>" not in feed and "2411.00005" not in feed
    figure = await fetch(server, f"/s/{token}/figure/2411.00005.png")
    assert figure.status_code == 404  # not even its figure: the chat never got the card
    daily = await page(core, server, subscribed.sub_id)  # the daily one still shows its own
    assert len(daily.xpath("//article")) == 5


async def test_a_long_month_shows_the_newest_cards_and_counts_the_rest(
    core: Core, subscribed: Subscribed
) -> None:
    assert core.site is not None
    sub = await core.subscriptions.get(subscribed.sub_id)
    assert sub is not None
    digests = await core.site.pages.digests(sub, limit=2)
    assert [c.paper for c in digests.cards] == ["2411.00005v1", "2411.00004v1"]  # newest sent
    assert (digests.older, digests.total) == (3, 5)
    assert [d.day.day for d in digests.days] == [27, 26]  # Monday's coverage is not left alone
    dom = html.fromstring(page_html(digests, Links.relative("t" * 32)))
    assert text_of(dom.xpath("//p[@class='sub']")[0]).startswith("5 papers")
    (older,) = dom.xpath("//p[@class='older']")
    assert text_of(older) == (
        "3 older papers of these days are not shown here: the page holds the newest 2."
    )
