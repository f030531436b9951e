"""Readiness of one template across its languages (bot.templates.readiness; pure): the
warnings before a campaign (variables, categories, missing siblings, body length), versions by
language, names matched in any case or accent, the closest names for an unknown one."""

from __future__ import annotations

import pytest

from bot.templates.model import Template
from bot.templates.readiness import (
    BODY_LIMIT,
    CategoriesDiffer,
    CategoryGroup,
    MissingSibling,
    NearLimit,
    OverLimit,
    ReadinessWarning,
    VariablesDiffer,
    VariableSet,
    readiness,
)
from tests.snapshots import snapshot

PAGO = "Hola {{1}}, paga {{2}} el {{3}}."


def t(name: str, language: str, body: str = PAGO, category: str = "UTILITY") -> Template:
    return Template(name, language, category, body)


@pytest.mark.parametrize(
    ("templates", "warnings"),
    [
        pytest.param([t("pago", "es_MX"), t("pago", "pt_BR")], [], id="the same everywhere"),
        pytest.param(
            [t("pago", "es_MX"), t("pago", "pt_BR", "Olá {{2}}: {{1}} em {{3}}, {{1}}")],
            [],
            id="word order moves variables",
        ),
        pytest.param(
            [t("pago", "es_MX"), t("pago", "es_CO", "Hola {{1}}, paga {{2}}"), t("pago", "pt_BR")],
            [
                VariablesDiffer(
                    (
                        VariableSet(("1", "2", "3"), ("es_MX", "pt_BR")),
                        VariableSet(("1", "2"), ("es_CO",)),
                    )
                )
            ],
            id="a variable less",
        ),
        pytest.param(
            [t("hola", "es", "Hola {{nombre}}"), t("hola", "en", "Hi {{name}}")],
            [VariablesDiffer((VariableSet(("name",), ("en",)), VariableSet(("nombre",), ("es",))))],
            id="named variables differ",
        ),
        pytest.param(
            [t("x", "es", "{{10}} {{2}} {{b}} {{1}} {{a}}"), t("x", "en", "{{1}}")],
            [
                VariablesDiffer(
                    (
                        VariableSet(("1",), ("en",)),
                        VariableSet(("1", "2", "10", "a", "b"), ("es",)),
                    )
                )
            ],
            id="numbers before names, by value",
        ),
        pytest.param(
            [t("pago", "es_MX"), t("pago", "pt_BR", category="MARKETING"), t("pago", "en_US")],
            [
                CategoriesDiffer(
                    (
                        CategoryGroup("UTILITY", ("en_US", "es_MX")),
                        CategoryGroup("MARKETING", ("pt_BR",)),
                    )
                )
            ],
            id="a category differs",
        ),
        pytest.param(
            [t("pago", "es_MX"), t("otro", "es_CO"), t("otro", "es"), t("otro", "en_US")],
            [MissingSibling("es", ("es_MX",), ("es", "es_CO"))],
            id="Spanish siblings the connector uses",
        ),
        pytest.param(
            [t("pago", "es"), t("otro", "es_AR"), t("pago", "pt_BR"), t("otro", "pt_PT")],
            [
                MissingSibling("es", ("es",), ("es_AR",)),
                MissingSibling("pt", ("pt_BR",), ("pt_PT",)),
            ],
            id="each family the template speaks",
        ),
        pytest.param(
            [t("pago", "es_MX"), t("otro", "es_mx"), t("otro", "es-MX")],
            [],
            id="one code however written",
        ),
        pytest.param(
            [t("pago", "es_MX", "x" * (BODY_LIMIT * 9 // 10))],
            [],
            id="921 characters",
        ),
        pytest.param(
            [t("pago", "es_MX", "x" * 922)],
            [NearLimit("es_MX", 922)],
            id="922 characters",
        ),
        pytest.param(
            [t("pago", "es_MX", "x" * 1024)],
            [NearLimit("es_MX", 1024)],
            id="at the limit",
        ),
        pytest.param(
            [t("pago", "es_MX", "x" * 1025)],
            [OverLimit("es_MX", 1025)],
            id="over the limit",
        ),
        pytest.param(
            [
                t("pago", "es_MX", "{{1}} " + "x" * 950),
                t("pago", "pt_BR", "y" * 2000, "MARKETING"),
                t("otro", "es_CO"),
            ],
            [
                OverLimit("pt_BR", 2000),
                VariablesDiffer((VariableSet(("1",), ("es_MX",)), VariableSet((), ("pt_BR",)))),
                CategoriesDiffer(
                    (CategoryGroup("UTILITY", ("es_MX",)), CategoryGroup("MARKETING", ("pt_BR",)))
                ),
                MissingSibling("es", ("es_MX",), ("es_CO",)),
                NearLimit("es_MX", 956),
            ],
            id="most serious first",
        ),
    ],
)
def test_warnings(templates: list[Template], warnings: list[ReadinessWarning]) -> None:
    result = readiness(snapshot(templates), templates[0].name)
    assert list(result.warnings) == warnings
    assert result.ready == (not warnings)


def test_versions_by_language_with_their_variables() -> None:
    result = readiness(
        snapshot([t("pago", "pt_BR", "Olá {{2}} {{1}}", "MARKETING"), t("pago", "es_MX")]), "pago"
    )
    assert result.found and result.languages == ("es_MX", "pt_BR")
    [mx, br] = result.versions
    assert (mx.category, mx.variables, mx.length) == ("UTILITY", ("1", "2", "3"), len(PAGO))
    assert (br.category, br.variables) == ("MARKETING", ("2", "1"))
    different = next(w for w in result.warnings if isinstance(w, VariablesDiffer))
    assert different.counts_differ


def test_same_count_different_names_is_not_a_count_difference() -> None:
    result = readiness(snapshot([t("h", "es", "{{nombre}}"), t("h", "en", "{{name}}")]), "h")
    [warning] = result.warnings
    assert isinstance(warning, VariablesDiffer) and not warning.counts_differ


@pytest.mark.parametrize("asked", ["promoción", "PROMOCION", "Promoción", "promocion"])
def test_names_match_in_any_case_or_accent(asked: str) -> None:
    result = readiness(snapshot([t("promocion", "es"), t("promocion", "en")]), asked)
    assert result.languages == ("en", "es") and result.name == asked


@pytest.mark.parametrize(
    ("templates", "asked", "close"),
    [
        ([t("recordatorio_pago", "es"), t("pago", "es")], "recordatorio", ("recordatorio_pago",)),
        ([t("recordatorio_pago", "es")], "recordatorio_pag", ("recordatorio_pago",)),
        ([t("recordatorio_pago", "es")], "zzz", ()),
        ([], "pago", ()),
    ],
)
def test_an_unknown_name_suggests_the_closest(
    templates: list[Template], asked: str, close: tuple[str, ...]
) -> None:
    result = readiness(snapshot(templates), asked)
    assert not result.found and not result.ready
    assert (result.versions, result.warnings, result.close_names) == ((), (), close)


def test_untrusted_text_is_kept_as_written() -> None:
    hostile = "<!channel> *x* <https://evil.example|ok>"
    body = "<@U123> {{1}} &amp; " + "z" * 2000
    result = readiness(snapshot([t(hostile, "es", body), t(hostile, "<!here>")]), hostile)
    assert [v.template.name for v in result.versions] == [hostile, hostile]
    assert result.languages == ("<!here>", "es")
    assert OverLimit("es", len(body)) in result.warnings


def test_a_template_of_a_600_template_connector_in_6_languages() -> None:
    languages = ("en_GB", "en_US", "es", "es_CO", "es_MX", "pt_BR")
    templates = [
        t(f"plantilla_{i:03d}", x, f"Hola {{{{1}}}} {i}")
        for i in range(100)
        for x in languages
        if not (i == 7 and x in ("es_CO", "en_GB"))
    ]
    templates.append(t("plantilla_007", "es_AR", "Hola {{1}} {{2}}", "MARKETING"))
    connector = snapshot(templates)
    assert connector.count == 599
    result = readiness(connector, "plantilla_007")
    assert result.languages == ("en_US", "es", "es_AR", "es_MX", "pt_BR")
    assert result.warnings == (
        VariablesDiffer(
            (
                VariableSet(("1",), ("en_US", "es", "es_MX", "pt_BR")),
                VariableSet(("1", "2"), ("es_AR",)),
            )
        ),
        CategoriesDiffer(
            (
                CategoryGroup("UTILITY", ("en_US", "es", "es_MX", "pt_BR")),
                CategoryGroup("MARKETING", ("es_AR",)),
            )
        ),
        MissingSibling("en", ("en_US",), ("en_GB",)),
        MissingSibling("es", ("es", "es_AR", "es_MX"), ("es_CO",)),
    )
    # One template in es_AR makes es_AR a sibling every other Spanish template lacks.
    assert readiness(connector, "plantilla_008").warnings == (
        MissingSibling("es", ("es", "es_CO", "es_MX"), ("es_AR",)),
    )
    assert readiness(connector, "plantilla_008").versions[0].variables == ("1",)
