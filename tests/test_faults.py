"""Faults the bot survives: model errors, failed summaries, Redis restarts, Telegram, kills."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.chatkit import RecordingAdapter, Transcript, command
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.fakes.gemini_server import FakeGemini, gemini_error
from support.fakes.httpfake import Reply
from support.fakes.telegram_server import FakeTelegram
from support.memory_adapter import until
from support.paperkit import env_for, gemini_responder, settings_for, talklora
from support.paths import REPO
from support.servers import start_redis

from adapters.telegram import TelegramAdapter
from bot.app import Core, build_core
from bot.chat.contract import ChatRef, SentRef
from bot.chat.post import Post
from bot.papers.models import PaperId

MONDAY = date(2024, 11, 25)
AT_EIGHT = datetime(2024, 11, 25, 8, 0, tzinfo=UTC)


class Clock:
    """Simulated time for the scheduler."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def monday_papers(count: int = 5, flaky: tuple[int, ...] = ()) -> list[FakePaper]:
    """Monday's cs.CV papers; those numbered in ``flaky`` have "Flaky" in their title."""
    return [
        talklora(f"2411.0000{n}", title=f"{'Flaky' if n in flaky else 'Solid'} paper {n}")
        for n in range(1, count + 1)
    ]


def publish(arxiv: FakeArxiv, papers: list[FakePaper], day: date = MONDAY) -> None:
    """Add the papers and make them ``day``'s cs.CV announcement."""
    for paper in papers:
        arxiv.add(paper)
    arxiv.announce("cs.CV", day, [(p, "new") for p in papers])


async def started(core: Core, adapter: Any = None) -> Core:
    """The core on a simulated clock (Sunday noon), delivering through ``adapter``."""
    core.scheduler.clock = Clock(datetime(2024, 11, 24, 12, 0, tzinfo=UTC))
    adapter = adapter or RecordingAdapter()
    core.attach(adapter)
    return core


@pytest.fixture
async def core(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: object
) -> AsyncIterator[Core]:
    settings = settings_for(arxiv, redis_url, gemini, llm_timeout_s=1.0, user_rate_limit=1)
    built = await started(await build_core(settings))
    yield built
    await built.aclose()


async def summarize(core: Core, ref: str = "2408.13714", user: str = "u1") -> Transcript:
    """What the bot answers to /summarize ``ref``."""
    said = Transcript()
    await core.handle(command(f"/summarize {ref}", user=user), said)
    return said


async def subscribe(core: Core, chat: ChatRef, args: str = "cs.CV --at 08:00 --tz UTC") -> str:
    """Subscribe ``chat``; the new subscription's id."""
    said = Transcript()
    await core.handle(command(f"/subscribe {args}", chat=chat), said)
    assert "Subscribed" in said.text, said.text
    return said.text.split("(")[1].split(")")[0]


async def tick_at(core: Core, when: datetime) -> None:
    """Run the scheduler's tick at simulated time ``when``."""
    clock = core.scheduler.clock
    assert isinstance(clock, Clock)
    clock.now = when
    await core.scheduler.tick()


# ----------------------------------------------------------------------------- the model fails


async def test_a_429_with_a_retry_delay_is_waited_out_then_the_summary_arrives(
    core: Core, gemini: FakeGemini
) -> None:
    asked: list[float] = []

    def limited(_: Any) -> Reply:
        asked.append(time.monotonic())
        return Reply(429, gemini_error(429, "quota exceeded", retry_delay="1.5s"))

    def answer(body: dict[str, Any]) -> Any:
        asked.append(time.monotonic())
        return gemini_responder(body)

    gemini.queue(limited)
    gemini.responder = answer
    said = await summarize(core)
    assert said.posts[-1].paper_id == "2408.13714v1"
    assert len(asked) == 2 and asked[1] - asked[0] >= 1.45  # the server's delay, not ours


async def test_a_500_is_retried_and_the_summary_arrives(core: Core, gemini: FakeGemini) -> None:
    gemini.reply_error(500, "backend error")
    said = await summarize(core)
    assert said.posts[-1].paper_id == "2408.13714v1" and gemini.calls == 2


async def test_a_timeout_fails_clearly_costs_nothing_and_the_next_request_succeeds(
    core: Core, gemini: FakeGemini
) -> None:
    gemini.reply_slow(2.5)
    first = await summarize(core)
    assert first.posts[-1].text == "the language model did not answer in time"
    meta = await core.papers.meta(PaperId(base="2408.13714"))
    assert not await core.papers.is_summarized(meta, "en")
    second = await summarize(core)  # the failed try was refunded: the limit is 1 an hour
    assert second.posts[-1].paper_id == "2408.13714v1"


async def test_invalid_json_twice_is_a_clear_failure_and_nothing_is_cached(
    core: Core, gemini: FakeGemini
) -> None:
    gemini.reply_text("Sure! Here is the summary you asked for.")
    gemini.reply_text('{"summary": "only this"')
    said = await summarize(core)
    assert "unusable summary twice" in said.text and said.posts[-1].paper_id is None
    assert [k for k in await core.redis.keys("*:sum:*")] == []
    assert (await summarize(core)).posts[-1].paper_id == "2408.13714v1"


# ----------------------------------------------------------------------------- digests


async def test_summaries_that_fail_in_a_digest_are_posted_by_the_next_run(
    core: Core, arxiv: FakeArxiv, gemini: FakeGemini
) -> None:
    failing = True

    def flaky(body: dict[str, Any]) -> Any:
        prompt = FakeGemini.prompt_text(body)
        return (
            "garbage, not JSON" if failing and "Flaky paper" in prompt else gemini_responder(body)
        )

    gemini.responder = flaky
    papers = monday_papers(5, flaky=(2, 4))
    publish(arxiv, papers)
    chat = ChatRef("test", "digest")
    await subscribe(core, chat)
    adapter = core.adapters["test"]
    assert isinstance(adapter, RecordingAdapter)

    await tick_at(core, AT_EIGHT)
    solid = [p.versioned for p in papers if p.title.startswith("Solid")]
    assert adapter.papers("digest") == solid
    header = adapter.texts("digest")[0].splitlines()
    assert header[0].endswith(": 3")  # the header counts what was posted
    assert header[1].endswith("3 posted · 2 to retry")  # and accounts for the failed two

    failing = False
    arxiv.announce("cs.CV", MONDAY + timedelta(days=1))  # Tuesday: nothing new announced
    await tick_at(core, AT_EIGHT + timedelta(days=1))
    flaky_ones = {p.versioned for p in papers if p.title.startswith("Flaky")}
    posted = adapter.papers("digest")
    assert posted[:3] == solid and len(posted) == 5 and set(posted[3:]) == flaky_ones
    await tick_at(core, AT_EIGHT + timedelta(days=2))
    assert adapter.papers("digest") == posted  # and never again


class StopsRedis(RecordingAdapter):
    """Stops the Redis server while the platform is sending post number ``at``; restarts it
    on the same port (same data directory, append-only) ``after`` seconds later."""

    def __init__(self, proc: subprocess.Popen[bytes], data: Path, port: int, at: int) -> None:
        super().__init__()
        self.proc, self.data, self.port, self.at = proc, data, port, at
        self.after = 0.5
        self.restarted = threading.Event()

    async def send(self, chat: ChatRef, post: Post) -> SentRef:
        sent = await super().send(chat, post)
        if self.sends == self.at:
            self.proc.terminate()
            self.proc.wait(10)

            def restart() -> None:
                time.sleep(self.after)
                self.proc, _ = start_redis(self.data, appendonly=True, port=self.port)
                self.restarted.set()

            threading.Thread(target=restart, daemon=True).start()
        return sent


@pytest.fixture
async def restarting(
    arxiv: FakeArxiv, gemini: FakeGemini, tmp_path: Path
) -> AsyncIterator[tuple[Core, StopsRedis, list[str]]]:
    """A core on its own append-only Redis, which stops while the first card is being sent."""
    proc, port = start_redis(tmp_path, appendonly=True)
    adapter = StopsRedis(proc, tmp_path, port, at=2)  # after the header and the first card
    settings = settings_for(arxiv, f"redis://127.0.0.1:{port}/0", gemini, user_rate_limit=0)
    core = await started(await build_core(settings), adapter)
    core.scheduler.claim_ttl_ms = 1000  # a run that died gives up its slot after a second
    papers = monday_papers(4)
    publish(arxiv, papers)
    await subscribe(core, ChatRef("test", "a"))
    await subscribe(core, ChatRef("test", "b"), "cs.CV --at 09:00 --tz UTC")
    try:
        yield core, adapter, [p.versioned for p in papers]
    finally:
        await core.aclose()
        if adapter.sends >= adapter.at:
            assert adapter.restarted.wait(10)  # never leave a restarted server behind
        adapter.proc.terminate()
        adapter.proc.wait(10)


async def ticks_until(core: Core, start: datetime, done: Callable[[], bool]) -> int:
    """Tick a minute apart (once the claim of a run that died has lapsed) until ``done()``."""
    for number in range(1, 8):
        await tick_at(core, start + timedelta(minutes=number - 1))
        if done():
            return number
        await asyncio.sleep(1.1)
    raise AssertionError("the digest never completed")


async def test_redis_restarting_mid_digest_loses_nothing_and_repeats_nothing(
    restarting: tuple[Core, StopsRedis, list[str]],
) -> None:
    """Redis stops while the first card is sent and comes back half a second later: the
    client's retries ride it out (or a later tick resumes the run once its claim lapses).
    Nothing is sent twice, nothing is lost."""
    core, adapter, every = restarting
    await ticks_until(core, AT_EIGHT, lambda: len(adapter.papers("a")) == len(every))
    # The bot may reconnect a moment before the restarting thread records that it restarted.
    assert await asyncio.to_thread(adapter.restarted.wait, 10)
    assert adapter.papers("a") == every and len(adapter.texts("a")) == 1  # each post once
    subs = await core.subscriptions.all()
    assert len(subs) == 2 and not any(s.paused for s in subs)  # no subscription lost
    nine = AT_EIGHT + timedelta(hours=1)  # the other chat's morning
    await ticks_until(core, nine, lambda: len(adapter.papers("b")) == len(every))
    assert adapter.papers("b") == every and len(adapter.texts("b")) == 1


async def test_redis_restarting_mid_digest_is_ridden_out_within_the_run(
    restarting: tuple[Core, StopsRedis, list[str]],
) -> None:
    core, adapter, every = restarting
    await tick_at(core, AT_EIGHT)
    assert adapter.papers("a") == every


# ----------------------------------------------------------------------------- Telegram refuses


@pytest.fixture
async def telegram_digest(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: object
) -> AsyncIterator[tuple[Core, FakeTelegram]]:
    """The real TelegramAdapter on a fake Bot API: chat 101 is rate-limited once (429, retry
    after 1 s), chat 102 has blocked the bot (every send: 403), chat 103 is fine."""
    with FakeTelegram() as tg:
        core = await build_core(settings_for(arxiv, redis_url, gemini, user_rate_limit=0))
        adapter = TelegramAdapter(core, token=tg.token, base_url=tg.base_url, poll_timeout=0.5)
        await adapter.start()
        await until(lambda: adapter.connected, what="telegram connected")
        await started(core, adapter)
        try:
            publish(arxiv, monday_papers(2))
            for chat in ("101", "102", "103"):
                await subscribe(core, ChatRef("telegram", chat))
            tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", 1, chat_id=101)
            for method in ("sendMessage", "sendPhoto") * 10:
                tg.fail_next(method, 403, "Forbidden: bot was blocked by the user", chat_id=102)
            await tick_at(core, AT_EIGHT)
            yield core, tg
        finally:
            await adapter.stop()
            await core.aclose()


def delivered(tg: FakeTelegram, chat: int) -> list[str]:
    """The texts and captions that reached a chat."""
    return [c.params.get("text") or c.params["caption"] for c in tg.sent(chat)]


async def test_telegram_429_is_waited_out_and_403_pauses_only_that_chat(
    telegram_digest: tuple[Core, FakeTelegram],
) -> None:
    core, tg = telegram_digest
    fine = delivered(tg, 103)
    assert len(fine) == len(set(fine)) == 3  # header, then one message per paper
    assert delivered(tg, 101) == fine  # each message once, the 429'd one included
    refused = next(c for c in tg.calls_of("sendMessage") if c.status == 429)
    again = next(c for c in tg.sent(101) if c.params.get("text") == refused.params["text"])
    assert again.at - refused.at >= 1.0  # after the wait Telegram asked for
    assert tg.sent(102) == []
    (sub,) = await core.subscriptions.for_chat(ChatRef("telegram", "102"))
    assert sub.paused and "blocked" in (sub.pause_reason or "")
    assert await core.chats.unreachable_reason(ChatRef("telegram", "102")) is not None


async def test_a_blocked_chat_is_not_sent_the_rest_of_its_digest(
    telegram_digest: tuple[Core, FakeTelegram],
) -> None:
    _, tg = telegram_digest
    attempts = [
        c for c in tg.calls if c.chat_id == "102" and c.method in ("sendMessage", "sendPhoto")
    ]
    assert len(attempts) == 1


# ----------------------------------------------------------------------------- killed mid-send

CHILD = """
import asyncio, json, os
from datetime import datetime
from bot.app import build_core
from bot.chat.contract import SentRef
from bot.infra.settings import Settings

async def main():
    core = await build_core(Settings.from_env())
    sub = await core.subscriptions.get(os.environ["SUB_ID"])
    wire = open(os.environ["WIRE"], "a")
    async def send(chat, post):
        if post.paper_id == os.environ["HANG_ON"] and os.environ["WHEN"] == "before":
            await asyncio.Event().wait()
        wire.write(json.dumps(post.paper_id or post.text) + "\\n")
        wire.flush()  # the platform has it
        if post.paper_id == os.environ["HANG_ON"]:
            await asyncio.Event().wait()  # its answer never comes
        return SentRef(chat, ("1",))
    await core.scheduler.runner.run(sub, send, "slot", datetime.fromisoformat(os.environ["NOW"]))

asyncio.run(main())
"""


@pytest.mark.parametrize("when", ["after", "before"])
async def test_a_process_killed_while_sending_never_sends_twice(
    arxiv: FakeArxiv, redis_url: str, redis_client: object, tmp_path: Path, when: str
) -> None:
    """Record, then send: a delivery is claimed in Redis before the platform is called.

    The process is killed (SIGKILL) while the second card's platform call is in flight, either
    after the platform received it or before. The run that resumes never sends that card
    again: it arrived once, or (killed before it left) it is lost. That is the price of "at
    most once": a message whose send was cut short may be missing, never duplicated.
    """
    settings = settings_for(arxiv, redis_url)
    core = await started(await build_core(settings))
    papers = monday_papers(3)
    publish(arxiv, papers)
    sub_id = await subscribe(core, ChatRef("test", "k"))
    wire = tmp_path / "wire.jsonl"
    env = {**os.environ, **env_for(settings), "PAPERBOT_DATA_DIR": str(tmp_path)}
    env.update(SUB_ID=sub_id, WIRE=str(wire), HANG_ON=papers[1].versioned, WHEN=when)
    env.update(NOW=AT_EIGHT.isoformat())
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", CHILD, env=env, cwd=REPO)
    lines = 3 if when == "after" else 2  # the header, the first card (and the second card)
    try:
        deadline = time.monotonic() + 30
        while len(wire.read_text().splitlines() if wire.exists() else []) < lines:
            assert time.monotonic() < deadline and child.returncode is None, "it never sent"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # … and now it waits on the platform
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    before = [json.loads(line) for line in wire.read_text().splitlines()]
    resumed: list[str] = []

    async def send(chat: ChatRef, post: Post) -> SentRef:
        resumed.append(post.paper_id or post.text)
        return SentRef(chat, ("1",))

    try:
        await core.scheduler.runner.run(
            (await core.subscriptions.get(sub_id)) or pytest.fail("lost"), send, "slot", AT_EIGHT
        )
    finally:
        await core.aclose()
    delivered = before + resumed
    assert len(delivered) == len(set(delivered))  # nothing twice
    assert resumed == [papers[2].versioned]  # the resumed run sends only what never went out
    assert (papers[1].versioned in delivered) == (when == "after")  # else: lost, not repeated
