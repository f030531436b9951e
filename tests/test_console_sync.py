"""`wolkvox-sync sync ...` as a scheduler runs it (bot.console): a real process, a real SQLite
file: the summary and --json, history stored, failures and bad connectors as exit codes,
subscribers notified, missing settings named, the installed script. (`templates`, `coverage`
and `compare` in the console: test_console_lookups.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply
from tests.blockkit import all_text
from tests.terminal import SCRIPT, run, subscribe, write_env


@pytest.fixture
def workdir(tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack) -> Path:
    write_env(tmp_path, wolkvox, slack, connectors="ventas=1234")
    return tmp_path


def test_syncs_prints_a_summary_and_stores_history(workdir: Path, wolkvox: FakeWolkvox) -> None:
    wolkvox.reply("5678", Reply(templates=5))
    first = run(workdir, "sync", "ventas", "5678")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "connector 1234: 3 templates, first sync",
        "connector 5678: 5 templates, first sync",
    ]
    assert (
        workdir / "wolkvox.db"
    ).exists()  # the default DATABASE_URL, relative to the working directory
    wolkvox.reply("5678", Reply(templates=6))
    second = run(workdir, "sync", "5678")
    assert second.stdout.strip() == "connector 5678: 6 templates, 1 added"
    assert sorted(wolkvox.calls) == ["1234", "5678", "5678"]
    assert TOKEN not in first.stdout + first.stderr + second.stdout + second.stderr


def test_json_output(workdir: Path, wolkvox: FakeWolkvox) -> None:
    wolkvox.reply(
        "9",
        Reply(status=403, body={"code": 403, "error": "FORBIDDEN", "msg": "TOKEN LIMIT EXCEEDED"}),
    )
    result = run(workdir, "sync", "1234", "9", "--json")
    assert result.returncode == 1
    reports = json.loads(result.stdout)
    assert reports[0]["ok"] and reports[0]["templates"] == 3 and reports[0]["changes"]["first"]
    assert reports[1] == {
        "connector": "9",
        "operation": "default",
        "ok": False,
        "error": "QuotaExceeded",
        "message": reports[1]["message"],
    }
    assert reports[1]["message"].startswith(
        "TOKEN LIMIT EXCEEDED: the day's API quota for this token is spent"
    )


def test_a_failure_exits_non_zero_and_says_why(workdir: Path, wolkvox: FakeWolkvox) -> None:
    wolkvox.reply("9", Reply(status=503, body="down"))
    result = run(workdir, "sync", "1234", "9")
    assert result.returncode == 1
    assert "connector 1234: 3 templates, first sync" in result.stdout
    assert "connector 9: FAILED: Wolkvox is not available right now (HTTP 503" in result.stdout


@pytest.mark.parametrize(
    ("word", "says"),
    [
        ("abc", "abc is not a connector id"),
        ("12;rm", "12;rm is not a connector id"),
        ("1" * 30, "1 to 20 digits; that one has 30"),
    ],
)
def test_bad_connectors_are_refused_before_any_call(
    workdir: Path, wolkvox: FakeWolkvox, word: str, says: str
) -> None:
    result = run(workdir, "sync", word)
    assert result.returncode == 2  # a usage error, not a failed sync (1)
    assert says in result.stderr and result.stdout == ""
    assert wolkvox.calls == []


def test_subscribers_are_notified(workdir: Path, slack: FakeSlack) -> None:
    subscribe(workdir)
    result = run(workdir, "sync", "1234")
    assert result.returncode == 0, result.stderr
    [post] = slack.calls("chat.postMessage")
    assert post.body["channel"] == "C0SALES"
    assert "synced for the first time by the console" in all_text(post.body)


def test_the_console_script_is_installed(workdir: Path) -> None:
    result = run(workdir, "sync", "1234", program=[str(SCRIPT)])
    assert result.returncode == 0 and "connector 1234: 3 templates" in result.stdout


def test_missing_settings_are_named(tmp_path: Path) -> None:
    result = run(tmp_path, "sync", "1234")
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is missing" in result.stderr
    assert "SLACK_SIGNING_SECRET" not in result.stderr and "WOLKVOX_TOKEN" not in result.stderr


def test_with_no_operation_says_how_to_add_one(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    """WOLKVOX_SERVER and WOLKVOX_TOKEN are optional: operations may be added instead."""
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKEN=xoxb-1-2-x\nSLACK_API_URL={slack.api_url}\n")
    result = run(tmp_path, "sync", "1234")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        "wolkvox-sync: No Wolkvox operation is set up yet: add one with wolkvox-sync operation "
        "add NAME --server 0032 (the token is read from standard input), or in the bot's App "
        "Home in Slack."
    )
    assert wolkvox.calls == []
