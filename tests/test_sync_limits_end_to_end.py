"""Sync limits end to end, through the running app: refresh cooldown, the per-user limit, a
busy bot, one connector however it is written, buttons on older messages, and history
retention."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.database.store import Store
from bot.slack import action_ids
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply
from tests.blockkit import all_text, buttons
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


def test_a_button_on_an_older_message_reloads_its_sync_from_history(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox, env: dict[str, str]
) -> None:
    wolkvox.reply("1234", Reply(templates=45))
    first = start_bot()
    listing = final_answer(first, slack, "1234", "a")
    value = buttons(listing)[action_ids.ACTION_NEXT]["value"]
    first.stop()
    second = start_bot()  # a restart: nothing kept in memory
    second.click(action_ids.ACTION_NEXT, value, response_url=slack.response_url("n"))
    page = all_text(slack.wait_replies("n", 1)[-1])
    assert "Templates 21–40 of 45" in page and "no longer kept" not in page
    assert wolkvox.calls == ["1234"]


async def test_retention_prunes_old_syncs_at_start(tmp_path: Path) -> None:
    from bot.database.retention import Retention
    from bot.sync.recorder import History
    from bot.sync.service import SyncTrigger
    from bot.templates.model import Snapshot, Template

    store = await Store.open(f"sqlite:///{tmp_path}/w.db")
    history = History(store)
    now = datetime.now(UTC)
    for i, age in enumerate((400, 200, 10)):
        templates = (Template(f"t{i}", "es", "UTILITY", "x" * 100),)
        snapshot = Snapshot(str(i), "1234", templates, 0, now - timedelta(days=age))
        await history.record(snapshot, SyncTrigger())
    pruned = await Retention(store, 180, lambda: now).prune_once()
    assert pruned.syncs == 2
    assert [r.id for r in await store.history("1234")] == ["2"]
    await store.aclose()
    await asyncio.sleep(0)
