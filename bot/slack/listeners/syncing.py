"""A sync and its reply, shared by the command and the Refresh button."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.commands import Check, Coverage, Lookup, Show
from bot.errors import SharedStateUnavailable, SyncLimitReached, WolkvoxError
from bot.i18n import Translator
from bot.i18n.messages import (
    cooldown_note,
    describe,
    operator_hint,
    quota_spent_note,
    stale_warning,
)
from bot.slack.listeners.quota import quota_note
from bot.slack.replies import command_reply
from bot.slack.views.changes import changes_note
from bot.slack.views.kit import About, Message
from bot.slack.views.short import text_message
from bot.sync.service import SyncTrigger
from bot.templates.model import Snapshot

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

log = logging.getLogger(__name__)


async def sync_reply(
    door: SlackDoor,
    command: Lookup | Show | Coverage | Check,
    trigger: SyncTrigger,
    *,
    refresh: bool,
    t: Translator,
) -> Message:
    """Run a sync and render its reply in `t`'s language; Wolkvox failures become an error
    message for the user, and a hint for whoever runs the bot in the log."""
    try:
        outcome = await door.service.sync(command.connector, trigger, refresh=refresh)
    except (WolkvoxError, SharedStateUnavailable, SyncLimitReached) as error:
        _log_failure(command.connector, error)
        return text_message(describe(error, t))
    warning = ""
    if outcome.error is not None:
        _log_failure(command.connector, outcome.error)
        warning = stale_warning(outcome.error, t)
    note = changes_note(outcome.changes, t) if outcome.changes is not None else ""
    if outcome.origin == "cooldown":
        note = cooldown_note(outcome.retry_in or 0.0, door.settings.refresh_cooldown, t)
    if outcome.origin == "quota":
        note = quota_spent_note(t)
    note = "\n".join(filter(None, [note, await quota_note(door, t)]))
    return render(
        door, command, outcome.snapshot, outcome.origin, trigger.user_id, t, warning, note
    )


def _log_failure(connector: str, error: Exception) -> None:
    hint = operator_hint(error) if isinstance(error, WolkvoxError) else ""
    if hint:
        log.warning("sync of connector %s failed (%s): %s", connector, type(error).__name__, hint)


def render(
    door: SlackDoor,
    command: Lookup | Show | Coverage | Check,
    snapshot: Snapshot,
    origin: str,
    user_id: str,
    t: Translator,
    warning: str = "",
    note: str = "",
) -> Message:
    """The reply to a lookup, `show`, `coverage` or `check` over `snapshot`, in `t`'s
    language."""
    about = About(now=door.now(), t=t, origin=origin, asked_by=user_id, warning=warning, note=note)
    return command_reply(command, snapshot, about)
