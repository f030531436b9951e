"""`wolkvox-sync operation add | list | remove | rekey` and `wolkvox-sync secret-key` as an
operator runs them: a real process (forked, tests/forked.py), a real SQLite file, the token
on standard input (a pipe, or a terminal that must not echo it), every refusal one line with
exit 2; and the console's connectors named `operation:id`."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.database.store import Store
from bot.operations.book import OperationChange
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox
from tests.deployed import base_env
from tests.terminal import run, write_env

KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
TOKEN_A = "tok-CLIENTEA-7f3c9a1d5e"
TOKEN_B = "tok-CLIENTEB-0b8e2f6c4a"


@pytest.fixture
def workdir(tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack) -> Path:
    wolkvox.add_server("0032", TOKEN)  # the environment's operation
    wolkvox.add_server("0040", TOKEN_A)
    wolkvox.add_server("0041", TOKEN_B)
    write_env(tmp_path, wolkvox, slack, *env_lines(wolkvox, KEY), connectors="ventas=1234")
    return tmp_path


def env_lines(wolkvox: FakeWolkvox, keys: str) -> list[str]:
    """The settings every operation's server is reached with, and the secret keys."""
    return [f"WOLKVOX_BASE_URL={wolkvox.base_url}", f"WOLKVOX_SECRET_KEY={keys}"]


def set_keys(workdir: Path, wolkvox: FakeWolkvox, slack: FakeSlack, keys: str) -> None:
    write_env(workdir, wolkvox, slack, *env_lines(wolkvox, keys), connectors="ventas=1234")


def add(workdir: Path, name: str, server: str, token: str, *options: str) -> None:
    added = run(workdir, "operation", "add", name, "--server", server, *options, stdin=token + "\n")
    assert added.returncode == 0, added.stderr
    assert token not in added.stdout + added.stderr


def listed(workdir: Path) -> list[dict[str, object]]:
    result = run(workdir, "operation", "list", "--json")
    assert result.returncode == 0, result.stderr
    answer: list[dict[str, object]] = json.loads(result.stdout)
    return answer


def changes(workdir: Path) -> list[OperationChange]:
    async def read() -> list[OperationChange]:
        store = await Store.open(f"sqlite:///{workdir}/wolkvox.db")
        try:
            return await store.operations.operation_changes(10)
        finally:
            await store.aclose()

    return asyncio.run(read())


# --- add, list, remove ---


def test_add_reads_the_token_from_stdin_and_list_shows_its_last_4_characters(
    workdir: Path,
) -> None:
    added = run(
        workdir,
        "operation",
        "add",
        "cliente_a",
        "--server",
        "wv40",
        "--daily-quota",
        "5000",
        "--aliases",
        "pedidos=77,soporte=5678",
        stdin=TOKEN_A + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines()[0] == "Operation cliente_a added: server 0040, token …1d5e."
    assert listed(workdir) == [
        {
            "name": "default",
            "server": "0032",
            "token_tail": TOKEN[-4:],
            "daily_quota": 0,
            "aliases": {"ventas": "1234"},
            "from": "environment",
        },
        {
            "name": "cliente_a",
            "server": "0040",
            "token_tail": "1d5e",
            "daily_quota": 5000,
            "aliases": {"pedidos": "77", "soporte": "5678"},
            "from": "stored",
        },
    ]
    text = run(workdir, "operation", "list")
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == [
        "name       server  token  daily quota  aliases                   from",
        f"default    0032    …{TOKEN[-4:]}  -            ventas=1234               environment",
        "cliente_a  0040    …1d5e  5,000        pedidos=77, soporte=5678  stored",
    ]
    assert TOKEN_A not in text.stdout + text.stderr and TOKEN not in text.stdout
    assert TOKEN_A.encode() not in (workdir / "wolkvox.db").read_bytes()
    [change] = changes(workdir)
    assert (change.who, change.operation, change.action) == ("console", "cliente_a", "added")
    assert "token" in change.fields


def test_remove_forgets_the_operation_and_is_recorded(workdir: Path) -> None:
    add(workdir, "cliente_a", "0040", TOKEN_A)
    add(workdir, "cliente_b", "0041", TOKEN_B)
    removed = run(workdir, "operation", "remove", "cliente_b")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("Operation cliente_b removed")
    assert [op["name"] for op in listed(workdir)] == ["default", "cliente_a"]
    assert [(c.who, c.operation, c.action) for c in changes(workdir)] == [
        ("console", "cliente_b", "removed"),
        ("console", "cliente_b", "added"),
        ("console", "cliente_a", "added"),
    ]


def test_list_and_remove_need_no_key(workdir: Path, wolkvox: FakeWolkvox, slack: FakeSlack) -> None:
    """A lost key is recovered from: list what is stored, remove it, add it again."""
    add(workdir, "cliente_a", "0040", TOKEN_A)
    set_keys(workdir, wolkvox, slack, "")
    assert [op["name"] for op in listed(workdir)] == ["default", "cliente_a"]
    removed = run(workdir, "operation", "remove", "cliente_a")
    assert removed.returncode == 0, removed.stderr
    assert [op["name"] for op in listed(workdir)] == ["default"]


def test_with_no_operation_list_says_how_to_add_one(tmp_path: Path, slack: FakeSlack) -> None:
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKEN=xoxb-1-2-x\nSLACK_API_URL={slack.api_url}\n")
    result = run(tmp_path, "operation", "list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No Wolkvox operation is set up yet: add one with ")
    assert json.loads(run(tmp_path, "operation", "list", "--json").stdout) == []


# --- refusals: one line, exit 2, nothing changed ---


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["add", "Cliente A", "--server", "40"], TOKEN_A, "can't name an operation"),
        (["add", "x" * 33, "--server", "40"], TOKEN_A, "can't name an operation"),
        (["add", "cliente_a", "--server", "40"], TOKEN_B, "already an operation named cliente_a"),
        (["add", "default", "--server", "40"], TOKEN_B, "WOLKVOX_SERVER and WOLKVOX_TOKEN define"),
        (["add", "cliente_c", "--server", "madrid"], TOKEN_B, "madrid is not a server code"),
        (["add", "cliente_c", "--server", "40", "--daily-quota", "lots"], TOKEN_B, "lots is not"),
        (["add", "cliente_c", "--server", "40", "--aliases", "ventas=9"], TOKEN_B, "ventas"),
        (["add", "cliente_c", "--server", "40", "--aliases", "help=9"], TOKEN_B, "command word"),
        (["add", "cliente_c", "--server", "40"], "", "No token was given"),
        (["add", "cliente_c", "--server", "40"], "two words", "That token can't be right"),
        (["add", "cliente_c", "--server", "40", "--token", TOKEN_B], "", "standard input"),
        (["add", "cliente_c", TOKEN_B, "--server", "40"], "", "never from the command line"),
        (["remove", "cliente_z"], "", "no operation named cliente_z. There are: default, "),
        (["remove", "default"], "", "WOLKVOX_SERVER and WOLKVOX_TOKEN define"),
    ],
)
def test_wrong_input_exits_2_with_one_line(
    workdir: Path, args: list[str], stdin: str, says: str
) -> None:
    add(workdir, "cliente_a", "0040", TOKEN_A)
    result = run(workdir, "operation", *args, stdin=stdin + "\n")
    assert result.returncode == 2, result.stderr
    assert says in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stdout == ""
    assert TOKEN_B not in result.stderr and TOKEN_A not in result.stderr
    assert [op["name"] for op in listed(workdir)] == ["default", "cliente_a"]


def test_adding_without_a_secret_key_names_the_variable(
    workdir: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    set_keys(workdir, wolkvox, slack, "")
    result = run(workdir, "operation", "add", "cliente_a", "--server", "40", stdin=TOKEN_A)
    assert result.returncode == 2
    assert "WOLKVOX_SECRET_KEY is not set" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "secret-key" in result.stderr
    assert [op["name"] for op in listed(workdir)] == ["default"]


def test_a_malformed_secret_key_is_named(
    workdir: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    set_keys(workdir, wolkvox, slack, "not-a-key")
    result = run(workdir, "operation", "list")
    assert result.returncode == 2
    assert "WOLKVOX_SECRET_KEY" in result.stderr and "not-a-key" not in result.stderr


# --- the prompt on a terminal ---


def test_on_a_terminal_the_token_is_asked_for_and_not_echoed(workdir: Path) -> None:
    """A pseudo-terminal as the process's controlling terminal: the prompt shows, what is
    typed does not (getpass turns echo off), and the operation is added."""
    leader, follower = pty.openpty()
    add_cliente_a = ["operation", "add", "cliente_a", "--server", "40"]
    # a new session whose leader opens the terminal first makes it its controlling terminal
    # (start_new_session: setsid, done safely however many threads the tests run)
    takes_the_terminal = (
        "import os, sys; os.close(os.open(sys.argv[1], os.O_RDWR)); "
        "os.execv(sys.executable, [sys.executable, '-m', 'bot', *sys.argv[2:]])"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", takes_the_terminal, os.ttyname(follower), *add_cliente_a],
        cwd=workdir,
        env=base_env(),
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    os.close(follower)
    shown = _read_until(leader, b"(not shown): ")
    assert b"Wolkvox token of operation cliente_a (not shown): " in shown
    os.write(leader, TOKEN_A.encode() + b"\n")
    shown += _read_until(leader, b"\n")  # getpass's new line (or the echo, were it on)
    out, err = process.communicate(timeout=60)
    shown += _read_all(leader)
    os.close(leader)
    assert process.returncode == 0, err
    assert TOKEN_A.encode() not in shown + out + err
    assert [op["name"] for op in listed(workdir)] == ["default", "cliente_a"]


def _read_until(fd: int, wanted: bytes, timeout: float = 60) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            seen += os.read(fd, 1024)
    return seen


def _read_all(fd: int) -> bytes:
    seen = b""
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        seen += chunk
    return seen


# --- keys ---


def test_secret_key_prints_a_new_key_without_any_settings(tmp_path: Path) -> None:
    first, second = run(tmp_path, "secret-key"), run(tmp_path, "secret-key")
    assert first.returncode == 0 and first.stderr == ""
    key = first.stdout.strip()
    assert len(first.stdout.splitlines()) == 1 and key != second.stdout.strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"


def test_rekey_then_the_old_key_removed_still_opens_the_tokens(
    workdir: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    add(workdir, "cliente_a", "0040", TOKEN_A)
    add(workdir, "cliente_b", "0041", TOKEN_B)
    set_keys(workdir, wolkvox, slack, f"{NEW_KEY},{KEY}")
    rekeyed = run(workdir, "operation", "rekey")
    assert rekeyed.returncode == 0, rekeyed.stderr
    assert rekeyed.stdout.splitlines()[0] == (
        "2 stored tokens re-encrypted with the first key of WOLKVOX_SECRET_KEY."
    )
    set_keys(workdir, wolkvox, slack, NEW_KEY)
    opened = run(workdir, "operation", "add", "cliente_c", "--server", "42", stdin="tok-C-12345678")
    assert opened.returncode == 0, opened.stderr  # adding reads every stored token first
    assert ("console", "rekeyed") in {(c.who, c.action) for c in changes(workdir)}
    set_keys(workdir, wolkvox, slack, KEY)
    old = run(workdir, "operation", "rekey")
    assert old.returncode == 2 and "WOLKVOX_SECRET_KEY" in old.stderr


def test_a_wrong_key_stops_the_console_with_one_line(
    workdir: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    add(workdir, "cliente_a", "0040", TOKEN_A)
    set_keys(workdir, wolkvox, slack, NEW_KEY)
    for args in (["sync", "1234"], ["templates", "default:1234"], ["operation", "rekey"]):
        result = run(workdir, *args)
        assert result.returncode == 2, result.stderr
        assert "WOLKVOX_SECRET_KEY does not open" in result.stderr
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
        assert NEW_KEY not in result.stderr and KEY not in result.stderr
    set_keys(workdir, wolkvox, slack, "")
    missing = run(workdir, "sync", "1234")
    assert missing.returncode == 2 and "WOLKVOX_SECRET_KEY is not set" in missing.stderr
    assert wolkvox.calls == []


# --- the console's connectors: operation:id ---


def test_a_second_process_syncs_an_added_operation_with_its_own_token(
    workdir: Path, wolkvox: FakeWolkvox
) -> None:
    add(workdir, "cliente_a", "0040", TOKEN_A, "--aliases", "pedidos=77")
    result = run(workdir, "sync", "cliente_a:1234", "pedidos", "default:1234")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "connector 1234 · cliente_a: 3 templates, first sync",
        "connector 77 · cliente_a: 3 templates, first sync",
        "connector 1234 · default: 3 templates, first sync",
    ]
    assert sorted(wolkvox.server_calls) == [("0032", "1234"), ("0040", "1234"), ("0040", "77")]
    used = {(r["path"].split("/")[1], r["headers"].get("wolkvox-token")) for r in wolkvox.requests}
    assert used == {("wv0032", TOKEN), ("wv0040", TOKEN_A)}
    assert TOKEN_A not in result.stdout + result.stderr


def test_a_bare_id_with_several_operations_asks_which(workdir: Path, wolkvox: FakeWolkvox) -> None:
    add(workdir, "cliente_a", "0040", TOKEN_A)
    result = run(workdir, "sync", "1234")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "wolkvox-sync: connector 1234: which operation? use default:1234 or cliente_a:1234"
    )
    unknown = run(workdir, "coverage", "nadie:1234")
    assert unknown.returncode == 2
    assert "There is no operation named nadie. There are: default, cliente_a." in unknown.stderr
    assert wolkvox.calls == []


def test_json_names_the_operation(workdir: Path) -> None:
    add(workdir, "cliente_a", "0040", TOKEN_A)
    result = run(workdir, "sync", "cliente_a:1234", "--json")
    assert result.returncode == 0, result.stderr
    [report] = json.loads(result.stdout)
    assert report["connector"] == "1234" and report["operation"] == "cliente_a"
