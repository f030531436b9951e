"""A client that sends signed slash commands as Slack does, and how its timings and answers
are read: percentiles, and whether an acknowledgement already held the answer."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from testkit.fake_slack import FakeSlack
from testkit.slack_requests import command_body, sign

_NAMES = itertools.count(1)  # every response_url in the process is another


def pct(values: list[float], q: float) -> float:
    """The `q`th percentile of `values` (nearest rank); NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class Client:
    """Sends signed slash commands as Slack does: one HTTP/1.1 POST per connection.

    A minimal client on raw asyncio streams, with each request built and signed before its
    clock starts, so that what is measured is the server, not the load generator. Every
    response_url is unique, to time the answer.
    """

    def __init__(self, url: str, slack: FakeSlack, connections: int) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.slack = slack
        self.slots = asyncio.Semaphore(connections)
        self.count = 0

    def request(self, text: str, user: str = "") -> tuple[str, bytes]:
        self.count += 1
        name = f"c{next(_NAMES)}"  # not id(self): a later client may get a freed one's id
        who = {"user_id": user} if user else {}
        body = command_body(text, response_url=self.slack.response_url(name), **who)
        headers = {
            **sign(body),
            "Host": f"{self.host}:{self.port}",
            "Content-Length": str(len(body)),
            "Connection": "close",
        }
        head = "POST /slack/events HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        return name, (head + "\r\n" + body).encode()

    async def command(self, text: str, user: str = "") -> tuple[float, str, bool, dict[str, Any]]:
        return await self.send(*self.request(text, user))

    async def send(self, name: str, raw: bytes) -> tuple[float, str, bool, dict[str, Any]]:
        async with self.slots:
            started = time.perf_counter()
            reader, writer = await asyncio.open_connection(self.host, self.port)
            writer.write(raw)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                key, _, value = line.decode().partition(":")
                if key.lower() == "content-length":
                    length = int(value)
            content = await reader.readexactly(length) if length else b""
            ack_seconds = time.perf_counter() - started
            writer.close()
        data = json.loads(content) if content else {}
        return started, name, b" 200 " in status_line, {"ack": ack_seconds, "body": data}

    async def aclose(self) -> None:
        pass


def answered_in_ack(body: dict[str, Any]) -> bool:
    """Whether an acknowledgement's body already holds the answer (a list of templates)."""
    return "templates" in json.dumps(body)
