"""Operations managed in Slack by the workspace's admins, end to end over HTTP: the App Home's
operations section (buttons for admins only), the modal that adds, tests, edits and removes an
operation, the server-side admin check on every click and submission (forged requests from a
member change nothing), WOLKVOX_ADMINS, a restart, `status`, and the token never sent to
Slack; and the form's pure parts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.errors import InvalidToken, WolkvoxTimeout
from bot.i18n import LANGUAGES, translator
from bot.operations.model import Operation, OperationChange
from bot.operations.secrets import new_secret_key
from bot.ops.status import OperationsFacts, OperationUsage
from bot.slack.admin import ids
from bot.slack.admin.form import Form, Target, check_form, read_form, read_metadata
from bot.slack.admin.views import (
    OperationsPanel,
    Shown,
    form_view,
    operations_blocks,
    saved_view,
    trial_view,
)
from bot.slack.admin.words import trial_failed
from bot.slack.views.home import home_view
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply
from testkit.modal_requests import TEAM, as_shown, submission_body
from testkit.slack_requests import sign
from tests.blockkit import all_text, check_message
from tests.harness import Acked, BotServer
from tests.slash import home_view as published_home

Start = Callable[..., BotServer]
ADMIN = "U0ADMIN"
MEMBER = "U0USER1"
NEW_TOKEN = "wv-new-token-SECRET-cliente-a-7Q9Z"  # the operation an admin adds
BAD_TOKEN = "wv-bad-token-SECRET-not-valid-0000"
SECRET_KEY = new_secret_key()
NOW = datetime(2026, 11, 25, 15, 4, tzinfo=UTC)


@pytest.fixture
def admin_env(env: dict[str, str], wolkvox: FakeWolkvox, slack: FakeSlack) -> dict[str, str]:
    """The environment's operation on server 0032; server 0077 accepts NEW_TOKEN; ADMIN is an
    admin of the workspace in Slack."""
    wolkvox.add_server("0032", TOKEN)
    wolkvox.add_server("0077", NEW_TOKEN)
    slack.admins.add(ADMIN)
    env.update(WOLKVOX_BASE_URL=wolkvox.base_url, WOLKVOX_SECRET_KEY=SECRET_KEY)
    return env


@pytest.fixture
def start(admin_env: dict[str, str]) -> Iterator[Start]:
    servers: list[BotServer] = []

    def start_bot(**overrides: str) -> BotServer:
        server = BotServer({**admin_env, **overrides})
        servers.append(server)
        return server

    yield start_bot
    for server in servers:
        server.stop()


# -- requests as Slack sends them -------------------------------------------------------------


def _user(user_id: str, team: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team}


def click(
    bot: BotServer,
    action_id: str,
    value: str,
    *,
    user_id: str,
    confirm: bool = False,
    team: str = TEAM["id"],
) -> Acked:
    """A button in the Home tab of workspace `team` clicked (block_actions from a view: no
    channel, no response_url), or forged: any value."""
    payload = {
        "type": "block_actions",
        "user": _user(user_id, team),
        "api_app_id": "A0APP",
        "token": "legacy",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": f"7.7.{action_id}",
        "team": TEAM if team == TEAM["id"] else {"id": team, "domain": team.lower()},
        "view": {"id": "V0HOME", "type": "home", "team_id": team, "blocks": []},
        "actions": [
            {
                "action_id": action_id,
                "block_id": f"operation:{value}",
                "value": value,
                "type": "button",
                "action_ts": "1.2",
                "text": {"type": "plain_text", "text": "x"},
                **({"confirm": {"title": "x"}} if confirm else {}),
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)})
    return bot.post(body, sign(body))


def typed(**fields: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The form's state with these fields typed (name, server, token, quota, aliases, test)."""
    blocks = {
        "name": ids.NAME_BLOCK,
        "server": ids.SERVER_BLOCK,
        "token": ids.TOKEN_BLOCK,
        "quota": ids.QUOTA_BLOCK,
        "aliases": ids.ALIASES_BLOCK,
        "test": ids.TEST_BLOCK,
    }
    return {
        blocks[name]: {ids.INPUT: {"type": "plain_text_input", "value": value or None}}
        for name, value in fields.items()
    }


def submit(bot: BotServer, view: dict[str, Any], *, user_id: str, **fields: str) -> Acked:
    body = submission_body(as_shown(view, typed(**fields)), user_id=user_id)
    return bot.post(body, sign(body))


def opened(slack: FakeSlack, before: int) -> dict[str, Any]:
    """The view the bot opened after `before` views.open calls."""
    assert slack.wait(lambda: len(slack.calls("views.open")) > before)
    view: dict[str, Any] = slack.calls("views.open")[before].body["view"]
    check_message({"text": "x", "blocks": view["blocks"]})
    return view


def home(bot: BotServer, slack: FakeSlack, user: str) -> dict[str, Any]:
    return published_home(bot, slack, user)


def republished(slack: FakeSlack, user: str, before: int) -> dict[str, Any]:
    """The Home published for `user` after `before` publications of it."""

    def mine() -> list[Any]:
        return [c for c in slack.calls("views.publish") if c.body.get("user_id") == user]

    assert slack.wait(lambda: len(mine()) > before)
    view: dict[str, Any] = mine()[-1].body["view"]
    return view


def published_with(slack: FakeSlack, user: str, words: str) -> dict[str, Any]:
    """The first Home published for `user` that says `words`."""

    def found() -> list[dict[str, Any]]:
        views = [
            c.body["view"] for c in slack.calls("views.publish") if c.body.get("user_id") == user
        ]
        return [v for v in views if words in all_text(v)]

    assert slack.wait(lambda: bool(found()))
    return found()[0]


def publications(slack: FakeSlack, user: str) -> int:
    return len([c for c in slack.calls("views.publish") if c.body.get("user_id") == user])


def action_ids(view: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element.get("value", ""))
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def add_operation(
    bot: BotServer, slack: FakeSlack, *, user_id: str = ADMIN, **fields: str
) -> Acked:
    before = len(slack.calls("views.open"))
    assert click(bot, ids.ACTION_ADD, "add", user_id=user_id).status == 200
    form = opened(slack, before)
    values = {"name": "cliente_a", "server": "0077", "token": NEW_TOKEN, **fields}
    return submit(bot, form, user_id=user_id, **values)


def no_token_sent(slack: FakeSlack, *tokens: str) -> None:
    """Nothing the bot sent to Slack (Web API calls, response_url posts) holds a token."""
    sent = [json.dumps(p.body) for p in slack.api_calls + slack.responses]
    for token in (TOKEN, NEW_TOKEN, BAD_TOKEN, *tokens):
        assert not [s for s in sent if token in s], token


# -- over HTTP --------------------------------------------------------------------------------


def test_an_admin_gets_the_buttons_and_a_member_does_not(start: Start, slack: FakeSlack) -> None:
    bot = start()
    view = home(bot, slack, ADMIN)
    text = all_text(view)
    assert "Wolkvox operations" in text and "*default* · server `0032`" in text
    assert "token ending in `6789`" in text  # the environment's token's last 4
    assert "Set in the deployment's settings" in text
    assert action_ids(view) == [(ids.ACTION_ADD, "add")]  # the environment's: no Edit/Remove
    member = home(bot, slack, MEMBER)
    assert "*default* · server `0032`" in all_text(member)
    assert action_ids(member) == []
    no_token_sent(slack)


def test_an_admin_adds_tests_edits_and_removes_an_operation(
    start: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start()
    home(bot, slack, ADMIN)
    published = publications(slack, ADMIN)
    wolkvox.reply("1234", Reply(templates=12), server="0077")
    acked = add_operation(bot, slack, quota="5000", aliases="ventas=1234", test="1234")
    # the test sync: one call on the new server with the new token
    assert acked.status == 200, acked
    assert wolkvox.calls_for("1234", server="0077") == 1
    [request] = [r for r in wolkvox.requests if r["path"].startswith("/wv0077/")]
    assert request["headers"]["wolkvox-token"] == NEW_TOKEN
    assert acked.body["response_action"] == "update"
    saved = acked.body["view"]
    assert "connector *1234* has 12 templates" in all_text(saved)
    operation = bot.bot.book.get("cliente_a")
    assert operation is not None and operation.token == NEW_TOKEN and operation.server == "0077"
    assert operation.daily_quota == 5000 and operation.aliases == (("ventas", "1234"),)
    # the admin's Home again: the operation with Edit and Remove
    view = republished(slack, ADMIN, published)
    assert "*cliente_a* · server `0077` · token ending in `7Q9Z`" in all_text(view)
    assert (ids.ACTION_EDIT, "cliente_a") in action_ids(view)
    assert f"<@{ADMIN}> added *cliente_a*" in all_text(view)

    # Edit, the token left empty: kept
    before = len(slack.calls("views.open"))
    assert click(bot, ids.ACTION_EDIT, "cliente_a", user_id=ADMIN).status == 200
    form = opened(slack, before)
    token_input = next(b for b in form["blocks"] if b.get("block_id") == ids.TOKEN_BLOCK)
    assert "initial_value" not in token_input["element"] and token_input["optional"] is True
    assert all(b.get("block_id") != ids.NAME_BLOCK for b in form["blocks"])  # not editable
    acked = submit(bot, form, user_id=ADMIN, server="0077", quota="6000", aliases="ventas=1234")
    assert acked.status == 200 and acked.body == {}, acked  # closed
    operation = bot.bot.book.get("cliente_a")
    assert operation is not None and operation.token == NEW_TOKEN
    assert operation.daily_quota == 6000

    # Edit with a token Wolkvox refuses: the error under the token, nothing saved
    acked = submit(bot, form, user_id=ADMIN, server="0077", token=BAD_TOKEN, test="1234")
    assert acked.status == 200
    assert acked.body == {
        "response_action": "errors",
        "errors": {ids.TOKEN_BLOCK: "Wolkvox did not accept this token. Nothing was saved."},
    }
    tried = [r for r in wolkvox.requests if r["headers"].get("wolkvox-token") == BAD_TOKEN]
    assert [r["path"].split("?")[0] for r in tried] == ["/wv0077/api/v2/whatsapp.php"]
    operation = bot.bot.book.get("cliente_a")
    assert operation is not None and operation.token == NEW_TOKEN
    assert operation.daily_quota == 6000

    # Remove (Slack asked for confirmation already: the button carries a confirm dialog)
    view = home(bot, slack, ADMIN)
    [remove] = [
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.ACTION_REMOVE
    ]
    assert remove["value"] == "cliente_a" and remove["confirm"]["style"] == "danger"
    assert click(bot, ids.ACTION_REMOVE, "cliente_a", user_id=ADMIN, confirm=True).status == 200
    assert slack.wait(lambda: bot.bot.book.get("cliente_a") is None)
    view = published_with(slack, ADMIN, "removed *cliente_a*")
    text = all_text(view)
    assert f"<@{ADMIN}> removed *cliente_a*" in text
    assert f"<@{ADMIN}> changed the daily quota of *cliente_a*" in text
    no_token_sent(slack)


def test_a_slow_test_sync_says_testing_then_updates_the_modal(
    start: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start()
    wolkvox.reply("1234", Reply(templates=7, delay=2.0), server="0077")
    acked = add_operation(bot, slack, test="1234")
    assert acked.status == 200
    assert acked.body["response_action"] == "update"
    assert "Syncing connector *1234*" in all_text(acked.body["view"])
    assert slack.wait(lambda: slack.calls("views.update"))
    [update] = slack.calls("views.update")
    assert update.body["view_id"] == "V0MODAL1"
    assert "connector *1234* has 7 templates" in all_text(update.body["view"])
    assert bot.bot.book.get("cliente_a") is not None
    no_token_sent(slack)


def test_wrong_fields_are_told_under_each_in_the_admin_s_language(
    start: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    slack.locales[ADMIN] = "es-LA"
    bot = start()
    acked = add_operation(
        bot, slack, name="Cliente A", server="x", token="a b", quota="lots", aliases="ventas"
    )
    assert acked.body["response_action"] == "errors"
    errors = acked.body["errors"]
    assert set(errors) == {
        ids.NAME_BLOCK,
        ids.SERVER_BLOCK,
        ids.TOKEN_BLOCK,
        ids.QUOTA_BLOCK,
        ids.ALIASES_BLOCK,
    }
    assert errors[ids.SERVER_BLOCK].startswith("x no es un código de servidor")
    assert bot.bot.book.get("cliente_a") is None and wolkvox.server_calls == []
    # the environment's name is taken
    acked = add_operation(bot, slack, name="default")
    assert acked.body["errors"] == {
        ids.NAME_BLOCK: "Ya hay una operación llamada default: elija otro nombre."
    }


def test_forged_requests_from_a_member_change_nothing(
    start: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start()
    assert add_operation(bot, slack).body == {}
    form_for_edit = form_view(Target("cliente_a"), Shown(server="0077"), translator("en"))
    form_for_add = form_view(Target(), Shown(), translator("en"))
    opens = len(slack.calls("views.open"))
    # the buttons, clicked by someone who never saw them
    for action_id, value in ((ids.ACTION_ADD, "add"), (ids.ACTION_EDIT, "cliente_a")):
        assert click(bot, action_id, value, user_id=MEMBER).status == 200
    assert click(bot, ids.ACTION_REMOVE, "cliente_a", user_id=MEMBER, confirm=True).status == 200
    # the form, submitted by them
    refused = [
        submit(bot, form_for_add, user_id=MEMBER, name="otra", server="0077", token=NEW_TOKEN),
        submit(bot, form_for_edit, user_id=MEMBER, server="0099", token=BAD_TOKEN),
    ]
    for acked in refused:
        assert acked.status == 200 and acked.body["response_action"] == "update"
        assert "Only the workspace's admins" in all_text(acked.body["view"])
    assert len(slack.calls("views.open")) == opens
    assert bot.bot.book.names() == ("default", "cliente_a")
    operation = bot.bot.book.get("cliente_a")
    assert operation is not None and operation.server == "0077" and operation.token == NEW_TOKEN
    text = all_text(home(bot, slack, ADMIN))
    assert f"<@{ADMIN}> added *cliente_a*" in text
    assert "removed" not in text and "changed" not in text and MEMBER not in text
    # junk private_metadata from an admin names no operation: refused too
    junk = {**form_for_edit, "private_metadata": "edit:../../x"}
    acked = submit(bot, junk, user_id=ADMIN, server="0077")
    assert "out of date" in all_text(acked.body["view"])
    assert wolkvox.server_calls == []
    no_token_sent(slack)


def test_wolkvox_admins_makes_a_member_an_admin_and_a_failed_lookup_does_not(
    start: Start, slack: FakeSlack
) -> None:
    bot = start(WOLKVOX_ADMINS=MEMBER)
    assert (ids.ACTION_ADD, "add") in action_ids(home(bot, slack, MEMBER))
    slack.users_info_fails = True
    assert action_ids(home(bot, slack, "U0OTHER")) == []


def test_operations_survive_a_restart(start: Start, slack: FakeSlack) -> None:
    first = start()
    assert add_operation(first, slack).body == {}
    first.stop()
    second = start()
    operation = second.bot.book.get("cliente_a")
    assert operation is not None and operation.token == NEW_TOKEN
    assert "*cliente_a* · server `0077`" in all_text(home(second, slack, MEMBER))
    no_token_sent(slack)


def test_status_shows_each_operation_s_calls_and_the_last_changes(
    start: Start, slack: FakeSlack
) -> None:
    bot = start()
    assert add_operation(bot, slack, quota="5000").body == {}
    acked = bot.command("status", response_url=slack.response_url("s"), user_id=ADMIN)
    reply = acked.body if acked.body.get("blocks") else slack.wait_replies("s", 1)[0]
    check_message(reply)
    text = all_text(reply)
    assert "Wolkvox calls today per operation" in text
    assert "• *cliente_a* · 0 of 5,000" in text
    assert f"`{ADMIN}` added *cliente_a*" in text and "<@" not in text  # no live mention
    no_token_sent(slack)


# -- the pure parts ---------------------------------------------------------------------------


def usage(name: str, **changes: Any) -> OperationUsage:
    fields: dict[str, Any] = {
        "name": name,
        "server": "0032",
        "token_tail": "abcd",
        "from_environment": False,
        "calls_today": 812,
        "daily_quota": 1000,
        "quota_state": "warn",
        "connectors": 3,
    }
    return OperationUsage(**{**fields, **changes})


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_with_many_operations_stays_within_its_limits(language: str) -> None:
    t = translator(language)
    changes = [
        OperationChange(NOW, ADMIN, f"op{i}", "edited", ("server", "token")) for i in range(10)
    ]
    operations = [usage("default", from_environment=True)] + [usage(f"op{i}") for i in range(40)]
    panel = OperationsPanel(OperationsFacts(operations, changes), admin=True, can_store=False)
    view = home_view([], [], now=NOW, t=t, operations=panel)
    assert len(view["blocks"]) <= 100
    check_message({"text": "x", "blocks": view["blocks"][:50]})
    check_message({"text": "x", "blocks": view["blocks"][50:]})
    for view in (
        form_view(Target(), Shown(), t),
        form_view(
            Target("op1"),
            Shown(server="0032", token_tail="abcd"),
            t,
            problems={ids.TOKEN_BLOCK: "x" * 400},
        ),
        trial_view("op1", "1234", t),
        saved_view("op1", t, connector="1234", templates=5000),
    ):
        assert len(view["title"]["text"]) <= 24
        check_message({"text": "x", "blocks": view["blocks"]})
    assert "abcd" in all_text({"blocks": [b.to_dict() for b in operations_blocks(panel, t)]})


def test_the_form_reads_bounded_fields_and_only_its_own_metadata() -> None:
    assert read_metadata({"private_metadata": "add"}) == Target()
    assert read_metadata({"private_metadata": "edit:cliente_a"}) == Target("cliente_a")
    for junk in ("", "edit:", "edit:A B", "remove:x", "edit:" + "a" * 100, None, 3):
        assert read_metadata({"private_metadata": junk}) is None
    huge = {"state": {"values": typed(token="t" * 100_000, aliases="a=1," * 10_000)}}
    form = read_form(huge)
    assert len(form.token) == 513 and len(form.aliases) == 3000
    checked = check_form(form, Target(), current=None, names=(), aliases_taken={})
    assert checked.operation is None
    assert {e.reason for e in checked.errors.values()} >= {"malformed"}
    assert "t" * 20 not in repr(form)


def test_an_edit_keeps_the_token_when_left_empty_and_checks_aliases_of_others() -> None:
    current = Operation("cliente_a", "0077", NEW_TOKEN, 0, (("ventas", "1234"),))
    checked = check_form(
        Form(server="wv77", aliases="ventas=1234, soporte=5678"),
        Target("cliente_a"),
        current=current,
        names=("default", "cliente_a"),
        aliases_taken={"cobros": "default:9"},
    )
    assert checked.operation is not None and checked.operation.token == NEW_TOKEN
    assert checked.operation.server == "0077" and len(checked.operation.aliases) == 2
    taken = check_form(
        Form(server="77", aliases="cobros=1"),
        Target("cliente_a"),
        current=current,
        names=(),
        aliases_taken={"cobros": "default:9"},
    )
    error = taken.errors[ids.ALIASES_BLOCK]
    assert (error.field, error.reason, error.value) == ("aliases", "taken", "cobros")


def test_a_failed_test_sync_is_told_under_the_field_to_fix() -> None:
    t = translator("pt_BR")
    assert trial_failed(InvalidToken("1234", 403, "403", "FORBIDDEN", "x"), "0077", t) == (
        ids.TOKEN_BLOCK,
        "O Wolkvox não aceitou este token. Nada foi salvo.",
    )
    block, text = trial_failed(WolkvoxTimeout("1234", 30), "0077", t)
    assert block == ids.SERVER_BLOCK and "0077" in text


def test_slack_is_asked_once_per_person_and_a_failure_means_not_admin(slack: FakeSlack) -> None:
    import asyncio

    from slack_sdk.web.async_client import AsyncWebClient

    from bot.slack.admin.who import SlackAdmins

    slack.admins.add(ADMIN)

    async def ask() -> tuple[list[bool], bool, bool]:
        admins = SlackAdmins(AsyncWebClient(token="xoxb-x", base_url=slack.api_url))
        slack.hold_users_info()
        together = asyncio.gather(*(admins.is_admin(ADMIN) for _ in range(5)))
        await asyncio.sleep(0.2)
        slack.release_users_info()
        answers = list(await together)
        again = await admins.is_admin(ADMIN)  # cached
        slack.users_info_fails = True
        return answers, again, await admins.is_admin(MEMBER)

    answers, again, member = asyncio.run(ask())
    assert answers == [True] * 5 and again is True and member is False
    assert [c.body.get("user") for c in slack.calls("users.info")] == [ADMIN, MEMBER]


def test_home_buttons_work_when_the_bot_is_kept_to_some_channels(
    start: Start, slack: FakeSlack
) -> None:
    """WOLKVOX_ALLOWED_CHANNELS keeps commands and message buttons to those channels; the App
    Home's buttons are in no channel, so only WOLKVOX_ALLOWED_USERS applies to them."""
    bot = start(WOLKVOX_ALLOWED_CHANNELS="C0ALLOWED")
    before = len(slack.calls("views.open"))
    assert click(bot, ids.ACTION_ADD, "add", user_id=ADMIN).status == 200
    assert opened(slack, before)["callback_id"] == ids.MODAL
    kept = start(WOLKVOX_ALLOWED_USERS=MEMBER)  # an admin the user list leaves out
    before = len(slack.calls("views.open"))
    assert click(kept, ids.ACTION_ADD, "add", user_id=ADMIN).status == 200
    assert not slack.wait(lambda: len(slack.calls("views.open")) > before, 0.5)


def test_a_forged_form_with_a_malformed_id_is_closed_and_saves_nothing(
    start: Start, slack: FakeSlack
) -> None:
    bot = start()
    before = len(slack.calls("views.open"))
    assert click(bot, ids.ACTION_ADD, "add", user_id=ADMIN).status == 200
    form = opened(slack, before)
    view = as_shown(form, typed(name="cliente_z", server="0077", token=NEW_TOKEN))
    body = submission_body(view, user_id="not-an-id")
    acked = bot.post(body, sign(body))
    assert acked.status == 200
    assert not acked.body or "errors" not in acked.body  # no error under a block it lacks
    assert bot.bot.book.get("cliente_z") is None
