"""The installed ``paperbot`` (wheel in a fresh venv, run from elsewhere) against the local fakes."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import tarfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from install.release import Installed
from packaging.utils import canonicalize_name
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.gemini_server import FakeGemini
from support.fakes.telegram_server import FakeTelegram
from support.paperkit import env_for, settings_for, talklora
from support.paths import REPO
from support.servers import free_port

pytestmark = pytest.mark.timeout(300)  # the first test also waits for the build and install

PROMPTS = sorted(p.name for p in (REPO / "prompts").glob("*.md"))
TITLE = "TalkLoRA: Low-Rank Adaptation for Speech-Driven Animation"


@pytest.fixture
def env(
    installed: Installed,
    arxiv: FakeArxiv,
    gemini: FakeGemini,
    redis_url: str,
    redis_client: object,
    tmp_path: Path,
) -> dict[str, str]:
    settings = env_for(settings_for(arxiv, redis_url, gemini))
    return installed.env(tmp_path / "home", PAPERBOT_DATA_DIR=str(tmp_path / "data"), **settings)


def paperbot(
    installed: Installed, env: dict[str, str], cwd: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [installed.paperbot, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_sdist_and_wheel_ship_every_prompt(installed: Installed) -> None:
    with tarfile.open(installed.sdist) as sdist:
        in_sdist = sorted(Path(n).name for n in sdist.getnames() if "/prompts/" in n)
    with zipfile.ZipFile(installed.wheel) as wheel:
        in_wheel = sorted(Path(n).name for n in wheel.namelist() if n.startswith("prompts/"))
    assert PROMPTS and "summary_system.md" in PROMPTS
    assert set(PROMPTS) <= set(in_sdist) and set(PROMPTS) <= set(in_wheel)


def in_venv(installed: Installed, cwd: Path, code: str) -> Any:
    """What ``code`` prints as JSON, run by the installed interpreter in ``cwd``."""
    done = subprocess.run(
        [installed.python, "-c", code],
        env=installed.env(cwd / "home"),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_installed_package_reads_nothing_from_the_checkout(
    installed: Installed, elsewhere: Path
) -> None:
    found = in_venv(
        installed,
        elsewhere,
        "import json, bot, adapters, prompts; from bot.llm.prompts import load;"
        "print(json.dumps([[bot.__file__, adapters.__file__, prompts.__file__],"
        " load('summary').system]))",
    )
    files, prompt = found
    for file in files:
        assert Path(file).is_relative_to(installed.venv / "lib"), file
        assert not Path(file).is_relative_to(REPO), file
    assert prompt == (REPO / "prompts" / "summary_system.md").read_text(encoding="utf-8")


def test_the_installed_package_ships_and_renders_the_page_templates(
    installed: Installed, elsewhere: Path
) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        shipped = {n for n in wheel.namelist() if n.startswith("bot/web/templates/")}
    assert {f"bot/web/templates/{n}" for n in ("page.html", "card.html", "feed.xml")} <= shipped
    page, feed = in_venv(
        installed,
        elsewhere,
        "import json; from bot.digests.subscriptions import Subscription;"
        "from bot.web.pages import Digests; from bot.web.render import Links, feed_xml, page_html;"
        "d = Digests(Subscription(id='ab12cd', platform='test', chat_id='c', categories=('cs.CV',)), ());"
        "print(json.dumps([page_html(d, Links.relative('t')), feed_xml(d, Links.under('http://h', 't'))]))",
    )
    assert "<h1>cs.CV</h1>" in page and "No digest has been delivered yet" in page
    assert feed.startswith('<?xml version="1.0" encoding="utf-8"?>') and "<entry>" not in feed


def test_every_installed_library_is_the_version_constraints_txt_pins(
    installed: Installed, elsewhere: Path
) -> None:
    dists = in_venv(
        installed,
        elsewhere,
        "import json, importlib.metadata as m;"
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
    )
    pinned: dict[str, str] = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        name, pin, version = line.partition("==")
        if pin and not line.startswith("#"):
            pinned[canonicalize_name(name)] = version.strip()
    found = {str(canonicalize_name(name)): version for name, version in dists.items()}
    assert found.pop("paperbot") == "0.1.0"
    assert len(found) > 30  # the whole dependency tree, not just a handful
    differ = {name: version for name, version in found.items() if pinned.get(name) != version}
    assert not differ, f"installed at versions constraints.txt does not pin: {differ}"


def test_summarize_prints_the_card_with_the_papers_title(
    installed: Installed, env: dict[str, str], elsewhere: Path, gemini: FakeGemini
) -> None:
    done = paperbot(installed, env, elsewhere, "summarize", "2408.13714")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"## {TITLE}\n")
    assert "LVE 3.2 mm vs 3.9 mm (FaceFormer) on VOCASET." in done.stdout
    assert "Gemini (gemini-2.5-flash)" in done.stdout
    shipped = (REPO / "prompts" / "summary_system.md").read_text(encoding="utf-8")
    first_line = shipped.splitlines()[0]
    assert first_line in FakeGemini.system_text(gemini.generate_requests[0].body)


def test_ask_answers_with_a_citation(
    installed: Installed, env: dict[str, str], elsewhere: Path
) -> None:
    done = paperbot(installed, env, elsewhere, "ask", "2408.13714", "which LoRA rank works best?")
    assert done.returncode == 0, done.stderr
    assert "Rank 8 works best." in done.stdout
    assert "§4 Experiments" in done.stdout


def test_digest_prints_front_matter_and_the_papers(
    installed: Installed, env: dict[str, str], elsewhere: Path, arxiv: FakeArxiv
) -> None:
    other = arxiv.add(talklora("2411.00003", title="Segmentation", abstract="We segment."))
    arxiv.announce("cs.CV", date(2024, 8, 28), [(arxiv.find("2408.13714"), "new"), (other, "new")])
    which = ("--categories", "cs.CV", "--query", '"low-rank adaptation"')
    how = ("--format", "hexo", "--title", "Talking Heads")
    done = paperbot(installed, env, elsewhere, "digest", *which, *how)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('---\ntitle: "Talking Heads"\ndate: ')
    assert f"## {TITLE}" in done.stdout and "Segmentation" not in done.stdout
    assert "Gemini (gemini-2.5-flash)" in done.stdout


async def test_run_answers_telegram_and_serves_health_and_metrics(
    installed: Installed, env: dict[str, str], elsewhere: Path
) -> None:
    port = free_port()
    with FakeTelegram() as tg:
        env = env | {
            "TELEGRAM_BOT_TOKEN": tg.token,
            "PAPERBOT_TELEGRAM_BASE_URL": tg.base_url,
            "PAPERBOT_METRICS_PORT": str(port),
        }
        proc = await asyncio.create_subprocess_exec(
            installed.paperbot,
            "run",
            env=env,
            cwd=elsewhere,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            tg.push_message(42, 42, "/summarize 2408.13714")
            _, card = await tg.await_sent(42, 2, timeout=60)  # the card is one message
            assert TITLE in (card.params.get("text") or card.params.get("caption") or "")
            async with httpx.AsyncClient() as http:
                health = await http.get(f"http://127.0.0.1:{port}/healthz")
                metrics = await http.get(f"http://127.0.0.1:{port}/metrics")
            assert health.status_code == 200
            assert health.json()["adapters"] == {"telegram": True}
            assert 'paperbot_commands_total{command="summarize",outcome="ok"} 1' in metrics.text
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        assert tg.token not in out.decode() + err.decode()
