"""`wolkvox-sync templates <connector> [filters]`: the templates a query matches (pure).

Text: which data, then one line per template (name, language, category, the body's start).
JSON: the sync and every matching template in full. CSV: the file Slack's Export CSV makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.console.common import (
    Output,
    dump_json,
    empty_line,
    filters_line,
    no_match_lines,
    skipped_line,
    source_json,
    template_json,
    text_block,
)
from bot.console.source import Source
from bot.console.text import MAX_BODY, MAX_CELL, safe, synced, table
from bot.i18n import Translator
from bot.slack.views.exports import templates_csv
from bot.templates.lookup import LookupResult, lookup
from bot.templates.query import Query

COMMAND = "templates"


def answer(
    sources: Sequence[Source], query: Query, output: Output, t: Translator, now: datetime
) -> str:
    """The matches of `query` in the one connector of `sources`, written as `output`."""
    [source] = sources
    result = lookup(source.snapshot, query, page_size=max(1, source.snapshot.count))
    if output == "csv":
        return templates_csv(result.matches, t)
    if output == "json":
        return dump_json(
            {
                **source_json(source),
                "query": query.text(),
                "count": result.count,
                "matches": [template_json(x) for x in result.matches],
            }
        )
    return text_block(_lines(result, t, now))


def _lines(result: LookupResult, t: Translator, now: datetime) -> list[str]:
    snapshot, query = result.snapshot, result.query
    if query.empty:
        head = t.nformat(
            "Connector {connector} · {count} template",
            "Connector {connector} · {count} templates",
            snapshot.count,
            connector=snapshot.connector,
        )
    else:
        head = t.nformat(
            "Connector {connector} · {matches} of {count} template match",
            "Connector {connector} · {matches} of {count} templates match",
            snapshot.count,
            connector=snapshot.connector,
            matches=t.number(result.count),
        )
    lines = [f"{head} · {synced(snapshot, now, t)}", *filters_line(query, t)]
    lines += skipped_line(snapshot.skipped, t)
    lines.append("")
    if result.count:
        rows = [
            [
                safe(x.name, MAX_CELL),
                safe(x.language, MAX_CELL),
                safe(x.category, MAX_CELL),
                safe(x.body, MAX_BODY),
            ]
            for x in result.matches
        ]
        lines += table(rows)
    elif snapshot.count == 0:
        lines.append(empty_line(snapshot.connector, t))
    else:
        lines += no_match_lines(
            COMMAND, [snapshot.connector], result.relaxation, result.close_names, t
        )
    return lines
