"""The real app served by uvicorn on 127.0.0.1, and requests signed as Slack signs them."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from bot.assembly import build_app
from bot.config import Settings
from bot.slack.door import SlackDoor
from bot.web import asgi_app
from testkit.fake_slack import FakeSlack
from testkit.slack_requests import (
    BOT_TOKEN,
    COMMAND_SENDER,
    SIGNING_SECRET,
    action_body,
    command_body,
    settings_env,
    sign,
)
from tests.blockkit import all_text, check_message

SLACK_PATIENCE = 3.0  # Slack gives up on an acknowledgement after 3 s
# httpx gives each client an SSL context of its own, loading the CA certificates (35 ms of CPU),
# even for http://127.0.0.1: the tests' clients share this one (verify=TLS)
TLS = httpx.create_ssl_context()


@dataclass
class Acked:
    status: int
    body: dict[str, Any]
    seconds: float


class BotServer:
    """The app as Slack sees it: POST /slack/events on a real port."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.settings = Settings.from_env(env, mode="http")
        self.bot: SlackDoor = build_app(self.settings)
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
        self.http = httpx.Client(base_url=self.url, timeout=SLACK_PATIENCE, verify=TLS)

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

    def introduce(self, slack: FakeSlack, user_id: str = COMMAND_SENDER["user_id"]) -> None:
        """Let the bot learn `user_id`'s language, as their first command of the day does, so
        that their commands are answered in the acknowledgement itself: a person's language is
        never awaited before an acknowledgement (tests/test_user_language_flights.py)."""
        name = f"introduce-{user_id}"
        acked = self.command("help", response_url=slack.response_url(name), user_id=user_id)
        assert acked.status == 200
        if not acked.body:
            slack.wait_replies(name, 1)

    def click(self, action_id: str, value: str, *, response_url: str, **who: str) -> Acked:
        body = action_body(action_id, value, response_url=response_url, **who)
        return self.post(body, sign(body))


def final_answer(
    bot: BotServer, slack: FakeSlack, text: str, name: str, **who: str
) -> dict[str, Any]:
    """The final answer to a command, checked against Block Kit's limits: the acknowledgement
    itself (a cache hit, an error), or the one response_url post that replaced a "Syncing…"
    acknowledgement or followed an empty one."""
    acked = bot.command(text, response_url=slack.response_url(name), **who)
    assert acked.status == 200
    if acked.body.get("blocks") and ":hourglass_flowing_sand:" not in all_text(acked.body):
        check_message(acked.body)
        return acked.body
    [reply] = slack.wait_replies(name, 1)
    check_message(reply)
    return reply


__all__ = [
    "BOT_TOKEN",
    "SIGNING_SECRET",
    "TLS",
    "Acked",
    "BotServer",
    "action_body",
    "command_body",
    "final_answer",
    "settings_env",
    "sign",
]
