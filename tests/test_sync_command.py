"""The sync command end to end, signed HTTP requests into the running app (SlackDoor): help and
bad input answered at once, the acknowledgement then the summary, the cache, --refresh and its
TTL, bursts that share one Wolkvox call and never exceed two in flight, Wolkvox's failures
explained (advice for whoever runs the bot goes to the log), paging and the Refresh button."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import pytest

from bot.slack import action_ids
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply
from tests.blockkit import all_text, buttons, check_message
from tests.harness import BOT_TOKEN, BotServer
from tests.slash import answers, burst

Start = Callable[..., BotServer]


def test_help_is_answered_at_once_without_calling_wolkvox(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot.introduce(slack)
    for text in ("", "help"):
        acked = bot.command(text, response_url=slack.response_url("h"))
        assert acked.status == 200
        assert "`/wolkvox-sync 1234 --refresh`" in all_text(acked.body)
        check_message(acked.body)
    assert wolkvox.calls == []


@pytest.mark.parametrize(
    "text", ["abc", "../etc/passwd", "1234; rm -rf /", "1" * 3000, "12\x0734", "<!channel>"]
)
def test_bad_input_gets_a_clear_message_and_no_call(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox, text: str
) -> None:
    bot.introduce(slack)
    acked = bot.command(text, response_url=slack.response_url("bad"))
    assert acked.status == 200
    assert acked.body.get("response_type", "ephemeral") == "ephemeral"
    assert "/wolkvox-sync 1234" in all_text(acked.body)
    assert "<!channel>" not in json.dumps(acked.body)
    check_message(acked.body)
    time.sleep(0.1)
    assert wolkvox.calls == [] and slack.replies_to("bad") == []


def test_sync_acknowledges_then_replaces_with_the_summary(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(templates=57, delay=0.3))
    bot.introduce(slack)
    acked = bot.command("1234", response_url=slack.response_url("s"))
    assert acked.status == 200
    assert "Syncing connector *1234*" in all_text(acked.body)
    [reply] = slack.wait_replies("s", 1)
    check_message(reply)
    assert reply["replace_original"] is True and reply["response_type"] == "ephemeral"
    text = all_text(reply)
    assert "Connector 1234 · 57 templates" in text
    assert "Synced just now · asked by <@U0USER1>" in text
    assert "Templates 1–20 of 57" in text and "Page 1 of 3" in text
    assert action_ids.ACTION_PREVIOUS not in buttons(reply)
    assert {action_ids.ACTION_NEXT, action_ids.ACTION_REFRESH, action_ids.ACTION_OPEN} <= set(
        buttons(reply)
    )
    assert wolkvox.calls == ["1234"]


def test_a_repeat_is_answered_from_the_cache_in_the_acknowledgement(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot.command("1234", response_url=slack.response_url("first"))
    slack.wait_replies("first", 1)
    bot.introduce(slack, "U0OTHER")
    acked = bot.command("1234", response_url=slack.response_url("again"), user_id="U0OTHER")
    assert "Cached, synced just now · asked by <@U0OTHER>" in all_text(acked.body)
    check_message(acked.body)
    assert wolkvox.calls == ["1234"]


def test_refresh_option_bypasses_the_cache(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot.command("1234", response_url=slack.response_url("a"))
    slack.wait_replies("a", 1)
    acked = bot.command("1234 --refresh", response_url=slack.response_url("b"))
    assert "Syncing connector" in all_text(acked.body)
    assert "Synced just now" in all_text(slack.wait_replies("b", 1)[0])
    assert wolkvox.calls == ["1234", "1234"]


def test_cache_expires_after_the_ttl(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_CACHE_TTL="1")
    bot.command("1234", response_url=slack.response_url("a"))
    slack.wait_replies("a", 1)
    time.sleep(1.2)
    acked = bot.command("1234", response_url=slack.response_url("b"))
    assert "Syncing connector" in all_text(acked.body)
    slack.wait_replies("b", 1)
    assert wolkvox.calls == ["1234", "1234"]


def test_fifty_commands_during_a_slow_sync_are_all_acknowledged_and_share_one_call(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(templates=30, delay=2.5))
    acks = burst(bot, slack, ["1234"] * 50)  # the client gives up after 3 s, as Slack does
    assert [a.status for a in acks] == [200] * 50
    assert all("Connector 1234 · 30 templates" in text for text in answers(slack, acks))
    assert wolkvox.calls == ["1234"]


def test_never_more_than_two_calls_in_flight_whatever_users_do(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    connectors = [str(100 + i) for i in range(10)]
    for c in connectors:
        wolkvox.reply(c, Reply(templates=2, delay=0.3))
    acks = burst(bot, slack, [connectors[i % 10] for i in range(40)])
    assert all(a.status == 200 for a in acks)
    assert all("2 templates" in text for text in answers(slack, acks))
    assert sorted(wolkvox.calls) == sorted(connectors)
    assert wolkvox.max_in_flight == 2 and wolkvox.refused == 0


WOLKVOX_FAILURES = [
    (
        Reply(status=403, body={"code": 403, "error": "FORBIDDEN", "msg": "TOKEN LIMIT EXCEEDED"}),
        "TOKEN LIMIT EXCEEDED: the day's API quota for this token is spent",
    ),
    (
        Reply(status=403, body={"code": 403, "error": "FORBIDDEN", "msg": "PLEASE VALIDATE TOKEN"}),
        "PLEASE VALIDATE TOKEN",
    ),
    (
        Reply(
            status=401,
            body={"code": 401, "error": "UNAUTHORIZED", "msg": "PLEASE ENTER THE WOLKVOX-TOKEN"},
        ),
        "PLEASE ENTER THE WOLKVOX-TOKEN",
    ),
    (
        Reply(
            status=400,
            body={"code": 400, "error": "BAD REQUEST", "msg": "SOME PARAMETERS ARE REQUIRED"},
        ),
        "SOME PARAMETERS ARE REQUIRED",
    ),
    (
        Reply(
            status=403,
            body={
                "code": 403,
                "error": "FORBIDDEN",
                "msg": "EXCEEDS THE LIMIT OF SIMULTANEOUS REQUESTS PER TOKEN",
            },
        ),
        "2 requests were already running",
    ),
    (
        Reply(
            status=200, body={"code": "403", "error": "FORBIDDEN", "msg": "TOKEN LIMIT EXCEEDED"}
        ),
        "TOKEN LIMIT EXCEEDED",
    ),
    (
        Reply(status=503, body="<html>Service Unavailable</html>", content_type="text/html"),
        "HTTP 503",
    ),
    (
        Reply(status=200, body="<html>oops</html>", content_type="text/html"),
        "an HTML page, not JSON",
    ),
    (Reply(status=200, body='{"code":"200","data":[{"name_t'), "cut off or malformed"),
    (Reply(hang=True), "timed out"),
    (Reply(reset=True), "could not connect to Wolkvox"),
]


@pytest.mark.parametrize(("reply", "says"), WOLKVOX_FAILURES)
def test_wolkvox_failures_are_explained(
    start_bot: Start,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    caplog: pytest.LogCaptureFixture,
    reply: Reply,
    says: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = start_bot(WOLKVOX_TIMEOUT="0.5")
    wolkvox.reply("1234", reply)
    acked = bot.command("1234", response_url=slack.response_url("e"))
    assert acked.status == 200
    [message] = slack.wait_replies("e", 1)
    check_message(message)
    text = all_text(message)
    assert "Could not sync connector *1234*" in text
    assert says in text
    assert "WOLKVOX_" not in text  # advice for whoever runs the bot goes to the log
    assert "*" not in message["text"] and ":x:" not in message["text"]  # read raw, kept plain
    everything = (
        caplog.text
        + json.dumps([p.body for p in slack.responses + slack.api_calls])
        + json.dumps(acked.body)
    )
    assert TOKEN not in everything and BOT_TOKEN not in everything


def test_failed_refresh_shows_the_cached_copy_with_a_warning(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot.command("1234", response_url=slack.response_url("a"))
    slack.wait_replies("a", 1)
    wolkvox.reply(
        "1234",
        Reply(status=403, body={"code": 403, "error": "FORBIDDEN", "msg": "TOKEN LIMIT EXCEEDED"}),
    )
    bot.command("1234 --refresh", response_url=slack.response_url("b"))
    [reply] = slack.wait_replies("b", 1)
    text = all_text(reply)
    assert "Connector 1234 · 3 templates" in text
    assert "The fresh sync failed, so this is the last good copy" in text
    assert "TOKEN LIMIT EXCEEDED" in text


def test_zero_templates_and_unreadable_entries(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1", Reply(body={"code": 200, "error": None, "msg": "ok", "data": None}))
    wolkvox.reply(
        "2",
        Reply(
            body={
                "code": "200",
                "data": [
                    None,
                    {"name_template": "x"},
                    {
                        "name_template": "ok",
                        "idiom": "es",
                        "category": "UTILITY",
                        "body_template": "",
                    },
                ],
            }
        ),
    )
    bot.command("1", response_url=slack.response_url("one"))
    bot.command("2", response_url=slack.response_url("two"))
    assert "no templates" in all_text(slack.wait_replies("one", 1)[0])
    two = all_text(slack.wait_replies("two", 1)[0])
    assert "Connector 2 · 1 template" in two and "2 entries from Wolkvox could not be read" in two


def test_next_and_previous_page_through_the_cached_result(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(templates=45))
    bot.command("1234", response_url=slack.response_url("p"))
    [first] = slack.wait_replies("p", 1)
    acked = bot.click(
        action_ids.ACTION_NEXT,
        buttons(first)[action_ids.ACTION_NEXT]["value"],
        response_url=slack.response_url("n"),
    )
    assert acked.status == 200
    [second] = slack.wait_replies("n", 1)
    assert second["replace_original"] is True
    assert "Templates 21–40 of 45" in all_text(second)
    bot.click(
        action_ids.ACTION_NEXT,
        buttons(second)[action_ids.ACTION_NEXT]["value"],
        response_url=slack.response_url("n2"),
    )
    [third] = slack.wait_replies("n2", 1)
    assert "Templates 41–45 of 45" in all_text(third) and action_ids.ACTION_NEXT not in buttons(
        third
    )
    bot.click(
        action_ids.ACTION_PREVIOUS,
        buttons(third)[action_ids.ACTION_PREVIOUS]["value"],
        response_url=slack.response_url("pr"),
    )
    assert "Templates 21–40 of 45" in all_text(slack.wait_replies("pr", 1)[0])
    assert wolkvox.calls == ["1234"]


def test_refresh_button_syncs_again(bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox) -> None:
    bot.command("1234", response_url=slack.response_url("a"))
    [first] = slack.wait_replies("a", 1)
    wolkvox.reply("1234", Reply(templates=5))
    acked = bot.click(
        action_ids.ACTION_REFRESH,
        buttons(first)[action_ids.ACTION_REFRESH]["value"],
        response_url=slack.response_url("r"),
    )
    assert acked.status == 200
    progress, summary = slack.wait_replies("r", 2)
    assert "Syncing connector *1234*" in all_text(progress)
    assert "Connector 1234 · 5 templates" in all_text(summary)
    assert "asked by <@U0USER2>" in all_text(summary)
    assert wolkvox.calls == ["1234", "1234"]


@pytest.mark.parametrize(
    ("reply", "hint"),
    [(Reply(reset=True), "allow list"), (Reply(hang=True), "WOLKVOX_TIMEOUT")],
)
def test_advice_for_whoever_runs_the_bot_is_logged_and_the_user_told_what_to_do(
    start_bot: Start,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    caplog: pytest.LogCaptureFixture,
    reply: Reply,
    hint: str,
) -> None:
    bot = start_bot(WOLKVOX_TIMEOUT="0.5")
    wolkvox.reply("1234", reply)
    bot.command("1234", response_url=slack.response_url("e"))
    [message] = slack.wait_replies("e", 1)
    assert hint not in all_text(message)
    assert "ask whoever set up this bot" in all_text(message)
    assert hint in caplog.text
