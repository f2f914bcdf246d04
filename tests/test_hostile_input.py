"""Hostile input: fuzzed commands, hostile PDFs, foreign hosts, markup injection, leaked secrets."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import logging
import re
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from subprocess import PIPE
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.chatkit import Transcript, command
from support.fakes.arxiv_server import PNG_1PX, FakeArxiv
from support.fakes.gemini_server import FakeGemini, gemini_error
from support.fakes.httpfake import Recorded, Reply
from support.fakes.telegram_server import FakeTelegram
from support.fakes.telegram_server import visible_text as telegram_visible
from support.hostile_pdfs import (
    NOT_PDFS,
    build,
    deflate_bomb,
    encrypted,
    inflating_to,
    many_pages,
    padded,
    padded_chunks,
    readable,
    recursive_form,
    stream,
    truncated,
)
from support.paperkit import pdf_paper, process_env, settings_for, talklora
from support.paths import REPO
from support.render_checks import check_discord, check_telegram
from support.servers import free_port

from adapters.discord.render import render as render_discord
from adapters.discord.text import escape as escape_discord
from adapters.telegram.render import CAPTION_LIMIT
from adapters.telegram.render import render as render_telegram
from bot.app import Core, build_core
from bot.arxiv.categories import parse_categories
from bot.arxiv.ids import parse_paper_ref
from bot.chat.contract import ChatRef, Command
from bot.chat.plaintext import post_text
from bot.chat.post import Post
from bot.chat.router import UNKNOWN_FAILURE
from bot.digests.subscribe_args import parse_settings, parse_subscribe
from bot.digests.topic_query import parse_query
from bot.errors import DocumentError, SourceUnavailable, UserFacingError
from bot.infra.logs import RedactSecrets
from bot.papers.models import Analysis, Figure, PaperId, PaperMeta, PaperSummary
from bot.papers.pdf_figure import teaser_figure
from bot.papers.pdf_text import MAX_INFLATED_BYTES, inflated_size, read_pdf_async, run_isolated
from bot.summaries.card import paper_post
from bot.summaries.markdown import paper_markdown

ABS = "https://arxiv.org/abs/2408.13714v1"
ECHO = 100  # the longest piece of what a user typed that an error message may repeat
TOPIC = 310  # a confirmation may repeat a subscription's topic (keywords: at most 300 characters)
FRAGMENTS = [
    "2408.13714",
    "2408.13714v2",
    "arXiv:",
    "https://arxiv.org/abs/",
    "arxiv.org/pdf/",
    "cs.CV",
    "cs.cvv",
    "hep-th/9901001",
    "--at",
    "7:30pm",
    "--tz",
    "Asia/Shanghai",
    "--lang",
    "zh",
    "--max",
    "50",
    "--detail",
    "--brief",
    "--cross",
    "@papers_daily",
    '"',
    "(",
    ")",
    "OR",
    "AND",
    "NOT",
    "-",
    "lang:",
    "\u202e",
    "\u200b",
    "\u2066",
    "\u200f",
    "\ufeff",
    "\x00",
    "\x1b[31m",
    "\n",
    "\t",
    "\r",
    " ",
    "<b>",
    "</blockquote>",
    "&amp;",
    "*_~|>",
    "@everyone",
    "`",
    "``` ",
    "javascript:alert(1)",
    "%2E",
    "/../../etc/passwd",
    "漢字",
    "🙂",
    "\U0001f600",
    "ﷺ",
]
WORD = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12))
# chats allow 4096 characters; the CLI takes anything (one in 20 is 100 kB)
SIZES = st.integers(1, 5000).map(lambda n: 100_000 if n % 20 == 0 else n)
HUGE = st.tuples(st.sampled_from([*FRAGMENTS, "a", "cs.CVV", "(", "x "]), SIZES)
TYPED = st.one_of(
    st.lists(WORD, max_size=24).map(" ".join),
    st.lists(WORD, max_size=24).map("".join),
    st.text(max_size=400),
    HUGE.map(lambda pair: pair[0] * max(1, pair[1] // max(1, len(pair[0])))),
)


def assert_brief(reply: str, typed: str, echo: int = ECHO) -> None:
    """The reply repeats at most ``echo`` characters of what was typed in one piece."""
    if len(typed) <= echo:
        return
    for start in range(max(1, len(reply) - echo)):
        piece = reply[start : start + echo + 1]
        assert len(piece) <= echo or piece not in typed, f"echoes {piece!r}"


def assert_deliverable(post: Post) -> str:
    """Telegram and Discord would both accept every message of the post; its plain text."""
    telegram = render_telegram(post)
    for markup in telegram.messages:
        check_telegram(markup)
    if telegram.photo is not None:
        check_telegram(telegram.photo.caption, CAPTION_LIMIT)
    discord = render_discord(post)
    for piece in (*discord.card, *discord.folded):
        check_discord(piece)
    return post_text(post)


PARSERS: dict[str, Callable[[str], Any]] = {
    "paper_ref": parse_paper_ref,
    "subscribe": parse_subscribe,
    "settings": parse_settings,
    "query": lambda text: parse_query(text).to_arxiv(),
    "categories": parse_categories,
}


@pytest.mark.parametrize("name", PARSERS)
@given(typed=TYPED)
@example(typed="https://" + "a" * 200 + ".com/abs/2408.13714")  # a long foreign host
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parsers_accept_or_refuse_in_a_short_sentence(name: str, typed: str) -> None:
    try:
        PARSERS[name](typed)
    except UserFacingError as exc:
        assert 0 < len(exc.message) <= 400
        assert_brief(exc.message, typed)
        assert_deliverable(Post(text=exc.message))


COMMANDS = ("summarize", "subscribe", "settings", "unsubscribe", "frobnicate")
NAMES = st.one_of(st.sampled_from(COMMANDS), st.text(min_size=1, max_size=2000))


def test_commands_fuzzed_through_the_real_core_get_short_deliverable_replies(
    arxiv: FakeArxiv, redis_url: str
) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    loop = asyncio.new_event_loop()
    core = loop.run_until_complete(build_core(settings_for(arxiv, redis_url, user_rate_limit=0)))

    chats = itertools.count()

    @given(name=NAMES, typed=TYPED)
    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
    def dispatch(name: str, typed: str) -> None:
        said = Transcript()
        chat = ChatRef("test", f"fuzz-{next(chats)}")  # each example starts from a new chat
        command = Command(chat, "u1", name, args=typed, user_is_admin=True)
        loop.run_until_complete(asyncio.wait_for(core.router.dispatch(command, said), 20))
        assert said.posts, "no reply"
        for post in said.posts:
            shown = assert_deliverable(post)
            assert UNKNOWN_FAILURE not in shown  # a crash, not a refusal
            if post.paper_id is None:
                assert len(shown) <= 1200
            assert_brief(shown, typed, TOPIC)
        for line in said.statuses:
            assert len(line) <= 200
            assert_brief(line, typed)

    try:
        dispatch()
    finally:
        loop.run_until_complete(core.aclose())
        loop.close()


# ----------------------------------------------------------------------------- hostile PDFs


class Listener:
    """An HTTP server on ``host`` that counts requests and the bytes of the body it streams.

    ``chunks`` (a fresh iterator per request) is written without Content-Length unless
    ``length`` is given; the count stops when the client hangs up. Without ``chunks`` it
    answers a tiny PNG, like a figure server would.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        chunks: Callable[[], Iterable[bytes]] | None = None,
        length: int | None = None,
    ) -> None:
        self.host, self.chunks, self.length = host, chunks, length
        self.requests: list[str] = []
        self.sent = 0
        self.hung_up = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None

    def __enter__(self) -> Listener:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                listener.requests.append(self.path)
                body = listener.chunks() if listener.chunks else [PNG_1PX]
                self.send_response(200)
                kind = "application/pdf" if listener.chunks else "image/png"
                self.send_header("Content-Type", kind)
                if listener.length is not None or not listener.chunks:
                    self.send_header("Content-Length", str(listener.length or len(PNG_1PX)))
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for chunk in body:
                        self.wfile.write(chunk)
                        listener.sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    listener.hung_up.set()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self._httpd = ThreadingHTTPServer((self.host, 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        """``http://host:port``."""
        assert self._httpd is not None
        return f"http://{self.host}:{self._httpd.server_address[1]}"


@pytest.fixture
async def core(arxiv: FakeArxiv, redis_url: str, redis_client: object) -> AsyncIterator[Core]:
    arxiv.add(talklora("2410.00002", html=None, pdf=pdf_paper()))  # a good PDF-only paper
    built = await build_core(settings_for(arxiv, redis_url, user_rate_limit=0))
    yield built
    await built.aclose()


async def summarize(core: Core, ref: str) -> Transcript:
    """What the bot answers to /summarize ``ref``."""
    said = Transcript()
    await core.handle(command(f"/summarize {ref}"), said)
    return said


async def assert_still_serving(core: Core) -> None:
    """Right after, another paper is summarized."""
    said = await summarize(core, "2408.13714")
    assert said.posts[-1].paper_id == "2408.13714v1", said.text


HOSTILE: dict[str, tuple[Callable[[], bytes], str, float]] = {
    "5,000 pages": (lambda: many_pages(5000), "the PDF has 5000 pages; the limit is 400", 3),
    "encrypted": (encrypted, "the PDF is password-protected", 3),
    "truncated": (truncated, "the PDF is damaged or empty and could not be read", 3),
    "an HTML page": (lambda: NOT_PDFS["html"], "the file is not a PDF", 3),
    "a PNG": (lambda: NOT_PDFS["png"], "the file is not a PDF", 3),
    "deflate bomb": (lambda: deflate_bomb(1000), "expands to more than 100 MB", 3),
    "endless form": (recursive_form, "too complex to read within paperbot's limits", 10),
    "50 MB": (lambda: padded(50_000_000), "larger than 40 MB; paperbot skips it", 3),
}


@pytest.mark.parametrize("case", HOSTILE)
async def test_a_hostile_pdf_is_refused_quickly_cached_never_and_the_bot_serves_on(
    core: Core, arxiv: FakeArxiv, case: str
) -> None:
    make, says, within = HOSTILE[case]
    paper = arxiv.add(talklora("2409.00001", html=None, pdf=make()))
    started = time.monotonic()
    said = await summarize(core, "2409.00001")
    took = time.monotonic() - started
    assert [post_text(p) for p in said.posts] == [says] or says in said.text
    assert len(said.posts) == 1 and len(said.text) < 200
    assert took < within, f"{case}: {took:.2f}s"
    print(f"{case}: refused in {took:.2f}s")  # shown with -s; see the report
    assert not [k for k in await core.redis.keys("*2409.00001*") if b":meta:" not in k]
    hits = arxiv.hits("/pdf/")
    paper.pdf = pdf_paper()  # arXiv fixes the file: the next request reads it (nothing cached)
    again = await summarize(core, "2409.00001")
    assert arxiv.hits("/pdf/") == hits + 1 and again.posts[-1].paper_id == "2409.00001v1"
    await assert_still_serving(core)


@pytest.mark.parametrize("declared", [True, False], ids=["Content-Length", "streamed"])
async def test_a_50_mb_pdf_is_cut_off_at_the_cap(
    arxiv: FakeArxiv, redis_url: str, redis_client: object, declared: bool
) -> None:
    size = 50_000_000
    with Listener(chunks=lambda: padded_chunks(size), length=size if declared else None) as pdfs:
        arxiv.add(talklora("2409.00002", html=None, pdf=b"unused"))
        settings = settings_for(arxiv, redis_url, arxiv_pdf_url=f"{pdfs.url}/pdf")
        core = await build_core(settings)
        try:
            started = time.monotonic()
            said = await summarize(core, "2409.00002")
            took = time.monotonic() - started
            assert "larger than 40 MB; paperbot skips it" in said.text
            assert pdfs.hung_up.wait(5) and pdfs.sent < size  # the bot hung up early
            assert took < 5, f"{took:.2f}s"
            print(
                f"50 MB ({'declared' if declared else 'streamed'}): refused in {took:.2f}s "
                f"after {pdfs.sent / 1e6:.1f} MB were sent"
            )
            await summarize(core, "2409.00002")
            assert len(pdfs.requests) == 2  # nothing was cached
        finally:
            await core.aclose()


async def test_reading_pdfs_is_bounded_in_time_and_memory_and_frees_the_worker() -> None:
    started = time.monotonic()
    with pytest.raises(DocumentError, match="took too long"):
        await read_pdf_async(recursive_form(), timeout=0.5)
    assert time.monotonic() - started < 3  # the child was killed, not waited for
    with pytest.raises(DocumentError, match="too complex"):
        await run_isolated(teaser_figure, recursive_form(), memory=300_000_000)
    text = await read_pdf_async(readable())
    assert "Readable paper" in text.pages[0]


def test_inflated_size_counts_flate_streams_but_not_images() -> None:
    assert inflated_size(deflate_bomb(300)) > MAX_INFLATED_BYTES
    assert inflated_size(readable()) < 100_000
    image = build([stream(inflating_to(300), b"/Subtype /Image /Filter /FlateDecode")])
    assert inflated_size(image) == 0


# ----------------------------------------------------------------------------- arXiv hosts only


def redirecting(arxiv: FakeArxiv, paper: str, status: int, target: str) -> None:
    """Make the fake arXiv redirect every document request of ``paper`` to ``target``."""

    def route(request: Recorded) -> Reply:
        if paper in request.path and not request.path.startswith("/api/"):
            return Reply(status, "", {"Location": f"{target}/pdf/{paper}v1"})
        return arxiv.route(request)

    arxiv.default = route


@pytest.mark.parametrize("status", [301, 302, 307])
@pytest.mark.parametrize("where", ["127.0.0.2", "localhost", "another port"])
async def test_a_redirect_away_from_arxiv_is_refused_and_never_followed(
    core: Core, arxiv: FakeArxiv, status: int, where: str
) -> None:
    with Listener("127.0.0.2" if where == "127.0.0.2" else "127.0.0.1") as other:
        target = other.url.replace("127.0.0.1", "localhost") if where == "localhost" else other.url
        arxiv.add(talklora("2409.00003", html=None, pdf=pdf_paper()))
        redirecting(arxiv, "2409.00003", status, target)
        said = await summarize(core, "2409.00003")
        assert other.requests == []
    assert said.posts[-1].paper_id is None and len(said.text) < 200
    assert said.text == "arXiv sent paperbot to an address off arXiv; it stopped there."
    await assert_still_serving(core)


async def test_a_redirect_within_arxiv_is_followed(core: Core, arxiv: FakeArxiv) -> None:
    arxiv.add(talklora("2409.00006", html=None, pdf=pdf_paper()))

    def route(request: Recorded) -> Reply:
        if request.path == "/pdf/2409.00006v1":  # arXiv's own redirect, relative
            return Reply(301, "", {"Location": "/pdf/2409.00006v1.pdf"})
        return arxiv.route(request)

    arxiv.default = route
    said = await summarize(core, "2409.00006")
    assert said.posts[-1].paper_id == "2409.00006v1"
    assert arxiv.hits("/pdf/2409.00006v1.pdf") == 1


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("2408.13714/../../etc/passwd", "No arXiv paper matches"),
        ("https://arxiv.org@evil.com/abs/2408.13714", "not evil.com"),
        ("https://arxiv.org.evil.com/abs/2408.13714", "not arxiv.org.evil.com"),
        ("https://arxiv.org/abs/2408%2E13714", "does not point to a paper"),
        ("https://arxiv.org/abs/2408.13714%2F..%2F..%2Fetc%2Fpasswd", "does not point to a paper"),
        ("arxiv.org/pdf/../../../etc/passwd", "does not point to a paper"),
        ("javascript:alert(1)", "No arXiv paper matches"),
        ("file:///etc/passwd", "only read papers from arxiv.org, not that address"),
        ("http://[::1/abs/2408.13714", "That link cannot be read"),
        ("http://127.0.0.2/pdf/2408.13714", "not 127.0.0.2"),
        ("https://evil.com%2F@arxiv.org/abs/2408.13714", None),  # it names arXiv's paper
        ("https://arxiv.org/abs/2408.13714#@evil.com", None),
    ],
)
async def test_crafted_references_never_reach_another_host_or_path(
    core: Core, arxiv: FakeArxiv, ref: str, says: str | None
) -> None:
    with Listener("127.0.0.2") as other:
        said = await summarize(core, ref.replace("127.0.0.2", other.url[7:]))
        assert other.requests == []
    if says is None:
        assert said.posts[-1].paper_id == "2408.13714v1"  # fetched from the configured arXiv
    else:
        assert says in said.text and said.posts[-1].paper_id is None
    documents = [r.path for r in arxiv.requests if not r.path.startswith("/api/query?")]
    assert set(documents) <= {"/html/2408.13714v1", "/html/2408.13714v1/x1.png"}


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org@evil.com/pdf/1",
        "http://127.0.0.2/pdf/1",
        "http://localhost/pdf/1",
        "ftp://127.0.0.1/pdf/1",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://[::1/pdf/1",
        "//127.0.0.1/pdf/1",
    ],
)
async def test_the_fetcher_refuses_every_address_off_the_allow_list(core: Core, url: str) -> None:
    with pytest.raises(SourceUnavailable, match="only reads arXiv"):
        await core.papers.fetcher.get(url)


@pytest.mark.parametrize("form", ["absolute", "protocol-relative", "localhost", "base href"])
async def test_a_figure_on_another_host_is_never_fetched_and_the_summary_still_comes(
    core: Core, arxiv: FakeArxiv, form: str
) -> None:
    with Listener("127.0.0.2") as other:
        src = {
            "absolute": f"{other.url}/x1.png",
            "protocol-relative": f"{other.url[5:]}/x1.png",
            "localhost": f"{other.url.replace('127.0.0.2', 'localhost')}/x1.png",
            "base href": "x1.png",
        }[form]
        html = talklora().html or ""
        html = html.replace("x1.png", src)
        if form == "base href":
            html = html.replace("<head>", f'<head><base href="{other.url}/">', 1)
        arxiv.add(talklora("2409.00004", html=html))
        said = await summarize(core, "2409.00004")
        assert other.requests == []
    assert said.posts[-1].paper_id == "2409.00004v1" and said.posts[-1].image is None


async def test_a_figure_on_another_port_of_the_same_host_is_not_fetched(
    core: Core, arxiv: FakeArxiv
) -> None:
    with Listener("127.0.0.1") as other:
        html = (talklora().html or "").replace("x1.png", f"{other.url}/x1.png")
        arxiv.add(talklora("2409.00005", html=html))
        await summarize(core, "2409.00005")
        assert other.requests == []


# ----------------------------------------------------------------------------- markup escaping

EVIL = (
    "<b>bold</b> </blockquote> &amp; *_~|> @everyone <@&123456789012345678> "
    "[link](javascript:alert(1)) <script>alert(1)</script> `code` ``` x"
)
EVIL_PARTS = [
    "<b>bold</b>",
    "</blockquote>",
    "&amp;",
    "*_~|>",
    "@everyone",
    "[link](javascript:alert(1))",
    "<script>alert(1)</script>",
    "`code`",
]


def evil_summary() -> PaperSummary:
    """A summary whose metadata and model output are all hostile markup."""
    when = datetime(2024, 8, 26, tzinfo=UTC)
    meta = PaperMeta(
        id=PaperId(base="2408.13714", version=1),
        title=f"Title {EVIL}",
        authors=(f"Ann {EVIL}", "Bo Li"),
        abstract=f"Abstract {EVIL}",
        comment=f"Note {EVIL}",
        primary_category="cs.CV",
        published=when,
        updated=when,
    )
    fields = {n: f"{n} {EVIL}" for n, f in Analysis.model_fields.items() if f.annotation is str}
    lists = {
        "takeaways": [f"take {i} {EVIL}" for i in range(5)],
        "keywords": [EVIL, "k"],
        "method_steps": [f"step {EVIL}"],
    }
    analysis = Analysis.model_validate(fields | lists)
    return PaperSummary(
        meta=meta,
        language="en",
        analysis=analysis,
        model_label=f"Model {EVIL}",
        code_urls=("https://github.com/x/y",),
        text_source="html",
        has_figure=True,
    )


EVIL_FIGURE = Figure(
    data=PNG_1PX,
    caption=f"Figure 1: {EVIL}",
    source_url='https://arxiv.org/html/2408.13714v1/x1.png" onerror="alert(1)',
)


def test_telegram_shows_hostile_markup_as_text() -> None:
    rendered = render_telegram(paper_post(evil_summary(), EVIL_FIGURE))
    tags: list[tuple[str, dict[str, str | None]]] = []
    for markup in (*rendered.messages, rendered.photo.caption if rendered.photo else ""):
        tags += check_telegram(markup).seen  # allowed tags only, balanced, within limits
    assert {tag for tag, _ in tags} <= {"b", "i", "a", "blockquote"}
    assert {attrs.get("href") for tag, attrs in tags if tag == "a"} == {ABS}
    shown = "".join(telegram_visible(m) for m in rendered.messages)
    for part in EVIL_PARTS:
        assert part in shown
    assert {link.url for row in rendered.buttons for link in row} == {
        ABS,
        "https://arxiv.org/pdf/2408.13714v1",
        "https://github.com/x/y",
    }


def test_discord_escapes_markdown_and_mentions() -> None:
    rendered = render_discord(paper_post(evil_summary(), EVIL_FIGURE))
    texts: list[str] = []
    for piece in (*rendered.card, *rendered.folded):
        check_discord(piece)
        texts.append(piece.content)
        for embed in piece.embeds:
            assert embed.url in (None, ABS)
            texts += [embed.title or "", embed.description or ""]
            texts += [f"{f.name}\n{f.value}" for f in embed.fields]
            # footers show no Markdown, and nothing in an embed pings: they stay as typed
            assert (embed.footer.text or "Summary written by").startswith("Summary written by")
    shown = "\n".join(texts)
    assert "@everyone" not in shown and "@\u200beveryone" in shown
    assert "<@&1" not in shown  # the role mention pings nobody either
    assert re.search(r"(?<!\\)\[link\]", shown) is None  # no masked link
    assert r"\*\_\~\|" in shown and r"\`code\`" in shown


def test_markdown_output_injects_no_html_and_forges_no_link() -> None:
    markdown = paper_markdown(evil_summary(), EVIL_FIGURE)
    raw_tags = re.findall(r"(?<!\\)</?([a-zA-Z]+)", markdown)
    assert set(raw_tags) <= {"details", "summary", "img", "p"}  # only the figure block's
    text, block = markdown.split("<details>")  # the figure block is raw HTML, escaped as such
    assert re.findall(r"(?<!\\)\[[^\]\n]*\]\(", text) == ["[PDF]("]
    figure = re.search(r"<img [^\n]*>", markdown)
    assert figure is not None
    tag = TagCollector()
    tag.feed(figure.group())
    assert [name for name, _ in tag.attrs] == ["src", "align"]  # no onerror
    assert r"\&amp;" in markdown and r"\<script\>" in markdown  # shown as typed
    assert "<p>Figure 1: &lt;b&gt;bold&lt;/b&gt;" in block
    scripted = Figure(data=b"", source_url="javascript:alert(1)")
    assert "<img" not in paper_markdown(evil_summary(), scripted)


def test_plain_text_keeps_everything_literally() -> None:
    text = post_text(paper_post(evil_summary(), EVIL_FIGURE))
    for part in EVIL_PARTS:
        assert f"Title {EVIL}" in text and part in text


class TagCollector(HTMLParser):
    """The attributes of the first start tag fed to it."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = self.attrs or attrs


def test_two_masked_links_in_one_line_are_both_defused() -> None:
    text = "[a](https://x.org) then [b](https://evil.example) **bold** ||spoiler||"
    shown = escape_discord(text)
    assert re.search(r"(?<!\\)\[", shown) is None
    assert r"\*\*bold\*\*" in shown and r"\|\|spoiler\|\|" in shown


# ----------------------------------------------------------------------------- secrets

GEMINI_KEY = "gemini-SECRET-4f9c2a7e1b"
TELEGRAM_TOKEN = "987654321:TELEGRAM-SECRET-abcdefghijklmnopqrstu"


def key_echo(*statuses: int, delay: float = 0.0) -> Callable[[Recorded], Reply]:
    """A Gemini failing with each status in turn (then the last), repeating the key it got."""
    left = list(statuses)

    def reply(request: Recorded) -> Reply:
        status = left.pop(0) if len(left) > 1 else left[0]
        key = request.headers.get("x-goog-api-key", "")
        return Reply(status, gemini_error(status, f"API key {key} is not valid"), delay=delay)

    return reply


def cli_env(arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, tmp: Path) -> dict[str, str]:
    """The environment of a paperbot process pointed at the fakes, with recognisable secrets."""
    return process_env(
        settings_for(arxiv, redis_url, gemini, llm_timeout_s=1.0),
        GEMINI_API_KEY=GEMINI_KEY,
        TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN,
        PAPERBOT_DATA_DIR=str(tmp),
        PAPERBOT_METRICS_PORT=str(free_port()),
    )


def failures() -> dict[str, Callable[[Recorded], Reply]]:
    """Ways for the model to fail, each echoing the API key it was sent."""
    return {
        "401": key_echo(401),
        "500 then 401": key_echo(500, 401),  # logged once per attempt
        "timeout": key_echo(200, delay=3),
        "not JSON": lambda r: Reply(200, f"<html>{r.headers.get('x-goog-api-key')}</html>"),
    }


async def test_the_cli_never_prints_a_secret_when_the_model_fails(
    arxiv: FakeArxiv, redis_url: str, redis_client: object, tmp_path: Path
) -> None:
    scripts = failures()

    async def run(failure: str, paper: str) -> str:
        with FakeGemini() as gemini:
            gemini.default = scripts[failure]
            env = cli_env(arxiv, gemini, redis_url, tmp_path / failure)
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "adapters.cli",
                "summarize",
                paper,
                env=env,
                cwd=REPO,
                stdout=PIPE,
                stderr=PIPE,
            )
            out, err = await asyncio.wait_for(proc.communicate(), 30)
            assert gemini.calls >= 1, failure
        assert proc.returncode == 1, (failure, err)
        assert err.decode().strip().splitlines()[-1].startswith("paperbot: ")
        return out.decode() + err.decode()

    papers = [arxiv.add(talklora(f"2409.1000{n}")).base for n in range(len(scripts))]
    printed = await asyncio.gather(*(run(f, p) for f, p in zip(scripts, papers, strict=True)))
    for failure, text in zip(scripts, printed, strict=True):
        assert GEMINI_KEY not in text and TELEGRAM_TOKEN not in text, failure


async def test_paperbot_run_never_logs_or_sends_its_secrets(
    arxiv: FakeArxiv, redis_url: str, redis_client: object, tmp_path: Path
) -> None:
    with FakeGemini() as gemini, FakeTelegram(token=TELEGRAM_TOKEN) as tg:
        gemini.default = key_echo(401)
        env = cli_env(arxiv, gemini, redis_url, tmp_path)
        env["PAPERBOT_TELEGRAM_BASE_URL"] = tg.base_url
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "adapters.cli",
            "run",
            env=env,
            cwd=REPO,
            stdout=PIPE,
            stderr=PIPE,
        )
        try:
            tg.fail_next("sendMessage", 500, f"Internal Server Error for {TELEGRAM_TOKEN}")
            tg.push_message(42, 42, "/summarize 2408.13714")
            answer = (await tg.await_sent(42, 2, timeout=30))[-1]
            assert "rejected the API key" in answer.params["text"]
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 20)
        sent = [json.dumps(call.params) for call in tg.calls]
    printed = out.decode() + err.decode()
    assert proc.returncode == 0, printed
    assert "telegram" in printed  # it did log
    for secret in (GEMINI_KEY, TELEGRAM_TOKEN):
        assert secret not in printed
        assert not [s for s in sent if secret in s]


def redacting_logger(secrets: list[str]) -> tuple[logging.Logger, io.StringIO]:
    """A logger whose one handler writes to a buffer through RedactSecrets."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RedactSecrets(secrets))
    logger = logging.getLogger(f"test.redact.{id(buffer)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    return logger, buffer


def test_redaction_covers_messages_arguments_tracebacks_and_stacks() -> None:
    logger, buffer = redacting_logger([GEMINI_KEY])
    try:
        try:
            raise ValueError(f"bad key {GEMINI_KEY}")
        except ValueError as exc:
            raise RuntimeError("the model failed") from exc
    except RuntimeError:
        logger.exception("call with %s failed", GEMINI_KEY)
    logger.warning("stack", stack_info=True)  # this line names gemini-SECRET-4f9c2a7e1b
    logger.warning("token %s in a URL", f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/getMe")
    logger.warning("a call with too few arguments: %s %s", GEMINI_KEY)  # must not raise
    logged = buffer.getvalue()
    assert "ValueError: bad key ***" in logged and "RuntimeError: the model failed" in logged
    assert "call with *** failed" in logged and "too few arguments" in logged
    assert "bot***/getMe" in logged  # token-shaped strings are masked even when not configured
    assert GEMINI_KEY not in logged and TELEGRAM_TOKEN not in logged
