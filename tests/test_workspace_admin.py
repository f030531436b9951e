"""Each workspace's admins manage their own operations, and `status` tells each its own
(issue 21, distribution mode): an admin of T0AAA (users.info asked with T0AAA's bot token says
so) adds `cliente_a` in T0AAA's App Home; T0BBB's Home never shows it, and T0BBB's admin can
neither edit nor remove it with a forged click or form (the value `cliente_a` is looked up in
T0BBB's book only). The daily quota's refusal names only the requester's operations; `status`
counts only the requester's calls, syncs, cached connectors and changes. A command from a
workspace with no installation is told what to do, in es, pt and en; the start banner of
distribution mode names the install link and no secret.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import testkit.modal_requests as modal_requests
from bot.config import Settings
from bot.errors import NoOperations, UnknownOperation
from bot.operations.books import OperationBooks
from bot.operations.model import Operation
from bot.operations.secrets import SecretBox, new_secret_key
from bot.ops.banner import banner
from bot.ops.quota import DailyCounter, Quota
from bot.slack.admin import ids
from testkit.fake_slack import FakeSlack, Grant
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok, template
from testkit.modal_requests import as_shown, submission_body
from tests.blockkit import all_text
from tests.harness import Acked, BotServer, sign
from tests.installs import (  # noqa: F401 (fixtures)
    Browser,
    command_from,
    distribution_env,
    start_distributed,
)
from tests.test_operation_admin import action_ids, typed
from tests.test_operation_admin import click as home_click
from tests.test_workspaces import (  # noqa: F401 (fixture)
    TOKEN_A,
    TOKEN_B,
    A,
    B,
    answer_to,
    seeded,
    two_workspaces,
)

ADMIN_A, ADMIN_B, MEMBER_A = "U0ADMA", "U0ADMB", "U0MEMA"


# requests from a workspace's App Home


def click(bot: BotServer, team: str, action_id: str, value: str, *, user_id: str) -> Acked:
    """A button of the Home tab of workspace `team` clicked (or forged: any value)."""
    return home_click(bot, action_id, value, user_id=user_id, team=team)


def submit(
    bot: BotServer,
    team: str,
    view: dict[str, Any],
    *,
    user_id: str,
    monkeypatch: pytest.MonkeyPatch,
    **fields: str,
) -> Acked:
    monkeypatch.setattr(modal_requests, "TEAM", {"id": team, "domain": team.lower()})
    shown = {**as_shown(view, typed(**fields)), "team_id": team}
    body = submission_body(shown, user_id=user_id)
    return bot.post(body, sign(body))


def home(bot: BotServer, slack: FakeSlack, team: str, user: str) -> dict[str, Any]:
    """The Home tab published for `user` of `team` when they open it."""
    before = len(_published(slack, user))
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"}
    assert bot.event({**event, "event_ts": "1.1"}, team_id=team).status == 200
    assert slack.wait(lambda: len(_published(slack, user)) > before)
    view: dict[str, Any] = _published(slack, user)[-1]
    return view


def _published(slack: FakeSlack, user: str) -> list[dict[str, Any]]:
    views = [c.body["view"] for c in slack.calls("views.publish") if c.body.get("user_id") == user]
    return [json.loads(v) if isinstance(v, str) else v for v in views]


def opened(slack: FakeSlack, before: int) -> dict[str, Any]:
    assert slack.wait(lambda: len(slack.calls("views.open")) > before)
    view: dict[str, Any] = slack.calls("views.open")[before].body["view"]
    return view


def install(bot: BotServer, slack: FakeSlack, team: str, name: str) -> str:
    slack.grant = Grant(team_id=team, team_name=name)
    browser = Browser(bot)
    assert browser.install().status_code == 200
    browser.close()
    [token] = slack.tokens_of(team)
    return token


@pytest.fixture
def installed(
    start_distributed: Callable[..., BotServer],  # noqa: F811
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
) -> tuple[BotServer, dict[str, str]]:
    """T0AAA and T0BBB installed from the link, no operation yet; U0ADMA is T0AAA's admin and
    U0ADMB T0BBB's (Slack's user ids are its own in each workspace)."""
    wolkvox.add_server("0032", TOKEN_A)
    wolkvox.add_server("0002", TOKEN_B)
    wolkvox.reply("4321", Reply(body=ok([template("promo_acme", "es", "MARKETING", "Hola")])))
    slack.admins |= {ADMIN_A, ADMIN_B}
    bot = start_distributed(WOLKVOX_BASE_URL=wolkvox.base_url)
    return bot, {A: install(bot, slack, A, "Acme"), B: install(bot, slack, B, "Bravo")}


def test_each_workspace_s_admin_manages_only_its_own_operations(
    installed: tuple[BotServer, dict[str, str]],
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot, tokens = installed
    # T0AAA's admin: Slack asked with T0AAA's token; Add shown
    view = home(bot, slack, A, ADMIN_A)
    assert action_ids(view) == [(ids.ACTION_ADD, "add")]
    asked = [c for c in slack.calls("users.info") if c.body.get("user") == ADMIN_A]
    assert asked and {c.token for c in asked} == {tokens[A]}
    # adds cliente_a (alias ventas) in T0AAA's Home
    before = len(slack.calls("views.open"))
    assert click(bot, A, ids.ACTION_ADD, "add", user_id=ADMIN_A).status == 200
    form = opened(slack, before)
    acked = submit(
        bot,
        A,
        form,
        user_id=ADMIN_A,
        monkeypatch=monkeypatch,
        name="cliente_a",
        server="0032",
        token=TOKEN_A,
        aliases="ventas=4321",
    )
    assert acked.status == 200 and acked.body == {}, acked  # saved, closed
    assert slack.wait(
        lambda: "*cliente_a* · server `0032`" in all_text(home(bot, slack, A, ADMIN_A))
    )
    # T0AAA's command uses it, and T0AAA's admin edits it keeping its alias
    assert "promo_acme" in all_text(answer_to(bot, slack, A, "ventas", "acme"))
    before = len(slack.calls("views.open"))
    assert click(bot, A, ids.ACTION_EDIT, "cliente_a", user_id=ADMIN_A).status == 200
    form = opened(slack, before)
    acked = submit(
        bot,
        A,
        form,
        user_id=ADMIN_A,
        monkeypatch=monkeypatch,
        server="0032",
        quota="4000",
        aliases="ventas=4321",
    )
    assert acked.status == 200 and acked.body == {}, acked  # its own alias is not "taken"

    # T0BBB's Home: nothing of T0AAA's (its operation, its alias, its sync, its admin)
    view = home(bot, slack, B, ADMIN_B)
    text = all_text(view)
    for theirs in ("cliente_a", "0032", "ventas", "4321", ADMIN_A, "promo_acme"):
        assert theirs not in text, theirs
    assert action_ids(view) == [(ids.ACTION_ADD, "add")]
    assert {c.token for c in slack.calls("users.info") if c.body.get("user") == ADMIN_B} == {
        tokens[B]
    }
    # T0BBB's admin forges Edit and Remove of cliente_a: looked up in T0BBB's book, not found
    before = len(slack.calls("views.open"))
    assert click(bot, B, ids.ACTION_EDIT, "cliente_a", user_id=ADMIN_B).status == 200
    shown = json.dumps(opened(slack, before))
    assert "no longer exists" in shown and "0032" not in shown
    assert click(bot, B, ids.ACTION_REMOVE, "cliente_a", user_id=ADMIN_B).status == 200
    for value in (f"{A}/cliente_a", "T0AAA/cliente_a:4321"):  # a scoped value: not a name at all
        assert click(bot, B, ids.ACTION_REMOVE, value, user_id=ADMIN_B).status == 200
        assert click(bot, B, ids.ACTION_EDIT, value, user_id=ADMIN_B).status == 200
    # and a forged Edit form naming cliente_a: refused, nothing saved anywhere
    forged = {**form, "private_metadata": "edit:cliente_a"}
    acked = submit(
        bot, B, forged, user_id=ADMIN_B, monkeypatch=monkeypatch, server="0002", token=TOKEN_B
    )
    assert acked.status == 200 and "no longer exists" in json.dumps(acked.body), acked
    # T0AAA's operation is as its admin left it, on its server with its token
    text = all_text(home(bot, slack, A, ADMIN_A))
    assert "*cliente_a* · server `0032`" in text and "removed" not in text
    assert "promo_acme" in all_text(answer_to(bot, slack, A, "cliente_a:4321 --refresh", "a2"))
    assert {r["headers"]["wolkvox-token"] for r in wolkvox.requests} == {TOKEN_A}

    # T0BBB's admin adds its own cliente_a: the two live apart
    before = len(slack.calls("views.open"))
    assert click(bot, B, ids.ACTION_ADD, "add", user_id=ADMIN_B).status == 200
    acked = submit(
        bot,
        B,
        opened(slack, before),
        user_id=ADMIN_B,
        monkeypatch=monkeypatch,
        name="cliente_a",
        server="0002",
        token=TOKEN_B,
        aliases="ventas=1234",  # the same alias: T0AAA's does not take it
    )
    assert acked.status == 200 and acked.body == {}, acked
    assert "*cliente_a* · server `0002`" in all_text(home(bot, slack, B, ADMIN_B))
    assert "*cliente_a* · server `0032`" in all_text(home(bot, slack, A, ADMIN_A))
    # a member of T0AAA sees the operation without buttons
    assert action_ids(home(bot, slack, A, MEMBER_A)) == []


# the quota's refusal and `status`: the requester's own


class _Counter:
    async def reserve(self, token_key: str, day: str, limit: int) -> bool:
        return True

    async def give_back(self, token_key: str, day: str) -> None:
        return None

    async def get(self, token_key: str, day: str) -> int:
        return 0


async def test_the_quota_names_only_the_requester_s_workspace_s_operations(
    tmp_path: Path,
) -> None:
    box = SecretBox((new_secret_key(),))
    store = await seeded(f"sqlite:///{tmp_path}/bot.db", box, {})
    for workspace, name in ((A, "cliente_a"), (A, "cliente_b"), (B, "secreto_bravo")):
        await seeded_one(store, box, workspace, Operation(name, "0032", f"{TOKEN_A}{name}"))
    books = OperationBooks(store.operations, box, distribution=True)
    await books.load()
    await books.book_for(A)
    await books.book_for(B)
    counter: DailyCounter = _Counter()
    quota = Quota(counter, books, 1000)
    assert quota.operation_for(f"{A}/cliente_a:1234").name == "cliente_a"
    with pytest.raises(UnknownOperation) as refused:
        quota.operation_for(f"{A}/otra:1234")
    assert refused.value.name == "otra" and refused.value.known == ("cliente_a", "cliente_b")
    with pytest.raises(UnknownOperation) as refused:
        quota.operation_for(f"{B}/cliente_a:1234")  # T0BBB has no cliente_a: T0AAA's unseen
    assert refused.value.known == ("secreto_bravo",)
    with pytest.raises(NoOperations):
        quota.operation_for("T0CCC/cliente_a:1234")  # a workspace with none
    with pytest.raises(NoOperations):
        quota.operation_for("1234")  # a bare id is no workspace's in distribution mode
    assert await quota.spent(f"{B}/cliente_a:1234") is False
    await store.aclose()


async def seeded_one(store: Any, box: SecretBox, workspace: str, operation: Operation) -> None:
    from bot.operations.book import OperationBook

    book = OperationBook(None, store.operations.for_workspace(workspace), box, workspace=workspace)
    await book.save(operation, who="console")


def test_status_shows_only_the_requester_s_workspace(
    two_workspaces: tuple[BotServer, dict[str, str]],  # noqa: F811
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    distribution_env: dict[str, str],  # noqa: F811
) -> None:
    bot, _ = two_workspaces
    box = SecretBox(tuple(distribution_env["WOLKVOX_SECRET_KEY"].split(",")))

    async def more() -> None:  # T0BBB also has operation `otra` (a change T0AAA must not see)
        store = await seeded(
            distribution_env["DATABASE_URL"], box, {B: Operation("otra", "0002", TOKEN_B)}
        )
        await store.aclose()

    asyncio.run(more())
    wolkvox.reply(
        "5678", Reply(body=ok([template("solo_bravo", "es", "UTILITY", "x")])), server="0002"
    )
    answer_to(bot, slack, A, "1234", "a")
    answer_to(bot, slack, B, "cliente_a:1234", "b1")
    answer_to(bot, slack, B, "otra:5678", "b2")
    said = all_text(answer_to(bot, slack, A, "status", "a-status"))
    assert "5678" not in said and "otra" not in said and B not in said, said
    assert "*Wolkvox calls today (UTC)*\n1 " in said, said  # A's one call, not the three
    assert said.count("• *1234*") == 1  # its own 1234, once (T0BBB's is another connector)
    said = all_text(answer_to(bot, slack, B, "status", "b-status"))
    assert "*Wolkvox calls today (UTC)*\n2 " in said and "5678" in said and "otra" in said
    assert A not in said


# a workspace without an installation; the start banner


def test_a_command_from_a_workspace_without_an_installation_says_what_to_do_in_each_language(
    start_distributed: Callable[..., BotServer],  # noqa: F811
    slack: FakeSlack,
    distribution_env: dict[str, str],  # noqa: F811
) -> None:
    link = "https://bot.example.com/slack/install"
    bot = start_distributed(
        SLACK_REDIRECT_URI="https://bot.example.com/slack/oauth_redirect", WOLKVOX_LANGUAGE="es"
    )
    acked = command_from(bot, "T0NONE", "1234", slack.response_url("none"))
    assert acked.status == 200
    [reply] = slack.wait_replies("none", 1)
    text = reply["text"]
    spanish, english, portuguese = text.split("\n\n")  # WOLKVOX_LANGUAGE's first
    assert "ya no está instalado" in spanish and f"<{link}>" in spanish
    assert "install it again" in english and f"<{link}>" in english
    assert "não está mais instalado" in portuguese and f"<{link}>" in portuguese
    for secret in (slack.client_secret, distribution_env["WOLKVOX_SECRET_KEY"]):
        assert secret not in text
    assert not slack.calls("auth.test")


@pytest.mark.parametrize("mode", ["http", "socket"])
def test_the_banner_of_distribution_mode_names_the_install_link_and_no_secret(
    distribution_env: dict[str, str],  # noqa: F811
    mode: str,
) -> None:
    env = {**distribution_env, "SLACK_APP_TOKEN": "xapp-1-A0APP-1-secretapptoken"}
    settings = Settings.from_env(env, mode=mode)
    text = banner(settings, mode=mode, host="127.0.0.1", port=3000)
    assert "distribution mode" in text
    assert "Install link: https://<your public host>/slack/install" in text
    known = Settings.from_env(
        {**env, "SLACK_REDIRECT_URI": "https://bot.example.com/slack/oauth_redirect"}, mode=mode
    )
    text += banner(known, mode=mode, host="127.0.0.1", port=3000)
    assert "Install link: https://bot.example.com/slack/install" in text
    for secret in (
        settings.slack_client_secret,
        settings.slack_signing_secret,
        *settings.secret_keys,
        "secretapptoken",
    ):
        assert secret and secret not in text
    single = Settings.from_env({**env, "SLACK_BOT_TOKEN": "xoxb-1"}, mode=mode)
    assert "Install link" not in banner(single, mode=mode, host="127.0.0.1", port=3000)


def test_wolkvox_admins_makes_no_one_an_admin_of_an_installed_workspace(
    start_distributed: Callable[..., BotServer],  # noqa: F811
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
) -> None:
    """The deployment's host doesn't choose a customer workspace's admins: in distribution
    mode only Slack's admins and owners of that workspace get the buttons."""
    slack.admins -= {"U0LISTED"}
    bot = start_distributed(WOLKVOX_BASE_URL=wolkvox.base_url, WOLKVOX_ADMINS="U0LISTED")
    install(bot, slack, A, "Acme")
    assert action_ids(home(bot, slack, A, "U0LISTED")) == []
    before = len(slack.calls("views.open"))
    assert click(bot, A, ids.ACTION_ADD, "add", user_id="U0LISTED").status == 200
    assert not slack.wait(lambda: len(slack.calls("views.open")) > before, 0.5)
