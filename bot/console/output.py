"""What the console's lookups share (pure): the output modes, how a lookup of one connector
is answered, the lines that say which data is shown, what to try when nothing matches, a
template's row, and JSON written one way."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

from bot.console.arguments import PROGRAM
from bot.console.source import Source
from bot.console.text import MAX_BODY, MAX_CELL, safe, synced
from bot.i18n import Translator
from bot.templates.connectors import connector_id, operation_name, operation_of, workspace_of
from bot.templates.lookup import Relaxation
from bot.templates.model import Snapshot, Template
from bot.templates.query import Query

Output = Literal["text", "json", "csv"]
Answer = Callable[[Sequence[Source], Query, Output, Translator, datetime], str]
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Computation(Protocol[R_co]):
    """A computation over one snapshot (`templates.lookup`, `templates.coverage`)."""

    def __call__(self, snapshot: Snapshot, query: Query, /, *, page_size: int) -> R_co: ...


def written(
    output: Output,
    *,
    csv: Callable[[], str],
    json: Callable[[], dict[str, Any]],
    text: Callable[[], Sequence[str]],
) -> str:
    """An answer written as `output` asks (only that one is computed): the CSV, the JSON
    document, or the text's lines."""
    if output == "csv":
        return csv()
    if output == "json":
        return dump_json(json())
    return text_block(text())


def connector_answer(
    compute: Computation[R],
    *,
    csv: Callable[[R, Translator], str],
    json: Callable[[R], dict[str, Any]],
    text: Callable[[R, Translator, datetime], Sequence[str]],
) -> Answer:
    """The answer of a lookup of one connector: `compute` over every template of its
    snapshot, written as `output` asks; the JSON says which sync and query first."""

    def answer(
        sources: Sequence[Source], query: Query, output: Output, t: Translator, now: datetime
    ) -> str:
        [source] = sources
        result = compute(source.snapshot, query, page_size=whole(source.snapshot))
        return written(
            output,
            csv=lambda: csv(result, t),
            json=lambda: {**source_json(source), "query": query.text(), **json(result)},
            text=lambda: text(result, t, now),
        )

    return answer


def whole(snapshot: Snapshot) -> int:
    """A page size that holds every template of `snapshot`: the console does not page."""
    return max(1, snapshot.count)


def heading(head: str, snapshot: Snapshot, query: Query, now: datetime, t: Translator) -> list[str]:
    """`head` and when the data was synced, then the filters and any unreadable entries."""
    lines = [f"{head} · {synced(snapshot, now, t)}", *filters_line(query, t)]
    return lines + skipped_line(snapshot.skipped, t)


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
        words = [t.connector_word(c) for c in connectors]
        workspace = workspace_of(connectors[0]) if connectors else ""
        where = ["--workspace", workspace] if workspace else []  # to copy as it is
        run = " ".join([PROGRAM, command, *words, *relaxation.rest.split(), *where])
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


def nothing_found(
    command: str,
    snapshot: Snapshot,
    relaxation: Relaxation | None,
    close_names: Sequence[str],
    t: Translator,
) -> list[str]:
    """Why a lookup of one connector lists nothing: Wolkvox returned no templates, or the
    filters match none (and what to try)."""
    if snapshot.count == 0:
        return [empty_line(snapshot.connector, t)]
    return no_match_lines(command, [snapshot.connector], relaxation, close_names, t)


def empty_line(connector: str, t: Translator) -> str:
    return t._(
        "Wolkvox returned no templates for connector {connector}. Check in Meta Business "
        "Manager that this WhatsApp number has approved templates."
    ).format(connector=t.connector(connector))


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
        "connector": connector_id(snapshot.connector),
        "operation": operation_name(operation_of(snapshot.connector)),  # never the workspace
        "snapshot_id": snapshot.id,
        "synced_at": snapshot.synced_at.isoformat(),
        "origin": source.origin,
        "templates": snapshot.count,
        "skipped": snapshot.skipped,
    }


def template_row(template: Template) -> list[str]:
    """A template as a table row: name, language, category and the body's start."""
    return [
        safe(template.name, MAX_CELL),
        safe(template.language, MAX_CELL),
        safe(template.category, MAX_CELL),
        safe(template.body, MAX_BODY),
    ]


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
