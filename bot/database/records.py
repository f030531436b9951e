"""What history hands out, as plain values: a stored sync, a subscription, the newest sync of
a connector. Views render these without knowing the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
    team_id: str
    channel_id: str
    connector: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LastSync:
    """The newest stored sync of one connector."""

    connector: str
    synced_at: datetime
    source: str
    user_name: str
    template_count: int
