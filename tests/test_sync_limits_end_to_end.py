"""Sync limits end to end, through the running app: the refresh cooldown, the per-user limit,
joining a sync in flight, a busy bot's words, and one connector however it is written. (The
same limits inside bot.sync.service, with memory bounds: test_sync_limits.py.)"""

from __future__ import annotations

from collections.abc import Callable

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply
from tests.blockkit import all_text
from tests.harness import BotServer, final_answer

Start = Callable[..., BotServer]


def test_a_refresh_inside_the_cooldown_answers_with_the_just_synced_data(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_REFRESH_COOLDOWN="30")
    final_answer(bot, slack, "1234", "a")
    again = all_text(final_answer(bot, slack, "1234 --refresh", "b"))
    assert wolkvox.calls == ["1234"]
    assert "synced less than 30 s ago" in again and "refresh again in" in again
    assert "3 templates" in again


def test_cooldown_zero_turns_it_off(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_REFRESH_COOLDOWN="0")
    final_answer(bot, slack, "1234", "a")
    final_answer(bot, slack, "1234 --refresh", "b")
    assert wolkvox.calls == ["1234", "1234"]


def test_the_per_user_limit_refuses_with_a_clear_message_and_spares_others(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_USER_SYNCS_PER_MINUTE="2")
    for i in range(2):
        assert "3 templates" in all_text(final_answer(bot, slack, f"{1000 + i} --refresh", f"m{i}"))
    refused = all_text(final_answer(bot, slack, "1002 --refresh", "m2"))
    assert "2 syncs in the last minute" in refused and "Try again in" in refused
    assert wolkvox.calls == ["1000", "1001"]
    # a cache hit is not a sync; another person is not limited by maria's syncs
    assert "Cached" in all_text(final_answer(bot, slack, "1000", "m3"))
    assert "3 templates" in all_text(final_answer(bot, slack, "1003", "e", user_id="U0EVE"))
    assert wolkvox.calls == ["1000", "1001", "1003"]


def test_joining_a_sync_in_flight_costs_nothing(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_USER_SYNCS_PER_MINUTE="1")
    wolkvox.reply("1234", Reply(templates=3, delay=1.0))
    for i in range(5):
        assert bot.command("1234", response_url=slack.response_url(f"j{i}")).status == 200
    for i in range(5):
        assert "3 templates" in all_text(slack.wait_replies(f"j{i}", 1)[-1])
    assert wolkvox.calls == ["1234"]


def test_a_busy_bot_says_so_in_words_a_user_can_act_on() -> None:
    """The service raises Busy (tests/test_sync_limits.py shows when); this is what people read."""
    from bot.errors import Busy
    from bot.i18n import translator
    from bot.i18n.messages import describe

    said = describe(Busy("1234", "no free slot within 30 s"), translator("en"))
    assert "*1234*" in said and "busy with other syncs" in said and "try again in a minute" in said


def test_01234_and_1234_are_one_connector(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot()
    final_answer(bot, slack, "01234", "a")
    assert "Cached" in all_text(final_answer(bot, slack, "1234", "b"))
    final_answer(bot, slack, "subscribe 001234", "s", channel_id="C0SALES")
    history = all_text(final_answer(bot, slack, "1234 history", "h"))
    assert wolkvox.calls == ["1234"] and "Connector 1234 · last sync" in history
    subs = all_text(final_answer(bot, slack, "subscriptions", "l", channel_id="C0SALES"))
    assert "*1234*" in subs and "001234" not in subs
