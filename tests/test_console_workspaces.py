"""The console in distribution mode (issue 21): `--workspace T…` says whose operations a command
reads and changes. A real process (forked `python -m bot`), a real SQLite file with two
workspaces installed (rows written by the bot's own installation store, tokens sealed) and an
org-wide one: the same operation name in both, each listed and synced only under its own
`--workspace`, with its own Wolkvox token (the fake Wolkvox records which one it got); the
refusals are one line with exit 2; `operation rekey` reseals every workspace's tokens.
Single-workspace mode refuses `--workspace` (the other console tests are that mode)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation

from bot.database.store import Store
from bot.operations.secrets import SecretBox
from bot.slack.oauth.store import SealedInstallationStore
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok, template
from tests.terminal import run, write_env

KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
A, B, ORG = "T0AAA", "T0BBB", "E0ORG"
TOKEN_A = "wv-token-ACME-aaaaaaaaaaaa1111"
TOKEN_B = "wv-token-BRAVO-bbbbbbbbbbb2222"
TOKEN_ORG = "wv-token-ORG-cccccccccccccc3333"
SERVER = {A: "0032", B: "0002", ORG: "0007"}
TOKEN = {A: TOKEN_A, B: TOKEN_B, ORG: TOKEN_ORG}


def distribution_env(workdir: Path, wolkvox: FakeWolkvox, slack: FakeSlack, keys: str) -> None:
    """A .env of a bot installed from its link: the app's client id and secret, no bot token
    and no environment operation."""
    lines = [
        f"SLACK_CLIENT_ID={slack.client_id}",
        f"SLACK_CLIENT_SECRET={slack.client_secret}",
        f"SLACK_API_URL={slack.api_url}",
        f"WOLKVOX_BASE_URL={wolkvox.base_url}",
        f"WOLKVOX_SECRET_KEY={keys}",
    ]
    (workdir / ".env").write_text("\n".join(lines) + "\n")


def install(workdir: Path, slack: FakeSlack, *installations: Installation) -> None:
    """Installations stored as the install link stores them (the bot's installation store)."""

    async def save() -> None:
        store = await Store.open(f"sqlite:///{workdir}/wolkvox.db")
        box = SecretBox((KEY,))
        installed = SealedInstallationStore(slack.client_id, lambda: store.engine, box)
        try:
            for installation in installations:
                await installed.async_save(installation)
        finally:
            await store.aclose()

    asyncio.run(save())


def team(team_id: str) -> Installation:
    return Installation(
        app_id="A0APP", team_id=team_id, user_id="U1", bot_token=f"xoxb-{team_id}-secret"
    )


@pytest.fixture
def workdir(tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack) -> Path:
    """Two workspaces installed, T0AAA and T0BBB, and an org-wide install, E0ORG; each
    workspace's Wolkvox server accepts only its own token and answers 1234 its own way."""
    for workspace in (A, B, ORG):
        wolkvox.add_server(SERVER[workspace], TOKEN[workspace])
        body = ok([template(f"promo_{workspace.lower()}", "es", "MARKETING", "Hola")])
        wolkvox.reply("1234", Reply(body=body), server=SERVER[workspace])
    distribution_env(tmp_path, wolkvox, slack, KEY)
    org = Installation(
        app_id="A0APP",
        enterprise_id=ORG,
        team_id=None,
        user_id="U1",
        bot_token="xoxb-org-secret",
        is_enterprise_install=True,
    )
    install(tmp_path, slack, team(A), team(B), org)
    return tmp_path


def add(workdir: Path, workspace: str, name: str = "cliente_a") -> None:
    added = run(
        workdir,
        "operation",
        "add",
        name,
        "--server",
        SERVER[workspace],
        "--aliases",
        "ventas=1234",
        "--workspace",
        workspace,
        stdin=TOKEN[workspace] + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines()[0].startswith(f"Operation {name} added")
    assert TOKEN[workspace] not in added.stdout + added.stderr


def listed(workdir: Path, workspace: str) -> list[dict[str, object]]:
    result = run(workdir, "operation", "list", "--json", "--workspace", workspace)
    assert result.returncode == 0, result.stderr
    answer: list[dict[str, object]] = json.loads(result.stdout)
    return answer


def sent_tokens(wolkvox: FakeWolkvox, server: str) -> set[str]:
    return {
        r["headers"]["wolkvox-token"]
        for r in wolkvox.requests
        if r["path"].startswith(f"/wv{server}/")
    }


def one_line_refusal(result: object, *, says: str) -> None:
    assert result.returncode == 2, result.stdout  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and says in lines[0], result.stderr  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]


# --- each workspace's operations, apart ---


def test_the_same_name_in_two_workspaces_is_listed_only_under_its_own(workdir: Path) -> None:
    add(workdir, A)
    add(workdir, B)
    for workspace in (A, B):
        [operation] = listed(workdir, workspace)
        assert operation == {
            "name": "cliente_a",
            "server": SERVER[workspace],
            "token_tail": TOKEN[workspace][-4:],
            "daily_quota": 0,
            "aliases": {"ventas": "1234"},
            "from": "stored",
        }
    text = run(workdir, "operation", "list", "--workspace", "t0bbb")  # as Slack writes it
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines()[1].split()[:3] == ["cliente_a", "0002", "…2222"]
    assert A not in text.stdout and B not in text.stdout  # the workspace is what was asked
    # a workspace with nothing yet is told how to add one, for that workspace
    [nothing] = run(workdir, "operation", "list", "--workspace", ORG).stdout.splitlines()
    assert f"wolkvox-sync operation add NAME --server 0032 --workspace {ORG}" in nothing


def test_a_sync_uses_its_workspace_s_operation_and_token(
    workdir: Path, wolkvox: FakeWolkvox
) -> None:
    add(workdir, A)
    add(workdir, B)
    synced = run(workdir, "sync", "ventas", "--workspace", A, "--json")
    assert synced.returncode == 0, synced.stderr
    [report] = json.loads(synced.stdout)
    assert report["ok"] and report["templates"] == 1
    assert (report["connector"], report["operation"]) == ("1234", "cliente_a")  # no workspace
    assert sent_tokens(wolkvox, SERVER[A]) == {TOKEN_A}
    assert wolkvox.calls_for("1234", server=SERVER[B]) == 0
    text = run(workdir, "sync", "cliente_a:1234", "--workspace", B)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == ["connector 1234: 1 template, first sync"]
    assert sent_tokens(wolkvox, SERVER[B]) == {TOKEN_B}
    out = synced.stdout + synced.stderr + text.stdout + text.stderr
    assert TOKEN_A not in out and TOKEN_B not in out

    async def history() -> dict[str, list[str]]:
        store = await Store.open(f"sqlite:///{workdir}/wolkvox.db")
        try:
            rows = await store.history(limit=10)
            return {w: [r.connector for r in rows if r.connector.startswith(w)] for w in (A, B)}
        finally:
            await store.aclose()

    # each workspace's sync recorded under its own key
    assert asyncio.run(history()) == {A: [f"{A}/cliente_a:1234"], B: [f"{B}/cliente_a:1234"]}


def test_a_lookup_reads_its_workspace_s_last_sync(workdir: Path, wolkvox: FakeWolkvox) -> None:
    add(workdir, A)
    add(workdir, B)
    assert run(workdir, "sync", "1234", "--workspace", B).returncode == 0
    before = len(wolkvox.requests)
    found = run(workdir, "templates", "ventas", "--workspace", B, "--json")
    assert found.returncode == 0, found.stderr
    answer = json.loads(found.stdout)
    text = json.dumps(answer)
    assert "promo_t0bbb" in text and "promo_t0aaa" not in text
    assert answer["operation"] == "cliente_a" and B not in text  # never the workspace
    assert len(wolkvox.requests) == before  # read from the history, no call
    # T0AAA never synced: its own token syncs it once
    mine = run(workdir, "templates", "1234", "--workspace", A)
    assert mine.returncode == 0, mine.stderr
    assert "promo_t0aaa" in mine.stdout and "promo_t0bbb" not in mine.stdout
    assert sent_tokens(wolkvox, SERVER[A]) == {TOKEN_A}


def test_an_org_wide_install_is_named_by_its_enterprise_id(
    workdir: Path, wolkvox: FakeWolkvox
) -> None:
    add(workdir, ORG)
    synced = run(workdir, "sync", "1234", "--workspace", ORG)
    assert synced.returncode == 0, synced.stderr
    assert sent_tokens(wolkvox, SERVER[ORG]) == {TOKEN_ORG}
    assert listed(workdir, A) == []


def test_removing_in_one_workspace_leaves_the_other_s(workdir: Path) -> None:
    add(workdir, A)
    add(workdir, B)
    removed = run(workdir, "operation", "remove", "cliente_a", "--workspace", A)
    assert removed.returncode == 0, removed.stderr
    assert listed(workdir, A) == []
    assert [op["server"] for op in listed(workdir, B)] == [SERVER[B]]
    gone = run(workdir, "sync", "1234", "--workspace", A)
    assert gone.returncode == 2
    assert f"--workspace {A}" in gone.stderr


def test_rekey_reseals_every_workspace_s_tokens(
    workdir: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    add(workdir, A)
    add(workdir, B)
    distribution_env(workdir, wolkvox, slack, f"{NEW_KEY},{KEY}")
    rekeyed = run(workdir, "operation", "rekey")
    assert rekeyed.returncode == 0, rekeyed.stderr
    assert rekeyed.stdout.splitlines()[0].startswith("2 stored tokens re-encrypted")
    one_line_refusal(
        run(workdir, "operation", "rekey", "--workspace", A),
        says="re-encrypts the tokens of every workspace at once: leave --workspace out",
    )
    distribution_env(workdir, wolkvox, slack, NEW_KEY)  # the old key gone: both still open
    for workspace in (A, B):
        synced = run(workdir, "sync", "1234", "--workspace", workspace)
        assert synced.returncode == 0, synced.stderr
        assert sent_tokens(wolkvox, SERVER[workspace]) == {TOKEN[workspace]}


# --- refusals: one line, exit 2 ---


@pytest.mark.parametrize(
    "command",
    [
        ["operation", "list"],
        ["operation", "add", "cliente_a", "--server", "0032"],
        ["operation", "remove", "cliente_a"],
        ["sync", "1234"],
        ["templates", "1234"],
        ["coverage", "1234"],
        ["compare", "1234", "5678"],
    ],
)
def test_distribution_mode_needs_the_workspace(workdir: Path, command: list[str]) -> None:
    one_line_refusal(
        run(workdir, *command, stdin=TOKEN_A + "\n"),
        says="say which one with --workspace T0123ABCD",
    )


@pytest.mark.parametrize("given", ["acme", "T0AAA;rm", "C0SALES", "t"])
def test_a_malformed_workspace_is_refused(workdir: Path, given: str) -> None:
    one_line_refusal(
        run(workdir, "sync", "1234", "--workspace", given),
        says="--workspace takes a workspace's team id, like T0123ABCD",
    )


def test_adding_to_a_workspace_that_has_not_installed_the_app_is_refused(
    workdir: Path,
) -> None:
    refused = run(
        workdir,
        "operation",
        "add",
        "cliente_a",
        "--server",
        "0032",
        "--workspace",
        "T0ZZZ",
        stdin=TOKEN_A + "\n",
    )
    one_line_refusal(
        refused,
        says=f"Workspace T0ZZZ has not installed the app. --workspace takes one that has: "
        f"{ORG}, {A}, {B}.",
    )
    assert TOKEN_A not in refused.stderr
    assert listed(workdir, "T0ZZZ") == []  # no token stored for no workspace
    one_line_refusal(
        run(workdir, "sync", "1234", "--workspace", "T0ZZZ"),
        says="Workspace T0ZZZ has not installed the app",
    )


def test_no_workspace_installed_yet_says_where_to_install(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    distribution_env(tmp_path, wolkvox, slack, KEY)
    one_line_refusal(
        run(tmp_path, "operation", "add", "x", "--server", "1", "--workspace", A, stdin="t\n"),
        says="install it from the bot's /slack/install page first",
    )


def test_the_words_are_the_reader_s_language(
    workdir: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    env = workdir / ".env"
    env.write_text(env.read_text() + "WOLKVOX_LANGUAGE=es\n")
    one_line_refusal(run(workdir, "sync", "1234"), says="--workspace T0123ABCD")
    refused = run(workdir, "sync", "1234", "--workspace", "T0ZZZ")
    one_line_refusal(refused, says="El espacio de trabajo T0ZZZ no instaló la aplicación")


def test_single_workspace_mode_refuses_the_workspace(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    write_env(tmp_path, wolkvox, slack)
    for command in (["sync", "1234"], ["operation", "list"], ["templates", "1234"]):
        one_line_refusal(
            run(tmp_path, *command, "--workspace", A),
            says="this one serves the workspace of SLACK_BOT_TOKEN: leave --workspace out",
        )
    assert wolkvox.calls == []


def test_a_start_checks_every_workspace_s_tokens_against_the_key(
    workdir: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    """Before serving, WOLKVOX_SECRET_KEY must open the tokens of every workspace's
    operations, not only those of single-workspace mode's (workspace "")."""
    add(workdir, B)
    distribution_env(workdir, wolkvox, slack, NEW_KEY)
    env = workdir / ".env"
    env.write_text(env.read_text() + "SLACK_SIGNING_SECRET=signing-secret-for-tests\n")
    refused = run(workdir, "serve", "--http")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    [line] = refused.stderr.splitlines()
    assert line.startswith("wolkvox-sync cannot start:") and "WOLKVOX_SECRET_KEY" in line
