"""Both sides of a comparison and its reply, shared by `compare` and its Refresh button.

Each side comes from the cache when fresh; otherwise both connectors sync at once through the
service, which shares a call in flight, so a comparison spends at most one Wolkvox call per
connector however many people compare at the same time.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.commands import Compare
from bot.errors import SharedStateUnavailable, SyncLimitReached, WolkvoxError
from bot.i18n import Translator
from bot.i18n.messages import describe, operator_hint, stale_warning
from bot.i18n.mrkdwn import escape
from bot.slack.replies import compare_reply
from bot.slack.views.compare import Sides
from bot.slack.views.kit import About, Message, message, section
from bot.slack.views.short import text_message
from bot.sync.service import SyncOutcome, SyncTrigger
from bot.templates.model import Snapshot

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

log = logging.getLogger(__name__)

_EXPECTED = (WolkvoxError, SharedStateUnavailable, SyncLimitReached)


async def cached_sides(door: SlackDoor, command: Compare) -> tuple[Snapshot, Snapshot] | None:
    """Both sides from the cache, or None when either needs a sync (or a refresh was asked)."""
    if command.refresh:
        return None
    try:
        left, right = await asyncio.gather(
            door.service.cached(command.left), door.service.cached(command.right)
        )
    except SharedStateUnavailable:
        return None  # the sync says what is wrong
    return (left, right) if left is not None and right is not None else None


def syncing_message(command: Compare, t: Translator) -> Message:
    text = t._(
        ":hourglass_flowing_sand: Syncing connectors *{left}* and *{right}* with Wolkvox…"
    ).format(left=escape(command.left), right=escape(command.right))
    return message(text, [section(text)])


async def compare_sync_reply(
    door: SlackDoor, command: Compare, trigger: SyncTrigger, *, t: Translator, page: int = 0
) -> Message:
    """Sync both connectors concurrently (or take each from the cache) and render the
    comparison; a side that fails without a copy to fall back on is an error message."""
    results = await asyncio.gather(
        door.service.sync(command.left, trigger, refresh=command.refresh),
        door.service.sync(command.right, trigger, refresh=command.refresh),
        return_exceptions=True,
    )
    outcomes: list[SyncOutcome] = []
    failures: list[str] = []
    for connector, result in zip((command.left, command.right), results, strict=True):
        if isinstance(result, _EXPECTED):
            _log_failure(connector, result)
            failures.append(describe(result, t))
        elif isinstance(result, BaseException):
            raise result
        else:
            outcomes.append(result)
    if failures:
        return text_message("\n".join(dict.fromkeys(failures)))
    left, right = outcomes
    warnings = [
        t._("*{connector}:* {warning}").format(
            connector=escape(outcome.snapshot.connector),
            warning=stale_warning(outcome.error, t),
        )
        for outcome in outcomes
        if outcome.error is not None
    ]
    about = About(now=door.now(), t=t, asked_by=trigger.user_id, warning="\n".join(warnings))
    sides = Sides(left.origin, right.origin)
    return compare_reply(
        left.snapshot, right.snapshot, about, query=command.query, page=page, sides=sides
    )


def _log_failure(connector: str, error: Exception) -> None:
    hint = operator_hint(error) if isinstance(error, WolkvoxError) else ""
    if hint:
        log.warning("sync of connector %s failed (%s): %s", connector, type(error).__name__, hint)
