"""Distribution mode over HTTP: installing from the link into two workspaces through the fake
Slack's authorize page, each installation stored with its tokens sealed, an install link's
state good once and for 10 minutes, and each workspace's requests made with its own bot token.
"""

from __future__ import annotations

import html
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import yaml

from bot.config import Settings
from bot.errors import ConfigError
from bot.operations.secrets import new_secret_key
from bot.slack.oauth.flow import BOT_SCOPES, authorize_url
from testkit.fake_slack import FakeSlack, Grant
from tests.harness import TLS, BotServer
from tests.installs import Browser, command_from, database_file, distribution_env, start_distributed

ROOT = Path(__file__).resolve().parents[1]
COOKIE = "slack-app-oauth-state"

__all__ = ["distribution_env", "start_distributed"]  # fixtures, used by name


def test_distribution_mode_is_read_from_the_environment(
    distribution_env: dict[str, str],
) -> None:
    settings = Settings.from_env(distribution_env)
    assert settings.distribution and not settings.slack_bot_token
    assert settings.slack_client_secret not in repr(settings)
    # with a bot token the one workspace's mode stays, client id or not
    single = Settings.from_env({**distribution_env, "SLACK_BOT_TOKEN": "xoxb-1"})
    assert not single.distribution
    without_key = {k: v for k, v in distribution_env.items() if k != "WOLKVOX_SECRET_KEY"}
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(without_key)
    [problem] = refused.value.problems
    assert problem.startswith("WOLKVOX_SECRET_KEY is missing") and "\n" not in problem
    half = {k: v for k, v in distribution_env.items() if k != "SLACK_CLIENT_SECRET"}
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET is missing"):
        Settings.from_env(half)


def test_the_scopes_asked_for_are_the_manifests() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    assert authorize_url("https://slack.com/api/") == "https://slack.com/oauth/v2/authorize"


def test_two_workspaces_install_from_the_link_and_each_is_served_with_its_own_token(
    start_distributed: Callable[..., BotServer], slack: FakeSlack, distribution_env: dict[str, str]
) -> None:
    bot = start_distributed()
    tokens = {}
    for team_id, name, language in [("T0AAA", "Acme", "es-CO"), ("T0BBB", "Bravo", "pt-BR")]:
        slack.grant = Grant(team_id=team_id, team_name=name)
        browser = Browser(bot, language)
        page, link = browser.install_page()
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        query = dict(parse_qsl(urlsplit(link).query))
        assert link.startswith(slack.url + "/oauth/v2/authorize?")
        assert query["client_id"] == slack.client_id
        assert query["scope"].split(",") == list(BOT_SCOPES)
        done = browser.back(browser.authorize(link))
        browser.close()
        assert done.status_code == 200, done.text
        assert name in done.text
        [tokens[team_id]] = slack.tokens_of(team_id)
    # oauth.v2.access got the client's credentials as HTTP Basic auth, as slack_sdk sends them
    exchanges = slack.calls("oauth.v2.access")
    assert len(exchanges) == 2
    assert all(c.headers.get("Authorization", "").startswith("Basic ") for c in exchanges)

    # stored, sealed: no token in the database file's bytes (deleted rows included)
    path = database_file(distribution_env)
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT team_id, team_name, bot_token FROM slack_installations ORDER BY team_id"
        ).fetchall()
    assert [(t, n) for t, n, _ in rows] == [("T0AAA", "Acme"), ("T0BBB", "Bravo")]
    assert all(sealed and not sealed.startswith("xoxb-") for _, _, sealed in rows)
    raw = path.read_bytes() + (
        path.with_name(path.name + "-wal").read_bytes()
        if path.with_name(path.name + "-wal").exists()
        else b""
    )
    for token in tokens.values():
        assert token.encode() not in raw

    # each workspace's command is answered, every Web API call made with ITS bot token
    for team_id, token in tokens.items():
        before = len(slack.api_calls)
        name = f"help-{team_id}"
        acked = command_from(bot, team_id, "help", slack.response_url(name))
        assert acked.status == 200
        if not acked.body:
            slack.wait_replies(name, 1)
        made = slack.api_calls[before:]
        assert made, "authorize asks auth.test (once) with the workspace's token"
        assert {c.token for c in made} == {token}, [(c.path, c.token) for c in made]
    # warm: the same workspace again makes no auth.test (cached) and reads no database row
    store = bot.bot.app.installation_store
    reads = store.database_reads  # type: ignore[union-attr]
    before = len(slack.calls("auth.test"))
    acked = command_from(bot, "T0AAA", "help", slack.response_url("again"))
    assert acked.status == 200
    assert len(slack.calls("auth.test")) == before
    assert store.database_reads == reads  # type: ignore[union-attr]


def test_an_org_wide_install_serves_every_workspace_of_the_enterprise(
    start_distributed: Callable[..., BotServer], slack: FakeSlack, distribution_env: dict[str, str]
) -> None:
    bot = start_distributed()
    slack.grant = Grant(
        team_id="",
        team_name="",
        enterprise_id="E0ORG",
        enterprise_name="Org",
        is_enterprise_install=True,
    )
    browser = Browser(bot)
    done = browser.install()
    browser.close()
    assert done.status_code == 200 and "Org" in done.text
    [token] = slack.tokens_of("")
    with sqlite3.connect(database_file(distribution_env)) as db:
        [(enterprise, team, org_wide)] = db.execute(
            "SELECT enterprise_id, team_id, is_enterprise_install FROM slack_installations"
        ).fetchall()
    assert (enterprise, team, org_wide) == ("E0ORG", None, 1)
    for member in ("T0M1", "T0M2"):
        before = len(slack.api_calls)
        name = f"org-{member}"
        acked = command_from(bot, member, "help", slack.response_url(name), enterprise_id="E0ORG")
        assert acked.status == 200
        if not acked.body:
            slack.wait_replies(name, 1)
        assert {c.token for c in slack.api_calls[before:]} <= {token}


def test_a_command_from_a_workspace_without_an_installation_is_told_what_to_do(
    start_distributed: Callable[..., BotServer], slack: FakeSlack
) -> None:
    bot = start_distributed()
    acked = command_from(bot, "T0NONE", "help", slack.response_url("none"))
    assert acked.status == 200
    text = acked.body.get("raw", "") or str(acked.body) + str(slack.wait_replies("none", 1))
    assert "install it again" in text
    assert not slack.calls("auth.test")  # no token to ask about


def test_an_install_links_state_works_once_and_for_ten_minutes(
    start_distributed: Callable[..., BotServer], slack: FakeSlack, distribution_env: dict[str, str]
) -> None:
    bot = start_distributed()
    browser = Browser(bot)
    _, link = browser.install_page()
    redirect = browser.authorize(link)
    assert browser.back(redirect).status_code == 200
    again = browser.back(redirect)  # the same state (and a fresh code would not help)
    assert again.status_code == 401 and "expired or was already used" in again.text
    assert len(slack.calls("oauth.v2.access")) == 1  # refused before Slack was asked

    # a state older than 10 minutes: refused, and nothing is installed
    _, link = browser.install_page()
    slack.grant = Grant(team_id="T0LATE", team_name="Late")
    redirect = browser.authorize(link)
    with sqlite3.connect(database_file(distribution_env)) as db:
        db.execute("UPDATE slack_oauth_states SET expire_at = '2000-01-01 00:00:00.000000'")
    late = browser.back(redirect)
    assert late.status_code == 401 and "expired" in late.text
    assert not slack.tokens_of("T0LATE")

    # another browser's state (no cookie): refused
    _, link = browser.install_page()
    redirect = browser.authorize(link)
    stranger = httpx.get(redirect, timeout=10, verify=TLS)
    assert stranger.status_code == 400

    # the person cancels on Slack's page
    slack.grant = Grant(deny=True)
    _, link = browser.install_page()
    cancelled = browser.back(browser.authorize(link))
    assert cancelled.status_code == 200 and "cancelled" in cancelled.text
    browser.close()
    with sqlite3.connect(database_file(distribution_env)) as db:
        [(installs,)] = db.execute("SELECT count(*) FROM slack_installations").fetchall()
    assert installs == 1


def test_single_workspace_mode_serves_no_install_routes(
    bot: BotServer,
) -> None:
    for path in ("/slack/install", "/slack/oauth_redirect?code=x&state=y"):
        assert bot.http.get(path).status_code == 404
    assert not bot.bot.app.oauth_flow
    assert time.time()  # nothing else: the one workspace's mode is as before


def test_in_socket_mode_the_install_pages_are_served_on_port(
    tmp_path: Path, slack: FakeSlack, distribution_env: dict[str, str]
) -> None:
    """Commands come over the WebSocket; the process serves the install pages on PORT too."""
    from testkit.fake_socket_mode import FakeSocketMode
    from tests.deployed import base_env, free_port
    from tests.socket_mode import APP_TOKEN

    socket = FakeSocketMode()
    slack.socket_url = socket.url
    port = free_port()
    env = {
        **base_env(),
        **{k: v for k, v in distribution_env.items() if k != "SLACK_SIGNING_SECRET"},
        "SLACK_APP_TOKEN": APP_TOKEN,
        "PORT": str(port),
        "HOST": "127.0.0.1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert socket.connected.wait(30), "the bot did not connect"
        slack.redirect_url = f"http://127.0.0.1:{port}/slack/oauth_redirect"
        slack.grant = Grant(team_id="T0SOCK", team_name="Socket")
        http = httpx.Client(timeout=10, verify=TLS)
        page = http.get(f"http://127.0.0.1:{port}/slack/install")
        assert page.status_code == 200 and "Add to Slack" in page.text
        cookie = page.headers["set-cookie"].split(";")[0]
        [link] = re.findall(r'href="([^"]*oauth/v2/authorize[^"]*)"', page.text)
        redirect = http.get(html.unescape(link)).headers["location"]
        done = http.get(redirect, headers={"Cookie": cookie})
        assert done.status_code == 200 and "Socket" in done.text
        assert http.get(f"http://127.0.0.1:{port}/slack/events").status_code == 404
        http.close()
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
        socket.stop()
    assert process.returncode == 0, output
    [token] = slack.tokens_of("T0SOCK")
    assert token not in output and slack.client_secret not in output


async def test_the_installation_store_seals_caches_and_forgets(tmp_path: Path) -> None:
    """Saved sealed, found by workspace (a team, or an org-wide install's enterprise), read
    once while warm, and forgotten at once when deleted."""
    from slack_sdk.oauth.installation_store import Installation

    from bot.database.store import Store
    from bot.operations.secrets import SecretBox
    from bot.slack.oauth.store import SealedInstallationStore

    database = tmp_path / "store.db"
    store = await Store.open(f"sqlite:///{database}")
    installations = SealedInstallationStore(
        "1234.5678", lambda: store.engine, SecretBox((new_secret_key(),))
    )
    try:
        team = Installation(
            app_id="A0APP", team_id="T0ONE", user_id="U1", bot_token="xoxb-one-secret"
        )
        org = Installation(
            app_id="A0APP",
            enterprise_id="E0ORG",
            team_id=None,
            is_enterprise_install=True,
            user_id="U2",
            bot_token="xoxb-org-secret",
        )
        await installations.async_save(team)
        await installations.async_save(org)
        assert await installations.bot_token("T0ONE") == "xoxb-one-secret"
        assert await installations.bot_token("E0ORG") == "xoxb-org-secret"
        assert await installations.bot_token("T0NONE") is None
        reads = installations.database_reads
        found = await installations.async_find_installation(enterprise_id=None, team_id="T0ONE")
        assert found is not None and found.bot_token == "xoxb-one-secret"
        found.bot_token = "changed by a caller"  # a copy: the cache is not changed
        again = await installations.async_find_installation(enterprise_id=None, team_id="T0ONE")
        assert again is not None and again.bot_token == "xoxb-one-secret"
        assert installations.database_reads == reads + 1
        await installations.async_delete_installation(enterprise_id=None, team_id="T0ONE")
        await installations.async_delete_bot(enterprise_id=None, team_id="T0ONE")
        assert (
            await installations.async_find_installation(enterprise_id=None, team_id="T0ONE") is None
        )
        assert await installations.bot_token("T0ONE") is None
        assert await installations.bot_token("E0ORG") == "xoxb-org-secret"
    finally:
        await store.aclose()
    assert b"xoxb-" not in database.read_bytes()


async def test_a_workspace_forgotten_while_it_is_read_is_not_cached_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An uninstall forgets a workspace while the notifier is reading its installation: what
    that read found (a revoked token) is answered once, never kept in the cache."""
    from slack_sdk.oauth.installation_store import Installation

    from bot.database.store import Store
    from bot.operations.secrets import SecretBox
    from bot.slack.oauth import store as sealed
    from bot.slack.oauth.store import SealedInstallationStore

    store = await Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    installations = SealedInstallationStore(
        "1234.5678", lambda: store.engine, SecretBox((new_secret_key(),))
    )
    try:
        await installations.async_save(
            Installation(app_id="A0APP", team_id="T0ONE", user_id="U1", bot_token="xoxb-1-a-b")
        )
        build = sealed.SQLAlchemyInstallationStore.build_installation_entity

        def uninstalled_meanwhile(row: object) -> Installation:
            installations.forget(None, "T0ONE")  # app_uninstalled lands during the read
            return build(row)  # type: ignore[arg-type]

        monkeypatch.setattr(
            sealed.SQLAlchemyInstallationStore, "build_installation_entity", uninstalled_meanwhile
        )
        assert await installations.bot_token("T0ONE") == "xoxb-1-a-b"
        monkeypatch.setattr(sealed.SQLAlchemyInstallationStore, "build_installation_entity", build)
        reads = installations.database_reads
        await installations.bot_token("T0ONE")
        assert installations.database_reads == reads + 1  # read again: nothing was kept
    finally:
        await store.aclose()
