"""What happens when someone opens the app's Home tab."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.slack.access import refusal
from bot.slack.views.home import channels_home_view, home_view, refused_home_view

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

RECENT_SYNCS = 15


class HomeListener:
    """Publishes the Home tab: recent syncs and subscriptions, or a refusal."""

    def __init__(self, door: SlackDoor) -> None:
        self.door = door

    async def __call__(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab") not in (None, "home") or not event.get("user"):
            return
        user_id = str(event["user"])
        settings = self.door.settings
        t = await self.door.languages.translator(user_id)
        if settings.allowed_users and user_id not in settings.allowed_users:
            view = refused_home_view(refusal(t))
        elif settings.allowed_channels and not settings.allowed_users:
            view = channels_home_view(tuple(settings.allowed_channels), t)
        else:
            store = self.door.require_store()
            recent = await store.history(None, RECENT_SYNCS)
            subs = await store.subscriptions(team_id=str(body.get("team_id") or ""))
            view = home_view(recent, subs, now=self.door.now(), t=t)
        await self.door.web.views_publish(user_id=user_id, view=view)
