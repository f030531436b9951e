"""`wolkvox-sync digest`'s words read (pure): the channel id and `--since`'s length of time.

Errors are InputError in the reader's language, each naming the option and showing an
example to copy: the process ends with one line and exit code 2, before the database is
opened.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.console.text import safe
from bot.errors import InputError
from bot.i18n import Translator

CHANNEL_OPTION = "--channel"
SINCE_OPTION = "--since"
CHANNEL_EXAMPLE = "C0123ABCD"
MOST_SINCE = timedelta(days=366)  # a year and a day: beyond, history is rarely kept
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,30}")  # as WOLKVOX_ALLOWED_CHANNELS reads them
_SINCE = re.compile(r"([0-9]{1,6})([mhdw])")
_UNITS = {
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}


def read_channel(given: str, t: Translator) -> str:
    """A channel id as Slack writes it (uppercase: `c0123abcd` is C0123ABCD)."""
    channel = given.strip().upper()
    if not _CHANNEL_ID.fullmatch(channel):
        raise InputError(
            t._(
                "{option} takes a channel id, like {example} (in Slack: the channel's name, "
                "then About, at the bottom); {given} is not one."
            ).format(option=CHANNEL_OPTION, example=CHANNEL_EXAMPLE, given=safe(given, 40))
        )
    return channel


def read_since(given: str, t: Translator) -> timedelta:
    """How far back the digest reaches: `90m`, `24h`, `7d` or `2w` (1 minute to a year)."""
    found = _SINCE.fullmatch(given.strip().lower())
    if found is None or int(found[1]) == 0:
        raise InputError(
            t._(
                "{option} takes a length of time like 24h, 7d or 90m (m minutes, h hours, "
                "d days, w weeks); {given} is not one."
            ).format(option=SINCE_OPTION, given=safe(given, 40) or '""')
        )
    since = int(found[1]) * _UNITS[found[2]]
    if since > MOST_SINCE:
        raise InputError(
            t._("{option} reaches back {days} days at most; {given} is longer.").format(
                option=SINCE_OPTION,
                days=t.number(MOST_SINCE.days),
                given=safe(given, 40),
            )
        )
    return since
