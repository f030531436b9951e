"""What people chose, kept across restarts: each person's language (table `user_languages`)
and each channel's default operation (table `channel_operations`), each within its Slack
workspace (team or enterprise id; "" in single-workspace mode): a user id or a channel id
of one workspace never reads another's choice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.database.schema import channel_operations, user_languages


class Preferences:
    """Stored language choices, by Slack user id, and channels' default operations, by
    channel id, whole: ids are checked at the edge (bot.slack.listeners.guards.Guard), so one
    fits the column (MAX_ID_CHARS)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def language(self, user_id: str, workspace: str = "") -> str | None:
        """The language `user_id` chose, or None when they follow their Slack locale."""
        async with self.engine.connect() as conn:
            row = await conn.execute(
                select(user_languages.c.language).where(
                    user_languages.c.workspace == workspace, user_languages.c.user_id == user_id
                )
            )
            return row.scalar_one_or_none()

    async def choose(
        self, user_id: str, language: str | None, now: datetime, workspace: str = ""
    ) -> None:
        """Keep `language` for `user_id`; None forgets the choice (back to the Slack locale)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(user_languages).where(
                    user_languages.c.workspace == workspace, user_languages.c.user_id == user_id
                )
            )
            if language is not None:
                await conn.execute(
                    insert(user_languages).values(
                        workspace=workspace,
                        user_id=user_id,
                        language=language,
                        chosen_at=now.timestamp(),
                    )
                )

    async def channel_operation(self, channel_id: str, workspace: str = "") -> str | None:
        """The operation `channel_id` uses by default (`/wolkvox-sync use cliente_a`), if any:
        the name people type."""
        async with self.engine.connect() as conn:
            row = await conn.execute(
                select(channel_operations.c.operation).where(
                    channel_operations.c.workspace == workspace,
                    channel_operations.c.channel_id == channel_id,
                )
            )
            return row.scalar_one_or_none()

    async def use_operation(
        self,
        channel_id: str,
        operation: str | None,
        user_id: str,
        now: datetime,
        workspace: str = "",
    ) -> None:
        """Make `operation` (the name people type) the default of `channel_id`; None clears
        it (`use none`)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(channel_operations).where(
                    channel_operations.c.workspace == workspace,
                    channel_operations.c.channel_id == channel_id,
                )
            )
            if operation is not None:
                await conn.execute(
                    insert(channel_operations).values(
                        workspace=workspace,
                        channel_id=channel_id,
                        operation=operation,
                        set_by=user_id[:32],
                        set_at=now.timestamp(),
                    )
                )
