"""Slack requests as Slack builds and signs them, and the settings of a bot wired to the fakes.

Shared by the tests and the benchmark.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from testkit.fake_wolkvox import TOKEN as WOLKVOX_TOKEN

SIGNING_SECRET = "signing-secret-for-tests-0123456789abcdef"
BOT_TOKEN = "xoxb-test-0000-SECRETBOT"


def settings_env(wolkvox_url: str, slack_api_url: str, **extra: str) -> dict[str, str]:
    """The settings of a bot wired to the fakes: a fake Wolkvox and a fake Slack on loopback."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "WOLKVOX_SERVER": "0032",
        "WOLKVOX_TOKEN": WOLKVOX_TOKEN,
        "WOLKVOX_BASE_URL": wolkvox_url,
        "WOLKVOX_REFRESH_COOLDOWN": "0",  # tests refresh on purpose; the cooldown has its own
        **extra,
    }


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": str(signature),
        "Content-Type": "application/x-www-form-urlencoded",
    }


COMMAND_SENDER = {"user_id": "U0USER1", "user_name": "maria", "channel_id": "C0CHAN1"}


def command_body(text: str, *, response_url: str, **sender: str) -> str:
    """A slash command's form body; `sender` overrides user_id, user_name or channel_id."""
    who = {**COMMAND_SENDER, **sender}
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "team_domain": "acme",
            "channel_id": who["channel_id"],
            "channel_name": "campaigns",
            "user_id": who["user_id"],
            "user_name": who["user_name"],
            "command": "/wolkvox-sync",
            "text": text,
            "api_app_id": "A0APP",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


def action_body(
    action_id: str,
    value: str,
    *,
    response_url: str,
    user_id: str = "U0USER2",
    channel_id: str = "C0CHAN1",
    selected: str = "",
) -> str:
    """A block_actions payload: a button click, or a menu choice when `selected` is given."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "juan", "name": "juan", "team_id": "T0001"},
        "api_app_id": "A0APP",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": "1.1",
            "channel_id": channel_id,
            "is_ephemeral": True,
        },
        "trigger_id": "1.2.3",
        "team": {"id": "T0001", "domain": "acme"},
        "channel": {"id": channel_id, "name": "campaigns"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "type": "button",
                "action_ts": "1.2",
                "text": {"type": "plain_text", "text": "x"},
            }
        ],
    }
    if selected:
        payload["actions"] = [
            {
                "action_id": action_id,
                "block_id": "b2",
                "type": "static_select",
                "action_ts": "1.2",
                "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": selected},
            }
        ]
    return urlencode({"payload": json.dumps(payload)})
