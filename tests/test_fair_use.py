"""Nobody can take Wolkvox away from the others, end to end through the running app: the two
Wolkvox slots shared in turn, syncs at once per person, limits on workflow steps, and the daily
quota as a hard stop (reserved only with a slot held, given back when the call never went out,
refused when the counter can't be read, new connectors refused once it is spent)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.slack.steps import SYNC_STEP
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, wait_until
from tests.blockkit import all_text
from tests.harness import Acked, BotServer, final_answer
from tests.test_steps import ERROR, SUCCESS, ended, run, step_event

Start = Callable[..., BotServer]


def quota_used(database: Path) -> int:
    """Today's reserved calls, read straight from the bot's SQLite file."""
    with sqlite3.connect(database) as conn:
        row = conn.execute("SELECT COALESCE(SUM(calls), 0) FROM quota_counts").fetchone()
    return int(row[0])


def database_of(env: dict[str, str]) -> Path:
    return Path(env["DATABASE_URL"].removeprefix("sqlite:///"))


def answers(slack: FakeSlack, acks: dict[str, Acked], timeout: float = 30.0) -> dict[str, str]:
    """The final answer to each command, as text: its acknowledgement when that answered
    (a refusal, a cache hit), else the reply posted to its response_url."""
    waiting = [n for n, a in acks.items() if _syncing(a)]
    assert slack.wait(lambda: all(slack.replies_to(n) for n in waiting), timeout), "no answer"
    time.sleep(0.2)  # a second reply, if any, would have arrived
    return {
        n: all_text(slack.replies_to(n)[-1]) if n in waiting else all_text(a.body)
        for n, a in acks.items()
    }


def _syncing(acked: Acked) -> bool:
    return not acked.body.get("blocks") or ":hourglass_flowing_sand:" in all_text(acked.body)


def commands(
    bot: BotServer, slack: FakeSlack, texts: dict[str, str], users: dict[str, str]
) -> dict[str, Acked]:
    """Send each command (name -> text) at once, as `users[name]`; return their acks."""
    acks = {}
    for name, text in texts.items():
        acks[name] = bot.command(
            text, response_url=slack.response_url(name), user_id=users.get(name, "U0MARIA")
        )
        assert acks[name].status == 200
    return acks


# --- the two slots, in turn ---


def test_one_member_flooding_leaves_a_slot_for_another(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.default = Reply(templates=3, delay=2.5)  # long enough for eve to arrive meanwhile
    bot = start_bot(WOLKVOX_USER_SYNCS_PER_MINUTE="20", WOLKVOX_TIMEOUT="15")
    # maria's language is known, so her commands reach the slots in the order she sends them
    # (someone new is answered once their language is: tests/test_user_language_flights.py)
    bot.introduce(slack, "U0MARIA")
    flood = {f"m{i}": f"{2000 + i}" for i in range(20)}  # maria: 20 connectors in a burst
    acks = commands(bot, slack, flood, {})
    assert wait_until(lambda: len(wolkvox.calls) >= 1)
    acks |= commands(bot, slack, {"eve": "7777"}, {"eve": "U0EVE"})
    said = answers(slack, acks)
    # eve got the free slot: her call went out second, not behind maria's queue
    assert wolkvox.calls.index("7777") <= 1, wolkvox.calls
    assert "3 templates" in said["eve"]
    # maria holds one slot with one more waiting; the rest are told why, in words
    refused = [n for n in flood if "already have 2 syncs running or waiting" in said[n]]
    assert len(refused) == 18
    assert sorted(wolkvox.calls) == sorted(["7777", "2000", "2001"])
    assert wolkvox.max_in_flight <= 2 and wolkvox.refused == 0


def test_a_timed_out_call_holds_only_its_callers_slot(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    """A call we gave up on keeps its slot until Wolkvox's own 60 s: only the turn of whoever
    started it, so another member still gets the other slot."""
    wolkvox.reply("2000", Reply(hang=True))
    bot = start_bot(WOLKVOX_TIMEOUT="2")
    final_answer(bot, slack, "2000", "hung")  # timed out; its slot stays held
    second = all_text(final_answer(bot, slack, "2001", "again"))  # maria waits her turn
    assert "busy with other syncs" in second
    eve = all_text(final_answer(bot, slack, "7777", "eve", user_id="U0EVE"))
    assert "3 templates" in eve and "7777" in wolkvox.calls


# --- workflow steps ---


def test_workflow_steps_are_limited_per_runner_and_per_workspace(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(
        WOLKVOX_WORKFLOW_SYNCS_PER_MINUTE="2", WOLKVOX_WORKSPACE_WORKFLOW_SYNCS_PER_MINUTE="3"
    )
    ends = [run(bot, slack, SYNC_STEP, connector=str(3000 + i), user_id="U0ANA") for i in range(3)]
    assert [method for method, _ in ends] == [SUCCESS, SUCCESS, ERROR]
    assert "This workflow has started 2 syncs that ask Wolkvox in the last minute" in ends[2][1]
    # another runner has its own budget, until the workspace's is spent
    other = [
        run(bot, slack, SYNC_STEP, connector=str(4000 + i), channel_id="C0OPS") for i in (0, 1)
    ]
    assert [method for method, _ in other] == [SUCCESS, ERROR]
    assert "The workflows of this workspace have started 3 syncs" in other[1][1]
    # another workspace, and a person's own command, are not charged
    event = step_event(SYNC_STEP, {"connector": "5000", "user_id": "U0ANA"})
    assert bot.event(event, team_id="T0OTHER").status == 200
    assert ended(slack, event["function_execution_id"])[0] == SUCCESS
    assert "3 templates" in all_text(final_answer(bot, slack, "6000", "cmd", user_id="U0ANA"))
    assert wolkvox.calls == ["3000", "3001", "4000", "5000", "6000"]


def test_a_flood_of_step_events_makes_only_the_allowed_calls(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_USER_SYNCS_AT_ONCE="2")
    events = [step_event(SYNC_STEP, {"connector": str(8000 + i)}) for i in range(60)]
    for event in events:
        assert bot.event(event).status == 200
    outcomes = [ended(slack, e["function_execution_id"]) for e in events]
    succeeded = [o for o in outcomes if o[0] == SUCCESS]
    assert len(wolkvox.calls) == len(succeeded) <= 20  # WOLKVOX_WORKFLOW_SYNCS_PER_MINUTE
    assert all(method in (SUCCESS, ERROR) for method, _ in outcomes)


# --- the daily quota ---


def test_the_quota_is_a_hard_stop_for_a_crowd(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox, env: dict[str, str]
) -> None:
    wolkvox.default = Reply(templates=3, delay=0.3)
    bot = start_bot(WOLKVOX_DAILY_QUOTA="3", WOLKVOX_REFRESH_COOLDOWN="0")
    names = [f"u{i}" for i in range(12)]  # 12 members, 12 connectors, at once
    acks = commands(
        bot,
        slack,
        {n: f"{1100 + i}" for i, n in enumerate(names)},
        {n: f"U0MEMBER{i:02d}" for i, n in enumerate(names)},
    )
    said = answers(slack, acks)
    assert len(wolkvox.calls) == 3 and quota_used(database_of(env)) == 3
    spent = [n for n in names if "quota for this connector's token (3 calls) is spent" in said[n]]
    assert len(spent) == 9
    # once spent: a connector with a copy answers from it, a new one is refused without a call
    synced = wolkvox.calls[0]
    last = all_text(final_answer(bot, slack, f"{synced} --refresh", "again"))
    assert "3 templates" in last and "quota for this connector's token is spent" in last
    new = all_text(final_answer(bot, slack, "9999", "new"))
    assert "quota for this connector's token (3 calls) is spent" in new
    assert len(wolkvox.calls) == 3


def test_a_call_is_counted_only_once_it_holds_a_slot(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox, env: dict[str, str]
) -> None:
    wolkvox.default = Reply(templates=3, delay=2.5)  # long enough to read the count meanwhile
    bot = start_bot(WOLKVOX_DAILY_QUOTA="100", WOLKVOX_TIMEOUT="20")
    names = [f"w{i}" for i in range(6)]
    acks = commands(
        bot,
        slack,
        {n: f"{1200 + i}" for i, n in enumerate(names)},
        {n: f"U0W{i:02d}" for i, n in enumerate(names)},
    )
    assert wait_until(lambda: wolkvox.in_flight == 2)
    assert quota_used(database_of(env)) == 2  # 4 more wait for a slot: not counted yet
    answers(slack, acks)
    assert quota_used(database_of(env)) == len(wolkvox.calls) == 6


def test_a_call_that_never_went_out_gives_its_reservation_back(
    start_bot: Start, slack: FakeSlack, env: dict[str, str], closed_port: int
) -> None:
    bot = start_bot(WOLKVOX_DAILY_QUOTA="5", WOLKVOX_BASE_URL=f"http://127.0.0.1:{closed_port}")
    said = all_text(final_answer(bot, slack, "1234", "a"))
    assert "could not connect to Wolkvox" in said
    assert quota_used(database_of(env)) == 0


def test_an_unreadable_counter_refuses_rather_than_overspends(
    start_bot: Start,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    env: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = start_bot(WOLKVOX_DAILY_QUOTA="5", WOLKVOX_REFRESH_COOLDOWN="0")
    final_answer(bot, slack, "1234", "first")
    with sqlite3.connect(database_of(env)) as conn:  # the counter breaks
        conn.execute("ALTER TABLE quota_counts RENAME TO quota_counts_gone")
    fresh = all_text(final_answer(bot, slack, "5678", "new"))
    assert "can't read today's count of Wolkvox calls" in fresh
    stale = all_text(final_answer(bot, slack, "1234 --refresh", "refresh"))
    assert "can't read today's count of Wolkvox calls" in stale and "3 templates" in stale
    assert wolkvox.calls == ["1234"]
    logged = [r.getMessage() for r in caplog.records]
    assert any("daily quota counter could not be read" in line for line in logged)
