"""Every CSV file the bot makes (pure): a list of templates, the changes of a sync, a coverage
grid, a comparison, and their file names. The Slack exports and the console write them here.

One writer for them all: a UTF-8 BOM (so Excel reads accents), CRLF rows, and cells that a
spreadsheet could run as a formula made inert. Given a translator `t`, the headers and words
are in its language; without one, they are the columns' codes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Protocol

from bot.templates.compare import Comparison, EntryKind
from bot.templates.coverage import CoverageResult
from bot.templates.diff import Changes
from bot.templates.model import Template

TEMPLATE_COLUMNS = ("name", "language", "category", "variables", "body")
CHANGE_COLUMNS = ("change", "name", "language", "category", "what", "before", "after")
COMPARISON_COLUMNS = (
    "kind",
    "name",
    "language",
    "category_left",
    "category_right",
    "body_left",
    "body_right",
    "differs",
)
_FORMULA_START = ("=", "+", "-", "@", "|", "%")
_CONTROL_START = ("\t", "\r", "\n")


class Translates(Protocol):
    """What a CSV needs of a translator (`bot.i18n.Translator`): a message in its language,
    and how it names a connector ("1234", or "1234 · cliente_a" with several operations)."""

    def _(self, message: str) -> str: ...

    def connector(self, key: str) -> str: ...


def safe_cell(value: str) -> str:
    """A cell no spreadsheet will run as a formula: one that starts with a tab or line break,
    or with = + - @ | % after any white space (spaces, no-break spaces), gets a leading '."""
    risky = value.startswith(_CONTROL_START) or value.lstrip().startswith(_FORMULA_START)
    return "'" + value if risky else value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A CSV document; every cell is made safe here, so callers pass raw values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8 (accents) correctly


def templates_csv(templates: Sequence[Template], t: Translates | None = None) -> str:
    """The (filtered) list of templates, one row each."""
    header: Sequence[str] = TEMPLATE_COLUMNS
    if t is not None:
        header = (t._("name"), t._("language"), t._("category"), t._("variables"), t._("body"))
    return write_csv(
        header,
        ([x.name, x.language, x.category, str(len(x.variables)), x.body] for x in templates),
    )


def changes_csv(changes: Changes, t: Translates | None = None) -> str:
    """Every change of a sync, one row per changed field."""
    header: Sequence[str] = CHANGE_COLUMNS
    say: dict[str, str] = {}  # the words of the rows, by their codes
    if t is not None:
        header = (
            t._("change"),
            t._("name"),
            t._("language"),
            t._("category"),
            t._("what"),
            t._("before"),
            t._("after"),
        )
        say = {
            "added": t._("added"),
            "removed": t._("removed"),
            "changed": t._("changed"),
            "body": t._("body"),
            "category": t._("category"),
        }
    rows: list[list[str]] = []
    for x in changes.added:
        rows.append([say.get("added", "added"), x.name, x.language, x.category, "", "", x.body])
    for x in changes.removed:
        rows.append([say.get("removed", "removed"), x.name, x.language, x.category, "", x.body, ""])
    for c in changes.changed:
        for what in c.fields:
            before = c.before.body if what == "body" else c.before.category
            after = c.after.body if what == "body" else c.after.category
            rows.append(
                [
                    say.get("changed", "changed"),
                    c.after.name,
                    c.after.language,
                    c.after.category,
                    say.get(what, what),
                    before,
                    after,
                ]
            )
    return write_csv(header, rows)


def coverage_csv(coverage: CoverageResult, t: Translates | None = None) -> str:
    """The whole coverage grid, every row (not one page): the name, then "yes" or "" for each
    language column. Language codes come from Wolkvox, so the header is made safe too."""
    name, present = ("name", "yes") if t is None else (t._("name"), t._("yes"))
    header = [safe_cell(c) for c in (name, *coverage.languages)]
    return write_csv(
        header,
        ([row.name, *(present if here else "" for here in row.present)] for row in coverage.rows),
    )


def comparison_csv(comparison: Comparison, t: Translates | None = None) -> str:
    """Every entry of a comparison (not one page), in page order; "what differs" is the body,
    the category or both."""
    header: Sequence[str] = COMPARISON_COLUMNS
    say: dict[str, str] = {}  # the words of the rows, by their codes
    if t is not None:
        left, right = (
            t.connector(comparison.left.connector),
            t.connector(comparison.right.connector),
        )
        header = (
            t._("difference"),
            t._("name"),
            t._("language"),
            t._("category in {connector}").format(connector=left),
            t._("category in {connector}").format(connector=right),
            t._("body in {connector}").format(connector=left),
            t._("body in {connector}").format(connector=right),
            t._("what differs"),
        )
        say = {
            EntryKind.ONLY_LEFT.value: t._("only in {connector}").format(connector=left),
            EntryKind.ONLY_RIGHT.value: t._("only in {connector}").format(connector=right),
            EntryKind.DIFFERING.value: t._("different"),
            "body": t._("body"),
            "category": t._("category"),
        }
    rows = []
    for entry in comparison.entries:
        left_side, right_side = entry.left, entry.right
        rows.append(
            [
                say.get(entry.kind.value, entry.kind.value),
                entry.name,
                entry.language,
                left_side.category if left_side else "",
                right_side.category if right_side else "",
                left_side.body if left_side else "",
                right_side.body if right_side else "",
                " ".join(say.get(f, f) for f in entry.fields),
            ]
        )
    return write_csv(header, rows)


def csv_filename(connector: str, query_text: str, t: Translates | None = None) -> str:
    """wolkvox-1234-templates.csv ("plantillas", "modelos" in `t`'s language) for an
    unfiltered list, or wolkvox-1234-lang-pt-navidad.csv after the words of `query_text`."""
    slug = "".join(c if c.isalnum() else "-" for c in query_text.lower())
    slug = "-".join(filter(None, slug.split("-")))[:60]
    everything = "templates" if t is None else t._("templates")
    return f"wolkvox-{connector}-{slug or everything}.csv"


def changes_filename(connector: str, stamp: str, t: Translates) -> str:
    """wolkvox-1234-changes-2026-11-24-1200.csv, in `t`'s language."""
    return csv_filename(connector, t._("changes {stamp}").format(stamp=stamp))
