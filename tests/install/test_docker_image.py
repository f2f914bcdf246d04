"""The Docker image, built from a copy of the checkout, answers its own health check."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from install.release import copy_checkout
from support.fakes.arxiv_server import FakeArxiv
from support.fakes.telegram_server import FakeTelegram
from support.paperkit import env_for, settings_for
from support.servers import free_port

pytestmark = pytest.mark.timeout(600)  # a cold image build downloads every dependency


def docker_engine() -> None:
    """Skip unless a Docker engine answers (a client alone cannot build or run images)."""
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"no Docker engine on this machine: `docker info` failed: {exc}")
    if info.returncode != 0:
        reason = (info.stderr.strip().splitlines() or [f"exit status {info.returncode}"])[-1]
        pytest.skip(f"no Docker engine on this machine: `docker info` failed: {reason}")


def docker(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a docker command; fail the test with its output when it fails."""
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr}"
    return done


def test_the_image_answers_its_health_check(
    arxiv: FakeArxiv, redis_url: str, redis_client: object, tmp_path: Path
) -> None:
    docker_engine()
    copy_checkout(tmp_path / "checkout")
    tag, name = f"paperbot-test:{tmp_path.name}", f"paperbot-test-{tmp_path.name}"
    docker("build", "-q", "-t", tag, str(tmp_path / "checkout"), timeout=540)
    inspected = docker("image", "inspect", "-f", "{{json .Config.Healthcheck.Test}}", tag)
    kind, *health_check = json.loads(inspected.stdout)
    assert kind == "CMD"
    try:
        with FakeTelegram() as tg:
            settings = env_for(settings_for(arxiv, redis_url))  # the fakes on the host's 127.0.0.1
            settings |= {"TELEGRAM_BOT_TOKEN": tg.token, "PAPERBOT_TELEGRAM_BASE_URL": tg.base_url}
            settings |= {"PAPERBOT_METRICS_PORT": str(free_port())}
            flags = [f"--env={key}={value}" for key, value in settings.items()]
            docker("run", "-d", "--network=host", "--name", name, *flags, tag)
            for _ in range(60):
                answer = subprocess.run(
                    ["docker", "exec", name, *health_check], capture_output=True
                )
                if answer.returncode == 0:
                    break
                time.sleep(1)
            assert answer.returncode == 0, docker("logs", name).stderr
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=60)
