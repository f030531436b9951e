"""What the Heroku Python buildpack and the dynos do, on this machine: a fresh virtualenv,
`pip install -r requirements.txt`, the app's files (and nothing else) as the slug, then the
Procfile's `release` line and its `web` line with PORT and DATABASE_URL, answering /healthz.

Installs from PyPI (through pip's cache), so it takes a minute or two the first time.
"""

from __future__ import annotations

import fcntl
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox
from testkit.slack_requests import settings_env
from tests.deployed import free_port
from tests.harness import TLS
from tests.test_project import locked

ROOT = Path(__file__).resolve().parents[1]
INSTALL_SECONDS = 900  # a give-up bound for a slow mirror, not a measure of speed
START_SECONDS = 120


def procfile() -> dict[str, str]:
    """The Procfile's process types and their commands."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {
        kind.strip(): command.strip()
        for kind, _, command in (line.partition(":") for line in lines)
    }


def slug_files() -> list[str]:
    """The files a `git push` would send: tracked ones, and new ones not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


class Dyno:
    """A slug and the virtualenv the buildpack would have built for it."""

    def __init__(self, slug: Path, venv: Path, home: Path) -> None:
        self.slug, self.venv, self.home = slug, venv, home

    def env(self, **settings: str) -> dict[str, str]:
        """A dyno's environment: the venv's python first on PATH, and the config vars."""
        return {"PATH": f"{self.venv / 'bin'}:/usr/bin:/bin", "HOME": str(self.home), **settings}


@pytest.fixture(scope="module")
def dyno(tmp_path_factory: pytest.TempPathFactory) -> Dyno:
    """One dyno for the run: the first test to need it builds it, under a lock, and tests on
    other pytest-xdist workers wait for it and use it too."""
    run_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_dir = run_dir.parent  # the workers' common directory for this run
    base = run_dir / "heroku"
    with (run_dir / "heroku.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / "built").exists():
            shutil.rmtree(base, ignore_errors=True)  # what a failed build left
            _build(base)
            (base / "built").touch()
    return Dyno(base / "slug", base / "venv", base / "home")


def _build(base: Path) -> None:
    venv, slug, home = base / "venv", base / "slug", base / "home"
    home.mkdir(parents=True)
    # the app needs no pip at run time: this pip installs into the venv (--python), which saves
    # the venv its own copy (a few seconds of CPU)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    pip = [sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check"]
    installed = subprocess.run(
        [*pip, "install", "--quiet", "-r", str(ROOT / "requirements.txt")],
        capture_output=True,
        text=True,
        timeout=INSTALL_SECONDS,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    checked = subprocess.run([*pip, "check"], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    frozen = subprocess.run(
        [*pip, "freeze", "--all", "--exclude", "pip", "--exclude", "setuptools"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert _versions(frozen) == locked(), "pip installed more or other than requirements.txt pins"
    for name in slug_files():
        target = slug / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)


def _versions(frozen: str) -> dict[str, Version]:
    pairs = (line.split("==") for line in frozen.splitlines() if "==" in line)
    return {canonicalize_name(name): Version(version) for name, version in pairs}


@pytest.fixture
def fakes() -> Iterator[tuple[FakeWolkvox, FakeSlack]]:
    wolkvox, slack = FakeWolkvox(), FakeSlack()
    yield wolkvox, slack
    wolkvox.stop()
    slack.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/wolkvox.db"
    postgres_url = str(request.getfixturevalue("postgres_url"))
    return f"{postgres_url}?sslmode=prefer&application_name=wolkvox-sync"


def test_release_then_web_answer_healthz(
    dyno: Dyno, fakes: tuple[FakeWolkvox, FakeSlack], database_url: str
) -> None:
    wolkvox, slack = fakes
    processes = procfile()
    assert set(processes) == {"release", "web"}
    port = free_port()
    env = dyno.env(
        **settings_env(wolkvox.url, slack.api_url, DATABASE_URL=database_url, PORT=str(port))
    )

    release = subprocess.run(
        shlex.split(processes["release"]),
        cwd=dyno.slug,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
    )
    assert release.returncode == 0, release.stdout + release.stderr
    assert "database schema at revision" in release.stdout

    web = subprocess.Popen(
        shlex.split(processes["web"]),
        cwd=dyno.slug,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = _healthz(f"http://127.0.0.1:{port}/healthz", web)
    finally:
        if web.poll() is None:
            web.send_signal(signal.SIGTERM)
        output, _ = web.communicate(timeout=60)
    assert status == 200, output
    assert web.returncode in (0, -signal.SIGTERM), output  # uvicorn re-raises SIGTERM
    assert "Traceback" not in output, output


def _healthz(url: str, web: subprocess.Popen[str]) -> int | None:
    """GET /healthz until the web process answers; None if it exits or never does."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and web.poll() is None:
        try:
            return httpx.get(url, timeout=2, verify=TLS).status_code
        except httpx.TransportError:
            time.sleep(0.2)
    return None
