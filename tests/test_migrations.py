"""Alembic migrations on real SQLite files and a real PostgreSQL: fresh, legacy, concurrent, CLI."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database.migrate import alembic_config, head_revision
from bot.database.schema import metadata
from bot.database.store import Store, create_engine
from bot.templates.model import Template
from tests.deployed import ROOT, base_env
from tests.forked import as_text, run_bot
from tests.test_store import record

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
KEY = "default:1234"  # connector 1234 of a database from before operations, upgraded


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/bot.db"
    return str(request.getfixturevalue("postgres_url"))


# The schema as the hand-written migrations made it (their version 1), frozen here.
LEGACY = MetaData()
Table("schema_version", LEGACY, Column("version", Integer, nullable=False))
legacy_snapshots = Table(
    "snapshots",
    LEGACY,
    Column("id", String(32), primary_key=True),
    Column("connector", String(20), nullable=False),
    Column("synced_at", Float, nullable=False),
    Column("source", String(16), nullable=False),
    Column("user_id", String(32), nullable=False, default=""),
    Column("user_name", String(100), nullable=False, default=""),
    Column("command", String(1100), nullable=False, default=""),
    Column("template_count", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("first", Boolean, nullable=False),
    Column("added", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
)
Index("ix_snapshots_connector_time", legacy_snapshots.c.connector, legacy_snapshots.c.synced_at)
Index("ix_snapshots_time", legacy_snapshots.c.synced_at)
legacy_templates = Table(
    "snapshot_templates",
    LEGACY,
    Column(
        "snapshot_id", String(32), ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False
    ),
    Column("position", Integer, nullable=False),
    Column("name", String(512), nullable=False),
    Column("language", String(32), nullable=False),
    Column("category", String(64), nullable=False),
    Column("body", Text, nullable=False),
)
Index("ix_snapshot_templates_snapshot", legacy_templates.c.snapshot_id)
legacy_subscriptions = Table(
    "subscriptions",
    LEGACY,
    Column("team_id", String(32), nullable=False, default=""),
    Column("channel_id", String(32), nullable=False),
    Column("connector", String(20), nullable=False),
    Column("created_by", String(32), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("channel_id", "connector", name="uq_subscription"),
)
Index("ix_subscriptions_connector", legacy_subscriptions.c.connector)
legacy_outbox = Table(
    "outbox",
    LEGACY,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("snapshot_id", String(32), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("connector", String(20), nullable=False),
    Column("subscriber", String(32), nullable=False, default=""),
    Column("payload", Text, nullable=False),
    Column("details_csv", Text, nullable=True),
    Column("details_name", String(200), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(200), nullable=False, default=""),
    Column("warned", Boolean, nullable=False, default=False),
    Column("claimed_until", Float, nullable=True),
    Column("delivered_at", Float, nullable=True),
    Column("failed", Boolean, nullable=False, default=False),
)
Index("ix_outbox_pending", legacy_outbox.c.delivered_at, legacy_outbox.c.failed)

OLD = [Template("a", "es", "UTILITY", "x {{1}}"), Template("b", "pt_BR", "MARKETING", "y")]
NEW = [OLD[0], Template("c", "en_US", "UTILITY", "z"), Template("b", "pt_BR", "MARKETING", "y2")]
# Two connectors, one with no templates; 5678 found what 1234 had at first.
LEGACY_SYNCS = [("s1", "1234", OLD), ("s2", "1234", NEW), ("s3", "5678", OLD), ("s4", "9", [])]


async def build_legacy_database(url: str) -> None:
    """What the hand-written migrations and the old Store left: the tables and some of each row."""
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(LEGACY.create_all)
        await conn.execute(text("INSERT INTO schema_version (version) VALUES (1)"))
        for number, (snapshot_id, connector, templates) in enumerate(LEGACY_SYNCS):
            await conn.execute(
                legacy_snapshots.insert().values(
                    id=snapshot_id,
                    connector=connector,
                    synced_at=NOW.timestamp() + 60 * number,
                    source="slack",
                    user_id="U1",
                    user_name="maria",
                    command="/wolkvox-sync 1234",
                    template_count=len(templates),
                    skipped=number,
                    first=number == 0,
                    added=number,
                    removed=0,
                    changed=number,
                )
            )
            if not templates:
                continue
            await conn.execute(
                legacy_templates.insert(),
                [
                    {"snapshot_id": snapshot_id, "position": i, "name": t.name}
                    | {"language": t.language, "category": t.category, "body": t.body}
                    for i, t in enumerate(templates)
                ],
            )
        await conn.execute(
            legacy_subscriptions.insert().values(
                team_id="T1", channel_id="C1", connector="1234", created_by="U1", created_at=1.0
            )
        )
        await conn.execute(
            legacy_outbox.insert().values(
                snapshot_id="s2",
                channel_id="C1",
                connector="1234",
                subscriber="U1",
                payload=json.dumps({"text": "2 changes"}),
                details_csv="name\nc\n",
                details_name="changes.csv",
                created_at=NOW.timestamp(),
            )
        )
    await engine.dispose()


async def revision_and_tables(engine: AsyncEngine) -> tuple[str, set[str]]:
    async with engine.connect() as conn:
        revision = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    return str(revision), tables


def schema_differences(conn: Connection, target: MetaData) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(conn), target))


async def test_a_database_of_the_hand_written_schema_upgrades_in_place(database: str) -> None:
    await build_legacy_database(database)
    store = await Store.open(database)
    history = await store.history(KEY)
    assert [(h.id, h.template_count, h.skipped, h.first) for h in history] == [
        ("s2", 3, 1, False),
        ("s1", 2, 0, True),
    ]
    assert history[1].synced_at == NOW and history[0].user_name == "maria"
    assert await store.latest_templates(KEY) == ("s2", NEW)
    [subscription] = await store.subscriptions(connector=KEY)
    assert (subscription.team_id, subscription.channel_id, subscription.created_by) == (
        "T1",
        "C1",
        "U1",
    )
    [delivery] = await store.claim(NOW)
    assert (delivery.snapshot_id, delivery.channel_id, delivery.message) == (
        "s2",
        "C1",
        {"text": "2 changes"},
    )
    assert (delivery.details_csv, delivery.details_name) == ("name\nc\n", "changes.csv")
    revision, tables = await revision_and_tables(store.engine)
    assert revision == head_revision()
    assert "schema_version" not in tables and "snapshot_templates" not in tables
    assert await store.snapshot_templates("s1") == OLD
    assert await store.snapshot_templates("s3") == OLD
    assert await store.snapshot_templates("s4") == []
    assert await content_rows(store.engine) == (4, 3)  # a, b, c, b changed; OLD, NEW, empty
    await record(store, "s5", NEW, NOW + timedelta(hours=1), NEW)  # content found, not copied
    assert await content_rows(store.engine) == (4, 3)
    await store.aclose()


async def content_rows(engine: AsyncEngine) -> tuple[int, int]:
    """How many template versions and template sets are stored."""
    async with engine.connect() as conn:
        versions = (await conn.execute(text("SELECT count(*) FROM template_versions"))).scalar()
        sets = (await conn.execute(text("SELECT count(*) FROM template_sets"))).scalar()
    return int(versions or 0), int(sets or 0)


async def test_a_fresh_database_reaches_the_head_and_matches_the_schema(database: str) -> None:
    store = await Store.open(database)
    assert (await revision_and_tables(store.engine))[0] == head_revision()
    async with store.engine.connect() as conn:
        assert await conn.run_sync(schema_differences, metadata) == []
    await store.aclose()


async def test_revision_0001_is_the_hand_written_schema(database: str) -> None:
    engine = create_engine(database)
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0001"))
    async with engine.connect() as conn:
        assert await conn.run_sync(schema_differences, LEGACY) == []
    await engine.dispose()


async def test_opening_again_changes_nothing(database: str) -> None:
    store = await Store.open(database)
    await store.subscribe(team_id="T", channel_id="C1", connector="1", user_id="U", now=NOW)
    before = await revision_and_tables(store.engine)
    await store.aclose()
    again = await Store.open(database)
    assert await revision_and_tables(again.engine) == before
    assert len(await again.subscriptions()) == 1
    await again.aclose()


async def test_instances_upgrading_an_old_database_together_take_turns(postgres_url: str) -> None:
    await build_legacy_database(postgres_url)
    stores = await asyncio.gather(*(Store.open(postgres_url) for _ in range(4)))
    for store in stores:
        assert await store.latest_templates(KEY) == ("s2", NEW)
    async with stores[0].engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM alembic_version"))).scalar() == 1
    for store in stores:
        await store.aclose()


def db_upgrade(
    cwd: Path, database_url: str, program: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m bot db upgrade` (forked, tests/forked.py), or `program db upgrade`."""
    env = base_env() | {"DATABASE_URL": database_url}
    if program is None:
        return as_text(run_bot(["db", "upgrade"], cwd=cwd, env=env, timeout=60))
    return subprocess.run(
        [*program, "db", "upgrade"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


async def test_db_upgrade_on_the_command_line(database: str, tmp_path: Path) -> None:
    """Needs only DATABASE_URL: no Slack or Wolkvox settings."""
    await build_legacy_database(database)
    first = db_upgrade(tmp_path, database)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        f"database schema at revision {head_revision()} (the newest)"
    ]
    script = Path(sys.executable).parent / "wolkvox-sync"
    again = db_upgrade(tmp_path, database, [str(script)])
    assert again.returncode == 0 and again.stdout == first.stdout
    store = await Store.open(database)
    assert await store.latest_templates(KEY) == ("s2", NEW)
    await store.aclose()


def test_db_upgrade_failure_is_one_line_without_the_password(tmp_path: Path) -> None:
    unreachable = "postgresql://bot:hunter2secret@127.0.0.1:9/wolkvox"
    result = db_upgrade(tmp_path, unreachable)
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("wolkvox-sync db upgrade failed: ")
    assert "hunter2secret" not in line


def test_db_upgrade_reads_the_default_database_in_the_working_directory(tmp_path: Path) -> None:
    result = as_text(run_bot(["db", "upgrade"], cwd=tmp_path, env=base_env(), timeout=60))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "wolkvox.db").exists()


def test_the_revisions_ship_in_the_package() -> None:
    """A non-editable install carries packages: every folder of revisions must be one."""
    folders = {path.parent for path in (ROOT / "bot" / "database").rglob("*.py")}
    assert ROOT / "bot" / "database" / "migrations" / "versions" in folders
    assert all((folder / "__init__.py").exists() for folder in folders)


# The previous release's schema (revision 0005) with a row of everything it kept.
V5_TEMPLATES = [Template("a", "es", "UTILITY", "x {{1}}"), Template("b", "pt_BR", "MARKETING", "y")]
Row = dict[str, Any]
V5_ROWS: dict[str, list[Row]] = {
    "template_versions": [
        {"id": 1, "digest": "d-a", "name": "a", "language": "es", "category": "UTILITY"}
        | {"body": "x {{1}}"},
        {"id": 2, "digest": "d-b", "name": "b", "language": "pt_BR", "category": "MARKETING"}
        | {"body": "y"},
    ],
    "template_sets": [{"id": 1, "digest": "set-ab"}],
    "template_set_members": [
        {"set_id": 1, "position": 0, "version_id": 1},
        {"set_id": 1, "position": 1, "version_id": 2},
    ],
    "snapshots": [
        {"id": f"s{n}", "connector": connector, "synced_at": NOW.timestamp() + n}
        | {"source": "slack", "user_id": "U1", "user_name": "maria", "command": "/wolkvox-sync"}
        | {"template_count": 2, "skipped": 0, "first": n == 1, "added": 2, "removed": 0}
        | {"changed": 0, "template_set_id": 1}
        for n, connector in ((1, "1234"), (2, "1234"), (3, "98765432109876543210"))
    ],
    "subscriptions": [
        {"team_id": "T1", "channel_id": "C1", "connector": "1234", "created_by": "U1"}
        | {"created_at": 1.0}
    ],
    "outbox": [
        {"snapshot_id": "s2", "channel_id": "C1", "connector": "1234", "subscriber": "U1"}
        | {"payload": json.dumps({"text": "Connector 1234: 2 changes"}), "details_csv": None}
        | {"details_name": None, "created_at": NOW.timestamp(), "attempts": 1}
        | {"last_error": "ratelimited", "warned": False, "claimed_until": None}
        | {"delivered_at": None, "failed": False}
    ],
    "schedule_claims": [
        {"connector": "1234", "period_start_ms": 1_700_000_000_000, "claimed_by": "host-1"}
        | {"claimed_at": 2.0}
    ],
    "quota_counts": [{"token_key": "0123456789abcdef", "day": "2026-11-24", "calls": 7}],
    "user_languages": [{"user_id": "U1", "language": "es", "chosen_at": 3.0}],
}
NEW_TABLES = {"operations", "operation_changes", "operations_version"}
NEW_TABLES |= {"channel_operations", "token_slots", "digest_sends"}


def migrate_to(conn: Connection, revision: str, operation_name: str) -> None:
    config = alembic_config(conn, operation_name=operation_name)
    current = MigrationContext.configure(conn).get_current_revision() or ""
    if revision == "head" or revision > current:
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)


async def build_v5_database(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(migrate_to, "0005", "default")
        await conn.run_sync(insert_v5_rows)
    await engine.dispose()


def insert_v5_rows(conn: Connection) -> None:
    tables = MetaData()
    tables.reflect(conn)  # the tables as revision 0005 made them
    for table, rows in V5_ROWS.items():
        conn.execute(tables.tables[table].insert(), rows)
    if conn.dialect.name == "postgresql":  # rows given their ids: the sequences go on after
        for table in ("template_versions", "template_sets", "outbox"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608
                )
            )


async def all_rows(engine: AsyncEngine, table: str) -> list[Row]:
    async with engine.connect() as conn:
        result = await conn.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
        return sorted((dict(row._mapping) for row in result), key=repr)


async def test_the_previous_release_s_rows_become_the_environment_operation_s(
    database: str,
) -> None:
    """From revision 0005 with data to the head and back, nothing lost: every connector value
    becomes `cliente_a:...` (WOLKVOX_OPERATION_NAME), everything else is as it was."""
    await build_v5_database(database)
    store = await Store.open(database, operation_name="cliente_a")
    assert [h.id for h in await store.history("cliente_a:1234")] == ["s2", "s1"]
    assert await store.latest_templates("cliente_a:1234") == ("s2", V5_TEMPLATES)
    assert await store.latest_templates("cliente_a:98765432109876543210") == ("s3", V5_TEMPLATES)
    assert await store.history("1234") == []
    [subscription] = await store.subscriptions(connector="cliente_a:1234")
    assert (subscription.channel_id, subscription.created_by) == ("C1", "U1")
    [delivery] = await store.claim(NOW)
    assert (delivery.snapshot_id, delivery.channel_id, delivery.message) == (
        "s2",
        "C1",
        {"text": "Connector 1234: 2 changes"},  # rendered before: left as it was
    )
    expected = dict(V5_ROWS)
    for table in ("snapshots", "subscriptions", "outbox", "schedule_claims"):
        expected[table] = [
            row | {"connector": f"cliente_a:{row['connector']}"} for row in V5_ROWS[table]
        ]
    # revision 0008: a person's choice is single-workspace mode's (workspace "")
    expected["user_languages"] = [row | {"workspace": ""} for row in V5_ROWS["user_languages"]]
    # revision 0009: every subscription so far hears all changes after each sync
    expected["subscriptions"] = [
        row | {"filters": "", "cadence": "each"} for row in expected["subscriptions"]
    ]
    for table, rows in expected.items():
        found = await all_rows(store.engine, table)
        if table == "outbox":  # claimed just now
            found = [row | {"claimed_until": None} for row in found]
            rows = [row | {"id": 1} for row in rows]
        assert found == sorted(rows, key=repr), table
    assert await store.operations.operations_version() == 0
    assert await store.operations.load_operations() == []
    revision, tables = await revision_and_tables(store.engine)
    assert revision == head_revision() and tables >= NEW_TABLES
    async with store.engine.connect() as conn:
        assert await conn.run_sync(schema_differences, metadata) == []

    # Back to 0005: the name comes off again; another operation's rows can't be kept there.
    await record(store, "b1", V5_TEMPLATES, NOW, None, connector="cliente_b:77")
    await store.subscribe(
        team_id="T1", channel_id="C2", connector="cliente_b:77", user_id="U2", now=NOW
    )
    async with store.engine.begin() as conn:
        await conn.run_sync(migrate_to, "0005", "cliente_a")
    revision, tables = await revision_and_tables(store.engine)
    assert revision == "0005" and not NEW_TABLES & tables
    for table in ("snapshots", "subscriptions", "schedule_claims", "user_languages"):
        assert await all_rows(store.engine, table) == sorted(V5_ROWS[table], key=repr), table
    [outgoing] = await all_rows(store.engine, "outbox")
    assert outgoing["connector"] == "1234"
    await store.aclose()

    again = await Store.open(database, operation_name="cliente_a")
    assert await again.latest_templates("cliente_a:1234") == ("s2", V5_TEMPLATES)
    assert [s.connector for s in await again.subscriptions()] == ["cliente_a:1234"]
    await again.aclose()


async def test_without_a_name_the_rows_become_the_default_operation_s(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bot.db"
    await build_v5_database(url)
    store = await Store.open(url)
    assert [s.connector for s in await store.subscriptions()] == ["default:1234"]
    await store.aclose()


async def test_a_malformed_operation_name_stops_the_migration_and_changes_nothing(
    database: str,
) -> None:
    await build_v5_database(database)
    with pytest.raises(ValueError, match="not an operation name"):
        await Store.open(database, operation_name="Cliente A")
    engine = create_engine(database)
    revision, tables = await revision_and_tables(engine)
    assert revision == "0005" and not NEW_TABLES & tables
    assert await all_rows(engine, "subscriptions") == V5_ROWS["subscriptions"]
    await engine.dispose()


async def test_revision_0009_gives_subscriptions_filters_and_cadence_and_back(
    database: str,
) -> None:
    """Every subscription so far hears all changes after each sync; downgrading keeps the
    subscription (its filters and cadence go) and drops the digests sent."""
    engine = create_engine(database)
    async with engine.begin() as conn:
        await conn.run_sync(migrate_to, "0008", "default")
        await conn.execute(
            text(
                "INSERT INTO subscriptions (team_id, channel_id, connector, created_by, "
                "created_at) VALUES ('T1', 'C1', 'default:1234', 'U1', 1.0)"
            )
        )
    await engine.dispose()
    store = await Store.open(database)
    [subscription] = await store.subscriptions()
    assert (subscription.filters, subscription.cadence) == ("", "each")
    await store.subscribe(
        team_id="T1", channel_id="C1", connector="default:1234", user_id="U1", now=NOW,
        filters="lang:pt_BR", cadence="daily",
    )  # fmt: skip
    async with store.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO digest_sends (workspace, channel_id, cadence, period_start_ms, "
                "period_end_ms, claimed_by, claimed_at) VALUES ('', 'C1', 'daily', 1, 2, 'h', 1.0)"
            )
        )
        await conn.run_sync(migrate_to, "0008", "default")
    revision, tables = await revision_and_tables(store.engine)
    assert revision == "0008" and "digest_sends" not in tables
    [row] = await all_rows(store.engine, "subscriptions")
    assert row == {"team_id": "T1", "channel_id": "C1", "connector": "default:1234"} | {
        "created_by": "U1", "created_at": NOW.timestamp(),  # the daily cadence began at NOW
    }  # fmt: skip
    await store.aclose()
