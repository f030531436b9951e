"""What history hands out, as plain values: a stored sync, a subscription, the newest sync of
a connector. Views render these without knowing the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

EACH, DAILY, WEEKLY = "each", "daily", "weekly"
CADENCES = (EACH, DAILY, WEEKLY)  # how often a subscription's channel hears its changes
DIGESTS = (DAILY, WEEKLY)  # the cadences that make a digest per period


@dataclass(frozen=True, slots=True)
class SyncRecord:
    """One stored sync, as history shows it."""

    id: str
    connector: str
    synced_at: datetime
    source: str
    user_id: str
    user_name: str
    template_count: int
    skipped: int
    first: bool
    added: int
    removed: int
    changed: int


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel subscribed to a connector: `filters` is the canonical filter text of the
    changes it hears ("" = all of them), `cadence` "each" (a post per sync), "daily" or
    "weekly" (a digest per period)."""

    team_id: str
    channel_id: str
    connector: str
    created_by: str
    created_at: datetime
    filters: str = ""
    cadence: str = EACH

    @property
    def digest(self) -> bool:
        """Whether the channel hears this connector in a digest, not after each sync."""
        return self.cadence in DIGESTS


@dataclass(frozen=True, slots=True)
class LastSync:
    """The newest stored sync of one connector."""

    connector: str
    synced_at: datetime
    source: str
    user_name: str
    template_count: int
