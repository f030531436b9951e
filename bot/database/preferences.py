"""The language each person chose, kept across restarts (table `user_languages`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database.schema import user_languages


class Preferences:
    """Stored language choices, by Slack user id, whole: ids are checked at the edge
    (bot.slack.listeners.guards.Guard), so one fits the column (MAX_ID_CHARS)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def language(self, user_id: str) -> str | None:
        """The language `user_id` chose, or None when they follow their Slack locale."""
        async with self.engine.connect() as conn:
            row = await conn.execute(
                select(user_languages.c.language).where(user_languages.c.user_id == user_id)
            )
            return row.scalar_one_or_none()

    async def choose(self, user_id: str, language: str | None, now: datetime) -> None:
        """Keep `language` for `user_id`; None forgets the choice (back to the Slack locale)."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(user_languages).where(user_languages.c.user_id == user_id))
            if language is not None:
                await conn.execute(
                    insert(user_languages).values(
                        user_id=user_id, language=language, chosen_at=now.timestamp()
                    )
                )
