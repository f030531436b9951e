"""Search (bot.templates.query; pure): filters and words, the empty query, case and accents
folded, the term to drop when nothing matches, and the closest names."""

from __future__ import annotations

import pytest

from bot.commands import parse_query_text
from bot.templates.model import Template, sorted_templates
from bot.templates.query import Query, best_relaxation, closest_names, fold, search_index
from testkit.fake_wolkvox import CAMPAIGN

TEMPLATES = sorted_templates(
    Template(t["name_template"], t["idiom"], t["category"], t["body_template"]) for t in CAMPAIGN
)
INDEX = search_index(TEMPLATES)


def names(text: str) -> list[str]:
    query = parse_query_text(text)
    found = [f"{t.name}/{t.language}" for t in query.apply(TEMPLATES, INDEX)]
    assert found == [
        f"{t.name}/{t.language}" for t in query.apply(TEMPLATES)
    ]  # same without the index
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lang:pt_BR", ["boas_vindas/pt_BR", "promo_natal/pt_BR", "recordatorio_pago/pt_BR"]),
        ("lang:pt_br", ["boas_vindas/pt_BR", "promo_natal/pt_BR", "recordatorio_pago/pt_BR"]),
        ("lang:pt", ["boas_vindas/pt_BR", "promo_natal/pt_BR", "recordatorio_pago/pt_BR"]),
        ("lang:es_CO", ["promo_navidad/es_CO"]),
        (
            "lang:es",
            [
                "aviso_navidad_horario/es_MX",
                "codigo_verificacion/es",
                "promo_navidad/es_CO",
                "promo_navidad/es_MX",
                "promocion_verano/es_MX",
                "recordatorio_pago/es_MX",
            ],
        ),
        ("lang:es_PE", []),
        ("lang:en lang:es_CO", ["promo_navidad/es_CO", "welcome_message/en_US"]),
        ("category:marketing navidad", ["promo_navidad/es_CO", "promo_navidad/es_MX"]),
        ("navidad", ["aviso_navidad_horario/es_MX", "promo_navidad/es_CO", "promo_navidad/es_MX"]),
        ("-category:marketing navidad", ["aviso_navidad_horario/es_MX"]),
        ("category:marketing category:authentication -lang:es lang:en", ["welcome_message/en_US"]),
        ("feliz gratis", ["promo_natal/pt_BR", "promo_navidad/es_CO"]),  # every word must match
        ('"feliz navidad"', ["promo_navidad/es_CO", "promo_navidad/es_MX"]),
        ("promocion", ["promocion_verano/es_MX"]),  # the body says "Promoción"
        ("CÓDIGO", ["codigo_verificacion/es"]),
        ("navidad -gratis", ["aviso_navidad_horario/es_MX", "promo_navidad/es_MX"]),
        ("category:flow", []),
        # the reader's word for Meta's category
        ("categoría:autenticación", ["codigo_verificacion/es"]),
        ("categoria:autenticação -lang:es", []),
        ("categoría:utilidad navidad", ["aviso_navidad_horario/es_MX"]),
        ("categoria:utilidade -lang:es", ["boas_vindas/pt_BR", "recordatorio_pago/pt_BR"]),
        ("categoría:mercadeo lang:en", ["welcome_message/en_US"]),
    ],
)
def test_filters_and_words(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_empty_query_matches_everything() -> None:
    assert Query().apply(TEMPLATES) == list(TEMPLATES)


def test_fold_ignores_case_and_accents() -> None:
    assert fold("PROMOCIÓN Ñandú Ação") == "promocion nandu acao"
    assert fold("日本語") == "日本語"


def test_best_relaxation_names_the_term_to_drop() -> None:
    query = parse_query_text("lang:en navidad")
    assert best_relaxation(query, TEMPLATES, INDEX) == ("lang:en", 3)  # drop the language: 3 match
    query = parse_query_text("category:utility natal")
    assert best_relaxation(query, TEMPLATES, INDEX) == ("natal", 4)  # the drop that keeps most


def test_closest_names() -> None:
    assert closest_names("recordatorio", TEMPLATES)[0] == "recordatorio_pago"
    assert "promo_navidad" in closest_names("promo_navida", TEMPLATES)
    assert closest_names("zzz", TEMPLATES) == []
