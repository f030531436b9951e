"""The one-line plain-text summaries every door shows (pure): a lookup's header ("Connector
1234 · 57 templates") and what a sync changed ("2 added · 1 removed · 3 changed"). Slack's
views and the console both write them from here."""

from __future__ import annotations

from bot.i18n.translator import Translator
from bot.templates.diff import Changes
from bot.templates.lookup import LookupResult


def results_header(result: LookupResult, t: Translator) -> str:
    """ "Connector 1234 · 57 templates", or "… · 12 of 57 templates match" (plain text: the
    connector id is digits, so it is shared by Slack's header and the console)."""
    snapshot = result.snapshot
    if result.query.empty:
        return t.nformat(
            "Connector {connector} · {count} template",
            "Connector {connector} · {count} templates",
            snapshot.count,
            connector=t.connector(snapshot.connector),
        )
    return t.nformat(
        "Connector {connector} · {matches} of {count} template matches",
        "Connector {connector} · {matches} of {count} templates match",
        snapshot.count,
        connector=t.connector(snapshot.connector),
        matches=t.number(result.count),
    )


def change_summary(changes: Changes, t: Translator) -> str:
    """One line: "2 added · 1 removed · 3 changed", or "no changes"."""
    return summary(t, changes.first, len(changes.added), len(changes.removed), len(changes.changed))


def summary(t: Translator, first: bool, added: int, removed: int, changed: int) -> str:
    """ "first sync", "no changes", or "2 added · 1 removed · 3 changed"."""
    if first:
        return t._("first sync")
    parts = [
        t.nformat("{count} added", "{count} added", added) if added else "",
        t.nformat("{count} removed", "{count} removed", removed) if removed else "",
        t.nformat("{count} changed", "{count} changed", changed) if changed else "",
    ]
    return " · ".join(p for p in parts if p) or t._("no changes")
