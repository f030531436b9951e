from __future__ import annotations

import csv
import io

import pytest

from bot.templates.export import csv_filename, safe_cell, templates_csv
from bot.templates.model import Template


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
