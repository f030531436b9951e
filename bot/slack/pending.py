"""Replies still owed to people whose sync is running: a shutdown waits for them, and tells
whoever is still waiting at the end of the grace period to run the command again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from itertools import count

from slack_bolt.async_app import AsyncRespond

from bot.i18n import N_, Translator
from bot.slack.mrkdwn import escape
from bot.slack.views.common import text_message

log = logging.getLogger(__name__)

RESTARTING = N_(
    ":arrows_counterclockwise: I'm restarting and could not finish syncing connector "
    "*{connector}*. Nothing was lost: run the command again in a minute."
)


@dataclass(frozen=True, slots=True)
class _Owed:
    connector: str
    respond: AsyncRespond
    t: Translator


class PendingReplies:
    """The syncs that have been acknowledged but not answered yet."""

    def __init__(self) -> None:
        self._owed: dict[int, _Owed] = {}
        self._ids = count()
        self._settled = asyncio.Event()
        self._settled.set()

    def __len__(self) -> int:
        return len(self._owed)

    @contextlib.asynccontextmanager
    async def owe(
        self, connector: str, respond: AsyncRespond, t: Translator
    ) -> AsyncIterator[None]:
        """Mark a reply as owed while the block runs (the sync and its answer); `t` is the
        language of whoever waits."""
        key = next(self._ids)
        self._owed[key] = _Owed(connector, respond, t)
        self._settled.clear()
        try:
            yield
        finally:
            self._owed.pop(key, None)
            if not self._owed:
                self._settled.set()

    async def settle(self, grace: float) -> int:
        """Wait up to `grace` seconds for every owed reply; tell those still waiting to run
        their command again. Returns how many had to be told."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), timeout=grace)
        left = list(self._owed.values())
        self._owed.clear()
        for owed in left:
            text = owed.t._(RESTARTING).format(connector=escape(owed.connector))
            message = text_message(text)
            try:
                await owed.respond(
                    text=message["text"], blocks=message["blocks"], replace_original=True
                )
            except Exception:  # the process is going away: log and tell the others
                log.warning("could not tell a user to run the command again", exc_info=True)
        if left:
            log.warning("shutdown: %d sync(s) could not finish within %g s", len(left), grace)
        return len(left)
