"""Each request's bot token, found by its workspace, and refreshed before it expires.

`WorkspaceAuthorize` is Bolt's installation-store authorize with three changes:

- its token rotator calls `oauth.v2.access` through the bot's Web API client (SLACK_API_URL);
- auth.test's answer is reused for `AUTH_SECONDS` per token, so a warm request makes no Slack
  round trip (and, with the store's cache, no database trip);
- a refresh happens under a lock per workspace (`RefreshLock`: Redis SET NX PX when REDIS_URL
  is set, else a claim row in the database), and the installation is read again once the lock
  is held: the instance that comes second finds the token refreshed already and uses it, so a
  refresh token (possibly single use) is never spent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, MutableMapping
from logging import Logger
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import and_, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database import schema
from bot.database.redis import PREFIX
from bot.slack.oauth.store import SealedInstallationStore

log = logging.getLogger(__name__)

AUTH_SECONDS = 300.0  # auth.test's answer for a token is reused this long
AUTH_ENTRIES = 10_000
LOCK_SECONDS = 30.0  # a refresh's lock lease: a crashed holder's lock frees itself
WAIT_SECONDS = 35.0  # how long a second refresher waits for the first
POLL_SECONDS = 0.05


def workspace_of_installation(installation: Installation) -> str:
    """The workspace an installation serves: its team, or its enterprise when org-wide."""
    if installation.is_enterprise_install or not installation.team_id:
        return str(installation.enterprise_id or "")
    return str(installation.team_id)


def expiring(installation: Installation, minutes: int, now: float | None = None) -> bool:
    """Whether a token of `installation` expires within `minutes` (or has expired)."""
    limit = (time.time() if now is None else now) + minutes * 60
    return any(
        expires is not None and refresh is not None and expires <= limit
        for expires, refresh in (
            (installation.bot_token_expires_at, installation.bot_refresh_token),
            (installation.user_token_expires_at, installation.user_refresh_token),
        )
    )


class RefreshLock:
    """One refresher per workspace across instances: Redis when given, else the database's
    `slack_token_claims`; and one per workspace inside this process."""

    def __init__(
        self,
        *,
        redis: Redis | None,
        engine: Callable[[], AsyncEngine],
        lease_seconds: float = LOCK_SECONDS,
        wait_seconds: float = WAIT_SECONDS,
    ) -> None:
        self.redis = redis
        self._engine_of = engine
        self.lease_seconds = lease_seconds
        self.wait_seconds = wait_seconds
        self._local: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def hold(self, workspace: str) -> AsyncIterator[bool]:
        """Hold the workspace's lock; yields False when it could not be had in time (another
        holder is slow or gone quiet): the caller then must not refresh."""
        local = self._local.setdefault(workspace, asyncio.Lock())
        async with local:
            holder = secrets.token_hex(8)
            held = await self._take(workspace, holder)
            try:
                yield held
            finally:
                if held:
                    await self._release(workspace, holder)

    async def _take(self, workspace: str, holder: str) -> bool:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            try:
                if await self._try(workspace, holder):
                    return True
            except (RedisError, OSError) as error:
                log.warning("token refresh lock of %s: %s", workspace, str(error)[:200])
                return False
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(POLL_SECONDS)

    async def _try(self, workspace: str, holder: str) -> bool:
        if self.redis is not None:
            lease = int(self.lease_seconds * 1000)
            return bool(await self.redis.set(_key(workspace), holder, nx=True, px=lease))
        claims = schema.slack_token_claims
        now = time.time()
        try:
            async with self._engine_of().begin() as conn:
                await conn.execute(
                    delete(claims).where(
                        and_(claims.c.workspace == workspace, claims.c.expires_at <= now)
                    )
                )
                await conn.execute(
                    insert(claims).values(
                        workspace=workspace, holder=holder, expires_at=now + self.lease_seconds
                    )
                )
        except IntegrityError:
            return False
        return True

    async def _release(self, workspace: str, holder: str) -> None:
        try:
            if self.redis is not None:
                await self.redis.eval(_RELEASE, 1, _key(workspace), holder)
                return
            claims = schema.slack_token_claims
            async with self._engine_of().begin() as conn:
                await conn.execute(
                    delete(claims).where(
                        and_(claims.c.workspace == workspace, claims.c.holder == holder)
                    )
                )
        except Exception as error:  # it expires by itself
            log.warning("token refresh lock of %s not released: %s", workspace, str(error)[:200])


def _key(workspace: str) -> str:
    return f"{PREFIX}slack-refresh:{workspace}"


_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class _Expiring(MutableMapping[str, AuthorizeResult]):
    """auth.test's answers by token, each kept `seconds` (Bolt's cache keeps them forever)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._items: dict[str, tuple[float, AuthorizeResult]] = {}

    def __getitem__(self, token: str) -> AuthorizeResult:
        until, result = self._items[token]
        if until <= self._clock():
            del self._items[token]
            raise KeyError(token)
        return result

    def __contains__(self, token: object) -> bool:
        try:
            self[token]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __setitem__(self, token: str, result: AuthorizeResult) -> None:
        if len(self._items) >= AUTH_ENTRIES:
            self._items.pop(next(iter(self._items)))
        self._items[token] = (self._clock() + self.seconds, result)

    def __delitem__(self, token: str) -> None:
        del self._items[token]

    def __iter__(self) -> Any:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class WorkspaceAuthorize(AsyncInstallationStoreAuthorize):
    """Bolt's authorize over our installation store, with cached auth.test answers and
    refreshes under a lock (see the module's docstring)."""

    installation_store: SealedInstallationStore

    def __init__(
        self,
        *,
        logger: Logger,
        installation_store: SealedInstallationStore,
        client_id: str,
        client_secret: str,
        client: AsyncWebClient,
        lock: RefreshLock,
        token_rotation_expiration_minutes: int,
        auth_seconds: float = AUTH_SECONDS,
    ) -> None:
        super().__init__(
            logger=logger,
            installation_store=installation_store,
            client_id=client_id,
            client_secret=client_secret,
            token_rotation_expiration_minutes=token_rotation_expiration_minutes,
            cache_enabled=True,
            client=client,  # the rotator's oauth.v2.access goes to SLACK_API_URL
        )
        self.authorize_result_cache = _Expiring(auth_seconds)  # type: ignore[assignment]
        self.lock = lock
        self.refreshes = 0  # refreshes this process made (tests read it)

    async def _rotate_and_save_tokens_if_necessary(
        self, installation: Installation | None
    ) -> Installation | None:
        """Refresh an installation's expiring tokens once, across instances: under the
        workspace's lock, from the installation as the database has it then."""
        minutes = self.token_rotation_expiration_minutes
        if installation is None or not expiring(installation, minutes):
            return None
        store = self.installation_store
        workspace = workspace_of_installation(installation)
        async with self.lock.hold(workspace) as held:
            current = await store.read_installation(
                enterprise_id=installation.enterprise_id,
                team_id=installation.team_id,
                user_id=installation.user_id if installation.user_token else None,
                is_enterprise_install=installation.is_enterprise_install,
            )
            if current is None:  # uninstalled meanwhile
                return None
            if not expiring(current, minutes):  # another instance refreshed it
                store.forget(current.enterprise_id, current.team_id, current.is_enterprise_install)
                return current
            if not held:
                log.warning("token of %s not refreshed: another instance holds its lock", workspace)
                return None
            refreshed = await super()._rotate_and_save_tokens_if_necessary(current)
            if refreshed is not None:
                self.refreshes += 1
                log.info("Slack token of %s refreshed", workspace)
            return refreshed
