"""Daily and weekly digests (bot.sync.digests) on a real SQLite file and a real PostgreSQL:
periods at 09:00 in WOLKVOX_TIMEZONE through DST changes; each period's digest sent once by
two instances sharing the database and after a restart; a missed period sent once, late, with
no backlog; an empty one marked sent, unposted; a dead instance's claim taken over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.database.store import DigestPeriod, Store
from bot.errors import ConfigError
from bot.sync.digests import DigestTicker, build_digest, latest_period
from bot.templates.digest import Digest
from bot.templates.model import Template
from tests.test_store import record

KEY = "cliente_a:1234"
OTHER = "cliente_a:5678"
DAY1 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # a Tuesday
NINE = timedelta(hours=9)

PROMO = Template("promo", "pt_BR", "MARKETING", "Oferta de verão")
WELCOME = Template("welcome", "pt_BR", "UTILITY", "Bem-vindo")
FLASH = Template("flash", "pt_BR", "MARKETING", "Só hoje")
OTP = Template("otp", "pt_BR", "AUTHENTICATION", "Seu código é {{1}}")
PROMO_ES = Template("promo", "es", "MARKETING", "Oferta de verano")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/bot.db"
    return str(request.getfixturevalue("postgres_url"))


Opener = Callable[[], Awaitable[Store]]


@pytest.fixture
async def open_store(database: str) -> AsyncIterator[Opener]:
    """Open a Store on the test's database (as many as an instance or a restart needs);
    each is closed at the end (a failed test leaks none)."""
    opened: list[Store] = []

    async def opener() -> Store:
        opened.append(await Store.open(database))
        return opened[-1]

    yield opener
    for store in opened:
        await store.aclose()


class Poster:
    """The Slack notifier's part a digest needs: what was posted, in order."""

    def __init__(self, failures: int = 0) -> None:
        self.posted: list[Digest] = []
        self.failures = failures

    async def post(self, digest: Digest) -> None:
        await asyncio.sleep(0.01)  # another instance's tick runs meanwhile
        if self.failures:
            self.failures -= 1
            raise RuntimeError("Slack said no")
        self.posted.append(digest)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def ticker(store: Store, poster: Poster, clock: Clock, **options: object) -> DigestTicker:
    return DigestTicker(store, poster, timezone=UTC, now=clock, **options)  # type: ignore[arg-type]


def keys(templates: tuple[Template, ...]) -> list[tuple[str, str]]:
    return [t.key for t in templates]


# --- periods ---

NEW_YORK = ZoneInfo("America/New_York")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(
    ("cadence", "zone", "now", "start", "end", "hours"),
    [
        # UTC: the period ends at 09:00 sharp, not a minute before
        ("daily", UTC, "2026-11-25 09:00", "2026-11-24 09:00", "2026-11-25 09:00", 24),
        ("daily", UTC, "2026-11-25 08:59", "2026-11-23 09:00", "2026-11-24 09:00", 24),
        # São Paulo is UTC-3: 09:00 there is 12:00 UTC
        ("daily", SAO_PAULO, "2026-11-25 11:59", "2026-11-23 09:00", "2026-11-24 09:00", 24),
        ("daily", SAO_PAULO, "2026-11-25 12:00", "2026-11-24 09:00", "2026-11-25 09:00", 24),
        # New York springs forward on 8 March 2026: that day is 23 hours long
        ("daily", NEW_YORK, "2026-03-08 13:00", "2026-03-07 09:00", "2026-03-08 09:00", 23),
        ("daily", NEW_YORK, "2026-03-09 13:00", "2026-03-08 09:00", "2026-03-09 09:00", 24),
        # and falls back on 1 November 2026: 25 hours
        ("daily", NEW_YORK, "2026-11-01 14:00", "2026-10-31 09:00", "2026-11-01 09:00", 25),
        # weekly: Monday 09:00 to Monday 09:00; on Monday before 09:00, the week before
        ("weekly", UTC, "2026-11-30 09:00", "2026-11-23 09:00", "2026-11-30 09:00", 168),
        ("weekly", UTC, "2026-11-30 08:59", "2026-11-16 09:00", "2026-11-23 09:00", 168),
        ("weekly", UTC, "2026-11-29 23:00", "2026-11-16 09:00", "2026-11-23 09:00", 168),
        # Madrid's clocks go back on 25 October 2026: that week is an hour longer
        ("weekly", MADRID, "2026-10-26 08:00", "2026-10-19 09:00", "2026-10-26 09:00", 169),
    ],
)
def test_periods_end_at_nine_in_the_time_zone(
    cadence: str, zone: ZoneInfo, now: str, start: str, end: str, hours: int
) -> None:
    def at(text: str, tz: tzinfo = UTC) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=tz)

    found_start, found_end = latest_period(cadence, at(now), zone)
    assert (found_start, found_end) == (at(start, zone), at(end, zone))
    assert found_start.hour == found_end.hour == 9  # 09:00 on the wall clock, whatever DST
    assert found_end.timestamp() - found_start.timestamp() == hours * 3600


# --- sending ---


async def subscribe(store: Store, cadence: str, *, channel: str = "C1", key: str = KEY,
                    filters: str = "", at: datetime = DAY1 - timedelta(days=1),
                    team: str = "T1") -> None:  # fmt: skip
    await store.subscribe(
        team_id=team, channel_id=channel, connector=key, user_id="U1", now=at,
        filters=filters, cadence=cadence,
    )  # fmt: skip


async def day_of_syncs(store: Store, day: datetime, key: str = KEY, prefix: str = "") -> None:
    """A day at the connector: promo changed twice, flash added and removed again, otp and a
    Spanish promo added; the state before is [promo, welcome]."""
    p = prefix or key.replace(":", "_")
    changed_once = Template("promo", "pt_BR", "MARKETING", "Oferta nova")
    changed_twice = Template("promo", "pt_BR", "MARKETING", "Oferta final")
    states = [
        (day + timedelta(hours=8), [PROMO, WELCOME]),  # before the period starts
        (day + timedelta(hours=12), [PROMO, WELCOME, FLASH]),
        (day + timedelta(hours=15), [changed_once, WELCOME]),
        (day + timedelta(hours=18), [changed_twice, WELCOME, OTP, PROMO_ES]),
        (day + timedelta(hours=34), [changed_twice, OTP]),  # 10:00 the next day: after it
    ]
    previous = None
    for n, (at, templates) in enumerate(states):
        await record(store, f"{p}{n}", templates, at, previous, connector=key)
        previous = templates


async def test_a_daily_digest_is_sent_once_by_two_instances_and_after_a_restart(
    open_store: Opener,
) -> None:
    first, second = await open_store(), await open_store()
    await subscribe(first, "daily", filters="lang:pt_BR")
    await subscribe(first, "each", key=OTHER)  # heard per sync: never in a digest
    await day_of_syncs(first, DAY1)
    clock = Clock(DAY1 + timedelta(days=1, hours=9, minutes=1))
    poster_a, poster_b = Poster(), Poster()
    a, b = ticker(first, poster_a, clock), ticker(second, poster_b, clock)

    sent = await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())

    assert sum(sent) == 1
    [digest] = poster_a.posted + poster_b.posted
    assert (digest.channel_id, digest.workspace, digest.cadence, digest.late) == (
        "C1", "", "daily", False,
    )  # fmt: skip
    assert digest.period_start.timestamp() == (DAY1 + NINE).timestamp()
    assert digest.period_end.timestamp() == (DAY1 + timedelta(days=1) + NINE).timestamp()
    [part] = digest.parts
    assert (part.connector_key, part.filters) == (KEY, "lang:pt_BR")
    # net change: flash came and went (gone), promo changed twice (once, as it is now),
    # the Spanish promo is not this channel's, the next morning's sync not this period's
    assert keys(part.changes.added) == [("otp", "pt_BR")]
    assert part.changes.removed == ()
    [changed] = part.changes.changed
    assert (changed.before.body, changed.after.body) == ("Oferta de verão", "Oferta final")
    assert await a.tick() == await b.tick() == 0

    await first.aclose()  # both stop; one starts again half an hour later
    await second.aclose()
    clock.now += timedelta(minutes=30)
    again = await open_store()
    restarted = Poster()
    assert await ticker(again, restarted, clock).tick() == 0
    assert restarted.posted == []


async def test_a_missed_period_is_sent_once_late_and_only_the_latest(open_store: Opener) -> None:
    store = await open_store()
    await subscribe(store, "daily")
    await day_of_syncs(store, DAY1)
    await day_of_syncs(store, DAY1 + timedelta(days=2), prefix="later")
    # down from the first day's evening until 11:00 on the fourth: two periods ended meanwhile
    clock = Clock(DAY1 + timedelta(days=3, hours=11))
    poster = Poster()
    assert await ticker(store, poster, clock).tick() == 1
    [digest] = poster.posted
    assert digest.late
    assert digest.period_end.timestamp() == (DAY1 + timedelta(days=3) + NINE).timestamp()
    assert keys(digest.parts[0].changes.added) == [("otp", "pt_BR"), ("promo", "es")]
    clock.now += timedelta(hours=1)
    assert await ticker(store, poster, clock).tick() == 0  # no backlog: the earlier one never
    clock.now += timedelta(days=1)
    assert await ticker(store, poster, clock).tick() == 1  # the next period, on time enough
    assert poster.posted[-1].period_start.timestamp() == poster.posted[0].period_end.timestamp()


async def test_an_empty_digest_is_not_posted_and_not_built_again(open_store: Opener) -> None:
    store = await open_store()
    await subscribe(store, "daily", filters="category:utility lang:es")  # nothing of it changes
    await day_of_syncs(store, DAY1)
    clock = Clock(DAY1 + timedelta(days=1, hours=9))
    poster = Poster()
    assert await ticker(store, poster, clock).tick() == 0
    unchanged = Poster()
    # the period is done: WOLKVOX_NOTIFY_UNCHANGED on another instance posts nothing of it
    assert await ticker(store, unchanged, clock, notify_unchanged=True).tick() == 0
    assert poster.posted == unchanged.posted == []
    clock.now += timedelta(days=1)  # next period, no syncs at all: "no changes" is posted
    assert await ticker(store, unchanged, clock, notify_unchanged=True).tick() == 1
    [digest] = unchanged.posted
    assert not digest.any and [p.connector_key for p in digest.parts] == [KEY]


async def test_a_dead_instance_s_claim_is_taken_over_after_five_minutes(open_store: Opener) -> None:
    store = await open_store()
    await subscribe(store, "daily")
    await day_of_syncs(store, DAY1)
    end = DAY1 + timedelta(days=1) + NINE
    period = DigestPeriod("", "C1", "daily", round((end - timedelta(days=1)).timestamp() * 1000),
                          round(end.timestamp() * 1000))  # fmt: skip
    assert await store.claim_digest(period, claimed_by="dead:1", now=end, lease=300)
    clock, poster = Clock(end + timedelta(minutes=4)), Poster()
    assert await ticker(store, poster, clock).tick() == 0  # still held
    clock.now = end + timedelta(minutes=6)
    assert await ticker(store, poster, clock).tick() == 1
    assert not poster.posted[0].late


async def test_a_failed_post_is_tried_again_after_the_lease(open_store: Opener) -> None:
    store = await open_store()
    await subscribe(store, "weekly")
    await day_of_syncs(store, DAY1)
    clock, poster = Clock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC)), Poster(failures=1)
    digests = ticker(store, poster, clock)
    assert await digests.tick() == 0  # Slack refused: logged, claim kept
    clock.now += timedelta(seconds=30)
    assert await digests.tick() == 0
    clock.now += timedelta(minutes=5)
    assert await digests.tick() == 1
    [digest] = poster.posted
    assert digest.cadence == "weekly" and not digest.late  # 5.5 minutes after its end
    # the whole week, the next morning's sync within it too
    assert keys(digest.parts[0].changes.added) == [("otp", "pt_BR")]
    assert keys(digest.parts[0].changes.removed) == [("welcome", "pt_BR")]


async def test_a_channel_subscribed_after_the_period_waits_for_the_next(open_store: Opener) -> None:
    store = await open_store()
    await day_of_syncs(store, DAY1)
    clock, poster = Clock(DAY1 + timedelta(days=1, hours=10)), Poster()
    await subscribe(store, "daily", at=clock.now - timedelta(minutes=5))
    assert await ticker(store, poster, clock).tick() == 0
    clock.now += timedelta(days=1)
    assert await ticker(store, poster, clock).tick() == 1


async def test_each_workspace_s_digest_apart_in_a_shared_channel(open_store: Opener) -> None:
    """Distribution mode: a channel shared by two workspaces gets each one's digest, with its
    own connectors only (and a per-sync subscription in neither)."""
    store = await open_store()
    ours, theirs = "T0AAA/cliente_a:1234", "T0BBB/cliente_a:1234"
    await subscribe(store, "daily", key=ours, team="T0AAA")
    await subscribe(store, "daily", key=theirs, team="T0BBB", filters="category:authentication")
    await day_of_syncs(store, DAY1, key=ours)
    await day_of_syncs(store, DAY1, key=theirs)
    clock, poster = Clock(DAY1 + timedelta(days=1, hours=9)), Poster()
    assert await ticker(store, poster, clock).tick() == 2
    by_workspace = {d.workspace: d for d in poster.posted}
    assert [p.connector_key for p in by_workspace["T0AAA"].parts] == [ours]
    assert [p.connector_key for p in by_workspace["T0BBB"].parts] == [theirs]
    assert keys(by_workspace["T0BBB"].parts[0].changes.added) == [("otp", "pt_BR")]
    assert by_workspace["T0BBB"].parts[0].changes.changed == ()


async def test_a_preview_of_any_window_from_the_first_sync_within_it(open_store: Opener) -> None:
    """build_digest for a window with no sync before it compares from its first sync."""
    store = await open_store()
    await subscribe(store, "each")
    await record(store, "s1", [PROMO, FLASH], DAY1 + timedelta(hours=12), None, connector=KEY)
    await record(store, "s2", [PROMO, OTP], DAY1 + timedelta(hours=18), [PROMO, FLASH],
                 connector=KEY)  # fmt: skip
    digest = await build_digest(store, "C1", DAY1, DAY1 + timedelta(hours=20))
    assert (digest.cadence, digest.late) == ("", False)
    [part] = digest.parts
    assert keys(part.changes.added) == [("otp", "pt_BR")]
    assert keys(part.changes.removed) == [("flash", "pt_BR")]
    before = await build_digest(store, "C1", DAY1 - timedelta(days=3), DAY1)
    assert not before.any and not before.parts[0].changes.first
    assert (
        await build_digest(store, "C1", DAY1, DAY1 + timedelta(hours=20), cadence="daily")
    ).parts == ()


async def test_subscribing_again_replaces_filters_and_cadence(open_store: Opener) -> None:
    store = await open_store()
    at = DAY1 - timedelta(days=1)
    assert await store.subscribe(team_id="T1", channel_id="C1", connector=KEY, user_id="U1",
                                 now=at, filters="lang:pt_BR", cadence="daily")  # fmt: skip
    assert not await store.subscribe(team_id="T1", channel_id="C1", connector=KEY,
                                     user_id="U2", now=DAY1)  # fmt: skip
    [sub] = await store.subscriptions(channel_id="C1")
    assert (sub.filters, sub.cadence, sub.digest) == ("", "each", False)
    # who made it first; since when it has this cadence (a new cadence starts now)
    assert (sub.created_by, sub.created_at) == ("U1", DAY1)
    await store.subscribe(team_id="T1", channel_id="C1", connector=KEY, user_id="U1", now=DAY1,
                          filters="category:marketing", cadence="weekly")  # fmt: skip
    assert [(s.filters, s.cadence) for s in await store.subscriptions(digests=True)] == [
        ("category:marketing", "weekly")
    ]
    assert await store.subscriptions(digests=False) == []
    with pytest.raises(ValueError):
        await store.subscribe(team_id="T1", channel_id="C1", connector=KEY, user_id="U1",
                              now=DAY1, cadence="hourly")  # fmt: skip


async def test_a_sync_stored_exactly_at_nine_belongs_to_the_period_it_starts(
    open_store: Opener,
) -> None:
    """[start, end): the sync at 09:00 sharp is not the previous period's (its end is strict),
    so it must be this one's change, not this one's baseline."""
    store = await open_store()
    await subscribe(store, "each")
    nine = DAY1 + NINE
    await record(store, "s1", [PROMO], nine - timedelta(hours=2), None, connector=KEY)
    await record(store, "s2", [PROMO, OTP], nine, [PROMO], connector=KEY)
    earlier = await build_digest(store, "C1", nine - timedelta(days=1), nine)
    assert not earlier.any
    [part] = (await build_digest(store, "C1", nine, nine + timedelta(days=1))).parts
    assert keys(part.changes.added) == [("otp", "pt_BR")]


async def test_a_new_cadence_starts_with_the_next_period(open_store: Opener) -> None:
    """A channel that heard each sync and asks for a daily digest at 10:00 does not get, at
    once, a digest of yesterday's changes it has already heard one by one."""
    store = await open_store()
    await subscribe(store, "each", at=DAY1 - timedelta(days=7))
    await day_of_syncs(store, DAY1)
    clock, poster = Clock(DAY1 + timedelta(days=1, hours=10)), Poster()
    await subscribe(store, "daily", at=clock.now)
    assert await ticker(store, poster, clock).tick() == 0
    clock.now += timedelta(days=1)
    assert await ticker(store, poster, clock).tick() == 1


@pytest.mark.parametrize(
    ("value", "zone"),
    [(None, "UTC"), ("America/Bogota", "America/Bogota"), ("Europe/Madrid", "Europe/Madrid")],
)
def test_the_time_zone_setting(value: str | None, zone: str) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    settings = Settings.from_env(env | ({"WOLKVOX_TIMEZONE": value} if value else {}))
    assert str(settings.timezone) == zone


@pytest.mark.parametrize("value", ["Mars/Olympus", "America/Bogot", "../../etc/passwd", "-05:00"])
def test_a_wrong_time_zone_is_a_start_error_naming_it(value: str) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "WOLKVOX_TIMEZONE": value}
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env)
    assert "WOLKVOX_TIMEZONE" in str(raised.value) and repr(value) in str(raised.value)
