"""The ``paperbot`` command as a user runs it, against local arXiv and Gemini servers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.paperkit import process_env, settings_for, talklora
from support.paths import REPO

from adapters.cli import main


@pytest.fixture
def env(
    arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str, redis_client: object, tmp_path: Path
) -> dict[str, str]:
    settings = settings_for(arxiv, redis_url, gemini)
    return process_env(settings, PAPERBOT_DATA_DIR=str(tmp_path / "data"))


def paperbot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_summarize_prints_every_part_of_the_format_then_serves_from_cache(
    env: dict[str, str], arxiv: FakeArxiv, gemini: FakeGemini
) -> None:
    first = paperbot(env, "summarize", "2408.13714", "--lang", "zh")
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert out.startswith("## TalkLoRA: Low-Rank Adaptation for Speech-Driven Animation\n")
    assert "**作者:Jack Saunders, Vinay Namboodiri**" in out
    assert "[PDF](https://arxiv.org/abs/2408.13714v1) Accepted to INTERSPEECH 2024" in out
    assert "**一句话总结**\nTalkLoRA：用低秩适配快速适配说话风格" in out
    assert "1. 论文提出 point 1" in out
    assert "(TalkLoRA：用于语音驱动动画的低秩自适应)" in out
    assert "3. 第一作者单位: University of Bath" in out
    assert "GitHub: https://github.com/example-lab/talklora" in out
    for heading in ("6. 总结:", "7. 方法:", "8. 结论:"):
        assert heading in out
    assert "LVE 3.2 mm vs 3.9 mm (FaceFormer) on VOCASET." in out
    assert "Gemini (gemini-2.5-flash)" in out
    assert '<img src="' in out and "/html/2408.13714v1/x1.png" in out
    requests, calls = len(arxiv.requests), gemini.calls

    second = paperbot(env, "summarize", "2408.13714", "--lang", "zh")
    assert second.returncode == 0 and second.stdout == out
    assert len(arxiv.requests) == requests and gemini.calls == calls


def test_json_output_is_the_structured_summary(env: dict[str, str]) -> None:
    import json

    result = paperbot(env, "summarize", "arXiv:2408.13714", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["meta"]["id"] == {"base": "2408.13714", "version": 1}
    assert data["language"] == "en" and len(data["analysis"]["takeaways"]) == 6


@pytest.mark.parametrize(
    ("paper", "code", "says"),
    [
        ("9999.99999", 2, "not a valid arXiv id"),
        ("2408.1371", 2, "not a valid arXiv id"),
        ("https://example.com/abs/2408.13714", 2, "only read papers from arxiv.org"),
        ("", 2, "Which paper?"),
        ("x" * 5000, 2, "too long"),
        ("2408.99999", 2, "arXiv has no paper 2408.99999"),
        ("hello", 2, "No arXiv paper matches"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    paper: str,
    code: int,
    says: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["summarize", paper]) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0]


def test_failures_exit_1_and_cache_nothing(
    env: dict[str, str], arxiv: FakeArxiv, gemini: FakeGemini, redis_url: str
) -> None:
    arxiv.add(talklora("2409.00001", html=None, pdf=b"%PDF-1.4 garbage that pdfium rejects"))
    result = paperbot(env, "summarize", "2409.00001")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("paperbot: ") and "PDF" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    gemini.reply_text("not json at all")
    gemini.reply_text("{}")
    result = paperbot(env, "summarize", "2408.13714")
    assert result.returncode == 1 and "unusable summary" in result.stderr
    result = paperbot(env, "summarize", "2408.13714")
    assert result.returncode == 0  # nothing wrong was cached: the next try succeeds


def test_chat_works_with_no_token_and_no_key(tmp_path: Path, arxiv: FakeArxiv) -> None:
    """The README's run command: embedded Redis, console chat, extractive summaries, labelled."""
    settings = settings_for(arxiv, redis_url=None)  # no REDIS_URL: the embedded one
    env = process_env(settings, PAPERBOT_DATA_DIR=str(tmp_path / "data"))
    session = "/help\n/summarize 2408.13714\n/quit\n"
    result = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "run"],
        input=session,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "embedded Redis" in out and "console chat" in out
    assert "passages for questions: BM25 ·" in out  # offline: no embeddings
    assert "extractive summary (no LLM configured)" in out
    assert "/summarize — Summarize an arXiv paper" in out
    assert "TalkLoRA: Low-Rank Adaptation for Speech-Driven Animation" in out
    assert "Authors: Jack Saunders, Vinay Namboodiri" in out
    assert "Code: https://github.com/example-lab/talklora" in out
    assert (tmp_path / "data" / "appendonly.aof").exists() or any(
        (tmp_path / "data").glob("appendonly*")
    )


async def test_run_starts_telegram_when_its_token_is_set_and_stops_on_sigterm(
    tmp_path: Path, arxiv: FakeArxiv, redis_url: str, redis_client: object
) -> None:
    import asyncio
    import signal

    import httpx
    from support.fakes.telegram_server import FakeTelegram
    from support.servers import free_port

    metrics_port = free_port()
    with FakeTelegram() as tg:
        env = process_env(
            settings_for(arxiv, redis_url),
            TELEGRAM_BOT_TOKEN=tg.token,
            PAPERBOT_TELEGRAM_BASE_URL=tg.base_url,
            PAPERBOT_DATA_DIR=str(tmp_path / "data"),
            PAPERBOT_METRICS_PORT=str(metrics_port),
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "adapters.cli",
            "run",
            env=env,
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            tg.push_message(42, 42, "/summarize 2408.13714")
            _, card = await tg.await_sent(42, 2, timeout=30)  # the card is one message
            assert "TalkLoRA" in (card.params.get("text") or card.params.get("caption") or "")
            assert tg.commands("zh")  # the command menu was published in Chinese too
            async with httpx.AsyncClient() as http:
                health = await http.get(f"http://127.0.0.1:{metrics_port}/healthz")
                metrics = await http.get(f"http://127.0.0.1:{metrics_port}/metrics")
            assert health.status_code == 200
            assert health.json()["adapters"] == {"telegram": True}
            assert 'paperbot_commands_total{command="summarize",outcome="ok"} 1' in metrics.text
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 0, err.decode()
        assert tg.token not in out.decode() + err.decode()  # the token is never printed
        assert "telegram" in out.decode()


def test_digest_prints_the_daily_post_with_front_matter_and_the_real_model(
    env: dict[str, str], arxiv: FakeArxiv
) -> None:
    from datetime import date

    second = arxiv.add(talklora("2411.00002", title="Lip-sync: a second talking head paper"))
    unrelated = arxiv.add(talklora("2411.00003", title="Segmentation", abstract="We segment."))
    feed = [(arxiv.find("2408.13714"), "new"), (second, "new"), (unrelated, "new")]
    arxiv.announce("cs.CV", date(2024, 8, 28), [(p, kind) for p, kind in feed if p])
    result = paperbot(
        env,
        "digest",
        "--categories",
        "cs.CV",
        "--query",
        '"talking head" OR "low-rank adaptation"',
        "--lang",
        "zh",
        "--title",
        "Talking Head Generation",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith('---\ntitle: "Talking Head Generation"\ndate: ')
    assert "tags:\n    - " in out and "categories: Paper" in out
    assert (
        'description: "Talking Head Generation 方向最新论文已更新，请持续关注 Update in 2024-08-28'
        in out
    )
    assert "> ⚠️ 以下所有内容总结都来自于 Gemini (gemini-2.5-flash)" in out
    assert "# 2024-08-28 更新" in out
    assert out.count("\n## ") == 2 and "Segmentation" not in out
    assert out.index("## TalkLoRA") > out.index("# 2024-08-28 更新")
    assert "<details>" in out


def test_digest_refuses_bad_arguments(env: dict[str, str]) -> None:
    for args, says in (
        (["--categories", "cs.CVV"], "Did you mean cs.CV"),
        (["--categories", "cs.CV", "--date", "yesterday"], "YYYY-MM-DD"),
        (["--query", "(unbalanced"], "never closed"),
    ):
        result = paperbot(env, "digest", *args)
        assert result.returncode == 2 and says in result.stderr, result.stderr


def test_the_console_chat_serves_the_feed_links_it_gives(tmp_path: Path, arxiv: FakeArxiv) -> None:
    """`/feed` in the console chat (embedded Redis, no tokens) names pages that really open."""
    import httpx
    from support.servers import free_port

    port = free_port()
    settings = settings_for(arxiv, redis_url=None)
    env = process_env(
        settings, PAPERBOT_DATA_DIR=str(tmp_path / "data"), PAPERBOT_METRICS_PORT=str(port)
    )
    with subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
        cwd=REPO,
    ) as chat:
        assert chat.stdin is not None and chat.stdout is not None
        try:
            chat.stdin.write("/subscribe cs.CV\n/feed\n")
            chat.stdin.flush()
            links: list[str] = []
            for line in chat.stdout:
                links += [w for w in line.split() if f"127.0.0.1:{port}/s/" in w]
                if len(links) >= 2:
                    break
            page, feed = sorted(links, key=lambda link: link.endswith("feed.xml"))
            opened = httpx.get(page, timeout=10)
            assert opened.status_code == 200 and "cs.CV" in opened.text
            atom = httpx.get(feed, timeout=10).headers["content-type"]
            assert atom.startswith("application/atom")
            chat.stdin.write("/quit\n")
            chat.stdin.flush()
            assert chat.wait(timeout=30) == 0
        finally:
            chat.kill()
