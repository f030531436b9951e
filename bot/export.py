"""Templates as CSV, safe to open in spreadsheet tools (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from bot.templates import Template

COLUMNS = ("name", "language", "category", "variables", "body")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def safe_cell(value: str) -> str:
    """A cell no spreadsheet will run as a formula: a leading = + - @ (or tab, CR) gets a '."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def templates_csv(templates: Sequence[Template]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for t in templates:
        writer.writerow(
            [
                safe_cell(t.name),
                safe_cell(t.language),
                safe_cell(t.category),
                str(len(t.variables)),
                safe_cell(t.body),
            ]
        )
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8 (accents) correctly


def csv_filename(connector: str, query_text: str) -> str:
    """wolkvox-1234-templates.csv, or wolkvox-1234-lang-pt-navidad.csv for a lookup."""
    slug = "".join(c if c.isalnum() else "-" for c in query_text.lower())
    slug = "-".join(filter(None, slug.split("-")))[:60]
    return f"wolkvox-{connector}-{slug or 'templates'}.csv"
