"""Socket Mode: `python -m bot` with SLACK_APP_TOKEN, over a WebSocket to a fake Slack."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.fake_slack import FakeSlack
from testkit.fake_socket_mode import FakeSocketMode
from testkit.fake_wolkvox import TOKEN, FakeWolkvox
from tests.blockkit import all_text
from tests.deployed import base_env
from tests.harness import BOT_TOKEN

APP_TOKEN = "xapp-1-A0APP-secret-app-token"


@pytest.fixture
def socket_mode(slack: FakeSlack) -> Iterator[FakeSocketMode]:
    fake = FakeSocketMode()
    slack.socket_url = fake.url
    yield fake
    fake.stop()


def test_commands_arrive_and_are_answered_over_socket_mode(
    tmp_path: Path, slack: FakeSlack, wolkvox: FakeWolkvox, socket_mode: FakeSocketMode
) -> None:
    env = {
        **base_env(),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "WOLKVOX_SERVER": "0032",
        "WOLKVOX_TOKEN": TOKEN,
        "WOLKVOX_BASE_URL": wolkvox.url,
    }  # no SLACK_SIGNING_SECRET: Socket Mode needs none
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert socket_mode.connected.wait(30), "the bot did not connect"
        [opened] = slack.calls("apps.connections.open")
        assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"
        payload = {
            "token": "legacy",
            "team_id": "T0001",
            "team_domain": "acme",
            "channel_id": "C0CHAN1",
            "channel_name": "campaigns",
            "user_id": "U0USER1",
            "user_name": "maria",
            "command": "/wolkvox-sync",
            "text": "1234",
            "api_app_id": "A0APP",
            "response_url": slack.response_url("s"),
            "trigger_id": "1.2.3",
        }
        socket_mode.send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "payload": payload,
                "accepts_response_payload": True,
            }
        )
        ack = socket_mode.ack_for("env-1")
        assert ack is not None and "Syncing connector *1234*" in all_text(ack["payload"])
        [reply] = slack.wait_replies("s", 1)
        assert "Connector 1234 · 3 templates" in all_text(reply)
        assert wolkvox.calls == ["1234"]
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert TOKEN not in output and APP_TOKEN not in output
