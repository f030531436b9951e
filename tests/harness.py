"""The real app served by uvicorn on 127.0.0.1, and requests signed as Slack signs them."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from slack_sdk.signature import SignatureVerifier

from bot.app import Bot, build_app
from bot.config import Settings
from bot.web import asgi_app
from tests.fakes.wolkvox import TOKEN as WOLKVOX_TOKEN

SIGNING_SECRET = "signing-secret-for-tests-0123456789abcdef"
BOT_TOKEN = "xoxb-test-0000-SECRETBOT"
SLACK_PATIENCE = 3.0  # Slack gives up on an acknowledgement after 3 s


def settings_env(wolkvox_url: str, slack_api_url: str, **extra: str) -> dict[str, str]:
    """The settings of a bot wired to the fakes: a fake Wolkvox and a fake Slack on loopback."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "WOLKVOX_SERVER": "0032",
        "WOLKVOX_TOKEN": WOLKVOX_TOKEN,
        "WOLKVOX_BASE_URL": wolkvox_url,
        **extra,
    }


def sign(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def command_body(
    text: str,
    *,
    response_url: str,
    user_id: str = "U0USER1",
    user_name: str = "maria",
    channel_id: str = "C0CHAN1",
) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "campaigns",
            "user_id": user_id,
            "user_name": user_name,
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


@dataclass
class Acked:
    status: int
    body: dict[str, Any]
    seconds: float


class BotServer:
    """The app as Slack sees it: POST /slack/events on a real port."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.settings = Settings.from_env(env, mode="http")
        self.bot: Bot = build_app(self.settings)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            asgi_app(self.bot), log_config=None, lifespan="on", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.01)
        self.http = httpx.Client(base_url=self.url, timeout=SLACK_PATIENCE)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def post(self, body: str, headers: dict[str, str]) -> Acked:
        started = time.perf_counter()
        response = self.http.post("/slack/events", content=body, headers=headers)
        seconds = time.perf_counter() - started
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = {"raw": response.text}
        return Acked(response.status_code, data, seconds)

    def command(self, text: str, *, response_url: str, **who: str) -> Acked:
        body = command_body(text, response_url=response_url, **who)
        return self.post(body, sign(body))

    def event(self, event: dict[str, Any], *, team_id: str = "T0001") -> Acked:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": team_id,
                "api_app_id": "A0APP",
                "type": "event_callback",
                "event": event,
                "event_id": "Ev0001",
                "event_time": int(time.time()),
            }
        )
        headers = {**sign(body), "Content-Type": "application/json"}
        return self.post(body, headers)

    def click(self, action_id: str, value: str, *, response_url: str, **who: str) -> Acked:
        body = action_body(action_id, value, response_url=response_url, **who)
        return self.post(body, sign(body))
