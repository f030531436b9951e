"""CSV files (bot.templates.export; pure): the template list, coverage and a comparison as CSV,
cells that cannot run as formulas, and file names that say the connector and the filters."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from bot.templates.compare import compare
from bot.templates.coverage import coverage
from bot.templates.export import (
    comparison_csv,
    coverage_csv,
    csv_filename,
    safe_cell,
    templates_csv,
)
from bot.templates.model import Snapshot, Template, sorted_templates
from bot.templates.query import Query, search_index


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (" =1+1", "' =1+1"),
        ("\u00a0=1+1", "'\u00a0=1+1"),
        ("  \u00a0 @SUM(A1)", "'  \u00a0 @SUM(A1)"),
        ("\u2003-2", "'\u2003-2"),
        ("  hola", "  hola"),
        ("Hola {{1}}", "Hola {{1}}"),
        ("", ""),
    ],
)
def test_cells_cannot_run_as_formulas(value: str, cell: str) -> None:
    assert safe_cell(value) == cell


def test_csv_holds_name_language_category_variables_and_body() -> None:
    templates = [
        Template(
            "recordatorio_pago",
            "es_MX",
            "UTILITY",
            "Hola {{1}}, paga {{2}} antes del {{1}}.\nGracias",
        ),
        Template("=cmd|' /C calc'!A0", "es", "MARKETING", "=1+1"),
        Template("promo", "pt_BR", "MARKETING", 'Diga "olá", ação'),
    ]
    text = templates_csv(templates)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["name", "language", "category", "variables", "body"]
    assert rows[1] == [
        "recordatorio_pago",
        "es_MX",
        "UTILITY",
        "2",
        "Hola {{1}}, paga {{2}} antes del {{1}}.\nGracias",
    ]
    assert rows[2] == ["'=cmd|' /C calc'!A0", "es", "MARKETING", "0", "'=1+1"]
    assert rows[3][4] == 'Diga "olá", ação'
    assert len(rows) == 4
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_filename_names_connector_and_filters() -> None:
    assert csv_filename("1234", "") == "wolkvox-1234-templates.csv"
    assert csv_filename("1234", 'lang:pt_br category:marketing "feliz navidad"') == (
        "wolkvox-1234-lang-pt-br-category-marketing-feliz-navidad.csv"
    )
    assert "/" not in csv_filename("1", "../../etc/passwd")


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def snapshot_of(connector: str, templates: list[Template]) -> Snapshot:
    ordered = sorted_templates(templates)
    return Snapshot("s" + connector, connector, ordered, 0, EXPORTED_AT, search_index(ordered))


EXPORTED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_coverage_csv_holds_every_row_and_a_column_per_language() -> None:
    templates = [Template(f"n{i:02d}", "es", "UTILITY", "Hola") for i in range(30)]
    templates += [
        Template("n00", "pt_BR", "UTILITY", "Olá"),
        Template('=HYPERLINK("http://x")', "pt_BR", "UTILITY", "x"),
        Template("<!channel>", "-1+1", "UTILITY", "x"),
    ]
    result = coverage(snapshot_of("1234", templates), Query(), page=1)
    rows = read_csv(coverage_csv(result))
    assert rows[0] == ["name", "'-1+1", "es", "pt_BR"]
    assert len(rows) == 1 + 32  # every row, not the page shown
    assert rows[1] == ["<!channel>", "yes", "", ""]  # incomplete rows first, by name
    assert rows[2] == ['\'=HYPERLINK("http://x")', "", "", "yes"]
    assert ["n00", "", "yes", "yes"] in rows
    assert ["n01", "", "yes", ""] in rows


def test_comparison_csv_has_one_row_per_entry_in_page_order() -> None:
    left = snapshot_of(
        "1",
        [
            Template("pago", "es_MX", "UTILITY", "Paga {{1}}"),
            Template("solo", "es", "MARKETING", "=1+1"),
            Template("otp", "es", "AUTHENTICATION", "Código"),
        ],
    )
    right = snapshot_of(
        "2",
        [
            Template("pago", "es_MX", "MARKETING", "Paga ya {{1}}"),
            Template("nuevo", "pt_BR", "UTILITY", "Olá\nmundo"),
            Template("otp", "es", "AUTHENTICATION", "Código"),
        ],
    )
    rows = read_csv(comparison_csv(compare(left, right, Query())))
    assert rows == [
        [
            "kind",
            "name",
            "language",
            "category_left",
            "category_right",
            "body_left",
            "body_right",
            "differs",
        ],
        ["only_left", "solo", "es", "MARKETING", "", "'=1+1", "", ""],
        ["only_right", "nuevo", "pt_BR", "", "UTILITY", "", "Olá\nmundo", ""],
        [
            "differing",
            "pago",
            "es_MX",
            "UTILITY",
            "MARKETING",
            "Paga {{1}}",
            "Paga ya {{1}}",
            "body category",
        ],
    ]


def test_empty_coverage_and_comparison_are_a_header_only() -> None:
    empty = snapshot_of("1", [])
    assert read_csv(coverage_csv(coverage(empty, Query()))) == [["name"]]
    assert len(read_csv(comparison_csv(compare(empty, empty, Query())))) == 1
