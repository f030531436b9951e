"""Nothing one workspace does reaches another's (issue 21): in distribution mode, with T0AAA and
T0BBB installed from the link and each holding its own `cliente_a` (tests/test_workspaces.py),
a button value or a menu's value carrying T0AAA's connector key, clicked or sent from T0BBB,
is refused without showing, spending or syncing anything of T0AAA's; T0BBB's menus offer only
its own connectors; and a key T0AAA's value carries never reaches T0AAA's Wolkvox server from
T0BBB's request.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

import testkit.modal_requests as modal_requests
from bot.slack.action_ids import ACTION_NEXT, ACTION_REFRESH
from bot.slack.modal import ids
from bot.slack.modal.ids import HINT_VALUE, template_block
from bot.slack.modal.state import Chosen, metadata, template_value
from bot.slack.steps import SYNC_STEP, TEMPLATE_STEP
from bot.slack.values import TemplateRef, ViewRef, encode_view
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox
from testkit.modal_requests import selected
from testkit.slack_requests import action_body
from tests.blockkit import all_text
from tests.harness import BotServer, sign
from tests.installs import (  # noqa: F401 (fixtures)
    command_from,
    distribution_env,
    start_distributed,
)
from tests.test_modal import Modal
from tests.test_steps import ERROR, SUCCESS, ended, step_event
from tests.test_workspaces import A, B, answer_to, two_workspaces  # noqa: F401 (fixture)

A_KEY, B_KEY = f"{A}/cliente_a:1234", f"{B}/cliente_a:1234"


def click_from(
    bot: BotServer,
    slack: FakeSlack,
    team: str,
    action_id: str,
    value: str,
    name: str,
    replies: int = 1,
) -> str:
    """A click in workspace `team`; what the bot answered last through response_url."""
    fields = dict(parse_qsl(action_body(action_id, value, response_url=slack.response_url(name))))
    payload: dict[str, Any] = json.loads(fields["payload"])
    payload["team"] = {"id": team, "domain": team.lower()}
    payload["user"]["team_id"] = team
    body = urlencode({"payload": json.dumps(payload)})
    acked = bot.post(body, sign(body))
    assert acked.status == 200
    return json.dumps(slack.wait_replies(name, replies)[-1])


def snapshot_ids(message: dict[str, Any]) -> set[str]:
    found = set()
    for value in _values(message):
        try:
            carried = json.loads(value)
        except ValueError:
            continue
        if isinstance(carried, dict) and carried.get("s"):
            found.add(carried["s"])
    return found


def _values(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["value"]] if isinstance(node.get("value"), str) else []
        return own + [v for child in node.values() for v in _values(child)]
    if isinstance(node, list):
        return [v for child in node for v in _values(child)]
    return []


def test_a_button_of_one_workspace_is_refused_in_another(
    two_workspaces: tuple[BotServer, dict[str, str]],  # noqa: F811
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
) -> None:
    bot, _ = two_workspaces
    answer = answer_to(bot, slack, A, "1234", "acme")
    assert "promo_acme" in json.dumps(answer)
    [snapshot_id, *_] = sorted(snapshot_ids(answer)) or [""]
    page = encode_view(ViewRef(A_KEY, snapshot_id, page=0))
    # the same value, clicked in T0AAA: answered (the control)
    assert "promo_acme" in click_from(bot, slack, A, ACTION_NEXT, page, "acme-next")
    # carried into T0BBB: refused, nothing of T0AAA's shown
    said = click_from(bot, slack, B, ACTION_NEXT, page, "bravo-next")
    assert "promo_acme" not in said and A not in said
    # Refresh carrying T0AAA's key, from T0BBB: refused, T0AAA's server not called
    calls = wolkvox.calls_for("1234", server="0032")
    said = click_from(bot, slack, B, ACTION_REFRESH, encode_view(ViewRef(A_KEY)), "bravo-r")
    assert "promo_acme" not in said and "promo_bravo" not in said and A not in said
    assert wolkvox.calls_for("1234", server="0032") == calls
    # T0BBB's own key on its own button: its own data
    said = click_from(bot, slack, B, ACTION_REFRESH, encode_view(ViewRef(B_KEY)), "bravo-own", 2)
    assert "promo_bravo" in said and "promo_acme" not in said


def test_a_workspace_s_menus_offer_only_its_own_connectors(
    two_workspaces: tuple[BotServer, dict[str, str]],  # noqa: F811
    slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot, tokens = two_workspaces
    answer_to(bot, slack, A, "1234", "acme")  # T0AAA's 1234 synced here: "recent" for A only
    answer_to(bot, slack, B, "1234", "bravo")
    for team in (B, A):
        monkeypatch.setattr(modal_requests, "TEAM", {"id": team, "domain": team.lower()})
        modal = Modal(bot, slack)
        before = len(slack.calls("views.open"))
        modal.post(modal_requests.shortcut_body(ids.SHORTCUT, user_id=modal.user_id))
        assert slack.wait(lambda n=before: len(slack.calls("views.open")) > n)
        opened = slack.calls("views.open")[-1]
        assert opened.token == tokens[team]  # opened with the workspace's own bot token
        modal.read(opened.body["view"])
        for typed in ("12", "ventas", "cliente_a:1234", ""):
            options = modal.type(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, typed)
            values = [o["value"] for o in options if o.get("value")]
            assert values, typed
            assert all(v.startswith(f"{team}/") for v in values if ":" in v), (team, values)
            assert not any(v.startswith(f"{A if team == B else B}/") for v in values)
            shown = json.dumps(options)
            assert (B if team == A else A) not in shown


# the modal: private_metadata, options requests and choices carrying another workspace's key


def open_modal(
    bot: BotServer, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, team: str
) -> Modal:
    """The Find a template modal, opened by someone in workspace `team`."""
    monkeypatch.setattr(modal_requests, "TEAM", {"id": team, "domain": team.lower()})
    modal = Modal(bot, slack)
    before = len(slack.calls("views.open"))
    modal.post(modal_requests.shortcut_body(ids.SHORTCUT, user_id=modal.user_id))
    assert slack.wait(lambda: len(slack.calls("views.open")) > before)
    modal.read(slack.calls("views.open")[-1].body["view"])
    return modal


def posted_since(slack: FakeSlack, before: int) -> str:
    return json.dumps([c.body for c in slack.calls("chat.postMessage")[before:]])


def test_a_modal_carrying_another_workspace_s_key_shows_and_shares_nothing_of_it(
    two_workspaces: tuple[BotServer, dict[str, str]],  # noqa: F811
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot, _ = two_workspaces
    answer = answer_to(bot, slack, A, "1234", "acme")
    [snapshot_id, *_] = sorted(snapshot_ids(answer))
    # the control, in T0AAA: its connector, its template (a scoped key in the option's value)
    modal = open_modal(bot, slack, monkeypatch, A)
    modal.choose(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, modal.connector("ventas"))
    [option] = modal.type(ids.TEMPLATE_MENU, template_block(A_KEY), "promo")
    assert option["value"].startswith(f"{A_KEY}.")
    shown = modal.choose(ids.TEMPLATE_MENU, template_block(A_KEY), option)
    assert "Hola Acme" in all_text(shown)
    calls = {s: wolkvox.calls_for("1234", server=s) for s in ("0032", "0002")}
    posts = len(slack.calls("chat.postMessage"))

    # in T0BBB, a view whose private_metadata names T0AAA's connector and template
    modal = open_modal(bot, slack, monkeypatch, B)
    forged = TemplateRef(A_KEY, snapshot_id, 0)
    modal.view = {**modal.view, "private_metadata": metadata(Chosen(A_KEY, "1234", forged))}
    # the template menu's options request: a hint, none of T0AAA's templates
    options = modal.type(ids.TEMPLATE_MENU, template_block(A_KEY), "promo")
    assert all(o["value"] == HINT_VALUE for o in options), options
    assert "promo_acme" not in json.dumps(options) and A not in json.dumps(options)
    # choosing T0AAA's template by its value: the modal shows nothing of it
    choice = {"value": template_value(forged), "text": {"type": "plain_text", "text": "x"}}
    shown = modal.choose(ids.TEMPLATE_MENU, template_block(A_KEY), choice)
    assert "Hola Acme" not in json.dumps(shown) and "promo_acme" not in json.dumps(shown)
    assert A not in json.dumps(shown)
    # Share with that metadata: refused under the channel picker, nothing posted
    modal.view = {**modal.view, "private_metadata": metadata(Chosen(A_KEY, "1234", forged))}
    acked = modal.share("C0CHAN1")
    assert acked.status == 200 and acked.body["response_action"] == "errors", acked
    assert "Hola Acme" not in json.dumps(acked.body) and A not in json.dumps(acked.body)
    assert "promo_acme" not in posted_since(slack, posts)
    # T0AAA's key chosen in the connector menu's state (not the metadata): a hint again
    modal = open_modal(bot, slack, monkeypatch, B)
    modal.values[ids.CONNECTOR_BLOCK] = {ids.CONNECTOR_MENU: selected(A_KEY, "1234")}
    options = modal.type(ids.TEMPLATE_MENU, template_block(A_KEY), "")
    assert all(o["value"] == HINT_VALUE for o in options) and "promo_acme" not in str(options)
    # choosing T0AAA's connector in T0BBB's menu: refused, nothing synced anywhere
    shown = modal.choose(
        ids.CONNECTOR_MENU,
        ids.CONNECTOR_BLOCK,
        {"value": A_KEY, "text": {"type": "plain_text", "text": "1234"}},
    )
    assert "promo_acme" not in json.dumps(shown) and A not in json.dumps(shown)
    time.sleep(0.3)  # a background sync it might have started would have called by now
    assert {s: wolkvox.calls_for("1234", server=s) for s in ("0032", "0002")} == calls


# a workflow step's `connector` input naming another workspace's key


def test_a_workflow_step_naming_another_workspace_s_key_fails_without_calling_it(
    two_workspaces: tuple[BotServer, dict[str, str]],  # noqa: F811
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
) -> None:
    bot, _ = two_workspaces

    def step(callback_id: str, **inputs: str) -> tuple[str, Any]:
        event = step_event(callback_id, inputs)
        assert bot.event(event, team_id=A).status == 200
        return ended(slack, event["function_execution_id"])

    # the control: T0AAA's own connector, by alias and by key
    for word in ("ventas", "cliente_a:1234"):
        method, outputs = step(TEMPLATE_STEP, connector=word, name="promo_acme")
        assert method == SUCCESS and outputs["body"] == "Hola Acme", (word, outputs)
    calls = wolkvox.calls_for("1234", server="0002")
    for word in (B_KEY, B_KEY.lower(), f" {B_KEY} "):
        for callback_id, inputs in ((SYNC_STEP, {}), (TEMPLATE_STEP, {"name": "promo_bravo"})):
            method, error = step(callback_id, connector=word, **inputs)
            assert method == ERROR, (word, error)
            assert "promo_bravo" not in error and "Hola Bravo" not in error
    assert wolkvox.calls_for("1234", server="0002") == calls  # T0BBB's server never asked
    # nothing of T0BBB's was synced for T0AAA either
    assert not [r for r in wolkvox.requests if r["path"].startswith("/wv0002/")][calls:]


# a response_url and a button value carried from one workspace into another's request


def test_a_response_url_or_value_from_one_workspace_answers_only_the_requester_s_data(
    two_workspaces: tuple[BotServer, dict[str, str]],  # noqa: F811
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
) -> None:
    bot, _ = two_workspaces
    answer = answer_to(bot, slack, B, "1234", "bravo")  # T0BBB's command, its response_url
    [b_snapshot, *_] = sorted(snapshot_ids(answer))
    b_calls = wolkvox.calls_for("1234", server="0002")
    # T0BBB's response_url in T0AAA's command: answered with T0AAA's data only
    replies = len(slack.replies_to("bravo"))
    acked = command_from(bot, A, "1234", slack.response_url("bravo"))
    assert acked.status == 200
    said = json.dumps(acked.body) + json.dumps(slack.wait_replies("bravo", replies + 1)[replies:])
    assert "promo_acme" in said and "promo_bravo" not in said and B not in said
    # T0BBB's buttons (a page of its kept snapshot, Refresh) with its response_url, in T0AAA
    page = encode_view(ViewRef(B_KEY, b_snapshot))
    replies = len(slack.replies_to("bravo"))
    said = click_from(bot, slack, A, ACTION_NEXT, page, "bravo", replies + 1)
    assert "promo_bravo" not in said and "promo_acme" not in said and B not in said
    replies += 1
    said = click_from(
        bot, slack, A, ACTION_REFRESH, encode_view(ViewRef(B_KEY)), "bravo", replies + 1
    )
    assert "promo_bravo" not in said and B not in said
    assert wolkvox.calls_for("1234", server="0002") == b_calls  # T0BBB's server not called
