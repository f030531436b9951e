"""The bot in Socket Mode, as tests start it: `python -m bot` with SLACK_APP_TOKEN in a real
process, connected over a WebSocket to a fake Socket Mode endpoint that the fake Slack hands
out (apps.connections.open)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from testkit.fake_slack import FakeSlack
from testkit.fake_socket_mode import FakeSocketMode
from testkit.fake_wolkvox import TOKEN, FakeWolkvox
from tests.deployed import base_env
from tests.harness import BOT_TOKEN

APP_TOKEN = "xapp-1-A0APP-secret-app-token"


@dataclass
class SocketModeBot:
    """The running bot's link: envelopes go out through `socket`; `output` is what the process
    printed, once it has stopped."""

    socket: FakeSocketMode
    output: str = ""


@contextmanager
def socket_mode_bot(cwd: Path, slack: FakeSlack, wolkvox: FakeWolkvox) -> Iterator[SocketModeBot]:
    """`python -m bot` in Socket Mode, connected; stopped with SIGTERM on the way out. There is
    no SLACK_SIGNING_SECRET: Socket Mode needs none."""
    socket = FakeSocketMode()
    slack.socket_url = socket.url
    env = {
        **base_env(),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "WOLKVOX_SERVER": "0032",
        "WOLKVOX_TOKEN": TOKEN,
        "WOLKVOX_BASE_URL": wolkvox.url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    bot = SocketModeBot(socket)
    try:
        assert socket.connected.wait(30), "the bot did not connect"
        yield bot
    finally:
        process.send_signal(signal.SIGTERM)
        bot.output, _ = process.communicate(timeout=15)
        socket.stop()
