"""The stored operations (bot.database.operations.OperationTable) under the real book and real
sealing, channels' default operations, and forgetting a removed operation's rows, on a real
SQLite file and a real PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from bot.database.bookkeeping import claim_period
from bot.database.preferences import Preferences
from bot.database.schema import outbox, schedule_claims, subscriptions
from bot.database.store import Outgoing, Store
from bot.errors import SecretKeyError, UnknownOperation
from bot.operations.book import OperationBook, OperationChange, OperationRows, StoredOperation
from bot.operations.model import Operation
from bot.operations.secrets import SecretBox, new_secret_key
from tests.test_store import T, record

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TOKEN_A = "tok-A-7f3c9e1d2b4a6f80-secret"
TOKEN_B = "tok-B-0a1b2c3d4e5f6789-secret"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/bot.db"
    return str(request.getfixturevalue("postgres_url"))


def clock() -> datetime:
    return NOW


def cliente_a(token: str = TOKEN_A, **changes: object) -> Operation:
    values: dict[str, object] = {
        "name": "cliente_a",
        "server": "0032",
        "token": token,
        "daily_quota": 500,
        "aliases": (("soporte", "5678"), ("ventas", "1234")),
    }
    return Operation(**(values | changes))  # type: ignore[arg-type]


async def test_an_operation_round_trips_sealed_and_survives_a_restart(database: str) -> None:
    box = SecretBox((new_secret_key(),))
    store = await Store.open(database)
    rows: OperationRows = store.operations  # the protocol the book reads
    assert await rows.operations_version() == 0
    book = OperationBook(None, rows, box, now=clock)
    await book.load()
    assert book.all() == ()
    change = await book.save(cliente_a(), who="U1")
    assert (change.action, change.who, change.fields) == (
        "added",
        "U1",
        ("server", "token", "daily_quota", "aliases"),
    )
    assert await rows.operations_version() == 1
    [stored] = await rows.load_operations()
    assert stored.sealed_token != TOKEN_A and TOKEN_A not in stored.sealed_token
    assert (stored.token_tail, stored.aliases) == (
        "cret",
        (("soporte", "5678"), ("ventas", "1234")),
    )
    await store.aclose()

    reopened = await Store.open(database)
    again = OperationBook(None, reopened.operations, box, now=clock)
    await again.load()
    assert again.all() == (cliente_a(),)
    assert again.require("cliente_a").token == TOKEN_A
    assert again.aliases() == {"soporte": "cliente_a:5678", "ventas": "cliente_a:1234"}
    await reopened.aclose()


async def test_edits_and_removals_are_recorded_newest_first_without_the_token(
    database: str,
) -> None:
    box = SecretBox((new_secret_key(),))
    store = await Store.open(database)
    later = iter(NOW + timedelta(minutes=m) for m in range(10))
    book = OperationBook(None, store.operations, box, now=lambda: next(later))
    await book.save(cliente_a(), who="U1")
    await book.save(cliente_a(TOKEN_B, server="0040"), who="U2", replacing="cliente_a")
    await book.save(
        Operation("cliente_b", "0001", TOKEN_A), who="console"
    )  # two operations, one token
    assert await store.operations.operations_version() == 3
    [edited, _] = await store.operations.load_operations()
    assert (edited.server, edited.daily_quota, edited.token_tail) == ("0040", 500, "cret")
    assert book.require("cliente_a").token == TOKEN_B

    removed = await book.remove("cliente_b", who="U1")
    assert removed.action == "removed"
    assert await store.operations.operations_version() == 4
    gone = OperationChange(NOW, "U1", "cliente_b", "removed")
    assert not await store.operations.remove_operation("cliente_b", gone)
    assert await store.operations.operations_version() == 4  # nothing removed: no bump
    with pytest.raises(UnknownOperation):
        await book.remove("cliente_b", who="U1")

    changes = await book.changes()
    assert [(c.operation, c.action, c.who, c.fields) for c in changes] == [
        ("cliente_b", "removed", "U1", ()),
        ("cliente_b", "added", "console", ("server", "token", "daily_quota", "aliases")),
        ("cliente_a", "edited", "U2", ("server", "token")),
        ("cliente_a", "added", "U1", ("server", "token", "daily_quota", "aliases")),
    ]
    assert changes[-1].at == NOW
    assert [c.action for c in await store.operations.operation_changes(2)] == [
        "removed",
        "added",
    ]
    await store.aclose()


async def test_no_token_is_in_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    box = SecretBox((new_secret_key(),))
    store = await Store.open(f"sqlite:///{path}")
    book = OperationBook(None, store.operations, box, now=clock)
    await book.save(cliente_a(), who="U1")
    await book.save(cliente_a(TOKEN_B), who="U1", replacing="cliente_a")
    await book.rekey(who="console")
    await store.aclose()
    data = path.read_bytes()
    assert b"cliente_a" in data and b"0032" in data  # the file is read as it is
    for token in (TOKEN_A, TOKEN_B):
        assert token.encode() not in data
        assert token[:16].encode() not in data
    assert not list(tmp_path.glob("bot.db-*"))  # no journal left holding a page


async def test_rekey_seals_every_token_with_the_first_key_in_one_transaction(
    database: str,
) -> None:
    old_key, new_key = new_secret_key(), new_secret_key()
    store = await Store.open(database)
    old = OperationBook(None, store.operations, SecretBox((old_key,)), now=clock)
    await old.save(cliente_a(), who="U1")
    await old.save(Operation("cliente_b", "0001", TOKEN_B), who="U1")
    rotating = OperationBook(None, store.operations, SecretBox((new_key, old_key)), now=clock)
    await rotating.load()
    before = {r.name: r.sealed_token for r in await store.operations.load_operations()}
    assert await rotating.rekey(who="console") == 2
    assert await store.operations.operations_version() == 3
    after = {r.name: r.sealed_token for r in await store.operations.load_operations()}
    assert all(after[name] != before[name] for name in before)
    only_new = OperationBook(None, store.operations, SecretBox((new_key,)), now=clock)
    await only_new.load()
    assert [(op.name, op.token) for op in only_new.all()] == [
        ("cliente_a", TOKEN_A),
        ("cliente_b", TOKEN_B),
    ]
    assert [(c.operation, c.action, c.who) for c in await only_new.changes(2)] == [
        ("cliente_b", "rekeyed", "console"),
        ("cliente_a", "rekeyed", "console"),
    ]

    # A key that opens one token but not the other: nothing changes.
    stranger = SecretBox((new_secret_key(),)).seal(TOKEN_A)
    row = StoredOperation("cliente_c", "0002", stranger, 0, (), "cret")
    await store.operations.save_operation(row, OperationChange(NOW, "U1", "cliente_c", "added"))
    with pytest.raises(SecretKeyError) as refused:
        await only_new.rekey(who="console")
    assert TOKEN_A not in str(refused.value) and new_key not in str(refused.value)
    kept = {r.name: r.sealed_token for r in await store.operations.load_operations()}
    assert kept == after | {"cliente_c": stranger}
    assert await store.operations.operations_version() == 4
    assert len(await store.operations.operation_changes(10)) == 5  # no rekeyed of this try
    await store.aclose()


async def test_a_database_error_carries_no_sealed_token(postgres_url: str) -> None:
    store = await Store.open(postgres_url)
    sealed = SecretBox((new_secret_key(),)).seal(TOKEN_A)
    too_long = StoredOperation("cliente_a", "0" * 40, sealed, 0, (), "cret")  # server: 8 at most
    change = OperationChange(NOW, "U1", "cliente_a", "added")
    with pytest.raises(DBAPIError) as failed:
        await store.operations.save_operation(too_long, change)
    assert sealed not in str(failed.value) and sealed not in repr(failed.value)
    assert await store.operations.operations_version() == 0  # nothing of it was kept
    assert await store.operations.operation_changes(5) == []
    await store.aclose()


async def test_a_channel_keeps_its_default_operation(database: str) -> None:
    store = await Store.open(database)
    preferences = Preferences(store.engine)
    assert await preferences.channel_operation("C1") is None
    await preferences.use_operation("C1", "cliente_a", "U1", NOW)
    await preferences.use_operation("C2", "cliente_b", "U1", NOW)
    await preferences.use_operation("C1", "cliente_b", "U2", NOW)  # changed
    assert await preferences.channel_operation("C1") == "cliente_b"
    await preferences.use_operation("C2", None, "U2", NOW)  # `use none`
    assert await preferences.channel_operation("C2") is None
    await store.aclose()
    reopened = await Store.open(database)
    assert await Preferences(reopened.engine).channel_operation("C1") == "cliente_b"
    await reopened.aclose()


# `_` is any one character to LIKE: forgetting `a_b` must leave `axb` and `a_bc` alone.
NEIGHBOURS = ("a_b", "axb", "a_bc", "a")


async def rows_of_each_operation(store: Store) -> None:
    preferences = Preferences(store.engine)
    for number, name in enumerate(NEIGHBOURS):
        key = f"{name}:1234"
        await record(store, f"s-{name}", T, NOW + timedelta(seconds=number), None, connector=key)
        await store.subscribe(team_id="T1", channel_id="C1", connector=key, user_id="U1", now=NOW)
        note = Outgoing(f"C-{name}", key, {"text": name}, "U1")
        await store.enqueue(f"s-{name}", [note, note], NOW)
        assert await claim_period(store.engine, key, 1000, claimed_by="i1", now=1.0)
        await preferences.use_operation(f"C-{name}", name, "U1", NOW)
    [first, *_] = await store.claim(NOW, limit=1)  # a_b's first notification...
    await store.delivered(first.id, NOW)  # ...was delivered: a record, it stays


async def connectors(store: Store) -> dict[str, list[str]]:
    found = {}
    async with store.engine.connect() as conn:
        for table in (subscriptions, outbox, schedule_claims):
            result = await conn.execute(select(table.c.connector).order_by(table.c.connector))
            found[table.name] = list(result.scalars())
        result = await conn.execute(
            text("SELECT operation FROM channel_operations ORDER BY operation")
        )
        found["channel_operations"] = list(result.scalars())
    return found


async def test_forgetting_an_operation_deletes_only_its_rows_and_keeps_history(
    database: str,
) -> None:
    store = await Store.open(database)
    await rows_of_each_operation(store)
    await store.forget_operation("a_b")
    assert await connectors(store) == {
        "subscriptions": ["a:1234", "a_bc:1234", "axb:1234"],
        "outbox": [  # a_b's delivered notification stays
            *("a:1234", "a:1234", "a_b:1234"),
            *("a_bc:1234", "a_bc:1234", "axb:1234", "axb:1234"),
        ],
        "schedule_claims": ["a:1234", "a_bc:1234", "axb:1234"],
        "channel_operations": ["a", "a_bc", "axb"],
    }
    assert [h.connector for h in await store.history(limit=10)] == [
        f"{name}:1234" for name in reversed(NEIGHBOURS)
    ]
    assert await store.latest_templates("a_b:1234") == ("s-a_b", T)
    await store.forget_operation("a_b")  # again: nothing to do
    await store.aclose()


async def test_removing_an_operation_forgets_its_rows_in_the_same_transaction(
    database: str,
) -> None:
    """A removal made where nothing listens (the console, no bot running) leaves no
    subscription or schedule claim behind."""
    box = SecretBox((new_secret_key(),))
    store = await Store.open(database)
    await rows_of_each_operation(store)
    book = OperationBook(None, store.operations, box, now=clock)
    for name in ("a_b", "axb"):
        await book.save(Operation(name, "0001", TOKEN_A), who="U1")
    await book.remove("a_b", who="console")
    found = await connectors(store)
    assert found["subscriptions"] == ["a:1234", "a_bc:1234", "axb:1234"]
    assert found["channel_operations"] == ["a", "a_bc", "axb"]
    assert [op.name for op in book.all()] == ["axb"]
    await store.aclose()


async def test_the_longest_connector_key_fits(database: str) -> None:
    key = f"{'o' * 32}:{'9' * 20}"
    store = await Store.open(database)
    await record(store, "s1", T, NOW, None, connector=key)
    await store.subscribe(team_id="T1", channel_id="C1", connector=key, user_id="U1", now=NOW)
    assert await claim_period(store.engine, key, 1, claimed_by="i1", now=1.0)
    assert [h.connector for h in await store.history(key)] == [key]
    async with store.engine.begin() as conn:
        await conn.execute(
            insert(outbox).values(
                snapshot_id="s1",
                channel_id="C1",
                connector=key,
                payload=json.dumps({"text": "x"}),
                created_at=1.0,
                attempts=0,
                last_error="",
                warned=False,
                failed=False,
            )
        )
    await store.aclose()
