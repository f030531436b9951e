"""History, change notifications, subscriptions, access control and App Home, end to end."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, make_templates, ok, template
from tests.blockkit import all_text, check_message
from tests.harness import BotServer

Start = Callable[..., BotServer]


def sync(
    bot: BotServer, slack: FakeSlack, name: str, text: str = "1234 --refresh", **who: str
) -> dict:
    acked = bot.command(text, response_url=slack.response_url(name), **who)
    assert acked.status == 200
    [reply] = slack.wait_replies(name, 1)
    check_message(reply)
    return reply


def said(bot: BotServer, slack: FakeSlack, text: str, name: str, **who: str) -> str:
    """The answer to a command that replies through response_url after an empty ack."""
    acked = bot.command(text, response_url=slack.response_url(name), **who)
    assert acked.status == 200
    if acked.body:
        return all_text(acked.body)
    [reply] = slack.wait_replies(name, 1)
    check_message(reply)
    return all_text(reply)


def posts(slack: FakeSlack, channel: str | None = None) -> list[dict]:
    return [
        c.body
        for c in slack.calls("chat.postMessage")
        if channel is None or c.body["channel"] == channel
    ]


def settle(slack: FakeSlack, count: int, timeout: float = 10) -> list[dict]:
    assert slack.wait(lambda: len(posts(slack)) >= count, timeout), posts(slack)
    time.sleep(0.3)  # nothing more arrives
    return posts(slack)


V1 = [
    template("promo", "es_MX", "MARKETING", "Hola"),
    template("promo", "pt_BR", "MARKETING", "Olá"),
    template("aviso", "es", "UTILITY", "Aviso"),
]
V2 = [
    template("promo", "es_MX", "MARKETING", "Hola {{1}}"),
    template("promo", "pt_BR", "UTILITY", "Olá"),
    template("nuevo", "es", "UTILITY", "Nuevo"),
]


def test_the_reply_says_what_changed_since_the_previous_sync(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(body=ok(V1)))
    assert "First sync of this connector" in all_text(sync(bot, slack, "a"))
    assert "No changes since the previous sync" in all_text(sync(bot, slack, "b")).replace("*", "")
    wolkvox.reply("1234", Reply(body=ok(V2)))
    text = all_text(sync(bot, slack, "c"))
    assert "Since the previous sync:* 1 added · 1 removed · 2 changed" in text
    assert "*Added (1):* `nuevo` es" in text and "*Removed (1):* `aviso` es" in text
    assert "`promo` es_MX (body)" in text and "`promo` pt_BR (category MARKETING → UTILITY)" in text


def test_history_lists_the_last_ten_syncs(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(body=ok(V1)))
    sync(bot, slack, "s0", user_id="U0MARIA")
    wolkvox.reply("1234", Reply(body=ok(V2)))
    for i in range(1, 12):
        sync(bot, slack, f"s{i}", user_id="U0JUAN")
    text = said(bot, slack, "1234 history", "h")
    assert "Connector 1234 · last 10 syncs" in text
    assert text.count("<@U0JUAN>") == 10 and "<@U0MARIA>" not in text  # the oldest fell off
    assert "3 templates · no changes" in text
    assert "<!date^" in text and " UTC> (just now)" in text  # each reader's time zone
    calls = len(wolkvox.calls)
    assert said(bot, slack, "5678 history", "h2").startswith("No history for connector 5678")
    assert len(wolkvox.calls) == calls  # history never calls Wolkvox


def test_history_survives_a_restart(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    first = start_bot()
    wolkvox.reply("1234", Reply(body=ok(V1)))
    sync(first, slack, "a")
    first.stop()
    second = start_bot()
    wolkvox.reply("1234", Reply(body=ok(V2)))
    assert "1 added · 1 removed · 2 changed" in all_text(
        sync(second, slack, "b")
    )  # compared with the stored sync
    assert "2 syncs" in said(second, slack, "1234 history", "h") or "last 2 syncs" in said(
        second, slack, "1234 history", "h2"
    )


def test_subscribed_channels_and_the_notify_channel_each_get_one_post(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    assert ":bell: This channel now gets" in said(
        bot, slack, "subscribe 1234", "s1", channel_id="C0SALES"
    )
    assert "already gets" in said(bot, slack, "subscribe 1234", "s2", channel_id="C0SALES")
    said(
        bot, slack, "subscribe 1234", "s3", channel_id="C0NOTIFY"
    )  # also the notify channel: still one post
    said(bot, slack, "subscribe 5678", "s4", channel_id="C0OTHER")
    wolkvox.reply("1234", Reply(body=ok(V1)))
    sync(bot, slack, "a")
    first = settle(slack, 2)
    assert sorted(p["channel"] for p in first) == ["C0NOTIFY", "C0SALES"]
    assert all(
        "synced for the first time" in all_text(p) and "*3 templates* found" in all_text(p)
        for p in first
    )
    sync(bot, slack, "b")  # nothing changed: nothing posted
    assert len(settle(slack, 2)) == 2
    wolkvox.reply("1234", Reply(body=ok(V2)))
    sync(bot, slack, "c", user_id="U0JUAN", user_name="juan")
    after = settle(slack, 4)[2:]
    assert sorted(p["channel"] for p in after) == ["C0NOTIFY", "C0SALES"]
    for post in after:
        check_message(post)
        text = all_text(post)
        assert "Connector *1234* synced by juan: 1 added · 1 removed · 2 changed" in text
        assert "<@" not in text  # a name, not a mention: nobody is pinged for their own sync
        assert "`promo` pt_BR (category MARKETING → UTILITY)" in text


def test_unchanged_syncs_post_when_asked_to(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY", WOLKVOX_NOTIFY_UNCHANGED="true")
    sync(bot, slack, "a")
    sync(bot, slack, "b")
    assert "no changes" in all_text(settle(slack, 2)[1])


def test_subscriptions_list_and_unsubscribe(bot: BotServer, slack: FakeSlack) -> None:
    assert "not subscribed to any connector" in said(
        bot, slack, "subscriptions", "l0", channel_id="C0SALES"
    )
    said(bot, slack, "subscribe 1234", "a", channel_id="C0SALES", user_id="U0MARIA")
    said(bot, slack, "subscribe 5678", "b", channel_id="C0SALES")
    text = said(bot, slack, "subscriptions", "l1", channel_id="C0SALES")
    assert "<#C0SALES> gets what changes in:" in text
    assert "Connector *1234*, subscribed by <@U0MARIA>" in text and "Connector *5678*" in text
    assert "no longer gets the changes of connector *1234*" in said(
        bot, slack, "unsubscribe 1234", "u", channel_id="C0SALES"
    )
    assert "was not subscribed" in said(bot, slack, "unsubscribe 1234", "u2", channel_id="C0SALES")
    assert (
        "1234"
        not in said(bot, slack, "subscriptions", "l2", channel_id="C0SALES").split(
            "gets what changes in:"
        )[1]
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("subscribe", "takes one connector"),
        ("subscribe abc", "is not a connector id"),
        ("subscriptions 1234", "takes nothing after it"),
    ],
)
def test_bad_subscription_commands(bot: BotServer, slack: FakeSlack, text: str, says: str) -> None:
    assert says in said(bot, slack, text, "x")


def test_subscribing_a_direct_message_is_refused(bot: BotServer, slack: FakeSlack) -> None:
    assert "Subscriptions are for channels" in said(
        bot, slack, "subscribe 1234", "d", channel_id="D0DIRECT"
    )


def test_hundreds_of_changes_fit_one_post_with_the_full_list_in_the_thread(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    wolkvox.reply("1234", Reply(body=ok(make_templates(400, prefix="old"))))
    sync(bot, slack, "a")
    wolkvox.reply("1234", Reply(body=ok(make_templates(300, prefix="new"))))
    sync(bot, slack, "b")
    post = settle(slack, 2)[1]
    check_message(post)
    text = all_text(post)
    assert (
        "300 added · 400 removed" in text and "_and 290 more_" in text and "_and 390 more_" in text
    )
    assert "Every one of the 700 changes is in the CSV in this thread" in text
    assert slack.wait(lambda: len(slack.calls("files.completeUploadExternal")) == 1)
    [complete] = slack.calls("files.completeUploadExternal")
    assert complete.body["channel_id"] == "C0NOTIFY" and complete.body.get("thread_ts")
    [csv_bytes] = slack.uploads.values()
    assert csv_bytes.decode("utf-8-sig").count("\r\n") == 701


def test_slack_errors_are_retried_and_undelivered_posts_wait_for_the_next_sync(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    failures = [(500, {"ok": False, "error": "internal_error"})] * 3
    slack.scripted["chat.postMessage"] = list(failures)
    bot = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    sync(bot, slack, "a")  # first sync: its post meets 500s, retried by slack_sdk, still fails
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) == 2)
    time.sleep(0.3)
    assert len(slack.calls("chat.postMessage")) == 2  # one try + one retry, then kept
    sync(
        bot, slack, "b"
    )  # next occasion (no change itself): the waiting post goes out, after one more 500
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) == 4)
    time.sleep(0.3)
    bodies = [all_text(c.body) for c in slack.calls("chat.postMessage")]
    assert len(bodies) == 4 and "synced for the first time" in bodies[-1]


def test_undelivered_posts_are_sent_at_the_next_start(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox, tmp_path
) -> None:
    import sqlite3

    def outbox() -> list[tuple]:
        db = sqlite3.connect(tmp_path / "wolkvox.db")  # sees what the bot committed
        try:
            return db.execute("SELECT channel_id, delivered_at IS NOT NULL FROM outbox").fetchall()
        finally:
            db.close()

    slack.scripted["chat.postMessage"] = [(200, {"ok": False, "error": "ratelimited"})] * 2 + [
        (503, {"ok": False})
    ] * 2
    first = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    sync(first, slack, "a")
    assert slack.wait(lambda: len(posts(slack)) >= 1)  # tried, and refused
    first.stop()
    assert outbox() == [("C0NOTIFY", False)]  # still waiting
    refused = len(posts(slack))
    slack.scripted["chat.postMessage"] = []  # Slack takes posts again
    second = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    assert slack.wait(lambda: len(posts(slack)) > refused)
    second.stop()  # nothing more in flight
    [delivered] = posts(slack)[refused:]  # answered ok by Slack, and only once
    assert delivered["channel"] == "C0NOTIFY"
    assert "synced for the first time" in all_text(delivered)
    assert outbox() == [("C0NOTIFY", True)]


def test_a_channel_the_bot_is_not_in_tells_the_subscriber_what_to_do(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot()
    said(bot, slack, "subscribe 1234", "s", channel_id="C0PRIVATE", user_id="U0MARIA")
    slack.scripted["chat.postMessage"] = [(200, {"ok": False, "error": "not_in_channel"})]
    sync(bot, slack, "a")
    assert slack.wait(lambda: len(posts(slack)) == 2)
    warning = posts(slack)[1]
    assert warning["channel"] == "U0MARIA"
    assert (
        "could not post the changes of connector *1234* to <#C0PRIVATE> (not_in_channel)"
        in all_text(warning)
    )
    assert "/invite @Wolkvox Sync" in all_text(warning)
    wolkvox.reply("1234", Reply(body=ok(V2)))
    sync(
        bot, slack, "b"
    )  # now invited: both the waiting post and the new one arrive, no second warning
    assert slack.wait(lambda: len(posts(slack, "C0PRIVATE")) == 3)
    time.sleep(0.3)
    assert len(posts(slack, "U0MARIA")) == 1


@pytest.mark.parametrize(
    ("settings", "who", "allowed"),
    [
        ({"WOLKVOX_ALLOWED_USERS": "U0MARIA,U0JUAN"}, {"user_id": "U0MARIA"}, True),
        ({"WOLKVOX_ALLOWED_USERS": "U0MARIA"}, {"user_id": "U0EVE"}, False),
        ({"WOLKVOX_ALLOWED_CHANNELS": "C0OPS"}, {"channel_id": "C0OPS"}, True),
        ({"WOLKVOX_ALLOWED_CHANNELS": "C0OPS"}, {"channel_id": "C0RANDOM"}, False),
        (
            {"WOLKVOX_ALLOWED_USERS": "U0MARIA", "WOLKVOX_ALLOWED_CHANNELS": "C0OPS"},
            {"user_id": "U0MARIA", "channel_id": "C0RANDOM"},
            False,
        ),
    ],
)
def test_access_control(
    start_bot: Start,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    settings: dict,
    who: dict,
    allowed: bool,
) -> None:
    bot = start_bot(**settings)
    for i, text in enumerate(["1234", "1234 lang:es", "subscribe 1234", "1234 history"]):
        answer = said(bot, slack, text, f"c{i}", **who)
        assert ("this bot is limited to certain people and channels" in answer) is not allowed
    assert (
        "How to use"
        in bot.command("help", response_url=slack.response_url("h"), **who).body["text"]
    )
    assert (len(wolkvox.calls) > 0) is allowed


def test_buttons_are_refused_for_others(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    from bot.slack import action_ids, values

    bot = start_bot(WOLKVOX_ALLOWED_USERS="U0MARIA")
    value = values.encode_view(values.ViewRef("1234"))
    acked = bot.click(
        action_ids.ACTION_REFRESH, value, response_url=slack.response_url("r"), user_id="U0EVE"
    )
    assert acked.status == 200
    assert "limited to certain people" in all_text(slack.wait_replies("r", 1)[0])
    assert wolkvox.calls == []


def test_app_home_shows_recent_syncs_and_subscriptions(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    said(bot, slack, "subscribe 1234", "s", channel_id="C0SALES")
    sync(bot, slack, "a", user_id="U0MARIA")
    acked = bot.event(
        {
            "type": "app_home_opened",
            "user": "U0MARIA",
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": "1.1",
        }
    )
    assert acked.status == 200
    assert slack.wait(lambda: len(slack.calls("views.publish")) == 1)
    call = slack.calls("views.publish")[0]
    assert call.body["user_id"] == "U0MARIA"
    import json

    view = (
        json.loads(call.body["view"]) if isinstance(call.body["view"], str) else call.body["view"]
    )
    text = all_text(view)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert "*Connector 1234* · 3 templates · first sync" in text and "<@U0MARIA>" in text
    assert "<#C0SALES> ← connector *1234*" in text


def test_auto_sync_runs_in_the_background(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_AUTO_SYNC="1234,5678", WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    assert slack.wait(lambda: len(posts(slack)) == 2)
    assert sorted(wolkvox.calls) == ["1234", "5678"]
    assert all("by the schedule" in all_text(p) for p in posts(slack))
    assert "the schedule" in said(bot, slack, "1234 history", "h")


def home(bot: BotServer, slack: FakeSlack, user: str) -> str:
    """The text of the Home tab published for `user` when they open it."""
    bot.event(
        {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": "1.1",
        }
    )
    assert slack.wait(
        lambda: any(c.body.get("user_id") == user for c in slack.calls("views.publish"))
    )
    call = [c for c in slack.calls("views.publish") if c.body.get("user_id") == user][-1]
    view = call.body["view"]
    return all_text(json.loads(view) if isinstance(view, str) else view)


def test_app_home_shows_nothing_to_people_outside_the_allowed_users(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_ALLOWED_USERS="U0MARIA")
    sync(bot, slack, "a", user_id="U0MARIA")
    text = home(bot, slack, "U0EVE")
    assert "limited to certain people" in text and "Connector 1234" not in text


def test_with_only_allowed_channels_the_home_tab_shows_no_history(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_ALLOWED_CHANNELS="C0OPS")
    bot.command("1234", response_url=slack.response_url("s"), channel_id="C0OPS", user_id="U0MARIA")
    slack.wait_replies("s", 1)
    text = home(bot, slack, "U0EVE")
    assert "Connector 1234" not in text and "<@U0MARIA>" not in text
    assert "<#C0OPS>" in text  # where the bot can be used
