"""A modal's requests as Slack builds them: a global shortcut, an options request
(block_suggestion), a menu choice inside a view (block_actions) and a submission
(view_submission), each a form body ready to sign. Shared by the tests and the benchmark."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

VIEW_ID = "V0MODAL1"
TEAM = {"id": "T0001", "domain": "acme"}

Values = dict[str, dict[str, dict[str, Any]]]  # block_id -> action_id -> element state


def _user(user_id: str) -> dict[str, str]:
    return {"id": user_id, "username": "maria", "name": "maria", "team_id": "T0001"}


def _form(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def as_shown(
    view: dict[str, Any], values: Values | None = None, *, hash: str = "h1"
) -> dict[str, Any]:
    """A view the bot sent, as Slack hands it back: with its id, hash and state."""
    return {
        **view,
        "id": VIEW_ID,
        "team_id": "T0001",
        "hash": hash,
        "state": {"values": values or {}},
    }


def selected(value: str, text: str) -> dict[str, Any]:
    """A select menu's state once an option is chosen."""
    return {
        "type": "external_select",
        "selected_option": {"text": {"type": "plain_text", "text": text}, "value": value},
    }


def shortcut_body(callback_id: str, *, user_id: str = "U0USER1", trigger_id: str = "9.8.7") -> str:
    return _form(
        {
            "type": "shortcut",
            "token": "legacy",
            "action_ts": "1.2",
            "team": TEAM,
            "user": _user(user_id),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id,
        }
    )


def suggestion_body(
    view: dict[str, Any], *, action_id: str, block_id: str, typed: str, user_id: str = "U0USER1"
) -> str:
    """An options request: someone typed `typed` in an external select of `view`."""
    return _form(
        {
            "type": "block_suggestion",
            "user": _user(user_id),
            "container": {"type": "view", "view_id": view.get("id", VIEW_ID)},
            "api_app_id": "A0APP",
            "token": "legacy",
            "action_id": action_id,
            "block_id": block_id,
            "value": typed,
            "team": TEAM,
            "view": view,
        }
    )


def choice_body(
    view: dict[str, Any],
    *,
    action_id: str,
    block_id: str,
    value: str,
    text: str,
    user_id: str = "U0USER1",
) -> str:
    """A block_actions payload: an option chosen in an external select of `view`."""
    return _form(
        {
            "type": "block_actions",
            "user": _user(user_id),
            "api_app_id": "A0APP",
            "token": "legacy",
            "container": {"type": "view", "view_id": view.get("id", VIEW_ID)},
            "trigger_id": "9.8.8",
            "team": TEAM,
            "view": view,
            "actions": [
                {
                    "type": "external_select",
                    "action_id": action_id,
                    "block_id": block_id,
                    "selected_option": {
                        "text": {"type": "plain_text", "text": text},
                        "value": value,
                    },
                    "action_ts": "1.3",
                }
            ],
        }
    )


def submission_body(view: dict[str, Any], *, user_id: str = "U0USER1") -> str:
    """A view_submission payload: `view` (with its state) submitted."""
    return _form(
        {
            "type": "view_submission",
            "team": TEAM,
            "user": _user(user_id),
            "api_app_id": "A0APP",
            "token": "legacy",
            "trigger_id": "9.8.9",
            "view": view,
            "response_urls": [],
        }
    )
