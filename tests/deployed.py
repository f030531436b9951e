"""The bot as deployed: processes started from the Procfile, on a free port of 127.0.0.1."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.harness import TLS, action_body, command_body, sign

ROOT = Path(__file__).resolve().parents[1]


def procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError("Procfile has no web process")


def base_env() -> dict[str, str]:
    """A clean environment for a child process: this venv first on PATH, and HOME."""
    bin_dir = str(Path(sys.executable).parent)
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": os.environ.get("HOME", str(ROOT)),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Instance:
    """One web process, started from the Procfile."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            shlex.split(procfile_web()),
            cwd=cwd,
            env={**env, "PORT": str(self.port)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1, verify=TLS).text == "ok":
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(self.stop())

    def command(self, text: str, response_url: str, **who: str) -> httpx.Response:
        body = command_body(text, response_url=response_url, **who)
        return self._post(body)

    def click(self, action_id: str, value: str, response_url: str) -> httpx.Response:
        body = action_body(action_id, value, response_url=response_url)
        return self._post(body)

    def _post(self, body: str) -> httpx.Response:
        """A signed request on a connection of its own, as each of Slack's comes."""
        url = f"{self.url}/slack/events"
        return httpx.post(url, content=body, headers=sign(body), timeout=3, verify=TLS)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        output, _ = self.proc.communicate(timeout=15)
        return output


def started(tmp_path: Path, wolkvox_url: str, slack_api_url: str, **extra: str) -> Instance:
    """A Procfile web process wired to the fakes, its history in `tmp_path`, ready."""
    from testkit.slack_requests import settings_env

    env = {
        **base_env(),
        **settings_env(wolkvox_url, slack_api_url),
        "DATABASE_URL": f"sqlite:///{tmp_path}/wolkvox.db",
        "HOST": "127.0.0.1",
        **extra,
    }
    instance = Instance(env, tmp_path)
    instance.wait_ready()
    return instance
