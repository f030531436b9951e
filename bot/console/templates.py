"""`wolkvox-sync templates <connector> [filters]`: the templates a query matches (pure).

Text: which data, then one line per template (name, language, category, the body's start).
JSON: the sync and every matching template in full. CSV: the file Slack's Export CSV makes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.console.output import connector_answer, heading, nothing_found, template_json, template_row
from bot.console.text import table
from bot.i18n import Translator
from bot.i18n.summaries import results_header
from bot.templates.export import templates_csv
from bot.templates.lookup import LookupResult, lookup

COMMAND = "templates"


def _csv(result: LookupResult, t: Translator) -> str:
    return templates_csv(result.matches, t)


def _json(result: LookupResult) -> dict[str, Any]:
    """How many match, and every match in full."""
    return {"count": result.count, "matches": [template_json(x) for x in result.matches]}


def _lines(result: LookupResult, t: Translator, now: datetime) -> list[str]:
    snapshot, query = result.snapshot, result.query
    head = results_header(result, t)
    lines = [*heading(head, snapshot, query, now, t), ""]
    if result.count:
        return lines + table([template_row(x) for x in result.matches])
    return lines + nothing_found(COMMAND, snapshot, result.relaxation, result.close_names, t)


answer = connector_answer(lookup, csv=_csv, json=_json, text=_lines)
"""The matches of the query in the one connector of the sources, written as the output asks."""
