"""The console as a terminal or a scheduler runs it: a working directory whose .env points at
the fake Slack and the fake Wolkvox, `python -m bot ...` (or the installed `wolkvox-sync`
script) in a real process, and a channel subscribed in the directory's SQLite file.

`python -m bot` runs in a process forked from one that has imported the bot already
(tests/forked.py); the installed script starts a fresh interpreter."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.database.store import Store
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox
from tests.deployed import base_env
from tests.forked import as_text, run_bot
from tests.harness import BOT_TOKEN

SCRIPT = Path(sys.executable).parent / "wolkvox-sync"


def write_env(
    workdir: Path,
    wolkvox: FakeWolkvox,
    slack: FakeSlack,
    *extra: str,
    connectors: str = "ventas=1234,soporte=5678",
) -> None:
    """The .env the console reads: the fakes' addresses, WOLKVOX_CONNECTORS, and `extra` lines."""
    lines = [
        f"SLACK_BOT_TOKEN={BOT_TOKEN}",
        f"SLACK_API_URL={slack.api_url}",
        "WOLKVOX_SERVER=0032",
        f"WOLKVOX_TOKEN={TOKEN}",
        f"WOLKVOX_BASE_URL={wolkvox.url}",
        f"WOLKVOX_CONNECTORS={connectors}",
        *extra,
    ]
    (workdir / ".env").write_text("\n".join(lines) + "\n")


def run(
    workdir: Path, *args: str, program: list[str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m bot *args` (or `program *args`) in `workdir`, `stdin` on its standard input;
    its output as text."""
    if program:
        return subprocess.run(
            [*program, *args],
            cwd=workdir,
            env=base_env(),
            capture_output=True,
            text=True,
            timeout=60,
            input=stdin,
        )
    given = stdin.encode() if stdin is not None else None
    return as_text(run_bot(args, cwd=workdir, env=base_env(), timeout=60, stdin=given))


def run_bytes(workdir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """`python -m bot *args` in `workdir`; its output as bytes."""
    return run_bot(args, cwd=workdir, env=base_env(), timeout=60)


def subscribe(workdir: Path, connector: str = "default:1234", channel: str = "C0SALES") -> None:
    """`channel` gets what changes in `connector` (a key: the environment's operation is
    `default`), as `subscribe` in Slack would have stored."""

    async def store_it() -> None:
        store = await Store.open(f"sqlite:///{workdir}/wolkvox.db")
        try:
            await store.subscribe(
                team_id="T1",
                channel_id=channel,
                connector=connector,
                user_id="U1",
                now=datetime.now(UTC),
            )
        finally:
            await store.aclose()

    asyncio.run(store_it())
