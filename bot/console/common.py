"""What the console's lookups share (pure): the output modes, the lines that say which data
is shown, what to try when nothing matches, and JSON written one way."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from bot.console.source import Source
from bot.console.text import MAX_CELL, safe
from bot.console.words import PROGRAM
from bot.i18n import Translator
from bot.templates.lookup import Relaxation
from bot.templates.model import Template
from bot.templates.query import Query

Output = Literal["text", "json", "csv"]


def filters_line(query: Query, t: Translator) -> list[str]:
    """ "Filters: lang:es navidad", or nothing for an empty query."""
    if query.empty:
        return []
    return [t._("Filters: {terms}").format(terms=safe(query.text()))]


def no_match_lines(
    command: str,
    connectors: Sequence[str],
    relaxation: Relaxation | None,
    close_names: Sequence[str],
    t: Translator,
) -> list[str]:
    """What to try when the filters match nothing: the command without its narrowest term,
    and names that look close."""
    lines = [t._("No template matches these filters.")]
    if relaxation is not None:
        run = " ".join([PROGRAM, command, *connectors, *relaxation.rest.split()])
        lines.append(
            t.nformat(
                "Without {dropped}, {count} matches: {command}",
                "Without {dropped}, {count} match: {command}",
                relaxation.count,
                dropped=safe(relaxation.dropped),
                command=safe(run),
            )
        )
    if close_names:
        names = ", ".join(safe(n, MAX_CELL) for n in close_names)
        lines.append(t._("Names that look close: {names}").format(names=names))
    return lines


def empty_line(connector: str, t: Translator) -> str:
    return t._(
        "Wolkvox returned no templates for connector {connector}. Check in Meta Business "
        "Manager that this WhatsApp number has approved templates."
    ).format(connector=connector)


def skipped_line(skipped: int, t: Translator) -> list[str]:
    if not skipped:
        return []
    return [
        t.nformat(
            "{count} entry from Wolkvox could not be read and is not shown.",
            "{count} entries from Wolkvox could not be read and are not shown.",
            skipped,
        )
    ]


def source_json(source: Source) -> dict[str, Any]:
    """Which sync the data comes from: its connector, id, time and origin."""
    snapshot = source.snapshot
    return {
        "connector": snapshot.connector,
        "snapshot_id": snapshot.id,
        "synced_at": snapshot.synced_at.isoformat(),
        "origin": source.origin,
        "templates": snapshot.count,
        "skipped": snapshot.skipped,
    }


def template_json(template: Template) -> dict[str, Any]:
    return {
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "variables": template.variables,
        "body": template.body,
    }


def dump_json(value: Any) -> str:
    """JSON as the console prints it: UTF-8 text kept as is, indented, a final line break."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def text_block(lines: Sequence[str]) -> str:
    return "".join(line + "\n" for line in lines)
