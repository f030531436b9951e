"""Fail fast at start, and say why in one line: a token Slack refuses, a database that can't be
reached, .env.example's placeholders, misspelt setting names; and the banner once bound."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bot.config import Settings, misspelt_settings, setting_names
from bot.ops.banner import banner, describe_database, describe_redis
from bot.ops.preflight import EXAMPLE_VALUES
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox
from tests.deployed import ROOT, base_env
from tests.forked import as_text, run_bot
from tests.harness import BOT_TOKEN, settings_env
from tests.test_schedule import Watched


@pytest.fixture
def env(wolkvox: FakeWolkvox, slack: FakeSlack, tmp_path: Path) -> dict[str, str]:
    return {
        **base_env(),
        **settings_env(wolkvox.url, slack.api_url),
        "HOST": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/wolkvox.db",
    }


def serve(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot serve --http` that is expected to stop by itself (in a forked process,
    tests/forked.py)."""
    env = {**env, "PORT": "9"}  # never bound: the checks stop it first
    return as_text(run_bot(["serve", "--http"], cwd=cwd, env=env, timeout=90))


# --- misspelt setting names ---


@pytest.mark.parametrize(
    ("name", "warning"),
    [
        ("WOLKVOX_CACHE_TTLL", "WOLKVOX_CACHE_TTLL: did you mean WOLKVOX_CACHE_TTL?"),
        ("SLACK_TOKEN", "SLACK_TOKEN: did you mean SLACK_BOT_TOKEN?"),
        ("SLAK_SIGNING_SECRET", "SLAK_SIGNING_SECRET: did you mean SLACK_SIGNING_SECRET?"),
        ("WOLVOX_TOKEN", "WOLVOX_TOKEN: did you mean WOLKVOX_TOKEN?"),
        ("wolkvox_server", "wolkvox_server: did you mean WOLKVOX_SERVER?"),
        ("WOLKVOX_AUTOSYNC", "WOLKVOX_AUTOSYNC: did you mean WOLKVOX_AUTO_SYNC?"),
    ],
)
def test_a_misspelt_name_gets_the_likely_one(name: str, warning: str) -> None:
    assert misspelt_settings({name: "x", "PATH": "/bin"}) == [warning]


@pytest.mark.parametrize(
    "name", ["WOLKVOX_TOKEN", "PATH", "STACK_SIZE", "SLACK_WEBHOOK_FOR_OTHER_APP", "PORT", "HOME"]
)
def test_other_names_get_no_warning(name: str) -> None:
    assert misspelt_settings({name: "x"}) == []


def test_the_known_names_are_the_ones_from_env_reads() -> None:
    names = setting_names()
    assert {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "WOLKVOX_CACHE_TTL", "METRICS_TOKEN"} <= names
    example = (ROOT / ".env.example").read_text()
    assert names <= set(re.findall(r"^([A-Z_]+)=", example, re.M))


def test_the_placeholders_are_the_ones_env_example_ships() -> None:
    example = (ROOT / ".env.example").read_text()
    for name, value in EXAMPLE_VALUES.items():
        assert f"\n{name}={value}\n" in example


# --- python -m bot serve --http, stopped by a check ---


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_token_slack_refuses_stops_the_start_with_one_line(
    env: dict[str, str], slack: FakeSlack, tmp_path: Path, error: str
) -> None:
    slack.scripted["auth.test"] = [(200, {"ok": False, "error": error})]
    run = serve(env, tmp_path)
    assert run.returncode == 2
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("wolkvox-sync cannot start: Slack refused SLACK_BOT_TOKEN")
    assert error in line and "OAuth & Permissions" in line
    assert BOT_TOKEN not in run.stderr + run.stdout
    [check] = slack.calls("auth.test")
    assert check.headers["Authorization"] == f"Bearer {BOT_TOKEN}"


def test_a_database_that_cannot_be_reached_stops_the_start_naming_its_host(
    env: dict[str, str], tmp_path: Path, closed_port: int
) -> None:
    url = f"postgresql://wolkvox:Sup3rS3cret@127.0.0.1:{closed_port}/wolkvox"
    run = serve({**env, "DATABASE_URL": url}, tmp_path)
    assert run.returncode == 1
    [line] = run.stderr.strip().splitlines()
    assert line.startswith(f"wolkvox-sync cannot start: the database at 127.0.0.1:{closed_port}")
    assert "DATABASE_URL" in line
    assert "Sup3rS3cret" not in run.stderr + run.stdout


def test_a_sqlite_file_that_cannot_be_made_stops_the_start(
    env: dict[str, str], tmp_path: Path
) -> None:
    run = serve({**env, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/bot.db"}, tmp_path)
    assert run.returncode == 1
    [line] = run.stderr.strip().splitlines()
    assert f"the database at {tmp_path}/missing/dir/bot.db can't be reached" in line


def test_placeholders_from_env_example_refuse_to_start(tmp_path: Path, slack: FakeSlack) -> None:
    example = (ROOT / ".env.example").read_text()
    (tmp_path / ".env").write_text(example)  # copied, not filled in
    run = serve(base_env(), tmp_path)
    assert run.returncode == 2
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("wolkvox-sync cannot start: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, ")
    assert "WOLKVOX_TOKEN still hold the example value from .env.example" in line
    assert slack.api_calls == []  # refused before asking anyone


def test_one_placeholder_is_named_alone(env: dict[str, str], tmp_path: Path) -> None:
    run = serve({**env, "WOLKVOX_TOKEN": "your-wolkvox-token"}, tmp_path)
    assert run.returncode == 2
    [line] = run.stderr.strip().splitlines()
    assert "cannot start: WOLKVOX_TOKEN still holds the example value" in line


# --- started: warnings, then the banner once the port is bound ---


def test_an_unreachable_slack_warns_and_the_bot_starts_with_its_banner(
    env: dict[str, str], tmp_path: Path, closed_port: int
) -> None:
    started = Watched(
        {
            **env,
            "SLACK_API_URL": f"http://127.0.0.1:{closed_port}/api/",
            "WOLKVOX_CACHE_TTLL": "60",
        },
        tmp_path,
    )
    try:
        started.wait_ready()
        assert started.wait_for("Next:")
    finally:
        output = started.stop()
    assert "warning: WOLKVOX_CACHE_TTLL: did you mean WOLKVOX_CACHE_TTL?" in output
    [warning] = [line for line in output.splitlines() if "could not reach Slack" in line]
    assert "WARNING" in warning and "SLACK_BOT_TOKEN" in warning and "starting anyway" in warning
    lines = output.splitlines()
    bound = next(i for i, line in enumerate(lines) if "Uvicorn running on" in line)
    shown = next(
        i for i, line in enumerate(lines) if "wolkvox-sync is running in HTTP mode" in line
    )
    assert shown > bound  # printed once the port is bound
    assert f"listening on http://127.0.0.1:{started.instance.port}/slack/events" in lines[shown]
    assert lines[shown + 1 : shown + 5] == [
        "  Request URL: https://<your public host>/slack/events (slash command, "
        "interactivity and events)",
        f"  Database:    SQLite file {tmp_path}/wolkvox.db",
        "  Redis:       not used (fine for one instance; several need REDIS_URL)",
        "  Next:        paste the Request URL into your Slack app (manifest.yml), "
        "then type /wolkvox-sync help",
    ]
    assert TOKEN not in output and BOT_TOKEN not in output


def test_the_banner_never_shows_a_password() -> None:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_APP_TOKEN": "xapp-1",
            "WOLKVOX_TOKEN": "t",
            "WOLKVOX_SERVER": "32",
            "DATABASE_URL": "postgres://u:pw-SECRET@db.example.com:5432/wolkvox?sslmode=require",
            "REDIS_URL": "rediss://:redis-SECRET@redis.example.com:6380",
        }
    )
    text = banner(settings, mode="socket")
    assert "SECRET" not in text
    assert text.splitlines() == [
        "wolkvox-sync is running in Socket Mode: connected to Slack, no public URL needed",
        "  Database:    PostgreSQL at db.example.com:5432/wolkvox",
        "  Redis:       redis.example.com:6380 over TLS, shared by every instance",
        "  Next:        type /wolkvox-sync help in Slack",
    ]


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("sqlite:///./wolkvox.db", "SQLite file ./wolkvox.db"),
        ("sqlite:////var/data/w.db", "SQLite file /var/data/w.db"),
        ("postgresql://u@h/db", "PostgreSQL at h/db"),
        ("postgres://u:p@10.0.0.5:6543/x", "PostgreSQL at 10.0.0.5:6543/x"),
    ],
)
def test_the_database_is_described_by_kind_and_host(url: str, said: str) -> None:
    assert describe_database(url) == said


def test_redis_is_described_without_credentials() -> None:
    assert describe_redis("").startswith("not used")
    assert (
        describe_redis("redis://:pw@localhost:6379/0") == "localhost:6379, shared by every instance"
    )
