"""Workflow Builder steps (bot.slack.steps) end to end: signed `function_executed` events into
the running app, and the step's end (`functions.completeSuccess` / `functions.completeError`)
on the fake Slack."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack.steps import STEPS, SYNC_STEP, TEMPLATE_STEP
from bot.slack.steps.template_step import choose_version
from bot.slack.steps.wording import plain_text
from bot.templates.model import Template
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import CAMPAIGN, FakeWolkvox, Reply, ok, template, wait_until
from tests.harness import BotServer, sign
from tests.socket_mode import socket_mode_bot

Start = Callable[..., BotServer]
ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_TOKEN = "xwfp-workflow-token-for-tests"
SUCCESS, ERROR = "functions.completeSuccess", "functions.completeError"

V1 = [
    template("promo", "es_MX", "MARKETING", "Hola {{1}}"),
    template("promo", "pt_BR", "MARKETING", "Olá {{1}}"),
    template("aviso", "es", "UTILITY", "Aviso"),
]
V2 = [
    template("promo", "es_MX", "MARKETING", "Hola {{1}}, ¡nuevo!"),  # changed
    template("aviso", "es", "UTILITY", "Aviso"),
    template("bienvenida", "es", "UTILITY", "Bienvenido {{1}}"),  # added; promo pt_BR removed
]

_executions = iter(range(1, 1_000_000))


def step_event(callback_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """A `function_executed` event as Slack sends it when a workflow reaches the step."""
    return {
        "type": "function_executed",
        "function": {
            "id": "Fn0STEP",
            "callback_id": callback_id,
            "title": callback_id,
            "type": "app",
            "app_id": "A0APP",
            "input_parameters": [],
            "output_parameters": [],
            "date_created": 1700000000,
            "date_updated": 1700000000,
            "date_deleted": 0,
        },
        "inputs": inputs,
        "function_execution_id": f"Fx{next(_executions):06d}",
        "workflow_execution_id": "Wx0001",
        "event_ts": f"{time.time():.6f}",
        "bot_access_token": WORKFLOW_TOKEN,
    }


def run(bot: BotServer, slack: FakeSlack, callback_id: str, **inputs: Any) -> tuple[str, Any]:
    """Send the step's event; return how it ended (SUCCESS or ERROR) and its outputs or error."""
    event = step_event(callback_id, inputs)
    acked = bot.event(event)
    assert acked.status == 200
    return ended(slack, event["function_execution_id"])


def ended(slack: FakeSlack, execution_id: str) -> tuple[str, Any]:
    def calls() -> list[tuple[str, dict[str, Any], dict[str, str]]]:
        return [
            (method, c.body, c.headers)
            for method in (SUCCESS, ERROR)
            for c in slack.calls(method)
            if c.body.get("function_execution_id") == execution_id
        ]

    assert slack.wait(lambda: bool(calls()), timeout=30), "the step never ended"
    time.sleep(0.1)  # a second end would arrive now
    [(method, body, headers)] = calls()
    assert headers["Authorization"] == f"Bearer {WORKFLOW_TOKEN}"  # the workflow's own token
    if method == SUCCESS:
        return method, json.loads(body["outputs"])
    return method, body["error"]


def test_the_manifest_declares_each_step_the_app_listens_for() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert set(manifest["functions"]) == set(STEPS)
    assert manifest["settings"]["org_deploy_enabled"] is True
    assert manifest["settings"]["function_runtime"] == "remote"
    sync = manifest["functions"][SYNC_STEP]
    assert {k: v["type"] for k, v in sync["output_parameters"].items()} == {
        "template_count": "integer",
        "added": "integer",
        "removed": "integer",
        "changed": "integer",
        "summary": "string",
    }
    get = manifest["functions"][TEMPLATE_STEP]
    assert get["input_parameters"]["language"]["is_required"] is False
    assert get["output_parameters"]["variable_count"]["type"] == "integer"
    for step in (sync, get):
        assert step["input_parameters"]["connector"]["is_required"] is True
        assert step["input_parameters"]["user_id"]["type"] == "slack#/types/user_id"
        assert step["input_parameters"]["channel_id"]["type"] == "slack#/types/channel_id"


def test_sync_step_reports_what_changed_and_notifies_subscribers(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    acked = bot.command(
        "subscribe 1234", response_url=slack.response_url("sub"), channel_id="C0SALES"
    )
    assert acked.status == 200
    slack.wait_replies("sub", 1)
    wolkvox.reply("1234", Reply(body=ok(V1)))
    method, outputs = run(bot, slack, SYNC_STEP, connector="1234", user_id="U0USER1")
    assert method == SUCCESS
    assert outputs == {
        "template_count": 3,
        "added": 0,
        "removed": 0,
        "changed": 0,
        "summary": "Connector 1234 synced for the first time: 3 templates, nothing to compare "
        "with yet.",
    }
    wolkvox.reply("1234", Reply(body=ok(V2)))
    method, outputs = run(bot, slack, SYNC_STEP, connector="01234", user_id="U0USER1")
    assert method == SUCCESS
    assert outputs == {
        "template_count": 3,
        "added": 1,
        "removed": 1,
        "changed": 1,
        "summary": "Connector 1234 synced: 1 added · 1 removed · 1 changed (3 templates now).",
    }
    assert wolkvox.calls == ["1234", "1234"]
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) >= 2)
    posts = [c.body for c in slack.calls("chat.postMessage")]
    assert all(p["channel"] == "C0SALES" for p in posts)
    assert "1 added · 1 removed · 1 changed" in json.dumps(posts[1], ensure_ascii=False)


def test_sync_step_within_the_cooldown_reports_no_changes_and_says_why(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_REFRESH_COOLDOWN="600")
    bot.command("1234", response_url=slack.response_url("c"))
    slack.wait_replies("c", 1)
    method, outputs = run(bot, slack, SYNC_STEP, connector="1234")
    assert method == SUCCESS
    assert (outputs["template_count"], outputs["added"], outputs["removed"]) == (3, 0, 0)
    assert outputs["changed"] == 0
    assert outputs["summary"].startswith("Connector 1234 was synced just now, too recently")
    assert "no changes (3 templates)" in outputs["summary"]
    assert wolkvox.calls == ["1234"]


def test_a_step_during_a_command_sync_shares_its_one_wolkvox_call(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    # the cooldown is a safety net: were the command's sync over before the step arrives, the
    # step would still not call Wolkvox again
    bot = start_bot(WOLKVOX_REFRESH_COOLDOWN="600")
    wolkvox.reply("1234", Reply(templates=4, delay=3.0))
    assert bot.command("1234", response_url=slack.response_url("cmd")).status == 200
    assert wait_until(lambda: wolkvox.calls == ["1234"])  # the command's call is running
    method, outputs = run(bot, slack, SYNC_STEP, connector="1234", user_id="U0USER2")
    assert method == SUCCESS
    assert outputs["template_count"] == 4
    assert (outputs["added"], outputs["removed"], outputs["changed"]) == (0, 0, 0)
    [reply] = slack.wait_replies("cmd", 1)
    assert "Connector 1234 · 4 templates" in json.dumps(reply, ensure_ascii=False)
    assert wolkvox.calls == ["1234"]


def test_template_step_gives_one_version_from_the_cache(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(body=ok(CAMPAIGN)))
    method, outputs = run(
        bot, slack, TEMPLATE_STEP, connector="1234", name="Recordatorio_Pago", language="pt-br"
    )
    assert method == SUCCESS
    assert outputs == {
        "body": "Olá {{1}}, seu pagamento de {{2}} vence em {{3}}.",
        "category": "UTILITY",
        "language": "pt_BR",
        "variable_count": 3,
        "preview": "Olá María, seu pagamento de 4821 vence em 25/12/2026.",
    }
    # no language: the workflow's (the runner's Slack locale is Spanish), then by code
    slack.locales["U0ES"] = "es-LA"
    _, outputs = run(
        bot, slack, TEMPLATE_STEP, connector="1234", name="recordatorio_pago", user_id="U0ES"
    )
    assert outputs["language"] == "es_MX"
    _, outputs = run(bot, slack, TEMPLATE_STEP, connector="1234", name="promo_navidad")
    assert outputs["language"] == "es_CO"  # English workflow, no English version: first by code
    assert outputs["variable_count"] == 0
    _, outputs = run(
        bot, slack, TEMPLATE_STEP, connector="1234", name="promo_navidad", language="es"
    )
    assert outputs["language"] == "es_CO"  # no plain es: the first Spanish by code
    assert wolkvox.calls == ["1234"]  # every later step read the cache


def test_choose_version_rule() -> None:
    versions = [Template("t", code, "UTILITY", code) for code in ("pt_BR", "es_MX", "es", "en_US")]
    assert choose_version(versions, "", "es").language == "es"  # type: ignore[union-attr]
    assert choose_version(versions, "", "pt_BR").language == "pt_BR"  # type: ignore[union-attr]
    assert choose_version(versions, "", "en").language == "en_US"  # type: ignore[union-attr]
    assert choose_version(versions, "es_mx", "en").language == "es_MX"  # type: ignore[union-attr]
    assert choose_version(versions, "es_co", "en") is None
    assert choose_version(versions, "fr", "en") is None
    only = [Template("t", code, "UTILITY", code) for code in ("pt_BR", "es_MX")]
    assert choose_version(only, "", "en").language == "es_MX"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("step", "inputs", "reply", "error"),
    [
        (
            SYNC_STEP,
            {"connector": "campañas"},
            None,
            "campañas is not a connector id: connector ids are digits only",
        ),
        (SYNC_STEP, {"connector": " "}, None, "This step needs a connector"),
        (
            SYNC_STEP,
            {"connector": "1234"},
            Reply(status=403, body={"code": 403, "error": "FORBIDDEN",
                                    "msg": "PLEASE VALIDATE TOKEN"}),
            "Could not sync connector 1234: Wolkvox did not accept the bot's access key.",
        ),
        (
            SYNC_STEP,
            {"connector": "1234"},
            Reply(status=502, body="<html>Bad gateway</html>", content_type="text/html"),
            "Could not sync connector 1234: Wolkvox is not available right now (HTTP 502",
        ),
        (
            TEMPLATE_STEP,
            {"connector": "1234", "name": "recordatorio_pagos"},
            Reply(body=ok(CAMPAIGN)),
            "Connector 1234 has no template named recordatorio_pagos (among 10 templates). "
            "Closest names: recordatorio_pago.",
        ),
        (
            TEMPLATE_STEP,
            {"connector": "1234", "name": "recordatorio_pago", "language": "en_US"},
            Reply(body=ok(CAMPAIGN)),
            "Template recordatorio_pago of connector 1234 has no en_US version. It has: es_MX, "
            "pt_BR.",
        ),
        (
            TEMPLATE_STEP,
            {"connector": "1234", "name": "x", "language": "español!"},
            None,
            "español! is not a language code: write Meta's code, like es, es_MX, pt_BR.",
        ),
        (TEMPLATE_STEP, {"connector": "1234"}, None, "This step needs the template's name"),
    ],
)  # fmt: skip
def test_each_failure_ends_the_step_with_the_commands_words_in_plain_text(
    bot: BotServer,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    step: str,
    inputs: dict[str, str],
    reply: Reply | None,
    error: str,
) -> None:
    if reply is not None:
        wolkvox.reply("1234", reply)
    method, said = run(bot, slack, step, **inputs)
    assert method == ERROR
    assert error in said
    assert "*" not in said and "`" not in said and ":x:" not in said and ":grey" not in said


def test_a_failed_sync_fails_the_step_even_with_an_older_copy_kept(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    assert run(bot, slack, SYNC_STEP, connector="1234")[0] == SUCCESS
    wolkvox.reply("1234", Reply(status=502, body="<html>Bad gateway</html>",
                                content_type="text/html"))  # fmt: skip
    method, said = run(bot, slack, SYNC_STEP, connector="1234")
    assert method == ERROR
    assert said.startswith("Could not sync connector 1234: Wolkvox is not available right now")


def test_a_step_never_waits_past_wolkvoxs_timeout(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_TIMEOUT="1")
    wolkvox.reply("1234", Reply(hang=True))
    method, said = run(bot, slack, SYNC_STEP, connector="1234")
    assert method == ERROR
    assert said.startswith("Could not sync connector 1234: the sync timed out")


OK, REFUSED, ASK_WHO = "completed", "refused", "refused, and told to map who and where"


@pytest.mark.parametrize(
    ("settings", "inputs", "outcome"),
    [
        ({"WOLKVOX_ALLOWED_USERS": "U0BOSS"}, {"user_id": "U0BOSS"}, OK),
        ({"WOLKVOX_ALLOWED_USERS": "U0BOSS"}, {"user_id": "U0USER1"}, REFUSED),
        ({"WOLKVOX_ALLOWED_USERS": "U0BOSS"}, {"channel_id": "C0OPS"}, ASK_WHO),  # who runs it?
        ({"WOLKVOX_ALLOWED_CHANNELS": "C0OPS"}, {"channel_id": "C0OPS"}, OK),
        ({"WOLKVOX_ALLOWED_CHANNELS": "C0OPS"}, {"channel_id": "C0SALES"}, REFUSED),
        ({"WOLKVOX_ALLOWED_CHANNELS": "C0OPS"}, {"user_id": "U0BOSS"}, ASK_WHO),  # where?
        ({}, {}, OK),  # no lists: anyone, from any workflow
    ],
)
def test_allowed_users_and_channels_apply_to_whoever_runs_the_workflow(
    start_bot: Start,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    settings: dict[str, str],
    inputs: dict[str, str],
    outcome: str,
) -> None:
    bot = start_bot(**settings)
    for step, extra in ((SYNC_STEP, {}), (TEMPLATE_STEP, {"name": "plantilla_1234_00001"})):
        method, said = run(bot, slack, step, connector="1234", **extra, **inputs)
        assert (method == SUCCESS) is (outcome == OK), said
        if outcome != OK:
            assert said.startswith("Sorry, this bot is limited to certain people and channels")
            told = "give this step the person who used the workflow" in said
            assert told is (outcome == ASK_WHO)
    assert wolkvox.calls == (["1234"] if outcome == OK else [])


def test_a_failure_is_worded_in_the_language_of_whoever_runs_the_workflow(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_ALLOWED_USERS="U0ES")
    slack.locales["U0ES"] = "es-LA"
    wolkvox.reply("1234", Reply(status=403, body={"code": 403, "error": "FORBIDDEN",
                                                  "msg": "PLEASE VALIDATE TOKEN"}))  # fmt: skip
    method, said = run(bot, slack, SYNC_STEP, connector="1234", user_id="U0ES")
    assert method == ERROR
    assert said.startswith("No se pudo sincronizar el conector 1234:")


def test_an_unsigned_step_event_causes_nothing(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    body = json.dumps(
        {"type": "event_callback", "team_id": "T0001", "api_app_id": "A0APP",
         "event": step_event(SYNC_STEP, {"connector": "1234"})}
    )  # fmt: skip
    headers = {**sign(body, secret="not-the-signing-secret"), "Content-Type": "application/json"}
    assert bot.post(body, headers).status == 401
    time.sleep(0.5)  # nothing would follow anyway; give it the chance to
    assert slack.calls(SUCCESS) == slack.calls(ERROR) == [] and wolkvox.calls == []


def test_plain_text_drops_mrkdwn() -> None:
    assert plain_text(":x: Could not sync connector *1234*: `a&lt;b` &amp; <https://x|here>.") == (
        "Could not sync connector 1234: a<b & here."
    )
    assert plain_text("at 10:30: done") == "at 10:30: done"


def test_a_step_arrives_and_ends_over_socket_mode(
    tmp_path: Path, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    with socket_mode_bot(tmp_path, slack, wolkvox) as bot:
        event = step_event(SYNC_STEP, {"connector": "1234"})
        bot.socket.send(
            {
                "envelope_id": "env-step",
                "type": "events_api",
                "accepts_response_payload": False,
                "payload": {
                    "token": "legacy",
                    "team_id": "T0001",
                    "api_app_id": "A0APP",
                    "type": "event_callback",
                    "event": event,
                    "event_id": "Ev0STEP",
                    "event_time": int(time.time()),
                },
            }
        )
        assert bot.socket.ack_for("env-step") is not None
        method, outputs = ended(slack, event["function_execution_id"])
        assert method == SUCCESS and outputs["template_count"] == 3
        assert wolkvox.calls == ["1234"]
