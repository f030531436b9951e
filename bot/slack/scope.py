"""Which workspace a request is of, and its operations, while it runs.

In distribution mode every request belongs to one workspace: the enterprise id for an
org-wide install (`is_enterprise_install`), else the team id. `WorkspaceScope` (Bolt
middleware, after the guard) reads that workspace's book (`OperationBooks.book_for`) and
binds both for the request and everything it starts (tasks copy the binding), so the door's
`book`, `workspace`, `resolve` and `button_key` answer with the requester's own operations
only. Single-workspace mode binds nothing: the door's book is the one book, as before.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.operations.book import OperationBook
from bot.templates.connectors import is_workspace_id

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Bound:
    """The workspace a piece of work belongs to, and its operations."""

    workspace: str
    book: OperationBook


_bound: ContextVar[Bound | None] = ContextVar("wolkvox_workspace", default=None)


def workspace_of_request(
    team_id: str | None, enterprise_id: str | None, is_enterprise_install: bool | None
) -> str:
    """The workspace a request is of: the enterprise id of an org-wide install, else the team
    id ("" when Slack sent neither, or an id of the wrong shape)."""
    workspace = (enterprise_id if is_enterprise_install else team_id) or ""
    return workspace if is_workspace_id(workspace) else ""


def bound() -> Bound | None:
    """The workspace bound to the work running now (None: none, or single-workspace mode)."""
    return _bound.get()


@contextlib.contextmanager
def within(workspace: str, book: OperationBook) -> Iterator[None]:
    """Bind `workspace` and its book for what runs inside (and the tasks it starts)."""
    reset = _bound.set(Bound(workspace, book))
    try:
        yield
    finally:
        _bound.reset(reset)


class WorkspaceScope:
    """Middleware (distribution mode): bind the request's workspace and its book."""

    def __init__(self, door: SlackDoor) -> None:
        self.door = door

    async def __call__(
        self,
        body: dict[str, Any],
        context: AsyncBoltContext,
        ack: AsyncAck,
        next: Callable[[], Awaitable[None]],  # Bolt passes it by this name
    ) -> BoltResponse | None:
        if not self.door.distribution:
            await next()
            return None
        workspace = workspace_of_request(
            context.team_id or _team_of(body),
            context.enterprise_id,
            context.is_enterprise_install,
        )
        book = await self.door.core.books.book_for(workspace)
        # Bolt runs middleware in a loop, not nested: the binding is set and left. It lives in
        # the request's own task (uvicorn and Socket Mode run each request in one) and in the
        # tasks that task starts (the listeners, what they start after acknowledging).
        _bound.set(Bound(workspace, book))
        await next()
        return None


def _team_of(body: dict[str, Any]) -> str | None:
    team = body.get("team_id") or body.get("team")
    if isinstance(team, dict):
        team = team.get("id")
    return team if isinstance(team, str) else None
