"""An uninstalled workspace leaves nothing behind (distribution mode).

Slack sends `app_uninstalled` when a workspace removes the app, and `tokens_revoked` when
tokens are revoked: the bot's (the same as an uninstall: nothing can be done for the workspace
any more) or only people's user tokens (those are deleted, the rest stays). At once, in this
order:

1. the template service forgets the workspace: its cache, kept snapshots and Redis marks go,
   and a sync of it running now lands and is dropped (not kept, recorded nor notified);
2. the database forgets it in one transaction (`Store.forget_workspace`): its operations and
   their Wolkvox tokens, subscriptions, notifications, schedule claims, channel defaults,
   languages, history and Slack installation (its tokens); SQLite overwrites the deleted
   bytes, PostgreSQL's autovacuum reclaims them;
3. its history's snapshots leave memory and Redis, its operations' book leaves memory, and the
   installation lookup cache drops it (so the notifier finds no token to post with).

Other instances reload the operations within seconds (the change bumps their version) and stop
serving the workspace's; their installation lookups expire (`bot.slack.oauth.store`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.database.forgetting import Forgotten
from bot.slack.door import SlackDoor
from bot.slack.scope import workspace_of_request

log = logging.getLogger(__name__)


def workspace_of_event(context: AsyncBoltContext) -> str:
    """The workspace an event is about: the enterprise (`E…`) for an org-wide install, else
    the team (`T…`); "" when the request names neither."""
    return workspace_of_request(
        context.team_id, context.enterprise_id, context.is_enterprise_install
    )


async def forget_workspace(
    door: SlackDoor, workspace: str, *, enterprise_id: str | None, team_id: str | None
) -> Forgotten:
    """Everything of `workspace` deleted, in memory, in Redis and in the database (see the
    module). Safe to run again: a second time finds nothing."""
    await door.service.forget_workspace(workspace)
    forgotten = await door.require_store().forget_workspace(workspace)
    await door.service.forget_snapshots(forgotten.snapshot_ids)
    door.core.books.forget(workspace)  # its operations (Wolkvox tokens) leave memory now
    installations = door.app.installation_store
    if installations is not None:  # its rows are gone: this drops the lookups it cached
        await installations.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
    log.info(
        "workspace %s uninstalled: %d operation(s), %d sync(s), %d subscription(s), "
        "%d notification(s) and %d installation row(s) deleted",
        workspace,
        forgotten.operations,
        forgotten.syncs,
        forgotten.subscriptions,
        forgotten.notifications,
        forgotten.installations,
    )
    return forgotten


async def forget_user_tokens(
    door: SlackDoor,
    workspace: str,
    user_ids: Sequence[str],
    *,
    enterprise_id: str | None,
    team_id: str | None,
) -> int:
    """Blank the user tokens of people whose tokens were revoked; the bot's stay."""
    blanked = await door.require_store().forget_user_tokens(workspace, user_ids)
    forget = getattr(door.app.installation_store, "forget", None)  # its cached lookups
    if forget is not None:
        forget(enterprise_id, team_id, team_id is None)
    log.info("workspace %s: revoked user tokens deleted from %d row(s)", workspace, blanked)
    return blanked


class UninstallListeners:
    """`app_uninstalled` and `tokens_revoked` (Bolt acknowledges events before they run)."""

    def __init__(self, door: SlackDoor) -> None:
        self.door = door

    async def app_uninstalled(self, context: AsyncBoltContext) -> None:
        await self._forget(context)

    async def tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        tokens = event.get("tokens") or {}
        if tokens.get("bot"):  # the bot can do nothing there any more: an uninstall
            await self._forget(context)
            return
        people = [str(user) for user in tokens.get("oauth") or [] if user]
        workspace = workspace_of_event(context)
        if people and workspace:
            team_id, enterprise_id = _ids(context)
            await forget_user_tokens(
                self.door, workspace, people, enterprise_id=enterprise_id, team_id=team_id
            )

    async def _forget(self, context: AsyncBoltContext) -> None:
        workspace = workspace_of_event(context)
        if not workspace:
            log.warning("an uninstall event named no workspace: nothing deleted")
            return
        team_id, enterprise_id = _ids(context)
        await forget_workspace(self.door, workspace, enterprise_id=enterprise_id, team_id=team_id)


def _ids(context: AsyncBoltContext) -> tuple[str | None, str | None]:
    """(team_id, enterprise_id) as the installation rows have them: an org-wide install's
    rows have no team."""
    team_id = None if context.is_enterprise_install else context.team_id
    return team_id, context.enterprise_id


def register_uninstall(door: SlackDoor) -> None:
    """Forget a workspace when Slack says it removed the app or revoked the bot's tokens."""
    listeners = UninstallListeners(door)
    door.app.event("app_uninstalled")(listeners.app_uninstalled)
    door.app.event("tokens_revoked")(listeners.tokens_revoked)
