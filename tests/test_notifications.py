"""Change notifications end to end: after each fresh sync that changed something, one post to
the notify channel (WOLKVOX_NOTIFY_CHANNEL) and to each subscribed channel, hundreds of changes
in one post with the full list in its thread, Slack's refusals retried and undelivered posts
kept for the next sync or the next start, the subscriber told when the bot is not in their
channel; and the `subscribe`, `unsubscribe` and `subscriptions` commands."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, make_templates, ok
from tests.blockkit import all_text, check_message
from tests.harness import BOT_TOKEN, BotServer
from tests.slash import V1, V2, answers, burst, posts, said, settle, sync

Start = Callable[..., BotServer]


def test_notification_after_each_fresh_sync_only(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    wolkvox.reply("1234", Reply(templates=7, delay=0.5))
    answers(slack, burst(bot, slack, ["1234"] * 10))
    bot.command("1234", response_url=slack.response_url("cached"))  # a cache hit: no post
    bot.command("1234 --refresh", response_url=slack.response_url("same"))  # nothing changed
    slack.wait_replies("same", 1)
    wolkvox.reply("1234", Reply(templates=8))
    bot.command(
        "1234 --refresh",
        response_url=slack.response_url("fresh"),
        user_id="U0SECOND",
        user_name="juan",
    )
    slack.wait_replies("fresh", 1)
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) == 2)
    time.sleep(0.2)
    posts = slack.calls("chat.postMessage")
    assert len(posts) == 2
    assert posts[0].body["channel"] == "C0NOTIFY"
    first = all_text(posts[0].body)
    assert "Connector *1234* synced for the first time by maria: *7 templates* found" in first
    second = all_text(posts[1].body)
    assert "Connector *1234* synced by juan: 1 added (8 templates now)" in second
    assert "`plantilla_1234_00007` pt_BR" in second
    assert posts[0].headers["Authorization"] == f"Bearer {BOT_TOKEN}"


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


def test_no_notification_without_a_channel(bot: BotServer, slack: FakeSlack) -> None:
    bot.command("1234", response_url=slack.response_url("a"))
    slack.wait_replies("a", 1)
    time.sleep(0.2)
    assert slack.calls("chat.postMessage") == []


def test_a_failed_notification_does_not_disturb_the_user(
    start_bot: Start, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.scripted["chat.postMessage"] = [(200, {"ok": False, "error": "not_in_channel"})]
    bot = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    bot.command("1234", response_url=slack.response_url("a"))
    assert "3 templates" in all_text(slack.wait_replies("a", 1)[0])
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) == 1)
    time.sleep(0.2)
    assert "WOLKVOX_NOTIFY_CHANNEL C0NOTIFY: not_in_channel; invite the bot there" in caplog.text


def test_slack_5xx_on_notification_is_retried(start_bot: Start, slack: FakeSlack) -> None:
    slack.scripted["chat.postMessage"] = [
        (503, {"ok": False}),
        (429, {"ok": False, "error": "ratelimited"}),
    ]
    bot = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    bot.command("1234", response_url=slack.response_url("a"))
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) == 3, timeout=15)


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
