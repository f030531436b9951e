"""Whose language a reply is in: a person's choice (`idioma es`, kept in the database), else
their Slack locale (`users.info` with `include_locale`), else WOLKVOX_LANGUAGE.

The answer is cached per person for a day (in Redis when REDIS_URL is set, so every instance
sees a new choice at once; in memory otherwise). Finding it out is bounded to about a second:
when Slack or the database is slow, the default is used and the command goes on.
"""

from __future__ import annotations

import asyncio
import logging
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

log = logging.getLogger(__name__)

LOOKUP_SECONDS = 1.0  # the most a command waits to learn its user's language
REMEMBER_SECONDS = 86_400.0  # a person's language is looked up again after a day
RETRY_SECONDS = 300.0  # after a failed lookup, the default is used this long before trying again
MAX_PEOPLE = 50_000

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
    ) -> None:
        self.web = web
        self.default = default
        self.redis = redis
        self.lookup_seconds = lookup_seconds
        self.preferences: Preferences | None = None  # set once the database is open
        self.store: Store | None = None
        self._known: TTLCache[str, UserLanguage] = TTLCache(MAX_PEOPLE, REMEMBER_SECONDS)
        self._failed: TTLCache[str, bool] = TTLCache(MAX_PEOPLE, RETRY_SECONDS)

    def use_store(self, store: Store) -> None:
        """Read and keep choices in `store`'s database (called once it is open)."""
        self.store = store
        self.preferences = Preferences(store.engine)

    @property
    def fallback(self) -> UserLanguage:
        return UserLanguage(self.default, "default")

    async def translator(self, user_id: str) -> Translator:
        """The translator for `user_id` (WOLKVOX_LANGUAGE for "" or when it can't be found)."""
        return (await self.of(user_id)).t

    async def of(self, user_id: str) -> UserLanguage:
        """`user_id`'s language: cached, chosen, from Slack, or the default; never raises."""
        if not user_id:
            return self.fallback
        known = self._known.get(user_id)
        if known is not None:
            return known
        if user_id in self._failed:
            return self.fallback
        try:
            async with asyncio.timeout(self.lookup_seconds):
                found = await self._find(user_id)
        except TimeoutError:
            log.warning("language of %s: no answer within %g s", user_id, self.lookup_seconds)
            found = None
        if found is None:
            self._failed[user_id] = True
            return self.fallback
        if self.redis is None:
            self._known[user_id] = found
        return found

    async def channel(self, channel_id: str, *, notify_channel: str, poster: str) -> Translator:
        """The language of a post to a channel: that of whoever subscribed it first;
        WOLKVOX_LANGUAGE for WOLKVOX_NOTIFY_CHANNEL; else that of the person posting."""
        subscriber = ""
        if self.store is not None and channel_id:
            try:
                subs = await self.store.subscriptions(channel_id=channel_id)
            except Exception as error:  # the database may be down: the poster's will do
                log.warning("language of channel %s: database: %s", channel_id, error)
                subs = []
            subscriber = min(subs, key=lambda s: s.created_at).created_by if subs else ""
        if subscriber:
            return await self.translator(subscriber)
        if channel_id and channel_id == notify_channel:
            return translator(self.default)
        return await self.translator(poster)

    async def choose(self, user_id: str, language: Language | None, now: datetime) -> UserLanguage:
        """Keep `user_id`'s choice (None: follow Slack again) and return what applies now."""
        if self.preferences is None:
            raise RuntimeError("UserLanguages.use_store() was not called")
        await self.preferences.choose(user_id, language, now)
        self._known.pop(user_id, None)
        self._failed.pop(user_id, None)
        if self.redis is not None:
            try:
                await self.redis.delete(_key(user_id))
            except RedisError as error:
                log.warning("language of %s: Redis: %s", user_id, error)
        return await self.of(user_id)

    async def _find(self, user_id: str) -> UserLanguage | None:
        cached = await self._redis_get(user_id)
        if cached is not None:
            return cached
        found = await self._chosen(user_id) or await self._from_slack(user_id)
        if found is not None:
            await self._redis_set(user_id, found)
        return found

    async def _chosen(self, user_id: str) -> UserLanguage | None:
        if self.preferences is None:
            return None
        try:
            chosen = await self.preferences.language(user_id)
        except Exception as error:  # the database may be down: Slack's locale will do
            log.warning("language of %s: database: %s", user_id, error)
            return None
        language = next((x for x in LANGUAGES if x == chosen), None)
        return UserLanguage(language, "chosen") if language else None

    async def _from_slack(self, user_id: str) -> UserLanguage | None:
        try:
            response = await self.web.users_info(user=user_id, include_locale=True)
        except Exception as error:  # Slack refused or is unreachable: the default will do
            log.warning("language of %s: users.info: %s", user_id, error)
            return None
        user = response.get("user") if response else None
        locale = str(user.get("locale") or "") if isinstance(user, dict) else ""
        language = language_from_slack_locale(locale)
        return UserLanguage(language or self.default, "slack" if language else "default")

    async def _redis_get(self, user_id: str) -> UserLanguage | None:
        if self.redis is None:
            return None
        try:
            value = await self.redis.get(_key(user_id))
        except RedisError as error:
            log.warning("language of %s: Redis: %s", user_id, error)
            return None
        if not value:
            return None
        return UserLanguage.decode(value.decode() if isinstance(value, bytes) else str(value))

    async def _redis_set(self, user_id: str, found: UserLanguage) -> None:
        if self.redis is None:
            return
        try:
            await self.redis.set(_key(user_id), found.encode(), ex=int(REMEMBER_SECONDS))
        except RedisError as error:
            log.warning("language of %s: Redis: %s", user_id, error)


def _key(user_id: str) -> str:
    return f"{PREFIX}language:{user_id}"
