"""Installations and install-link states in the bot's database (distribution mode).

slack_sdk's own SQLAlchemy stores, over the tables revision 0007 made (`bot.database.schema`):

- `SealedInstallationStore`: every token column (bot, user and their refresh tokens) goes
  through `Sealed`, so a token is encrypted with WOLKVOX_SECRET_KEY on its way in and opened on
  its way out; the database never holds one in clear text. Lookups are cached (`CACHE_SECONDS`,
  dropped for a workspace when it is saved or deleted here), so a warm request makes no
  database trip.
- `OneUseStateStore`: an install link's state is consumed by one DELETE, so two redirects with
  the same state can't both pass, even on two instances; states expire after 10 minutes.

The engine is the core's, known once it opens (`engine` is a callable for that reason).
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import (
    AsyncSQLAlchemyInstallationStore,
    SQLAlchemyInstallationStore,
)
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import Column, MetaData, Table, Text, and_
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeDecorator

from bot.database import schema
from bot.logs import keep_out_of_logs
from bot.operations.secrets import SecretBox

log = logging.getLogger(__name__)

CACHE_SECONDS = (
    300.0  # an installation read is reused this long (a rotation elsewhere: see rotation)
)
CACHE_ENTRIES = 20_000  # (workspace, person) lookups kept at most
TOKEN_COLUMNS = frozenset({"bot_token", "bot_refresh_token", "user_token", "user_refresh_token"})

EngineOf = Callable[[], AsyncEngine]
WorkspaceKey = tuple[str | None, str | None]  # (enterprise_id, team_id), as the rows have them


class Sealed(TypeDecorator[str]):
    """A token column: sealed with the box when written, opened when read. Every token that
    passes is kept out of the logs from then on."""

    impl = Text
    cache_ok = True

    def __init__(self, box: SecretBox) -> None:
        super().__init__()
        self.box = box

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        keep_out_of_logs(value)
        return self.box.seal(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        token = self.box.open(value)
        keep_out_of_logs(token)
        return token


def sealed_view(table: Table, metadata: MetaData, box: SecretBox) -> Table:
    """`table` (from bot.database.schema) with its token columns typed `Sealed`."""
    columns = [
        Column(
            column.name,
            Sealed(box) if column.name in TOKEN_COLUMNS else column.type,
            primary_key=column.primary_key,
            autoincrement=column.autoincrement,
            nullable=column.nullable,
            default=column.default.arg if column.default is not None else None,  # type: ignore[attr-defined]
        )
        for column in table.columns
    ]
    return Table(table.name, metadata, *columns)


def workspace_key(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
) -> WorkspaceKey:
    """The key a workspace's rows have: an org-wide install has no team."""
    return enterprise_id, (None if is_enterprise_install or team_id is None else team_id)


class SealedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's installation store with sealed tokens and cached lookups."""

    def __init__(
        self,
        client_id: str,
        engine: EngineOf,
        box: SecretBox,
        *,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine_of = engine
        super().__init__(client_id=client_id, engine=None)  # type: ignore[arg-type]
        self.metadata = MetaData()
        self.installations = sealed_view(schema.slack_installations, self.metadata, box)
        self.bots = sealed_view(schema.slack_bots, self.metadata, box)
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._generation: dict[WorkspaceKey, int] = {}
        self._named_generation: dict[str | None, int] = {}  # by workspace id (T… or E…)
        self.database_reads = 0  # lookups that went to the database (the benchmark reads it)

    @property
    def engine(self) -> AsyncEngine:
        return self._engine_of()

    @engine.setter
    def engine(self, value: AsyncEngine | None) -> None:
        """slack_sdk's constructor sets it; the core's engine is used instead."""

    # --- cached lookups ---

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        where = workspace_key(enterprise_id, team_id, is_enterprise_install)
        key = ("installation", *where, user_id)
        hit = self._cached(key)
        if hit is not None:
            return hit[0]  # type: ignore[no-any-return]
        generation = self._generation.get(where, 0)
        found = await self.read_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        self._remember(key, where, generation, found)
        return copy.copy(found)

    async def read_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The installation as the database has it now (no cache)."""
        self.database_reads += 1
        return await super().async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        where = workspace_key(enterprise_id, team_id, is_enterprise_install)
        key = ("bot", *where)
        hit = self._cached(key)
        if hit is not None:
            return hit[0]  # type: ignore[no-any-return]
        generation = self._generation.get(where, 0)
        self.database_reads += 1
        found = await super().async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        self._remember(key, where, generation, found)
        return copy.copy(found)

    async def find_workspace(self, workspace: str) -> Installation | None:
        """The newest installation of a workspace by its id: a team (T...) in any enterprise,
        or an org-wide install's enterprise (E...). None when it has none."""
        key = ("workspace", workspace)
        hit = self._cached(key)
        if hit is not None:
            return hit[0]  # type: ignore[no-any-return]
        c = self.installations.c
        if workspace.startswith("E"):
            where = and_(c.enterprise_id == workspace, c.is_enterprise_install.is_(True))
        else:
            where = c.team_id == workspace
        query = (
            self.installations.select()
            .where(and_(c.client_id == self.client_id, where))
            .order_by(c.installed_at.desc())
            .limit(1)
        )
        generation = self._named_generation.get(workspace, 0)  # its key is known only after
        self.database_reads += 1
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        found = None if row is None else SQLAlchemyInstallationStore.build_installation_entity(row)
        if found is not None and self._named_generation.get(workspace, 0) == generation:
            self._remember(
                key,
                workspace_key(found.enterprise_id, found.team_id, found.is_enterprise_install),
                None,
                found,
            )
        return copy.copy(found)

    async def bot_token(self, workspace: str) -> str | None:
        """The bot token of a workspace (T... or E...), for work no request started (the
        notifier); None when it has no installation."""
        installation = await self.find_workspace(workspace)
        return installation.bot_token if installation is not None else None

    # --- writes drop what the cache holds of the workspace ---

    async def async_save(self, installation: Installation) -> None:
        try:
            await super().async_save(installation)
        finally:
            self.forget(
                installation.enterprise_id, installation.team_id, installation.is_enterprise_install
            )

    async def async_save_bot(self, bot: Bot) -> None:
        try:
            await super().async_save_bot(bot)
        finally:
            self.forget(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        try:
            await super().async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        finally:
            self.forget(enterprise_id, team_id, team_id is None)

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        try:
            await super().async_delete_installation(
                enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
            )
        finally:
            self.forget(enterprise_id, team_id, team_id is None)

    def forget(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool = False
    ) -> None:
        """Drop what the cache holds of a workspace (saved, deleted or refreshed elsewhere)."""
        where = workspace_key(enterprise_id, team_id, is_enterprise_install)
        self._generation[where] = self._generation.get(where, 0) + 1
        names = {where[1] or where[0]}
        for name in names:  # a find_workspace reading it meanwhile must not keep what it read
            self._named_generation[name] = self._named_generation.get(name, 0) + 1
        self._cache = {
            key: entry
            for key, entry in self._cache.items()
            if not (key[1:3] == where or (key[0] == "workspace" and key[1] in names))
        }

    def _cached(self, key: tuple[Any, ...]) -> tuple[Any] | None:
        entry = self._cache.get(key)
        if entry is None or entry[0] <= self._clock():
            return None
        return (copy.copy(entry[1]),)

    def _remember(
        self, key: tuple[Any, ...], where: WorkspaceKey, generation: int | None, found: Any
    ) -> None:
        """Keep `found` unless the workspace was saved or deleted while it was read."""
        if generation is not None and self._generation.get(where, 0) != generation:
            return
        if len(self._cache) >= CACHE_ENTRIES:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = (self._clock() + self.cache_seconds, copy.copy(found))


class OneUseStateStore(AsyncSQLAlchemyOAuthStateStore):
    """slack_sdk's OAuth state store whose states can be consumed once, atomically."""

    def __init__(self, engine: EngineOf, expiration_seconds: int) -> None:
        self._engine_of = engine
        super().__init__(expiration_seconds=expiration_seconds, engine=None)  # type: ignore[arg-type]
        self.metadata = MetaData()
        self.oauth_states = schema.slack_oauth_states.to_metadata(self.metadata)

    @property
    def engine(self) -> AsyncEngine:
        return self._engine_of()

    @engine.setter
    def engine(self, value: AsyncEngine | None) -> None:
        """slack_sdk's constructor sets it; the core's engine is used instead."""

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        """A new state; the expired ones are swept at the same time."""
        now = normalize_datetime_for_db(datetime.now(tz=UTC))
        async with self.engine.begin() as conn:
            await conn.execute(
                self.oauth_states.delete().where(self.oauth_states.c.expire_at <= now)
            )
        return await super().async_issue(*args, **kwargs)

    async def async_consume(self, state: str) -> bool:
        """Whether `state` was issued here less than 10 minutes ago and not used yet; it can't
        be used again either way."""
        if not state:
            return False
        now = normalize_datetime_for_db(datetime.now(tz=UTC))
        c = self.oauth_states.c
        try:
            async with self.engine.begin() as conn:
                result = await conn.execute(
                    self.oauth_states.delete().where(and_(c.state == state, c.expire_at > now))
                )
                await conn.execute(self.oauth_states.delete().where(c.state == state))
        except Exception as error:  # the database is down: refuse the link, say why in the log
            log.warning("install link's state not checked: database: %s", str(error)[:200])
            return False
        return bool(result.rowcount == 1)
