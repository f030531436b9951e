"""`wolkvox-sync coverage <connector> [filters]`: which names exist in which languages (pure).

Text: which data, the summary (how many complete, which languages miss the most), then the
grid with incomplete rows first. JSON: the same, each row with its present and missing
languages. CSV: the grid Slack's Export CSV makes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.console.output import connector_answer, heading, nothing_found
from bot.console.text import MAX_CELL, safe, table
from bot.i18n import Translator
from bot.templates.coverage import CoverageResult, coverage
from bot.templates.export import coverage_csv

COMMAND = "coverage"
PRESENT = "✓"
MISSING = "✗"
MAX_MISSING_NAMED = 5  # languages named in "missing most"


def _json(result: CoverageResult) -> dict[str, Any]:
    """The summary and every row with its present and missing languages."""
    return {
        "languages": list(result.languages),
        "count": result.count,
        "complete": result.complete,
        "missing_by_language": [
            {"language": language, "missing": n} for language, n in result.missing_by_language
        ],
        "rows": [
            {
                "name": row.name,
                "complete": row.complete,
                "present": [
                    x for x, here in zip(result.languages, row.present, strict=True) if here
                ],
                "missing": list(result.missing_languages(row)),
            }
            for row in result.rows
        ],
    }


def _lines(result: CoverageResult, t: Translator, now: datetime) -> list[str]:
    """Which data, the summary, then the grid with incomplete rows first."""
    snapshot = result.snapshot
    head = t._("Connector {connector} · coverage by language").format(
        connector=t.connector(snapshot.connector)
    )
    lines = heading(head, snapshot, result.query, now, t)
    if not result.count:
        why = nothing_found(COMMAND, snapshot, result.relaxation, result.close_names, t)
        return [*lines, "", *why]
    lines.append(
        t.nformat(
            "In every language: {complete} of {count} template.",
            "In every language: {complete} of {count} templates.",
            result.count,
            complete=t.number(result.complete),
        )
    )
    missing = [(x, n) for x, n in result.missing_by_language if n][:MAX_MISSING_NAMED]
    if missing:
        most = ", ".join(f"{safe(x, MAX_CELL)} ({t.number(n)})" for x, n in missing)
        lines.append(t._("Languages missing the most: {languages}").format(languages=most))
    lines.append("")
    header = [t._("name"), *(safe(x, MAX_CELL) for x in result.languages)]
    rows = [
        [safe(row.name, MAX_CELL), *(PRESENT if here else MISSING for here in row.present)]
        for row in result.rows
    ]
    return lines + table([header, *rows])


answer = connector_answer(coverage, csv=coverage_csv, json=_json, text=_lines)
"""The coverage grid of the one connector of the sources, written as the output asks."""
