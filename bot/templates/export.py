"""Templates and changes as CSV, safe to open in spreadsheet tools (pure).

One writer for every CSV the bot makes: a UTF-8 BOM (so Excel reads accents), CRLF rows, and
cells that a spreadsheet could run as a formula made inert.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from bot.templates.compare import Comparison
from bot.templates.coverage import CoverageResult
from bot.templates.diff import Changes
from bot.templates.model import Template

TEMPLATE_COLUMNS = ("name", "language", "category", "variables", "body")
CHANGE_COLUMNS = ("change", "name", "language", "category", "what", "before", "after")
_FORMULA_START = ("=", "+", "-", "@", "|", "%")
_CONTROL_START = ("\t", "\r", "\n")


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


def templates_csv(templates: Sequence[Template], header: Sequence[str] = TEMPLATE_COLUMNS) -> str:
    """One row per template; `header` names the columns (in the reader's language)."""
    return write_csv(
        header,
        ([t.name, t.language, t.category, str(len(t.variables)), t.body] for t in templates),
    )


def changes_csv(
    changes: Changes,
    header: Sequence[str] = CHANGE_COLUMNS,
    words: Mapping[str, str] | None = None,
) -> str:
    """Every change of a sync, one row per changed field; `words` translates the kinds of
    change and fields ("added", "body"…), `header` names the columns."""
    say = dict(words or {})
    rows: list[list[str]] = []
    for t in changes.added:
        rows.append([say.get("added", "added"), t.name, t.language, t.category, "", "", t.body])
    for t in changes.removed:
        rows.append([say.get("removed", "removed"), t.name, t.language, t.category, "", t.body, ""])
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


def csv_filename(connector: str, query_text: str, everything: str = "templates") -> str:
    """wolkvox-1234-templates.csv (`everything` names an unfiltered list), or
    wolkvox-1234-lang-pt-navidad.csv for a lookup."""
    slug = "".join(c if c.isalnum() else "-" for c in query_text.lower())
    slug = "-".join(filter(None, slug.split("-")))[:60]
    return f"wolkvox-{connector}-{slug or everything}.csv"


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


def coverage_csv(coverage: CoverageResult, name: str = "name", present: str = "yes") -> str:
    """The whole coverage grid, every row (not one page): the name, then `present` ("yes", in
    the reader's language) or "" for each language column. `name` heads the first column;
    language codes come from Wolkvox, so the header is made safe too."""
    header = [safe_cell(c) for c in (name, *coverage.languages)]
    return write_csv(
        header,
        ([row.name, *(present if here else "" for here in row.present)] for row in coverage.rows),
    )


def comparison_csv(
    comparison: Comparison,
    header: Sequence[str] = COMPARISON_COLUMNS,
    words: Mapping[str, str] | None = None,
) -> str:
    """Every entry of a comparison, in page order; `differs` is "body", "category" or both.
    `words` translates the kinds ("only_left"…) and fields ("body"…), `header` names the
    columns."""
    say = dict(words or {})
    rows = []
    for entry in comparison.entries:
        left, right = entry.left, entry.right
        rows.append(
            [
                say.get(entry.kind.value, entry.kind.value),
                entry.name,
                entry.language,
                left.category if left else "",
                right.category if right else "",
                left.body if left else "",
                right.body if right else "",
                " ".join(say.get(f, f) for f in entry.fields),
            ]
        )
    return write_csv(header, rows)
