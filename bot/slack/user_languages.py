"""Whose language a reply is in: a person's choice (`idioma es`, kept in the database), else
their Slack locale (`users.info` with `include_locale`), else WOLKVOX_LANGUAGE.

The answer is cached per person for a day (in Redis when REDIS_URL is set, so every instance
sees a new choice at once; in memory otherwise). `known()` reads only that cache: it is what
an acknowledgement may wait for. Finding a language out is one flight per person, however
many of their requests arrive at once: one in the process, and one across instances sharing
Redis (a lock that expires, the others reading what its holder found). It is bounded to about
a second: when Slack or the database is slow, the default is used and the request goes on.

In distribution mode a person is a user id within a workspace (the request's, bound by
`bot.slack.scope`, or the one named by work no request started, such as the notifier's):
caches, Redis keys and stored choices are kept per workspace and user, and Slack is asked with
that workspace's bot token (bound by the caller). A channel's language is that of a subscriber
of the same workspace: a channel shared with another workspace has that one's subscribers too.

Every translator handed out names connectors' operations ("1234 · cliente_a") when `several`
says more than one operation exists (asked each time: operations come and go).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cachetools import TTLCache
from redis.asyncio import Redis
from redis.exceptions import RedisError
from slack_sdk.web.async_client import AsyncWebClient

from bot.database.preferences import Preferences
from bot.database.redis import PREFIX
from bot.database.store import Store
from bot.i18n import LANGUAGES, Language, Translator, language_from_slack_locale, translator
from bot.slack.scope import bound

log = logging.getLogger(__name__)

LOOKUP_SECONDS = 1.0  # the most a request waits to learn its user's language
KNOWN_SECONDS = 0.5  # the most an acknowledgement waits for Redis to say whether it is cached
REMEMBER_SECONDS = 86_400.0  # a person's language is looked up again after a day
RETRY_SECONDS = 300.0  # after a failed lookup, the default is used this long before trying again
MAX_PEOPLE = 50_000
POLL_SECONDS = 0.02  # how often an instance waiting on another's lookup reads Redis
LOCK_MARGIN = 1.0  # a lookup's lock outlives its bound by this much, then expires

# KEYS[1] lock; ARGV[1] owner: delete only our own lock
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

Source = Literal["chosen", "slack", "default"]


@dataclass(frozen=True, slots=True)
class UserLanguage:
    """A person's language and where it comes from."""

    language: Language
    source: Source

    @property
    def t(self) -> Translator:
        return translator(self.language)

    def encode(self) -> str:
        return f"{self.source}:{self.language}"

    @classmethod
    def decode(cls, value: str) -> UserLanguage | None:
        source, _, language = value.partition(":")
        known = next((x for x in LANGUAGES if x == language), None)
        sources: dict[str, Source] = {"chosen": "chosen", "slack": "slack", "default": "default"}
        return cls(known, sources[source]) if known and source in sources else None


class UserLanguages:
    """Finds, caches and changes the language each person reads."""

    def __init__(
        self,
        web: AsyncWebClient,
        *,
        default: Language,
        redis: Redis | None = None,
        lookup_seconds: float = LOOKUP_SECONDS,
        several: Callable[[], bool] = lambda: False,
    ) -> None:
        self.web = web
        self.several = several
        self.default = default
        self.redis = redis
        self.lookup_seconds = lookup_seconds
        self.preferences: Preferences | None = None  # set once the database is open
        self.store: Store | None = None
        self._known: TTLCache[str, UserLanguage] = TTLCache(MAX_PEOPLE, REMEMBER_SECONDS)
        self._failed: TTLCache[str, bool] = TTLCache(MAX_PEOPLE, RETRY_SECONDS)
        self._flights: dict[str, asyncio.Task[UserLanguage]] = {}  # one lookup per person
        self._settling: set[asyncio.Task[None]] = set()  # what lock holders write to Redis
        self._unlock = redis.register_script(_UNLOCK) if redis is not None else None

    def use_store(self, store: Store) -> None:
        """Read and keep choices in `store`'s database (called once it is open)."""
        self.store = store
        self.preferences = Preferences(store.engine)

    @property
    def fallback(self) -> UserLanguage:
        return UserLanguage(self.default, "default")

    async def translator(self, user_id: str, *, workspace: str | None = None) -> Translator:
        """The translator for `user_id` (WOLKVOX_LANGUAGE for "" or when it can't be found);
        `workspace` names theirs when no request's is bound (see `person_of`)."""
        return self.speaking(await self.of(user_id, workspace=workspace))

    def speaking(self, found: UserLanguage | Translator) -> Translator:
        """The translator of a language found (`UserLanguage.t`), naming connectors'
        operations when several exist."""
        t = found if isinstance(found, Translator) else found.t
        return t.with_operations(self.several())

    async def known(self, user_id: str, *, workspace: str | None = None) -> UserLanguage | None:
        """`user_id`'s language if the cache holds it (memory, or Redis when set), else None.
        Never asks Slack or the database: an acknowledgement waits for this, not `of()`."""
        if not user_id:
            return self.fallback
        return await self._cached(person_of(user_id, workspace))

    async def _cached(self, user_id: str) -> UserLanguage | None:
        known = self._known.get(user_id)
        if known is not None:
            return known
        if user_id in self._failed:
            return self.fallback
        try:
            async with asyncio.timeout(KNOWN_SECONDS):
                return await self._redis_get(user_id)
        except (RedisError, TimeoutError) as error:
            log.warning("language of %s: Redis: %r", user_id, error)
            return None

    async def now_or_default(self, user_id: str) -> UserLanguage:
        """What `known()` says, else the default at once while the lookup starts, so that the
        person's next request has their language. For answers that can't come later (a
        menu's options)."""
        known = await self.known(user_id)
        if known is not None:
            return known
        self._flight(person_of(user_id))
        return self.fallback

    async def of(self, user_id: str, *, workspace: str | None = None) -> UserLanguage:
        """`user_id`'s language: cached, chosen, from Slack, or the default; never raises.
        Requests of one person arriving together share one lookup."""
        known = await self.known(user_id, workspace=workspace)
        if known is not None:
            return known
        # shielded: a request that gives up (a shutdown) does not cancel the others' lookup
        return await asyncio.shield(self._flight(person_of(user_id, workspace)))

    async def channel(self, channel_id: str, *, notify_channel: str, poster: str) -> Translator:
        """The language of a post to a channel: that of whoever subscribed it first;
        WOLKVOX_LANGUAGE for WOLKVOX_NOTIFY_CHANNEL; else that of the person posting.
        In distribution mode only subscribers of the request's workspace count (a channel
        shared with another workspace is subscribed there by people of that one), and
        WOLKVOX_NOTIFY_CHANNEL (single-workspace mode's) is not looked at."""
        scope = bound()
        workspace = scope.workspace if scope is not None and scope.workspace else None
        subscriber = ""
        if self.store is not None and channel_id:
            try:
                subs = await self.store.subscriptions(channel_id=channel_id, team_id=workspace)
            except Exception as error:  # the database may be down: the poster's will do
                log.warning("language of channel %s: database: %s", channel_id, error)
                subs = []
            subscriber = min(subs, key=lambda s: s.created_at).created_by if subs else ""
        if subscriber:
            return await self.translator(subscriber)
        if channel_id and channel_id == notify_channel and workspace is None:
            return self.speaking(translator(self.default))
        return await self.translator(poster)

    async def choose(self, user_id: str, language: Language | None, now: datetime) -> UserLanguage:
        """Keep `user_id`'s choice (None: follow Slack again) and return what applies now."""
        if self.preferences is None:
            raise RuntimeError("UserLanguages.use_store() was not called")
        person = person_of(user_id)
        workspace, user = split_person(person)
        await self.preferences.choose(user, language, now, workspace)
        self._known.pop(person, None)
        self._failed.pop(person, None)
        self._flights.pop(person, None)  # a lookup from before the choice keeps nothing
        if self.redis is not None:
            try:
                if language is None:
                    await self.redis.delete(_key(person))
                else:  # over whatever a lookup elsewhere wrote; theirs write only if absent
                    chosen = UserLanguage(language, "chosen").encode()
                    await self.redis.set(_key(person), chosen, ex=int(REMEMBER_SECONDS))
            except RedisError as error:
                log.warning("language of %s: Redis: %s", user_id, error)
        return await self.of(user_id)

    def _flight(self, user_id: str) -> asyncio.Task[UserLanguage]:
        """The lookup of `user_id`'s language in progress in this process, or a new one."""
        flight = self._flights.get(user_id)
        if flight is None:
            flight = asyncio.create_task(self._lookup(user_id))
            self._flights[user_id] = flight
            flight.add_done_callback(lambda done: self._landed(user_id, done))
        return flight

    def _landed(self, user_id: str, flight: asyncio.Task[UserLanguage]) -> None:
        if self._flights.get(user_id) is flight:
            del self._flights[user_id]

    async def _lookup(self, user_id: str) -> UserLanguage:
        """One lookup, bounded by `lookup_seconds`: the language, or the default."""
        flight = asyncio.current_task()
        try:
            async with asyncio.timeout(self.lookup_seconds):
                found = await self._find(user_id)
        except TimeoutError:
            log.warning("language of %s: no answer within %g s", user_id, self.lookup_seconds)
            found = None
        except Exception:  # whatever happened, the request goes on in the default
            log.exception("language of %s: lookup failed", user_id)
            found = None
        current = self._flights.get(user_id) is flight  # else a choice came meanwhile
        if found is None:
            if current and self.redis is None:
                self._failed[user_id] = True
            return self.fallback
        if current and self.redis is None:
            self._known[user_id] = found
        return found

    async def _find(self, user_id: str) -> UserLanguage | None:
        """Without Redis, ask; with it, once across instances: whoever takes the lock asks
        and writes the answer, the others read it."""
        if self.redis is None:
            return await self._ask(user_id)
        lock, owner = f"{PREFIX}language-lock:{user_id}", secrets.token_hex(8)
        lock_ms = int((self.lookup_seconds + LOCK_MARGIN) * 1000)
        while True:  # bounded by `_lookup`
            try:
                cached = await self._redis_get(user_id)
                if cached is not None:
                    return cached
                locked = await self.redis.set(lock, owner, nx=True, px=lock_ms)
            except RedisError as error:  # Redis is down: this instance asks on its own
                log.warning("language of %s: Redis: %s", user_id, error)
                return await self._ask(user_id)
            if locked:
                found = None
                try:
                    found = await self._ask(user_id)
                finally:  # even when the bound cut the lookup short: the others then wait no more
                    self._settle(user_id, found, lock, owner)
                return found
            await asyncio.sleep(POLL_SECONDS)

    def _settle(self, user_id: str, found: UserLanguage | None, lock: str, owner: str) -> None:
        """In the background (a bound may be cutting the lookup short): write what the lock
        holder found, or the default for RETRY_SECONDS when it found nothing, unless another
        value (a choice) is there already; then release the lock."""

        async def settle() -> None:
            assert self.redis is not None and self._unlock is not None
            value, seconds = (found, REMEMBER_SECONDS) if found else (self.fallback, RETRY_SECONDS)
            try:
                await self.redis.set(_key(user_id), value.encode(), ex=int(seconds), nx=True)
            except RedisError as error:
                log.warning("language of %s: Redis: %s", user_id, error)
            with contextlib.suppress(RedisError):  # it expires anyway
                await self._unlock(keys=[lock], args=[owner])

        task = asyncio.create_task(settle())
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)

    async def _ask(self, user_id: str) -> UserLanguage | None:
        """The person's choice in the database, else their Slack locale."""
        return await self._chosen(user_id) or await self._from_slack(user_id)

    async def _chosen(self, user_id: str) -> UserLanguage | None:
        if self.preferences is None:
            return None
        workspace, user = split_person(user_id)
        try:
            chosen = await self.preferences.language(user, workspace)
        except Exception as error:  # the database may be down: Slack's locale will do
            log.warning("language of %s: database: %s", user_id, error)
            return None
        language = next((x for x in LANGUAGES if x == chosen), None)
        return UserLanguage(language, "chosen") if language else None

    async def _from_slack(self, user_id: str) -> UserLanguage | None:
        try:
            response = await self.web.users_info(user=split_person(user_id)[1], include_locale=True)
        except Exception as error:  # Slack refused or is unreachable: the default will do
            log.warning("language of %s: users.info: %s", user_id, error)
            return None
        user = response.get("user") if response else None
        locale = str(user.get("locale") or "") if isinstance(user, dict) else ""
        language = language_from_slack_locale(locale)
        return UserLanguage(language or self.default, "slack" if language else "default")

    async def _redis_get(self, user_id: str) -> UserLanguage | None:
        """What Redis holds for `user_id` (None without Redis); RedisError when it is down."""
        if self.redis is None:
            return None
        value = await self.redis.get(_key(user_id))
        if not value:
            return None
        return UserLanguage.decode(value.decode() if isinstance(value, bytes) else str(value))


def _key(user_id: str) -> str:
    return f"{PREFIX}language:{user_id}"


def person_of(user_id: str, workspace: str | None = None) -> str:
    """Who a language belongs to: the user id, within a workspace in distribution mode
    (`T0123ABCD/U0123ABCD`): `workspace` when given ("" is single-workspace mode), else the
    request's."""
    if workspace is not None:
        return f"{workspace}/{user_id}" if workspace else user_id
    scope = bound()
    return f"{scope.workspace}/{user_id}" if scope is not None and scope.workspace else user_id


def split_person(person: str) -> tuple[str, str]:
    """`T0123ABCD/U0123ABCD` -> ("T0123ABCD", "U0123ABCD"); a user id alone -> ("", it)."""
    workspace, _, user = person.rpartition("/")
    return workspace, user
