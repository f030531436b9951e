"""Replies still owed to people whose sync is running: a shutdown waits for them, and tells
whoever is still waiting at the end of the grace period to run the command again.

Each person gets one outcome. The work claims its answer (`Owed.claim`) right before posting
it; at the end of the grace, an answer already claimed is let through, and the work of every
other is cancelled before its person is told to run the command again, so no answer can
follow (or precede) that message. The claim and the giving up never interleave: neither
awaits anything.

Distribution mode: each reply is owed within its requester's workspace, and the bot token of
that workspace (bound by the request) is kept with it. The shutdown tells each person with
their own workspace's token bound (never the token of whichever request came last), and
`owed_in(workspace)` counts one workspace's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from itertools import count

from slack_bolt.async_app import AsyncRespond

from bot.i18n import N_, Translator
from bot.i18n.mrkdwn import escape
from bot.shutdown import Deadline
from bot.slack.oauth.tokens import bound_token, using_token
from bot.slack.replies import text_message
from bot.slack.scope import bound

log = logging.getLogger(__name__)

RESTARTING = N_(
    ":arrows_counterclockwise: I'm restarting and could not finish syncing connector "
    "*{connector}*. Nothing was lost: run the command again in a minute."
)


@dataclass(slots=True, eq=False)
class Owed:
    """One reply owed to a person, and whether it is being posted or was given up on."""

    connector: str
    respond: AsyncRespond
    t: Translator
    work: asyncio.Task[object] | None  # what will answer; cancelled when we give up on it
    workspace: str = ""  # the requester's (distribution mode), else ""
    token: str | None = None  # its bot token, bound when the person is told (distribution mode)
    answering: bool = False
    given_up: bool = False

    def claim(self) -> bool:
        """Call right before posting the answer: False when the person was (or is being)
        told to run the command again instead, and the answer must not be posted."""
        if self.given_up:
            return False
        self.answering = True
        return True


class PendingReplies:
    """The syncs that have been acknowledged but not answered yet."""

    def __init__(self) -> None:
        self._owed: dict[int, Owed] = {}
        self._ids = count()
        self._settled = asyncio.Event()
        self._settled.set()

    def __len__(self) -> int:
        return len(self._owed)

    def owed_in(self, workspace: str) -> int:
        """How many replies are owed to people of `workspace` ("": single-workspace mode)."""
        return sum(1 for owed in self._owed.values() if owed.workspace == workspace)

    @contextlib.asynccontextmanager
    async def owe(
        self, connector: str, respond: AsyncRespond, t: Translator
    ) -> AsyncIterator[Owed]:
        """Mark a reply as owed while the block runs (the sync and its answer); `t` is the
        language of whoever waits. The block claims the reply before posting it."""
        key = next(self._ids)
        scope = bound()
        owed = Owed(
            connector,
            respond,
            t,
            asyncio.current_task(),
            workspace=scope.workspace if scope is not None else "",
            token=bound_token(),
        )
        self._owed[key] = owed
        self._settled.clear()
        try:
            yield owed
        finally:
            self._owed.pop(key, None)
            if not self._owed:
                self._settled.set()

    async def settle(self, deadline: Deadline) -> int:
        """Wait for every owed reply until shortly before `deadline`; then stop the work of
        those still waiting and tell them to run their command again, by the deadline.
        Returns how many had to be told."""
        with contextlib.suppress(TimeoutError):
            waiting = deadline.left(keeping=deadline.tell_reserve())
            await asyncio.wait_for(self._settled.wait(), timeout=waiting)
        posting = [o for o in self._owed.values() if o.answering]
        left = [o for o in self._owed.values() if not o.answering]
        for owed in left:
            owed.given_up = True  # from now on, their answers can't be claimed
        self._owed.clear()
        self._settled.set()
        stopped = [o.work for o in left if o.work is not None and o.work.cancel()]
        finishing = [o.work for o in posting if o.work is not None]
        if stopped or finishing:  # cancellations land, answers being posted go out
            await asyncio.wait([*stopped, *finishing], timeout=deadline.left())
        if not left:
            return 0
        if not await deadline.within(asyncio.gather(*(_tell(owed) for owed in left))):
            log.warning("shutdown: not every user could be told to run the command again")
        log.warning("shutdown: %d sync(s) could not finish in time; told to run again", len(left))
        return len(left)


async def _tell(owed: Owed) -> None:
    """Tell one person their sync could not finish: run the command again."""
    text = owed.t._(RESTARTING).format(connector=escape(owed.connector))
    message = text_message(text)
    try:
        with using_token(owed.token):  # their workspace's, whatever settle runs in
            await owed.respond(
                text=message["text"], blocks=message["blocks"], replace_original=True
            )
    except Exception:  # the process is going away: log and tell the others
        log.warning("could not tell a user to run the command again", exc_info=True)
