"""`wolkvox-sync templates <connector> [filters]`: the templates a query matches (pure).

Text: which data, then one line per template (name, language, category, the body's start).
JSON: the sync and every matching template in full. CSV: the file Slack's Export CSV makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.console.output import (
    Output,
    heading,
    nothing_found,
    source_json,
    template_json,
    template_row,
    whole,
    written,
)
from bot.console.source import Source
from bot.console.text import table
from bot.i18n import Translator
from bot.slack.views.results import results_header
from bot.templates.export import templates_csv
from bot.templates.lookup import LookupResult, lookup
from bot.templates.query import Query

COMMAND = "templates"


def answer(
    sources: Sequence[Source], query: Query, output: Output, t: Translator, now: datetime
) -> str:
    """The matches of `query` in the one connector of `sources`, written as `output`."""
    [source] = sources
    result = lookup(source.snapshot, query, page_size=whole(source.snapshot))
    return written(
        output,
        csv=lambda: templates_csv(result.matches, t),
        json=lambda: {
            **source_json(source),
            "query": query.text(),
            "count": result.count,
            "matches": [template_json(x) for x in result.matches],
        },
        text=lambda: _lines(result, t, now),
    )


def _lines(result: LookupResult, t: Translator, now: datetime) -> list[str]:
    snapshot, query = result.snapshot, result.query
    head = results_header(result, t)
    lines = [*heading(head, snapshot, query, now, t), ""]
    if result.count:
        return lines + table([template_row(x) for x in result.matches])
    return lines + nothing_found(COMMAND, snapshot, result.relaxation, result.close_names, t)
