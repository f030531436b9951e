"""Who may add, edit and remove Wolkvox operations: the workspace's admins and owners in
Slack (`users.info`: `is_admin` or `is_owner`) and, in single-workspace mode, the people in
WOLKVOX_ADMINS (in distribution mode each workspace's own admins only: the deployment's host
doesn't choose them).

Slack's answer is kept per person for ADMIN_SECONDS (someone who stops being an admin loses
the buttons within minutes, and every change re-checks), one `users.info` in flight per person
however many of their requests arrive at once. A lookup that fails or takes longer than
LOOKUP_SECONDS means "not an admin" (kept RETRY_SECONDS before asking again): refusing an
admin for a moment is safe, letting someone else change a token is not.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from cachetools import TTLCache
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.views.kit import is_user_id

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

log = logging.getLogger(__name__)

ADMIN_SECONDS = 300.0  # Slack's answer is asked again after 5 minutes
RETRY_SECONDS = 30.0  # after a failed lookup, "not an admin" this long
LOOKUP_SECONDS = 1.0  # a submission has 3 s in all: the check takes at most this
MAX_PEOPLE = 10_000


class SlackAdmins:
    """Whether Slack says a person is an admin or an owner of the workspace, cached."""

    def __init__(
        self,
        web: AsyncWebClient,
        *,
        remember_seconds: float = ADMIN_SECONDS,
        lookup_seconds: float = LOOKUP_SECONDS,
    ) -> None:
        self.web = web
        self.lookup_seconds = lookup_seconds
        self._known: TTLCache[str, bool] = TTLCache(MAX_PEOPLE, remember_seconds)
        self._failed: TTLCache[str, bool] = TTLCache(MAX_PEOPLE, RETRY_SECONDS)
        self._flights: dict[str, asyncio.Task[bool]] = {}

    async def is_admin(self, user_id: str, workspace: str = "") -> bool:
        """True when Slack says `user_id` is an admin or owner of `workspace` (the request's:
        asked with its bot token, the one bound to the request in distribution mode); False
        otherwise, and when it could not be asked."""
        if not is_user_id(user_id):
            return False
        person = f"{workspace}/{user_id}" if workspace else user_id
        known = self._known.get(person)
        if known is not None:
            return known
        if person in self._failed:
            return False
        # shielded: a request that gives up does not cancel the others' lookup
        return await asyncio.shield(self._flight(user_id, person))

    def forget(self, user_id: str, workspace: str = "") -> None:
        person = f"{workspace}/{user_id}" if workspace else user_id
        self._known.pop(person, None)
        self._failed.pop(person, None)

    def _flight(self, user_id: str, person: str) -> asyncio.Task[bool]:
        flight = self._flights.get(person)
        if flight is None:  # the task copies the request's bound workspace and token
            flight = asyncio.create_task(self._lookup(user_id, person))
            self._flights[person] = flight
            flight.add_done_callback(lambda _: self._flights.pop(person, None))
        return flight

    async def _lookup(self, user_id: str, person: str) -> bool:
        try:
            async with asyncio.timeout(self.lookup_seconds):
                response = await self.web.users_info(user=user_id)
        except Exception as error:  # refused, unreachable, slow: not an admin, for now
            log.warning("admin check of %s: users.info failed: %s", user_id, str(error)[:200])
            self._failed[person] = True
            return False
        admin = _says_admin(response.get("user") if response else None)
        self._known[person] = admin
        return admin


def _says_admin(user: Any) -> bool:
    """`users.info`'s user: an admin or owner who is not deactivated (Slack's booleans only)."""
    if not isinstance(user, dict) or user.get("deleted") is True:
        return False
    return user.get("is_admin") is True or user.get("is_owner") is True


# One SlackAdmins per Web API client (one per running bot): what Slack said of each person.
_BY_CLIENT: WeakKeyDictionary[AsyncWebClient, SlackAdmins] = WeakKeyDictionary()


def slack_admins(door: SlackDoor) -> SlackAdmins:
    """The cache of Slack's answers for this bot."""
    admins = _BY_CLIENT.get(door.web)
    if admins is None:
        admins = _BY_CLIENT[door.web] = SlackAdmins(door.web)
    return admins


async def is_admin(door: SlackDoor, user_id: str) -> bool:
    """Whether `user_id` may add, edit and remove operations of the requester's workspace: in
    WOLKVOX_ADMINS, or an admin or owner of that workspace in Slack (in distribution mode,
    asked with that workspace's bot token: an admin of one workspace is nobody in another)."""
    if not is_user_id(user_id):
        return False
    if user_id in door.settings.admins and not door.distribution:
        return True  # WOLKVOX_ADMINS: single-workspace mode only (a host picks no one's admins)
    return await slack_admins(door).is_admin(user_id, door.workspace)
