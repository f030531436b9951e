"""Connections that send nothing: closed after a few seconds, and never in the way of Slack's
requests or the platform's health check (the Procfile process, bot/connections.py)."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.connections import HEADER_SECONDS
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox
from tests.deployed import Instance, started

IDLE = 600  # more than uvicorn's limit_concurrency of 500 counted, idle ones included


@pytest.fixture
def instance(tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack) -> Iterator[Instance]:
    running = started(tmp_path, wolkvox.url, slack.api_url)
    yield running
    running.stop()


def test_idle_connections_never_shut_out_slack_and_are_closed(
    instance: Instance, slack: FakeSlack
) -> None:
    idle = [socket.create_connection(("127.0.0.1", instance.port)) for _ in range(IDLE)]
    slow = socket.create_connection(("127.0.0.1", instance.port))
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers begun, never finished
    try:
        started_at = time.monotonic()
        assert httpx.get(f"{instance.url}/healthz", timeout=3).status_code == 200
        acked = instance.command("1234", slack.response_url("c"))  # gives up after 3 s
        ack_seconds = time.monotonic() - started_at
        assert acked.status_code == 200 and ":hourglass_flowing_sand:" in acked.text  # syncing
        assert ack_seconds < 3.0

        deadline = time.monotonic() + HEADER_SECONDS + 10  # generous on a loaded machine
        still_open = [s for s in [*idle, slow] if not _closed_by_server(s, deadline)]
        assert not still_open, f"{len(still_open)} of {IDLE + 1} never closed"
    finally:
        for sock in [*idle, slow]:
            sock.close()
    assert instance.proc.poll() is None
    instance.proc.send_signal(signal.SIGTERM)
    output, _ = instance.proc.communicate(timeout=15)
    assert "Traceback" not in output, output


def _closed_by_server(sock: socket.socket, deadline: float) -> bool:
    """Whether the server closes `sock` (EOF or reset) before `deadline`."""
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
