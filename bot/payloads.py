"""Button values: what a button carries, encoded small and read back defensively (pure)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bot.errors import InputError

MAX_VALUE_CHARS = 2000  # Slack's limit for a button value
_CONNECTOR = re.compile(r"[0-9]{1,20}")
_SNAPSHOT_ID = re.compile(r"[0-9a-f]{1,32}")
MAX_PAGE = 100_000


@dataclass(frozen=True, slots=True)
class PageRef:
    """A page of one kept snapshot. `snapshot_id` is empty for a plain refresh."""

    connector: str
    snapshot_id: str = ""
    page: int = 0


def encode(ref: PageRef) -> str:
    value = json.dumps(
        {"c": ref.connector, "s": ref.snapshot_id, "p": ref.page}, separators=(",", ":")
    )
    assert len(value) <= MAX_VALUE_CHARS
    return value


def decode(value: object) -> PageRef:
    """Read a button value back; anything unexpected is an InputError, never a crash."""
    if not isinstance(value, str) or len(value) > MAX_VALUE_CHARS:
        raise InputError("That button's data could not be read. Run the command again.")
    try:
        raw = json.loads(value)
    except ValueError:
        raw = None
    if not isinstance(raw, dict):
        raise InputError("That button's data could not be read. Run the command again.")
    connector, snapshot_id, page = raw.get("c"), raw.get("s", ""), raw.get("p", 0)
    if (
        not isinstance(connector, str)
        or not _CONNECTOR.fullmatch(connector)
        or not isinstance(snapshot_id, str)
        or (snapshot_id and not _SNAPSHOT_ID.fullmatch(snapshot_id))
        or not isinstance(page, int)
        or isinstance(page, bool)
        or not 0 <= page <= MAX_PAGE
    ):
        raise InputError("That button's data could not be read. Run the command again.")
    return PageRef(connector=connector, snapshot_id=snapshot_id, page=page)
