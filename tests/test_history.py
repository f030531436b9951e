"""History end to end: each sync's reply says what changed since the previous one, `history`
lists the last syncs, both survive a restart, a button on an older message reloads its sync
from the database, retention prunes old syncs at start, and the Home tab shows recent syncs.
(Change notifications and subscriptions: test_notifications.py; access: test_access.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.database.store import Store
from bot.slack import action_ids
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok
from tests.blockkit import all_text, buttons
from tests.harness import BotServer, final_answer
from tests.slash import V1, V2, home_view, said, sync

Start = Callable[..., BotServer]


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


def test_app_home_shows_recent_syncs_and_subscriptions(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    said(bot, slack, "subscribe 1234", "s", channel_id="C0SALES")
    sync(bot, slack, "a", user_id="U0MARIA")
    view = home_view(bot, slack, "U0MARIA")
    assert len(slack.calls("views.publish")) == 1
    text = all_text(view)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert "*Connector 1234* · 3 templates · first sync" in text and "<@U0MARIA>" in text
    assert "<#C0SALES> ← connector *1234*" in text


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
