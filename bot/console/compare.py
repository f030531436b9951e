"""`wolkvox-sync compare <connector> <connector> [filters]`: two connectors side by side (pure).

Text: which data on each side, the counts, then three sections: only in the first, only in
the second, in both but different (body, category). JSON: the same entries in full. CSV: the
file Slack's Export CSV makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.console.output import (
    Output,
    filters_line,
    skipped_line,
    source_json,
    template_json,
    template_row,
    written,
)
from bot.console.source import Source
from bot.console.text import MAX_CELL, safe, synced, table
from bot.i18n import Translator
from bot.templates.compare import Comparison, ComparisonEntry, compare
from bot.templates.export import comparison_csv
from bot.templates.model import Snapshot
from bot.templates.query import Query

COMMAND = "compare"
INDENT = "  "


def answer(
    sources: Sequence[Source], query: Query, output: Output, t: Translator, now: datetime
) -> str:
    """What differs between the two connectors of `sources`, written as `output`."""
    left, right = sources
    comparison = compare(left.snapshot, right.snapshot, query)
    return written(
        output,
        csv=lambda: comparison_csv(comparison, t),
        json=lambda: {
            "left": source_json(left),
            "right": source_json(right),
            "query": query.text(),
            "same": comparison.same,
            "only_left": [template_json(e.template) for e in comparison.only_left],
            "only_right": [template_json(e.template) for e in comparison.only_right],
            "differing": [_differing_json(e) for e in comparison.differing],
        },
        text=lambda: _lines(comparison, t, now),
    )


def _differing_json(entry: ComparisonEntry) -> dict[str, Any]:
    assert entry.left is not None and entry.right is not None
    return {
        "name": entry.name,
        "language": entry.language,
        "fields": list(entry.fields),
        "left": {"category": entry.left.category, "body": entry.left.body},
        "right": {"category": entry.right.category, "body": entry.right.body},
    }


def _lines(comparison: Comparison, t: Translator, now: datetime) -> list[str]:
    a, b = comparison.left, comparison.right
    lines = [
        t._("Connector {left} compared with connector {right}").format(
            left=t.connector(a.connector), right=t.connector(b.connector)
        ),
        *(_side(x, t, now) for x in (a, b)),
        *filters_line(comparison.query, t),
        *skipped_line(a.skipped + b.skipped, t),
        t.nformat(
            "{count} template is the same on both sides.",
            "{count} templates are the same on both sides.",
            comparison.same,
        ),
    ]
    if comparison.identical:
        lines.append(t._("Nothing differs."))
        return lines
    sections = [
        (
            t._("Only in {connector} ({count}):").format(
                connector=t.connector(a.connector), count=t.number(len(comparison.only_left))
            ),
            [template_row(e.template) for e in comparison.only_left],
        ),
        (
            t._("Only in {connector} ({count}):").format(
                connector=t.connector(b.connector), count=t.number(len(comparison.only_right))
            ),
            [template_row(e.template) for e in comparison.only_right],
        ),
        (
            t._("In both, but different ({count}):").format(
                count=t.number(len(comparison.differing))
            ),
            [_difference(e, t) for e in comparison.differing],
        ),
    ]
    for title, rows in sections:
        if rows:
            lines += ["", title, *table(rows, indent=INDENT)]
    return lines


def _side(snapshot: Snapshot, t: Translator, now: datetime) -> str:
    """ "  1234: synced 2026-05-04 10:00 UTC (3 min ago)"."""
    text = t._("{connector}: {synced}").format(
        connector=t.connector(snapshot.connector), synced=synced(snapshot, now, t)
    )
    return INDENT + text


def _difference(entry: ComparisonEntry, t: Translator) -> list[str]:
    """name, language, then what differs: the category on each side, and whether the body."""
    assert entry.left is not None and entry.right is not None
    what = []
    if "category" in entry.fields:
        what.append(
            t._("category {left} → {right}").format(
                left=safe(entry.left.category, MAX_CELL), right=safe(entry.right.category, MAX_CELL)
            )
        )
    if "body" in entry.fields:
        what.append(t._("body differs"))
    return [safe(entry.name, MAX_CELL), safe(entry.language, MAX_CELL), ", ".join(what)]
