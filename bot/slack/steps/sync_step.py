"""Step `sync_wolkvox_templates` ("Sync WhatsApp templates"): sync a connector as
`/wolkvox-sync 1234 --refresh` does, through the same service (cache, single flight, the
2-in-flight limit, cooldown, quota, history, channel notifications), and report the counts.

What the counts mean:
- a sync that asked Wolkvox (or joined one in flight): what changed since the sync before it;
  the connector's first sync reports 0 of each ("nothing to compare with yet");
- a step within the refresh cooldown of the last sync, or once the day's quota is spent: no
  new sync ran, so 0 of each, and the summary says why;
- a sync that failed ends the step with `fail`, even when an older copy is kept.
"""

from __future__ import annotations

from bot.slack.steps.run import Outputs, Step, StepRun
from bot.slack.steps.wording import SyncCounts, fresh_summary, unsynced_summary
from bot.sync.service import SyncOutcome

SYNC_STEP = "sync_wolkvox_templates"
RECENT_SYNCS = 5  # history rows searched for a sync another instance ran


class SyncStep(Step):
    """The `function_executed` listener of the sync step."""

    callback_id = SYNC_STEP

    async def answer(self, run: StepRun) -> Outputs:
        """Refresh the connector and report the counts and a one-line summary."""
        door, t = run.door, run.t
        connector = await run.connector()
        trigger = run.trigger(SYNC_STEP)
        outcome = await run.bounded(connector, door.service.sync(connector, trigger, refresh=True))
        if outcome.error is not None:  # "stale": an older copy is kept, but this sync failed
            raise outcome.error
        age = door.now() - outcome.snapshot.synced_at
        count = outcome.snapshot.count
        if outcome.origin in ("cooldown", "quota"):  # no new sync ran
            counts = SyncCounts(count)
            text = unsynced_summary(outcome.origin, t.connector(connector), count, age, t)
        else:  # "wolkvox" or "shared" (refresh=True never answers from the cache)
            counts = await self.counts(outcome)
            text = fresh_summary(t.connector(connector), counts, t)
        return {
            "template_count": counts.template_count,
            "added": counts.added,
            "removed": counts.removed,
            "changed": counts.changed,
            "summary": text,
        }

    async def counts(self, outcome: SyncOutcome) -> SyncCounts:
        """What a fresh sync changed: from the sync itself, else (a sync another instance
        ran) from its history record."""
        snapshot, changes = outcome.snapshot, outcome.changes
        if changes is not None:
            return SyncCounts(
                snapshot.count,
                added=len(changes.added),
                removed=len(changes.removed),
                changed=len(changes.changed),
                first=changes.first,
            )
        record = None
        if self.door.store is not None:
            try:  # the sync just made is among the newest of its connector
                recent = await self.door.store.history(snapshot.connector, RECENT_SYNCS)
                record = next((r for r in recent if r.id == snapshot.id), None)
            except Exception:  # the database may be down: the counts are unknown, not fatal
                record = None
        if record is None:
            return SyncCounts(snapshot.count, known=False)
        return SyncCounts(
            snapshot.count,
            added=record.added,
            removed=record.removed,
            changed=record.changed,
            first=record.first,
        )
