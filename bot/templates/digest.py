"""What a channel hears of a connector's changes: only those its subscription's filters match,
and, for a daily or weekly digest, the net change over the period (pure).

A template that moves into the filter (it matches after a change, not before) is added for
that channel; one that moves out of it is removed. Over a period the net change is the diff
between the state at its start and the state at its end: a template added and removed within
the period is not there, one changed several times shows once, as it is now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.templates.diff import Changes, diff
from bot.templates.model import Template
from bot.templates.query import Query


def filtered(changes: Changes, query: Query) -> Changes:
    """The part of `changes` that `query` matches; a changed template matching only after the
    change counts as added, only before it as removed."""
    if query.empty or changes.first:
        return changes
    added = [t for t in changes.added if query.matches(t)]
    removed = [t for t in changes.removed if query.matches(t)]
    changed = []
    for change in changes.changed:
        before, after = query.matches(change.before), query.matches(change.after)
        if before and after:
            changed.append(change)
        elif after:
            added.append(change.after)
        elif before:
            removed.append(change.before)
    return Changes(
        added=tuple(sorted(added, key=_key)),
        removed=tuple(sorted(removed, key=_key)),
        changed=tuple(changed),
        previous_id=changes.previous_id,
    )


def _key(template: Template) -> tuple[str, str]:
    return template.key


def net_change(
    before: Sequence[Template] | None,
    after: Sequence[Template],
    query: Query,
    previous_id: str = "",
) -> Changes:
    """What changed between a period's first state and its last, as `query` sees it
    (`before` None: there is nothing to compare, the change is `first`)."""
    return filtered(diff(before, after, previous_id), query)


@dataclass(frozen=True, slots=True)
class DigestPart:
    """One connector's net change in a digest, with the filters of the channel's subscription
    (canonical text, "" = everything)."""

    connector_key: str
    changes: Changes
    filters: str = ""


@dataclass(frozen=True, slots=True)
class Digest:
    """One channel's digest of a period [period_start, period_end): a part per subscribed
    connector, in key order. `late`: sent well after the period ended (the bot was down).
    `cadence` is "daily" or "weekly" ("" for a preview of any window)."""

    channel_id: str
    workspace: str  # "" in single-workspace mode
    cadence: str
    period_start: datetime
    period_end: datetime
    late: bool
    parts: tuple[DigestPart, ...]

    @property
    def any(self) -> bool:
        """Whether anything changed in any connector (else nothing is posted)."""
        return any(part.changes.any for part in self.parts)

    @property
    def total(self) -> int:
        return sum(part.changes.total for part in self.parts)
