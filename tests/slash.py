"""What people do in Slack, as the end-to-end tests of history, notifications and access do it:
run a command and read what it said, run many at once, read the posts the bot made and the
Home tab it published. Two versions of a connector's templates to sync one after the other
(V1, V2)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import template
from tests.blockkit import all_text, check_message
from tests.harness import Acked, BotServer

V1 = [
    template("promo", "es_MX", "MARKETING", "Hola"),
    template("promo", "pt_BR", "MARKETING", "Olá"),
    template("aviso", "es", "UTILITY", "Aviso"),
]
V2 = [
    template("promo", "es_MX", "MARKETING", "Hola {{1}}"),  # changed
    template("promo", "pt_BR", "UTILITY", "Olá"),  # changed
    template("nuevo", "es", "UTILITY", "Nuevo"),  # added; aviso removed
]


def sync(
    bot: BotServer, slack: FakeSlack, name: str, text: str = "1234 --refresh", **who: str
) -> dict[str, Any]:
    """A sync's answer (posted to response_url after the acknowledgement)."""
    acked = bot.command(text, response_url=slack.response_url(name), **who)
    assert acked.status == 200
    [reply] = slack.wait_replies(name, 1)
    check_message(reply)
    return reply


def said(bot: BotServer, slack: FakeSlack, text: str, name: str, **who: str) -> str:
    """The answer to a command: the acknowledgement's, or the reply through response_url
    after an empty acknowledgement."""
    acked = bot.command(text, response_url=slack.response_url(name), **who)
    assert acked.status == 200
    if acked.body:
        return all_text(acked.body)
    [reply] = slack.wait_replies(name, 1)
    check_message(reply)
    return all_text(reply)


def posts(slack: FakeSlack, channel: str | None = None) -> list[dict[str, Any]]:
    """The bot's chat.postMessage bodies so far, to `channel` or to any."""
    return [
        c.body
        for c in slack.calls("chat.postMessage")
        if channel is None or c.body["channel"] == channel
    ]


def settle(slack: FakeSlack, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    """The posts once there are `count`, and a moment later (nothing more arrives)."""
    assert slack.wait(lambda: len(posts(slack)) >= count, timeout), posts(slack)
    time.sleep(0.3)
    return posts(slack)


def home_view(bot: BotServer, slack: FakeSlack, user: str) -> dict[str, Any]:
    """The Home tab published for `user` when they open it."""
    acked = bot.event(
        {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": "1.1",
        }
    )
    assert acked.status == 200
    assert slack.wait(
        lambda: any(c.body.get("user_id") == user for c in slack.calls("views.publish"))
    )
    call = [c for c in slack.calls("views.publish") if c.body.get("user_id") == user][-1]
    view = call.body["view"]
    return json.loads(view) if isinstance(view, str) else view


def burst(bot: BotServer, slack: FakeSlack, texts: list[str]) -> list[Acked]:
    """The commands at once, each from another member (one member may run 2 syncs at once)."""
    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        return list(
            pool.map(
                lambda i: bot.command(
                    texts[i], response_url=slack.response_url(f"b{i}"), user_id=f"U0B{i:04d}"
                ),
                range(len(texts)),
            )
        )


def answers(slack: FakeSlack, acks: list[Acked], timeout: float = 20) -> list[str]:
    """What each command of a burst finally showed: a cache hit is answered in the ack itself."""

    def final(i: int) -> str | None:
        if "templates" in all_text(acks[i].body):
            return all_text(acks[i].body)
        replies = slack.replies_to(f"b{i}")
        return all_text(replies[-1]) if replies else None

    slack.wait(lambda: all(final(i) is not None for i in range(len(acks))), timeout)
    return [final(i) or "" for i in range(len(acks))]
