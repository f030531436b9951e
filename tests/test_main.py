"""The bot as deployed: the Procfile's command in a real process, settings from .env."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox
from tests.blockkit import all_text
from tests.deployed import Instance, base_env, free_port, procfile_web
from tests.forked import run_bot
from tests.harness import BOT_TOKEN, SIGNING_SECRET


def test_missing_settings_stop_the_start_with_one_message(tmp_path: Path) -> None:
    run = subprocess.run(
        shlex.split(procfile_web()),
        cwd=tmp_path,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        assert name in run.stderr
    assert "WOLKVOX_TOKEN" not in run.stderr  # optional: operations can be added in Slack
    assert "Traceback" not in run.stderr


def test_a_wrong_secret_key_stops_the_start_with_one_line(tmp_path: Path, slack: FakeSlack) -> None:
    """The database holds a token sealed with one key; the process starts with another."""
    key, other = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = (
        f"SLACK_BOT_TOKEN={BOT_TOKEN}\nSLACK_SIGNING_SECRET={SIGNING_SECRET}\n"
        f"SLACK_API_URL={slack.api_url}\nHOST=127.0.0.1\nWOLKVOX_SECRET_KEY={{key}}\n"
    )
    (tmp_path / ".env").write_text(settings.format(key=key))
    added = run_bot(
        ["operation", "add", "cliente_a", "--server", "0040"],
        cwd=tmp_path,
        env=base_env(),
        timeout=60,
        stdin=b"tok-CLIENTEA-7f3c9a1d5e\n",
    )
    assert added.returncode == 0, added.stderr
    for keys, says in ((other, "does not open"), ("", "is not set")):
        (tmp_path / ".env").write_text(settings.format(key=keys))
        start = subprocess.run(
            shlex.split(procfile_web()),
            cwd=tmp_path,
            env={**base_env(), "PORT": str(free_port())},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert start.returncode == 2, start.stderr
        assert start.stderr.startswith(f"wolkvox-sync cannot start: WOLKVOX_SECRET_KEY {says}")
        assert len(start.stderr.splitlines()) == 1, start.stderr
        assert key not in start.stderr and other not in start.stderr


def test_malformed_settings_are_each_named(tmp_path: Path) -> None:
    env = {
        **base_env(),
        "SLACK_BOT_TOKEN": "xoxp-user",
        "SLACK_SIGNING_SECRET": "s",
        "WOLKVOX_TOKEN": "t",
        "WOLKVOX_SERVER": "madrid",
        "WOLKVOX_CACHE_TTL": "five",
        "WOLKVOX_TIMEOUT": "0",
        "WOLKVOX_NOTIFY_CHANNEL": "#general",
        "PORT": "99999",
    }
    run = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    for says in (
        "SLACK_BOT_TOKEN must be a bot token",
        "WOLKVOX_SERVER must be",
        "WOLKVOX_CACHE_TTL must be",
        "WOLKVOX_TIMEOUT must be",
        "WOLKVOX_NOTIFY_CHANNEL must be a channel id",
        "PORT must be",
    ):
        assert says in run.stderr


@pytest.fixture
def deployed(tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack) -> Iterator[Instance]:
    (tmp_path / ".env").write_text(
        f"SLACK_BOT_TOKEN={BOT_TOKEN}\nSLACK_SIGNING_SECRET={SIGNING_SECRET}\nSLACK_API_URL={slack.api_url}\n"
        f"WOLKVOX_SERVER=wv0032\nWOLKVOX_TOKEN={TOKEN}\nWOLKVOX_BASE_URL={wolkvox.url}\n"
        "WOLKVOX_NOTIFY_CHANNEL=C0NOTIFY\nHOST=127.0.0.1\n"
    )
    instance = Instance(base_env(), tmp_path)  # every setting comes from .env
    instance.wait_ready()
    yield instance
    instance.stop()


def test_the_procfile_process_answers_a_signed_command(
    deployed: Instance, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    acked = deployed.command("1234", slack.response_url("p"))
    assert acked.status_code == 200 and ":hourglass_flowing_sand:" in acked.text  # syncing
    [reply] = slack.wait_replies("p", 1)
    assert "Connector 1234 · 3 templates" in all_text(reply)
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) == 1)
    assert wolkvox.requests[0]["headers"]["wolkvox_server"] == "0032"
    unsigned = httpx.post(
        f"{deployed.url}/slack/events", content=b"command=/wolkvox-sync&text=1234", timeout=3
    )
    assert unsigned.status_code == 401
    output = deployed.stop()
    assert deployed.proc.returncode in (
        0,
        -signal.SIGTERM,
    )  # uvicorn re-raises the signal it handled
    assert "Application shutdown complete" in output
    assert "listening on http://127.0.0.1" in output
    assert "WARNING" not in output
    assert TOKEN not in output and BOT_TOKEN not in output and SIGNING_SECRET not in output
