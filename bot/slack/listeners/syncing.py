"""A sync and its reply, shared by the command and the Refresh button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import SharedStateUnavailable, SyncLimitReached, WolkvoxError
from bot.slack.commands import Lookup, Show
from bot.slack.error_messages import cooldown_note, describe, stale_warning
from bot.slack.replies import lookup_reply, show_reply
from bot.slack.views.changes import changes_note
from bot.slack.views.common import text_message
from bot.slack.views.kit import About, Message
from bot.sync.service import SyncTrigger
from bot.templates.model import Snapshot

if TYPE_CHECKING:
    from bot.slack.app import Bot


async def sync_reply(
    bot: Bot, command: Lookup | Show, trigger: SyncTrigger, *, refresh: bool
) -> Message:
    """Run a sync and render its reply; Wolkvox failures become an error message."""
    try:
        outcome = await bot.service.sync(command.connector, trigger, refresh=refresh)
    except (WolkvoxError, SharedStateUnavailable, SyncLimitReached) as error:
        return text_message(describe(error))
    warning = stale_warning(outcome.error) if outcome.error is not None else ""
    note = changes_note(outcome.changes) if outcome.changes is not None else ""
    if outcome.origin == "cooldown":
        note = cooldown_note(outcome.retry_in or 0.0, bot.settings.refresh_cooldown)
    return render(bot, command, outcome.snapshot, outcome.origin, trigger.user_id, warning, note)


def render(
    bot: Bot,
    command: Lookup | Show,
    snapshot: Snapshot,
    origin: str,
    user_id: str,
    warning: str = "",
    note: str = "",
) -> Message:
    """The reply to a lookup or `show` over `snapshot`."""
    about = About(now=bot.now(), origin=origin, asked_by=user_id, warning=warning, note=note)
    if isinstance(command, Show):
        return show_reply(snapshot, command.name, about)
    return lookup_reply(snapshot, about, query=command.query)
