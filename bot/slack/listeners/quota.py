"""The daily Wolkvox quota in replies: a warning once more than 80 % of it is used."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.i18n import Translator
from bot.slack.views.status import quota_warning

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

log = logging.getLogger(__name__)


async def quota_note(door: SlackDoor, t: Translator) -> str:
    """The warning to add to a reply after a sync, or "" (no quota set, or under 80 %)."""
    ops = door.ops
    if ops is None or not ops.quota.daily:
        return ""
    try:
        used = await ops.quota.used_today()
    except Exception:  # the counter is down: the reply goes out without the warning
        log.warning("could not read today's Wolkvox calls for the quota warning", exc_info=True)
        return ""
    if ops.quota.state(used) == "ok":
        return ""
    return quota_warning(used, ops.quota.daily, t)
