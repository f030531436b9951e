"""The database (bot.database.store) on a real SQLite file and a real PostgreSQL: database
URLs, history, subscriptions, claims, the outbox in the sync's transaction, content stored
once, pruning, and everything surviving a restart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.config import engine_url
from bot.database.migrate import head_revision
from bot.database.schema import snapshots, template_set_members, template_sets, template_versions
from bot.database.store import Outgoing, Store
from bot.templates.diff import Changes, diff
from bot.templates.model import Template


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/bot.db"
    return str(request.getfixturevalue("postgres_url"))


NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
T = [Template("a", "es", "UTILITY", "x"), Template("b", "pt_BR", "MARKETING", "y")]


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("sqlite:///./wolkvox.db", "sqlite+aiosqlite:///./wolkvox.db"),
        ("sqlite:////abs/path.db", "sqlite+aiosqlite:////abs/path.db"),
        ("postgres://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
        ("postgresql://u@h/d", "postgresql+asyncpg://u@h/d"),
    ],
)
def test_database_urls(url: str, engine: str) -> None:
    assert engine_url(url) == engine


@pytest.mark.parametrize("url", ["mysql://x", "nonsense"])
def test_unsupported_database_urls(url: str) -> None:
    with pytest.raises(ValueError):
        engine_url(url)


async def record(
    store: Store,
    snapshot_id: str,
    templates: list[Template],
    at: datetime,
    previous: list[Template] | None,
    *,
    connector: str = "1234",
    notifications: Sequence[Outgoing] = (),
) -> None:
    await store.record_sync(
        snapshot_id=snapshot_id,
        connector=connector,
        synced_at=at,
        templates=templates,
        skipped=0,
        source="slack",
        user_id="U1",
        user_name="maria",
        command="/wolkvox-sync 1234",
        changes=diff(previous, templates),
        notifications=notifications,
    )


async def test_everything_survives_a_restart(database: str) -> None:
    url = database
    store = await Store.open(url)
    await record(store, "s1", T, NOW, None)
    await record(store, "s2", T[:1], NOW + timedelta(minutes=5), T)
    await store.subscribe(team_id="T1", channel_id="C1", connector="1234", user_id="U1", now=NOW)
    await store.enqueue("s2", [Outgoing("C1", "1234", {"text": "hi", "blocks": []}, "U1")], NOW)
    await store.aclose()

    reopened = await Store.open(url)  # upgrading again: nothing to do
    history = await reopened.history("1234")
    assert [h.id for h in history] == ["s2", "s1"]
    assert history[0].removed == 1 and history[1].first
    latest = await reopened.latest_templates("1234")
    assert latest == ("s2", T[:1])
    assert [s.channel_id for s in await reopened.subscriptions(connector="1234")] == ["C1"]
    assert await reopened.pending_count() == 1
    async with reopened.engine.connect() as conn:
        revision = (await conn.execute(text("select version_num from alembic_version"))).scalar()
    assert revision == head_revision()
    await reopened.aclose()


async def test_subscribe_twice_and_unsubscribe(database: str) -> None:
    store = await Store.open(database)
    assert await store.subscribe(
        team_id="T1", channel_id="C1", connector="1", user_id="U1", now=NOW
    )
    assert not await store.subscribe(
        team_id="T1", channel_id="C1", connector="1", user_id="U2", now=NOW
    )
    assert await store.subscribe(
        team_id="T1", channel_id="C2", connector="1", user_id="U2", now=NOW
    )
    assert len(await store.subscriptions(connector="1")) == 2
    assert await store.unsubscribe(channel_id="C1", connector="1")
    assert not await store.unsubscribe(channel_id="C1", connector="1")
    assert [s.channel_id for s in await store.subscriptions(team_id="T1")] == ["C2"]
    await store.aclose()


async def test_a_claim_is_held_once_and_expires(database: str) -> None:
    store = await Store.open(database)
    await store.enqueue(
        "s", [Outgoing("C1", "1", {"text": "a"}), Outgoing("C2", "1", {"text": "b"})], NOW
    )
    first = await store.claim(NOW, lease_seconds=60)
    assert [d.channel_id for d in first] == ["C1", "C2"]
    assert await store.claim(NOW + timedelta(seconds=30)) == []  # held by the first claimer
    await store.delivered(first[0].id, NOW)
    later = await store.claim(NOW + timedelta(seconds=61))  # the lease of C2 ran out: free again
    assert [d.channel_id for d in later] == ["C2"]
    await store.attempt_failed(later[0].id, "not_in_channel", give_up=False, warned=True)
    again = await store.claim(NOW + timedelta(seconds=62))
    assert again[0].attempts == 1 and again[0].warned
    await store.attempt_failed(again[0].id, "channel_not_found", give_up=True, warned=True)
    assert await store.claim(NOW + timedelta(hours=1)) == []
    assert await store.pending_count() == 0
    await store.aclose()


async def test_concurrent_claims_never_share_a_notification(postgres_url: str) -> None:
    """Two instances (two stores, two pools) claiming at once: each notification once."""
    import asyncio

    first, second = await Store.open(postgres_url), await Store.open(postgres_url)
    await first.enqueue("s", [Outgoing(f"C{i}", "1", {"text": str(i)}) for i in range(40)], NOW)
    claims = await asyncio.gather(first.claim(NOW, limit=40), second.claim(NOW, limit=40))
    ids = [d.id for claim in claims for d in claim]
    assert len(ids) == 40 and len(set(ids)) == 40
    await first.aclose()
    await second.aclose()


async def test_instances_starting_together_migrate_once(postgres_url: str) -> None:
    import asyncio

    stores = await asyncio.gather(*(Store.open(postgres_url) for _ in range(4)))
    async with stores[0].engine.connect() as conn:
        assert (await conn.execute(text("select count(*) from alembic_version"))).scalar() == 1
    for store in stores:
        await store.aclose()


async def test_untrusted_text_round_trips(database: str) -> None:
    odd = [
        Template(
            "promo_<!channel>",
            "es",
            "MARKETING",
            "Olá 'quoted' \"double\" ; DROP TABLE x; -- {{1}} 日本語 \u202e",
        )
    ]
    store = await Store.open(database)
    await record(store, "odd", odd, NOW, None)
    assert await store.latest_templates("1234") == ("odd", odd)
    await store.aclose()


async def stored_rows(store: Store) -> dict[str, int]:
    counts = {}
    async with store.engine.connect() as conn:
        for table in (snapshots, template_sets, template_set_members, template_versions):
            count = await conn.execute(select(func.count()).select_from(table))
            counts[table.name] = count.scalar_one()
    return counts


async def test_a_sync_that_changed_nothing_adds_a_row_not_a_copy(database: str) -> None:
    store = await Store.open(database)
    changed = [T[0], Template("b", "pt_BR", "MARKETING", "y, now longer")]
    await record(store, "s1", T, NOW, None)
    await record(store, "s2", T, NOW + timedelta(minutes=1), T)
    await record(store, "s3", changed, NOW + timedelta(minutes=2), T)
    await record(store, "s4", T, NOW + timedelta(minutes=3), changed)  # back as it was
    assert await stored_rows(store) == {
        "snapshots": 4,
        "template_sets": 2,
        "template_set_members": 4,
        "template_versions": 3,  # a, b, and b changed: "a" is shared by both sets
    }
    assert await store.latest_templates("1234") == ("s4", T)
    assert [h.template_count for h in await store.history("1234")] == [2, 2, 2, 2]
    await store.aclose()


async def test_an_older_snapshot_reloads_from_the_database(database: str) -> None:
    store = await Store.open(database)
    await record(store, "s1", T, NOW, None)
    await record(store, "s2", T[::-1] + T[:1], NOW + timedelta(minutes=1), T)  # order and repeats
    await record(store, "s3", [], NOW + timedelta(minutes=2), T)
    assert await store.snapshot_templates("s1") == T
    assert await store.snapshot_templates("s2") == [T[1], T[0], T[0]]
    assert await store.snapshot_templates("s3") == []
    assert await store.snapshot_templates("unknown") is None
    await store.aclose()


async def test_a_sync_and_its_notifications_are_one_transaction(database: str) -> None:
    store = await Store.open(database)
    note = Outgoing("C1", "1234", {"text": "2 templates"}, "U1", "name\na\n", "a.csv")
    await record(store, "s1", T, NOW, None, notifications=[note])
    [delivery] = await store.claim(NOW)
    assert (delivery.snapshot_id, delivery.message, delivery.details_csv) == (
        "s1",
        note.message,
        note.details_csv,
    )
    unstorable = Outgoing("C1", "1234", {"text": object()})  # fails after the sync's own rows
    with pytest.raises(TypeError):
        await record(
            store, "s2", [Template("new", "es", "UTILITY", "z")], NOW, T, notifications=[unstorable]
        )
    assert [h.id for h in await store.history("1234")] == ["s1"]  # nothing of s2 was kept
    assert (await stored_rows(store))["template_versions"] == 2
    await store.aclose()


async def test_history_queues_what_compose_makes_with_the_sync(database: str) -> None:
    from bot.sync.recorder import History
    from bot.sync.service import SyncTrigger
    from bot.templates.model import Snapshot

    store = await Store.open(database)
    seen: list[tuple[str, bool]] = []

    async def compose(snapshot: Snapshot, changes: Changes, trigger: SyncTrigger) -> list[Outgoing]:
        seen.append((snapshot.id, changes.first))
        return [Outgoing("C9", snapshot.connector, {"text": f"{len(snapshot.templates)} new"})]

    snapshot = Snapshot(id="s1", connector="1234", synced_at=NOW, templates=tuple(T), skipped=0)
    changes = await History(store).record(snapshot, SyncTrigger(source="slack"), compose)
    assert changes.first and seen == [("s1", True)]
    [delivery] = await store.claim(NOW)
    assert (delivery.channel_id, delivery.message) == ("C9", {"text": "2 new"})
    await store.aclose()


async def test_prune_keeps_the_newest_sync_and_content_still_in_use(database: str) -> None:
    store = await Store.open(database)
    old = NOW - timedelta(days=200)
    gone = [Template("gone", "es", "UTILITY", "only in the oldest sync")]
    await record(store, "oldest", gone, old, None)
    await record(store, "old", T, old + timedelta(days=1), gone)
    await record(store, "recent", T, NOW, T)  # shares its templates with "old"
    await record(store, "lonely", gone, old, None, connector="5678")  # its only sync: kept
    items = [Outgoing(f"C{i}", "1234", {"text": str(i)}) for i in range(4)]
    await store.enqueue("old", items[:3], old)
    await store.enqueue("recent", items[3:], NOW)
    delivered, failed = await store.claim(old, limit=2)
    await store.delivered(delivered.id, old)
    await store.attempt_failed(failed.id, "channel_not_found", give_up=True, warned=True)
    _old_pending, recent = await store.claim(NOW)
    await store.delivered(recent.id, NOW)

    pruned = await store.prune(NOW - timedelta(days=180))

    assert (pruned.syncs, pruned.notifications) == (2, 2)
    assert [h.id for h in await store.history(limit=10)] == ["recent", "lonely"]
    assert await store.snapshot_templates("old") is None
    assert await store.snapshot_templates("lonely") == gone  # its content outlived "oldest"
    assert await store.latest_templates("1234") == ("recent", T)
    assert await store.pending_count() == 1  # an old notification not yet delivered stays
    assert (pruned.template_sets, pruned.templates) == (0, 0)
    await record(store, "newer", [], NOW + timedelta(minutes=1), T)
    again = await store.prune(NOW + timedelta(minutes=1))  # "recent" goes, and T with it
    assert (again.syncs, again.template_sets, again.templates) == (1, 1, 2)
    assert await stored_rows(store) == {
        "snapshots": 2,
        "template_sets": 2,
        "template_set_members": 1,
        "template_versions": 1,
    }
    await store.aclose()


async def test_forty_unchanged_syncs_of_5000_templates_store_them_once(tmp_path: Path) -> None:
    """40 refreshes of an account with 5,000 templates of about 1 KB each."""
    templates = [
        Template(f"plantilla_{i:05d}", "es_MX", "UTILITY", f"{i} " + "Hola {{1}}, " * 83)
        for i in range(5000)
    ]
    path = tmp_path / "bot.db"
    store = await Store.open(f"sqlite:///{path}")
    for n in range(40):
        await record(store, f"s{n}", templates, NOW + timedelta(minutes=n), templates)
    assert (await stored_rows(store))["template_versions"] == 5000
    await store.aclose()
    one_copy = sum(len(t.name) + len(t.body) for t in templates)  # about 5 MB
    assert path.stat().st_size < 2 * one_copy  # it was 40 copies: 278 MB
