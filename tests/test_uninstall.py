"""An uninstalled workspace leaves nothing behind: SQLite overwrites deleted rows
(`PRAGMA secure_delete`), `Store.forget_workspace` deletes every row of the workspace and
no other's, `TemplateService.forget_workspace` drops its memory and Redis copies (a sync of
it running meanwhile is answered, never kept, recorded nor notified), and over HTTP an
`app_uninstalled` event leaves no token of the workspace in the database file."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.database.migrate import upgrade
from bot.database.schema import (
    channel_operations,
    metadata,
    operation_changes,
    operations,
    outbox,
    schedule_claims,
    slack_bots,
    slack_installations,
    snapshots,
    subscriptions,
    template_versions,
    user_languages,
)
from bot.database.store import Outgoing, Store, create_engine
from bot.operations.book import OperationBook
from bot.operations.model import Operation
from bot.operations.secrets import SecretBox
from bot.sync.service import SyncTrigger, TemplateService
from bot.sync.shared_cache import SharedState
from bot.templates.diff import diff
from bot.templates.model import Snapshot, Template
from bot.wolkvox import WolkvoxClient
from testkit.fake_slack import FakeSlack, Grant
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply, ok, template, wait_until
from tests.blockkit import all_text
from tests.harness import BotServer
from tests.installs import (  # noqa: F401 (fixtures)
    Browser,
    command_from,
    distribution_env,
    start_distributed,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GONE, KEPT = "T0GONE001", "T0KEPT002"  # the workspace uninstalled, and another one


def file_bytes(path: Path) -> bytes:
    """The database file and its journal or write-ahead log, if any."""
    found = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
    return b"".join(p.read_bytes() for p in found if p.exists())


# --- SQLite overwrites what it deletes ---


def _secure_delete_off(connection: Any, record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA secure_delete=OFF")
    cursor.close()


async def _delete_one_row(engine: AsyncEngine, path: Path, mark: str) -> tuple[int, int]:
    """How often `mark` is in the file with its row stored, and after the row is deleted
    (another row stays on the page, as a real table's would)."""
    await upgrade(engine)
    store = Store(engine)
    try:
        for channel in ("C0OTHER", mark):
            await store.subscribe(
                team_id=GONE, channel_id=channel, connector="a:1", user_id="U1", now=NOW
            )
        before = file_bytes(path).count(mark.encode())
        await store.unsubscribe(channel_id=mark, connector="a:1")
    finally:
        await store.aclose()
    return before, file_bytes(path).count(mark.encode())


async def test_sqlite_overwrites_deleted_rows(tmp_path: Path) -> None:
    mark = "CSECRET7F3A9D2"
    path = tmp_path / "bot.db"
    engine = create_engine(f"sqlite:///{path}")
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA secure_delete")).scalar() == 1
    assert await _delete_one_row(engine, path, mark) == (2, 0)  # the row and its index entry


async def test_without_secure_delete_the_deleted_row_stays_in_the_file(tmp_path: Path) -> None:
    """The contrast: SQLite built without SQLITE_SECURE_DELETE (Python.org's and most
    wheels'; Debian's turns it on) leaves a deleted row's bytes in the page's free space
    until the page is reused. Measured here: both copies (row and index entry) stay."""
    mark = "CSECRET7F3A9D2"
    path = tmp_path / "plain.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    event.listen(engine.sync_engine, "connect", _secure_delete_off)
    assert await _delete_one_row(engine, path, mark) == (2, 2)


# --- Store.forget_workspace ---


def secrets_of(workspace: str) -> dict[str, str]:
    """Distinctive values of one workspace, as each table holds them."""
    tag = workspace[-4:]
    return {
        "sealed_wolkvox": f"gAAAAsealedWolkvox{tag}x9",
        "bot_token": f"sealedXoxbBot{tag}q7",
        "bot_refresh": f"sealedXoxeRefresh{tag}k2",
        "user_token": f"sealedXoxpUser{tag}m4",
        "body": f"Hola plantilla secreta {tag}",
        "payload": f"posted change {tag}",
        "channel": f"C0SUB{tag}",
    }


async def seed(store: Store, workspace: str) -> None:
    """Every kind of row a workspace has: its operation, a change record, two syncs (one
    template shared with the other workspace), a subscription, a queued and a delivered
    notification, a schedule claim, a channel default, a language and its installation."""
    s = secrets_of(workspace)
    key = f"{workspace}/cliente_a:1234"
    at = NOW.timestamp()

    def scoped(table: Any, **values: Any) -> Any:
        if "workspace" in table.c:  # revision 0008: the workspace is a column
            values["workspace"] = workspace
        else:
            values["name" if "name" in values else "operation"] = f"{workspace}/cliente_a"
        return insert(table).values(**values)

    async with store.engine.begin() as conn:
        await conn.execute(
            scoped(
                operations,
                name="cliente_a",
                server="0032",
                sealed_token=s["sealed_wolkvox"],
                token_tail="x9",
                created_at=at,
                updated_at=at,
            )
        )
        await conn.execute(
            scoped(operation_changes, at=at, who="U0ADMIN", operation="cliente_a", action="added")
        )
        await conn.execute(
            scoped(channel_operations, channel_id=s["channel"], operation="cliente_a", set_at=at)
        )
        if "workspace" in user_languages.c:
            await conn.execute(
                insert(user_languages).values(
                    workspace=workspace, user_id="U0ADMIN", language="es", chosen_at=at
                )
            )
        await conn.execute(
            insert(schedule_claims).values(
                connector=key, period_start_ms=1, claimed_by="x", claimed_at=at
            )
        )
        for table in (slack_installations, slack_bots):
            row = {
                "client_id": "111.222",
                "app_id": "A0APP",
                "team_id": workspace,
                "bot_token": s["bot_token"],
                "bot_refresh_token": s["bot_refresh"],
                "bot_id": "B0BOT",
                "bot_user_id": "U0BOT",
                "is_enterprise_install": False,
                "installed_at": NOW.replace(tzinfo=None),
            }
            if table is slack_installations:
                row |= {"user_id": "U0ADMIN", "user_token": s["user_token"]}
            await conn.execute(insert(table).values(**row))
    first = [
        Template("promo", "es", "UTILITY", s["body"]),
        Template("shared", "es", "UTILITY", "x"),
    ]
    second = [*first, Template("nuevo", "es", "UTILITY", s["body"] + " 2")]
    notice = Outgoing(s["channel"], key, {"text": s["payload"]}, "U0ADMIN")
    for sync_id, templates, previous in (("a", first, None), ("b", second, first)):
        await store.record_sync(
            snapshot_id=f"{workspace}{sync_id}"[-12:],
            connector=key,
            synced_at=NOW,
            templates=templates,
            skipped=0,
            source="slack",
            user_id="U0ADMIN",
            user_name="admin",
            command="1234",
            changes=diff(previous, templates),
            notifications=[notice],
        )
    [delivery, _] = await store.claim(NOW, limit=2)
    await store.delivered(delivery.id, NOW)
    await store.subscribe(
        team_id=workspace, channel_id=s["channel"], connector=key, user_id="U0ADMIN", now=NOW
    )


async def counts(store: Store, workspace: str) -> dict[str, int]:
    """The rows of `workspace` in each table."""
    key_prefix = f"{workspace}/"
    by_key = {
        "snapshots": snapshots.c.connector,
        "subscriptions": subscriptions.c.connector,
        "outbox": outbox.c.connector,
        "schedule_claims": schedule_claims.c.connector,
    }
    found: dict[str, int] = {}
    async with store.engine.connect() as conn:
        for name, column in by_key.items():
            query = select(func.count()).where(
                func.substr(column, 1, len(key_prefix)) == key_prefix
            )
            found[name] = int((await conn.execute(query)).scalar() or 0)
        for table in (slack_installations, slack_bots):
            query = select(func.count()).where(table.c.team_id == workspace)
            found[table.name] = int((await conn.execute(query)).scalar() or 0)
        for table in (operations, operation_changes, channel_operations, user_languages):
            if "workspace" in table.c:
                query = select(func.count()).where(table.c.workspace == workspace)
                found[table.name] = int((await conn.execute(query)).scalar() or 0)
    return found


async def test_forget_workspace_deletes_every_row_of_it_and_no_other(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    store = await Store.open(f"sqlite:///{path}")
    try:
        await seed(store, GONE)
        await seed(store, KEPT)
        kept_before = await counts(store, KEPT)
        assert all(kept_before.values()), kept_before
        data = file_bytes(path)
        assert all(v.encode() in data for v in secrets_of(GONE).values())

        forgotten = await store.forget_workspace(GONE)

        assert forgotten.operations == 1
        assert (forgotten.syncs, forgotten.subscriptions, forgotten.notifications) == (2, 1, 2)
        assert forgotten.installations == 2
        assert sorted(forgotten.snapshot_ids) == sorted([f"{GONE}a", f"{GONE}b"])
        assert not any((await counts(store, GONE)).values())
        assert await counts(store, KEPT) == kept_before
        async with store.engine.connect() as conn:  # the template both used stays, once
            shared = select(func.count()).where(template_versions.c.name == "shared")
            assert (await conn.execute(shared)).scalar() == 1
        assert await store.latest_templates(f"{KEPT}/cliente_a:1234") is not None
        assert await store.latest_templates(f"{GONE}/cliente_a:1234") is None
    finally:
        await store.aclose()
    data = file_bytes(path)
    assert [name for name, v in secrets_of(GONE).items() if v.encode() in data] == []
    assert all(v.encode() in data for v in secrets_of(KEPT).values())


async def test_forget_workspace_matches_its_prefix_exactly(tmp_path: Path) -> None:
    """`T0GONE001/` is compared as it is: no LIKE wildcard, no longer workspace id."""
    store = await Store.open(f"sqlite:///{tmp_path}/bot.db")
    try:
        for workspace in (f"{GONE}9", "T0GONEX01"):
            await store.subscribe(
                team_id=workspace,
                channel_id="C1",
                connector=f"{workspace}/a:1",
                user_id="U1",
                now=NOW,
            )
        assert (await store.forget_workspace(GONE)).subscriptions == 0
        assert len(await store.subscriptions()) == 2
        with pytest.raises(ValueError):
            await store.forget_workspace("")  # single-workspace mode is not a workspace
        with pytest.raises(ValueError):
            await store.forget_workspace("T0%")
    finally:
        await store.aclose()


async def test_revoked_user_tokens_are_blanked_and_the_bot_stays(tmp_path: Path) -> None:
    """`tokens_revoked` for people only: their user tokens leave the file, nothing else."""
    path = tmp_path / "bot.db"
    store = await Store.open(f"sqlite:///{path}")
    try:
        await seed(store, GONE)
        assert await store.forget_user_tokens(GONE, ["U0OTHER"]) == 0
        assert await store.forget_user_tokens(GONE, ["U0ADMIN"]) == 1
        left = await counts(store, GONE)
    finally:
        await store.aclose()
    assert all(left.values()), left
    data = file_bytes(path)
    gone = secrets_of(GONE)
    assert gone["user_token"].encode() not in data
    assert all(v.encode() in data for k, v in gone.items() if k != "user_token")


def test_every_table_is_forgotten_or_holds_no_workspace_data() -> None:
    """A table added later is either deleted by `forget_workspace` or listed here with why."""
    holds_nothing_of_a_workspace = {
        "alembic_version": "the schema's revision",
        "template_sets": "content: pruned once no snapshot uses it",
        "template_set_members": "content: pruned once no snapshot uses it",
        "template_versions": "content: pruned once no snapshot uses it",
        "quota_counts": "a hash of a token and a count, per day",
        "token_slots": "a hash of a token, held for seconds",
        "operations_version": "one number",
        "slack_oauth_states": "an install link's state, for 10 minutes",
    }
    forgotten = {
        "operations",
        "operation_changes",
        "channel_operations",
        "user_languages",
        "snapshots",
        "subscriptions",
        "outbox",
        "schedule_claims",
        "digest_sends",
        "slack_installations",
        "slack_bots",
        "slack_token_claims",
    }
    assert set(metadata.tables) - {"alembic_version"} == (
        forgotten | set(holds_nothing_of_a_workspace)
    ) - {"alembic_version"}


# --- TemplateService.forget_workspace ---

WHO = SyncTrigger(user_id="U1", user_name="maria")


@pytest.fixture
async def redis_state(redis_url: str) -> AsyncIterator[SharedState]:
    state = SharedState(Redis.from_url(redis_url), cache_ttl=300, lock_seconds=10)
    yield state
    await state.aclose()


async def test_forget_workspace_drops_its_memory_and_redis_copies_and_a_sync_running_meanwhile(
    wolkvox: FakeWolkvox, redis_state: SharedState
) -> None:
    gone, kept = f"{GONE}/cliente_a:1", f"{KEPT}/cliente_a:1"
    client = WolkvoxClient(wolkvox.url, TOKEN, timeout=5)
    service = TemplateService(client, cache_ttl=300, refresh_cooldown=0, shared=redis_state)
    recorded: list[str] = []
    told: list[str] = []

    async def record(snapshot: Snapshot, trigger: SyncTrigger) -> None:
        recorded.append(snapshot.connector)

    async def tell(snapshot: Snapshot, changes: object, trigger: SyncTrigger) -> None:
        told.append(snapshot.connector)

    service.record_with(record)
    service.on_fresh_sync(tell)
    try:
        first = await service.sync(gone, WHO)
        other = await service.sync(kept, WHO)
        held = threading.Event()
        wolkvox.reply("2", Reply(templates=2, release=held))
        running = asyncio.create_task(service.sync(f"{GONE}/cliente_b:2", WHO))
        assert await asyncio.to_thread(wait_until, lambda: wolkvox.in_flight == 1)
        forgetting = asyncio.create_task(service.forget_workspace(GONE))
        await asyncio.sleep(0.1)
        assert not forgetting.done()  # it waits for the sync in flight to land
        held.set()
        late = await running
        assert await forgetting == 1  # one connector was kept (cliente_b:2 never was)
        await service.forget_snapshots([first.snapshot.id])
        await service.drain()
    finally:
        await client.aclose()
    assert late.origin == "wolkvox" and late.snapshot.count == 2  # whoever asked is answered
    assert recorded == [gone, kept] and told == [gone, kept]  # the late one: neither
    for key in (gone, f"{GONE}/cliente_b:2"):
        assert await service.cached(key) is None
        assert await service.last_known(key) is None
    for snapshot_id in (first.snapshot.id, late.snapshot.id):
        assert await service.kept(snapshot_id) is None  # not even by id
    left = [key.decode() for key in await redis_state.redis.keys("*")]
    assert [key for key in left if GONE in key or first.snapshot.id in key] == []
    assert (await service.sync(kept, WHO)).origin == "cache"  # the other workspace's
    assert await service.kept(other.snapshot.id) is other.snapshot


# --- over HTTP: a workspace installed from the link, then uninstalled ---


WOLKVOX_GONE = "tok-GONE-5e1f0c7a93d2"  # the uninstalled workspace's Wolkvox token
WOLKVOX_KEPT = "tok-KEPT-8a2d4b6c1e0f"


def run(bot: BotServer, slack: FakeSlack, team: str, text: str, name: str, channel: str) -> str:
    """A command from `team`'s admin in `channel`, and what it answered."""
    acked = command_from(bot, team, text, slack.response_url(name), channel_id=channel)
    assert acked.status == 200
    if acked.body.get("blocks") and ":hourglass_flowing_sand:" not in all_text(acked.body):
        return all_text(acked.body)
    [reply] = slack.wait_replies(name, 1)
    return all_text(reply)


def posts_to(slack: FakeSlack, channel: str) -> int:
    return len([c for c in slack.calls("chat.postMessage") if c.body.get("channel") == channel])


def add_operation(database: Path, key: str, workspace: str, token: str, server: str) -> None:
    """An operation of `workspace`, stored as its App Home stores it (sealed token)."""

    async def save() -> None:
        store = await Store.open(f"sqlite:///{database}")
        try:
            book = OperationBook(
                None,
                store.operations.for_workspace(workspace),
                SecretBox((key,)),
                workspace=workspace,
            )
            await book.load()
            await book.save(Operation(name="cliente_a", server=server, token=token), who="U0ADMIN")
        finally:
            await store.aclose()

    asyncio.run(save())


def sealed_values(database: Path, workspace: str) -> list[str]:
    """What the database holds of a workspace's tokens: each sealed form, as stored."""
    with sqlite3.connect(database) as db:
        found = db.execute(
            "SELECT bot_token, bot_refresh_token, user_token, user_refresh_token"
            " FROM slack_installations WHERE team_id = ?"
            " UNION ALL SELECT bot_token, bot_refresh_token, NULL, NULL"
            " FROM slack_bots WHERE team_id = ?"
            " UNION ALL SELECT sealed_token, NULL, NULL, NULL FROM operations WHERE workspace = ?",
            (workspace, workspace, workspace),
        ).fetchall()
    return sorted({value for row in found for value in row if value})


def test_app_uninstalled_leaves_no_token_of_the_workspace_in_the_database_file(
    start_distributed: Callable[..., BotServer],  # noqa: F811
    distribution_env: dict[str, str],  # noqa: F811
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
) -> None:
    wolkvox.add_server("0051", WOLKVOX_GONE)
    wolkvox.add_server("0052", WOLKVOX_KEPT)
    bot = start_distributed(WOLKVOX_BASE_URL=wolkvox.base_url)
    database = Path(distribution_env["DATABASE_URL"].removeprefix("sqlite:///"))
    key = distribution_env["WOLKVOX_SECRET_KEY"]
    for team_id, server, token, expiring in [
        (GONE, "0051", WOLKVOX_GONE, 43200),
        (KEPT, "0052", WOLKVOX_KEPT, None),
    ]:
        slack.grant = Grant(team_id=team_id, team_name=team_id, expires_in=expiring)
        browser = Browser(bot)
        assert browser.install().status_code == 200
        browser.close()
        add_operation(database, key, team_id, token, server)
    [gone_bot_token] = slack.tokens_of(GONE)
    gone_refresh = [r for r, t in slack.refresh_tokens.items() if t == gone_bot_token]
    assert gone_refresh, "the uninstalled workspace's tokens expire: it has a refresh token"

    # each workspace's subscription, two syncs through its commands (one template changed in
    # between), the first notified, the second's notification left queued for GONE (Slack
    # refused it: it waits for the next occasion)
    for team_id, server in [(KEPT, "0052"), (GONE, "0051")]:
        channel = f"C{team_id}"
        said = run(bot, slack, team_id, "subscribe 1234", f"sub-{team_id}", channel)
        assert ":bell:" in said, said
        for n, body in enumerate(("Hola", "Hola {{1}}")):
            wolkvox.reply(
                "1234", Reply(body=ok([template("promo", "es", "UTILITY", body)])), server=server
            )
            if team_id == GONE and n == 1:
                slack.scripted["chat.postMessage"] = [(200, {"ok": False, "error": "fatal_error"})]
            run(bot, slack, team_id, "1234 --refresh", f"sync-{team_id}-{n}", channel)
            assert slack.wait(lambda c=channel, n=n: posts_to(slack, c) == n + 1)
    slack.scripted.pop("chat.postMessage", None)
    with sqlite3.connect(database) as db:
        queued = db.execute(
            "SELECT count(*) FROM outbox WHERE connector = ? AND delivered_at IS NULL",
            (f"{GONE}/cliente_a:1234",),
        ).fetchone()
        synced = db.execute(
            "SELECT count(*) FROM snapshots WHERE connector = ?", (f"{GONE}/cliente_a:1234",)
        ).fetchone()
    assert queued == (1,) and synced == (2,)
    gone_secrets = sealed_values(database, GONE)
    assert len(gone_secrets) >= 4  # bot token (twice: installation and bot), refresh, Wolkvox
    kept_secrets = sealed_values(database, KEPT)
    data = file_bytes(database)
    assert all(value.encode() in data for value in gone_secrets + kept_secrets)
    # Slack says the workspace removed the app
    calls_before = len(slack.api_calls)
    acked = bot.event({"type": "app_uninstalled"}, team_id=GONE)
    assert acked.status == 200

    def forgotten() -> bool:
        with sqlite3.connect(database) as db:
            [(left,)] = db.execute(
                "SELECT count(*) FROM slack_installations WHERE team_id = ?", (GONE,)
            ).fetchall()
        return left == 0

    assert wait_until(forgotten)
    time.sleep(0.3)  # anything the uninstall would post has had its moment
    data = file_bytes(database)
    for value in [gone_bot_token, *gone_refresh, WOLKVOX_GONE, *gone_secrets]:
        assert value.encode() not in data  # neither in clear nor sealed, deleted rows included
    assert all(value.encode() in data for value in kept_secrets)  # the other one's stay
    with sqlite3.connect(database) as db:
        for table in ("snapshots", "subscriptions", "outbox", "schedule_claims"):
            rows = db.execute(f"SELECT connector FROM {table}").fetchall()  # noqa: S608
            assert not [c for (c,) in rows if c.startswith(f"{GONE}/")], table
        assert db.execute(
            "SELECT count(*) FROM operations WHERE workspace = ?", (GONE,)
        ).fetchone() == (0,)

    # the other workspace's next sync is notified, in its own channel with its own token;
    # nothing is posted to the uninstalled workspace afterwards
    wolkvox.reply(
        "1234", Reply(body=ok([template("promo", "es", "UTILITY", "Adiós")])), server="0052"
    )
    before = posts_to(slack, f"C{KEPT}")
    run(bot, slack, KEPT, "1234 --refresh", "sync-after", f"C{KEPT}")
    assert slack.wait(lambda: posts_to(slack, f"C{KEPT}") == before + 1)
    time.sleep(0.3)  # a post to the other workspace would have had its moment
    [kept_token] = slack.tokens_of(KEPT)
    assert slack.calls("chat.postMessage")[-1].token == kept_token
    after = slack.api_calls[calls_before:]
    assert [c.path for c in after if c.token == gone_bot_token] == []
    assert [c.path for c in after if str(c.body.get("channel", "")) == f"C{GONE}"] == []
    assert sealed_values(database, KEPT) == kept_secrets
