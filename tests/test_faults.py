"""Faults against the real engines, with the bot as deployed (Procfile processes): PostgreSQL
stops in the middle of a run of syncs, Redis is killed during a burst, an instance is killed
while it posts notifications. Each test counts commands answered and notifications delivered,
lost and duplicated; `pytest -s tests/test_faults.py` prints the figures.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply
from tests.deployed import base_env
from tests.faults import (
    FRESH,
    NOTIFY_CHANNEL,
    SHARED_STATE_DOWN,
    Commands,
    Database,
    GatedWolkvox,
    PrivatePostgres,
    PrivateRedis,
    Process,
    SlowSlack,
    Tally,
    missing,
    notified,
    outbox,
    outlive_claims,
    postgres_bin,
    stored_snapshots,
    stored_syncs,
    undelivered,
    until,
)
from tests.harness import BOT_TOKEN, settings_env

SETTLE = 20.0  # seconds for the queued notifications to go out once nothing is broken

Launch = Callable[..., list[Process]]


@pytest.fixture
def fault_dir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="wolkvox-faults."))
    root.chmod(0o755)  # the postgres user must reach its directories inside
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres(fault_dir: Path) -> Iterator[PrivatePostgres]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        missing("PostgreSQL (initdb, pg_ctl)")
    assert bin_dir is not None
    cluster = PrivatePostgres(fault_dir, bin_dir)
    cluster.start()
    yield cluster
    if cluster.running:
        cluster.stop("immediate")  # no need to be gentle: the cluster is thrown away


@pytest.fixture
def redis_server(fault_dir: Path) -> Iterator[PrivateRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        missing("Redis (redis-server)")
    assert binary is not None
    server = PrivateRedis(fault_dir, binary)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def gated_wolkvox() -> Iterator[GatedWolkvox]:
    fake = GatedWolkvox()
    yield fake
    fake.gate.set()
    fake.stop()


@pytest.fixture
def slow_slack() -> Iterator[SlowSlack]:
    fake = SlowSlack(post_delay=0.5)
    yield fake
    fake.stop()


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Launch]:
    """Start Procfile web processes (all at once), ready to serve; stopped at the end."""
    started: list[Process] = []

    def start(env: dict[str, str], count: int = 1) -> list[Process]:
        batch = [Process(env, tmp_path) for _ in range(count)]
        started.extend(batch)
        for process in batch:
            process.wait_ready()
        return batch

    yield start
    for process in started:
        output = process.stop()
        assert TOKEN not in output and BOT_TOKEN not in output, "a secret reached the log"


def bot_env(
    wolkvox: FakeWolkvox, slack: FakeSlack, database_url: str, **extra: str
) -> dict[str, str]:
    return {
        **base_env(),
        **settings_env(wolkvox.url, slack.api_url),
        "HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "WOLKVOX_NOTIFY_CHANNEL": NOTIFY_CHANNEL,  # every first sync queues a notification
        "WOLKVOX_TIMEOUT": "20",
        "WOLKVOX_REFRESH_COOLDOWN": "0",
        "WOLKVOX_USER_SYNCS_PER_MINUTE": "0",
        **extra,
    }


def eventually(predicate: Callable[[], bool], seconds: float) -> bool:
    """Whether `predicate` holds within `seconds` (the assertion after it says what failed)."""
    try:
        until(predicate, seconds, "")
    except AssertionError:
        return False
    return True


def waiting_on_outbox(db: Database) -> int:
    """Sessions waiting for a lock on the outbox (the notifications they queue wait too)."""
    return int(
        db.fetch(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'outbox' AND NOT l.granted"
        )[0][0]
    )


def announced_once(slack: FakeSlack, database_url: str) -> bool:
    """Every connector in history announced in the channel, and nothing left in the outbox."""
    posts = notified(slack)
    return all(posts[c] >= 1 for c in stored_syncs(database_url)) and not undelivered(database_url)


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param("calls", id="while-wolkvox-answers"),
        pytest.param("queueing", id="while-notifications-are-queued"),
    ],
)
def test_postgres_stops_in_the_middle_of_a_run_of_syncs(
    moment: str,
    postgres: PrivatePostgres,
    gated_wolkvox: GatedWolkvox,
    slack: FakeSlack,
    launch: Launch,
) -> None:
    database = postgres.create_database("wolkvox")
    [bot] = launch(bot_env(gated_wolkvox, slack, database))
    run = Commands(slack)
    before, during = ["101", "102", "103"], [str(104 + i) for i in range(7)]
    tally = Tally(f"PostgreSQL stops {moment.replace('calls', 'during the Wolkvox calls')}")

    run.send((f"a{c}", bot, c) for c in before)
    run.wait_answered(30)
    until(
        lambda: len(outbox(database)) == 3 and announced_once(slack, database),
        SETTLE,
        "the first syncs' notifications",
    )

    if moment == "calls":  # the syncs are under way when the database goes
        gated_wolkvox.gate.clear()
        run.send((f"d{c}", bot, c) for c in during)
        until(lambda: gated_wolkvox.in_flight == 2, 15, "two calls held at Wolkvox")
        postgres.stop("fast")
        gated_wolkvox.gate.set()
        tally.injected.append("PostgreSQL stopped (fast) with 2 Wolkvox calls in flight")
    else:  # the syncs are done, their notifications being queued (held by a table lock)
        with Database(database) as holder:
            holder.execute("BEGIN")
            holder.execute("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
            run.send((f"d{c}", bot, c) for c in during)
            until(
                lambda: len(gated_wolkvox.calls) == 10 and waiting_on_outbox(holder) >= 1,
                30,
                "the 7 Wolkvox calls done and a notification waiting to be queued",
            )
            held = waiting_on_outbox(holder)
            postgres.stop("fast")
        tally.injected.append(
            f"PostgreSQL stopped (fast) with {held} outbox write(s) waiting on a lock"
        )
    run.wait_answered(40)  # the history write is retried, then the user gets the templates

    postgres.start()
    tally.injected.append("PostgreSQL started again")
    run.send((f"r{c}", bot, f"{c} --refresh") for c in during)  # the next sync of each
    run.wait_answered(30)
    eventually(lambda: announced_once(slack, database), SETTLE)

    stored = stored_syncs(database)
    tally.count_answers(run)
    tally.count_history(run, database)
    tally.count_notifications(before + during, notified(slack))
    tally.report()
    assert tally.answered == tally.commands == 17
    assert tally.fresh == 17, {
        n: (a or "")[:300] for n, a in run.answers().items() if FRESH not in (a or "")
    }
    # documented (README, "Several instances"): a sync whose history write fails through every
    # retry is not stored; the next sync of the connector is, and announces what it saw
    kept = stored_snapshots(database)
    assert run.fresh_snapshots("a") | run.fresh_snapshots("r") <= kept
    assert tally.history_lost <= len(during)
    assert set(stored) == set(before + during)
    assert tally.lost == 0, (
        f"never announced: {[c for c in before + during if not notified(slack)[c]]}"
    )
    assert tally.duplicates == 0
    assert undelivered(database) == 0


def test_redis_killed_during_a_burst_across_two_instances(
    redis_server: PrivateRedis,
    postgres: PrivatePostgres,
    wolkvox: FakeWolkvox,
    slack: FakeSlack,
    launch: Launch,
) -> None:
    database = postgres.create_database("wolkvox")
    bots = launch(bot_env(wolkvox, slack, database, REDIS_URL=redis_server.url), count=2)
    connectors = [str(200 + i) for i in range(20)]
    for c in connectors:
        wolkvox.reply(c, Reply(templates=2, delay=0.5))
    run = Commands(slack)
    tally = Tally("Redis killed (kill -9) during a burst")

    run.send((f"b{i}", bots[i % 2], connectors[i % 10]) for i in range(20))
    until(lambda: len(wolkvox.calls) >= 3, 20, "the burst's calls to Wolkvox under way")
    redis_server.kill()
    tally.injected.append(f"Redis killed with {wolkvox.in_flight} Wolkvox calls in flight")
    run.send((f"c{i}", bots[i % 2], connectors[i % 20]) for i in range(20))  # Redis is down
    run.wait_answered(40)
    answers = run.answers()
    odd = {
        n: a
        for n, a in answers.items()
        if not a or not (SHARED_STATE_DOWN in a or " templates" in a)
    }
    assert not odd, odd  # each has the templates or says the shared state can't be reached
    assert any(SHARED_STATE_DOWN in (a or "") for a in answers.values())

    redis_server.start()
    tally.injected.append("Redis started again (empty)")
    run.send([("again0", bots[0], "250"), ("again1", bots[1], "251")])
    run.wait_answered(30)
    for name in ("again0", "again1"):
        assert FRESH in (run.answer(name) or ""), run.answer(name)
    eventually(lambda: announced_once(slack, database), SETTLE)

    stored = stored_syncs(database)
    tally.count_answers(run)
    tally.count_history(run, database)
    tally.count_notifications(stored, notified(slack))
    tally.report()
    assert tally.answered == tally.commands == 42
    assert wolkvox.max_in_flight <= 2 and wolkvox.refused == 0
    assert {"250", "251"} <= set(stored)
    assert tally.history_lost == 0
    assert tally.lost == 0 and tally.duplicates == 0
    assert undelivered(database) == 0


def test_an_instance_killed_while_posting_notifications(
    postgres: PrivatePostgres, wolkvox: FakeWolkvox, slow_slack: SlowSlack, launch: Launch
) -> None:
    database = postgres.create_database("wolkvox")
    env = bot_env(wolkvox, slow_slack, database)
    [first] = launch(env)
    connectors = [str(300 + i) for i in range(8)]
    run = Commands(slow_slack)
    tally = Tally("an instance killed (kill -9) while posting notifications")

    run.send((f"k{c}", first, c) for c in connectors)
    run.wait_answered(30)
    until(lambda: len(outbox(database)) == 8, 20, "8 notifications queued")
    until(lambda: slow_slack.posts_arriving >= 3, 30, "the third post under way")
    first.kill()
    in_flight = slow_slack.posts_arriving - len(slow_slack.calls("chat.postMessage"))
    waiting = undelivered(database)
    assert waiting > 0  # the kill came during delivery
    tally.injected.append(
        f"kill -9 with {waiting} of 8 notifications undelivered, {in_flight} post(s) in flight"
    )

    [second] = launch(env)  # it sends at start what no live process holds
    at_start = waiting - undelivered(database)
    # a claim held by the dead process lapses after its lease (120 s); the test does not wait
    lapsed = outlive_claims(database)
    tally.injected.append(
        f"a new instance started and delivered {at_start}; "
        f"{lapsed} claim(s) of the dead one lapsed, the next sync delivered them"
    )
    run.send([("next", second, "399")])  # the next occasion to deliver
    run.wait_answered(30)
    eventually(lambda: announced_once(slow_slack, database), SETTLE)

    tally.count_answers(run)
    tally.count_history(run, database)
    tally.count_notifications([*connectors, "399"], notified(slow_slack))
    tally.report()
    assert tally.answered == tally.commands == 9
    assert tally.lost == 0 and tally.history_lost == 0
    assert undelivered(database) == 0
    # at least once: a post Slack received but whose answer the dead process never read is
    # sent again; nothing else is
    assert tally.duplicates <= max(in_flight, 1)
