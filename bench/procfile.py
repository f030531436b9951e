"""The bot as deployed: the Procfile's web process on 127.0.0.1, wired to the fakes, and its
memory. Every benchmark scenario starts the bot through here."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox
from testkit.slack_requests import settings_env

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def process(
    command: list[str], env: dict[str, str], cwd: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`command` serving on a free port under `env`, once it answers HTTP: its URL and process,
    stopped with SIGTERM (killed after 15 s) afterwards."""
    port = free_port()
    log = (cwd / "bot.log").open("wb")  # not a pipe: a bot that logs more than a pipe holds
    proc = subprocess.Popen(  # would block on its next line once nobody reads it
        command,
        cwd=cwd,
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.post(f"{url}/slack/events", content=b"", timeout=1)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                said = (cwd / "bot.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{command} did not start: {said}") from None
            time.sleep(0.1)
    try:
        yield url, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def rss_mb(pid: int) -> float:
    """Process `pid`'s resident memory in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bot_env(wolkvox: FakeWolkvox, slack: FakeSlack, workdir: Path) -> dict[str, str]:
    """The Procfile process's environment: this venv first on PATH, wired to the fakes."""
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": os.environ.get("HOME", str(workdir)),
        **settings_env(wolkvox.url, slack.api_url, WOLKVOX_TIMEOUT="30"),
        "HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
    }
    if os.environ.get("PYTHONPATH"):  # to measure another checkout with the same venv
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def web_command() -> list[str]:
    """The Procfile's web line, as a command."""
    procfile = (ROOT / "Procfile").read_text().splitlines()
    return shlex.split(next(line for line in procfile if line.startswith("web:"))[4:])
