"""Nothing one workspace does reaches another's (issue 21): in distribution mode, with T0AAA and
T0BBB installed from the link and each holding its own `cliente_a` (tests/test_workspaces.py),
a button value or a menu's value carrying T0AAA's connector key, clicked or sent from T0BBB,
is refused without showing, spending or syncing anything of T0AAA's; T0BBB's menus offer only
its own connectors; and a key T0AAA's value carries never reaches T0AAA's Wolkvox server from
T0BBB's request.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

import testkit.modal_requests as modal_requests
from bot.slack.action_ids import ACTION_NEXT, ACTION_REFRESH
from bot.slack.modal import ids
from bot.slack.values import ViewRef, encode_view
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox
from testkit.slack_requests import action_body
from tests.harness import BotServer, sign
from tests.test_install import distribution_env, start_distributed  # noqa: F401 (fixtures)
from tests.test_modal import Modal
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
