"""The database on a real SQLite file: schema, history, subscriptions, outbox, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import engine_url
from bot.history.migrate import head_revision
from bot.history.store import Outgoing, Store
from bot.templates.diff import diff
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
) -> None:
    await store.record_sync(
        snapshot_id=snapshot_id,
        connector="1234",
        synced_at=at,
        templates=templates,
        skipped=0,
        source="slack",
        user_id="U1",
        user_name="maria",
        command="/wolkvox-sync 1234",
        changes=diff(previous, templates),
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
