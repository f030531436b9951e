"""A command on templates answered from the cache or by syncing: on one connector (a lookup,
`show`, `coverage`, `check`) or on two (`compare`). The slash command and the Refresh buttons
answer through here.

A fresh cache answers at once (in the acknowledgement). Otherwise the first answer says the
sync is running (without words while the person's language is not known yet) and the reply
follows through response_url, owed to the person until it is posted (a shutdown waits for
it). A comparison syncs both connectors at once through the service, which shares a call in
flight, so it spends at most one Wolkvox call per connector however many people compare at
the same time.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from bot.commands import Check, Compare, Coverage, Lookup, Show
from bot.errors import OperationError, SharedStateUnavailable, SyncLimitReached, WolkvoxError
from bot.i18n import Translator
from bot.i18n.messages import (
    cooldown_note,
    describe,
    operator_hint,
    quota_spent_note,
    stale_warning,
)
from bot.i18n.mrkdwn import escape
from bot.slack import replies
from bot.slack.listeners.respond import Asked
from bot.slack.views.changes import changes_note
from bot.slack.views.compare import Sides
from bot.slack.views.kit import About, Message
from bot.slack.views.status import quota_warning
from bot.sync.service import SyncOutcome
from bot.templates.connectors import canonical_connector, connector_label
from bot.templates.model import Snapshot

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

log = logging.getLogger(__name__)

_EXPECTED = (WolkvoxError, SharedStateUnavailable, SyncLimitReached)

C = TypeVar("C", bound=Lookup | Show | Coverage | Check | Compare)
One = TypeVar("One", bound=Lookup | Show | Coverage | Check)


class Synced(ABC, Generic[C]):
    """What every command on templates does: answer from the cache; else say it is syncing,
    sync, and post the reply unless a shutdown gave up on it."""

    async def __call__(self, door: SlackDoor, command: C, asked: Asked) -> None:
        cached = None if command.refresh else await self.cached(door, command, asked)
        if cached is not None:
            await asked.acknowledge(cached)
            return
        first = asked.t.connector(self.connectors(command)[0])  # named if a shutdown tells them
        async with door.pending.owe(first, asked.respond, asked.t) as owed:
            if asked.shown != "progress":  # else a "syncing" without words stands for it
                await asked.acknowledge(self.progress(command, asked.t))
            message = await self.synced(door, command, asked)
            if owed.claim():
                await asked.answer(message)

    def will_sync(self, door: SlackDoor, command: C) -> bool:
        """Whether the answer waits for a sync, as far as this process can tell at once: a
        refresh, or a connector without a fresh copy here. (The cache shared through Redis is
        read once, by the answer: a read counts as a request's cache lookup.)"""
        if command.refresh:
            return True
        fresh = set(door.service.cached_here)
        return any(canonical_connector(c) not in fresh for c in self.connectors(command))

    def wordless_progress(self, command: C, several: bool = False) -> Message:
        """The acknowledgement of a command that will sync, sent before its person's language
        is known: an hourglass, the connectors (with their operation when `several` exist)
        and Wolkvox, words in no language. The answer replaces it."""
        connectors = " · ".join(
            f"*{escape(connector_label(c, with_operation=several))}*"
            for c in self.connectors(command)
        )
        return replies.text_message(f":hourglass_flowing_sand: {connectors} · Wolkvox…")

    @abstractmethod
    def connectors(self, command: C) -> tuple[str, ...]:
        """The connectors the command is on; the first is named if a shutdown tells the
        person to run the command again."""

    @abstractmethod
    def progress(self, command: C, t: Translator) -> Message:
        """The first answer while the sync runs."""

    @abstractmethod
    async def cached(self, door: SlackDoor, command: C, asked: Asked) -> Message | None:
        """The reply from the cache, or None when a sync is needed."""

    @abstractmethod
    async def synced(self, door: SlackDoor, command: C, asked: Asked) -> Message:
        """Sync and render the reply; Wolkvox failures become an error message for the
        user, and a hint for whoever runs the bot in the log."""


class OneConnector(Synced[One]):
    """A lookup, `show`, `coverage` or `check`: `render` makes its reply over the snapshot."""

    def __init__(self, render: Callable[[One, Snapshot, About], Message]) -> None:
        self.render = render

    def connectors(self, command: One) -> tuple[str, ...]:
        return (command.connector,)

    def progress(self, command: One, t: Translator) -> Message:
        return replies.progress_message(command.connector, t)

    async def cached(self, door: SlackDoor, command: One, asked: Asked) -> Message | None:
        try:
            snapshot = await door.service.cached(command.connector)
        except SharedStateUnavailable:
            return None  # the sync says what is wrong
        if snapshot is None:
            return None
        about = About(now=door.now(), t=asked.t, origin="cache", asked_by=asked.user_id)
        return self.render(command, snapshot, about)

    async def synced(self, door: SlackDoor, command: One, asked: Asked) -> Message:
        t = asked.t
        try:
            outcome = await door.service.sync(
                command.connector, asked.trigger, refresh=command.refresh
            )
        except _EXPECTED as error:
            _log_failure(command.connector, error)
            return replies.text_message(describe(error, t))
        warning = ""
        if outcome.error is not None:
            _log_failure(command.connector, outcome.error)
            warning = stale_warning(outcome.error, t)
        note = changes_note(outcome.changes, t) if outcome.changes is not None else ""
        if outcome.origin == "cooldown":
            note = cooldown_note(outcome.retry_in or 0.0, door.settings.refresh_cooldown, t)
        if outcome.origin == "quota":
            note = quota_spent_note(t)
        note = "\n".join(filter(None, [note, await _quota_note(door, command.connector, t)]))
        about = About(
            now=door.now(),
            t=t,
            origin=outcome.origin,
            asked_by=asked.user_id,
            warning=warning,
            note=note,
        )
        return self.render(command, outcome.snapshot, about)


class BothConnectors(Synced[Compare]):
    """`compare`: each side from the cache when fresh, else both synced concurrently;
    `render` makes the reply over the two snapshots (and where each came from)."""

    def __init__(
        self, render: Callable[[Compare, Snapshot, Snapshot, About, Sides | None], Message]
    ) -> None:
        self.render = render

    def connectors(self, command: Compare) -> tuple[str, ...]:
        return (command.left, command.right)

    def progress(self, command: Compare, t: Translator) -> Message:
        return replies.compare_progress_message(command, t)

    async def cached(self, door: SlackDoor, command: Compare, asked: Asked) -> Message | None:
        try:
            left, right = await asyncio.gather(
                door.service.cached(command.left), door.service.cached(command.right)
            )
        except SharedStateUnavailable:
            return None  # the sync says what is wrong
        if left is None or right is None:
            return None
        about = About(now=door.now(), t=asked.t, origin="cache", asked_by=asked.user_id)
        return self.render(command, left, right, about, None)

    async def synced(self, door: SlackDoor, command: Compare, asked: Asked) -> Message:
        """A side that fails without a copy to fall back on makes the reply an error."""
        t = asked.t
        results = await asyncio.gather(
            door.service.sync(command.left, asked.trigger, refresh=command.refresh),
            door.service.sync(command.right, asked.trigger, refresh=command.refresh),
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
            return replies.text_message("\n".join(dict.fromkeys(failures)))
        left, right = outcomes
        warnings = [
            t._("*{connector}:* {warning}").format(
                connector=escape(t.connector(outcome.snapshot.connector)),
                warning=stale_warning(outcome.error, t),
            )
            for outcome in outcomes
            if outcome.error is not None
        ]
        about = About(now=door.now(), t=t, asked_by=asked.user_id, warning="\n".join(warnings))
        sides = Sides(left.origin, right.origin)
        return self.render(command, left.snapshot, right.snapshot, about, sides)


async def _quota_note(door: SlackDoor, connector: str, t: Translator) -> str:
    """The warning a reply carries after a sync once more than 80 % of the day's Wolkvox
    calls of `connector`'s operation (its token) are used; "" when no quota is set or under
    80 %."""
    ops = door.ops
    if ops is None:
        return ""
    quota = ops.quota
    try:
        operation = quota.operation_for(connector)
    except OperationError:  # removed meanwhile: nothing to warn about
        return ""
    daily = quota.daily_for(operation)
    if not daily:
        return ""
    try:
        used = await quota.used_today(operation)
    except Exception:  # the counter is down: the reply goes out without the warning
        log.warning("could not read today's Wolkvox calls for the quota warning", exc_info=True)
        return ""
    if quota.state(used, operation) == "ok":
        return ""
    return quota_warning(used, daily, t)


def _log_failure(connector: str, error: Exception) -> None:
    hint = operator_hint(error) if isinstance(error, WolkvoxError) else ""
    if hint:
        log.warning("sync of connector %s failed (%s): %s", connector, type(error).__name__, hint)
