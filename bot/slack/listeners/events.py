"""What happens when someone opens the app's Home tab: the Wolkvox operations (with Add, Edit
and Remove for admins: `bot.slack.admin`), recent syncs and subscriptions, or a refusal."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.ops.status import OperationsFacts, operations_facts
from bot.slack.access import refusal
from bot.slack.admin.views import OperationsPanel
from bot.slack.admin.who import is_admin
from bot.slack.listeners.answers import digest_timezone
from bot.slack.views.home import channels_home_view, home_view, refused_home_view

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

log = logging.getLogger(__name__)

RECENT_SYNCS = 15


class HomeListener:
    """Publishes the Home tab: the operations, recent syncs and subscriptions, or a refusal."""

    def __init__(self, door: SlackDoor) -> None:
        self.door = door

    async def __call__(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") not in (None, "home") or not event.get("user"):
            return
        await self.publish(str(event["user"]), str(body.get("team_id") or ""))

    async def publish(self, user_id: str, team_id: str) -> None:
        """Publish `user_id`'s Home as it is now."""
        settings = self.door.settings
        t = await self.door.languages.translator(user_id)
        if settings.allowed_users and user_id not in settings.allowed_users:
            view = refused_home_view(refusal(t))
        elif settings.allowed_channels and not settings.allowed_users:
            panel = await self.operations(user_id)
            view = channels_home_view(tuple(settings.allowed_channels), t, operations=panel)
        else:
            store = self.door.require_store()
            # distribution mode: the requester's workspace's syncs only (none without one)
            workspace = self.door.workspace
            recent = (
                await store.history(None, RECENT_SYNCS, workspace=workspace)
                if workspace or not self.door.distribution
                else []
            )
            # a subscription is stored under the subscriber's workspace: in distribution mode
            # the enterprise id for an org-wide install, which is not the body's team_id
            subs = await store.subscriptions(
                team_id=workspace if self.door.distribution else team_id
            )
            panel = await self.operations(user_id)
            view = home_view(
                recent,
                subs,
                now=self.door.now(),
                t=t,
                operations=panel,
                timezone=digest_timezone(self.door),
            )
        await self.door.web.views_publish(user_id=user_id, view=view)

    async def operations(self, user_id: str) -> OperationsPanel:
        """The operations section's facts for `user_id` (each read bounded)."""
        door = self.door
        admin = await is_admin(door, user_id)
        try:
            facts = await operations_facts(door.ops, door.store, door.book)
        except Exception as error:  # the section shows what it can
            log.warning("operations in the Home: %s", str(error)[:200])
            facts = OperationsFacts()
        return OperationsPanel(facts, admin=admin, can_store=bool(door.settings.secret_keys))
