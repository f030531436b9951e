"""Comparing two connectors by (name, language) (bot.templates.compare; pure): only in one,
only in the other, then what differs; untrusted text kept as written; pages clamped and
spanning the kinds in order; 600 templates in 6 languages."""

from __future__ import annotations

import math

import pytest

from bot.templates.compare import (
    PAGE_SIZE,
    Comparison,
    EntryKind,
    compare,
    comparison_page,
)
from bot.templates.model import Snapshot, Template
from bot.templates.query import Query
from tests.snapshots import snapshot


def t(name: str, language: str, body: str = "Hola {{1}}", category: str = "UTILITY") -> Template:
    return Template(name, language, category, body)


MEXICO = snapshot(
    [
        t("bienvenida", "es_MX"),
        t("bienvenida", "en_US", "Hi {{1}}"),
        t("pago", "es_MX", "Paga antes de navidad"),
        t("promo", "es_MX", "Promo", "MARKETING"),
        t("solo_mx", "es_MX"),
        t("otp", "es", "Código {{1}}", "AUTHENTICATION"),
    ],
    "1111",
)
COLOMBIA = snapshot(
    [
        t("bienvenida", "es_MX"),
        t("bienvenida", "es_CO"),
        t("pago", "es_MX", "Paga antes del fin de mes"),
        t("promo", "es_MX", "Promo", "UTILITY"),
        t("otp", "es", "Tu código {{1}}", "MARKETING"),
    ],
    "2222",
)


def entries(comparison: Comparison) -> list[str]:
    return [
        f"{e.kind} {e.name}/{e.language} {','.join(e.fields)}".rstrip() for e in comparison.entries
    ]


@pytest.mark.parametrize(
    ("query", "expected", "same"),
    [
        (
            Query(),
            [
                "only_left bienvenida/en_US",
                "only_left solo_mx/es_MX",
                "only_right bienvenida/es_CO",
                "differing otp/es body,category",
                "differing pago/es_MX body",
                "differing promo/es_MX category",
            ],
            1,
        ),
        (
            Query(languages=("es_MX",)),
            [
                "only_left solo_mx/es_MX",
                "differing pago/es_MX body",
                "differing promo/es_MX category",
            ],
            1,
        ),
        (Query(languages=("en",)), ["only_left bienvenida/en_US"], 0),
        (Query(languages=("es_CO",)), ["only_right bienvenida/es_CO"], 0),
        # Only the Mexican body says navidad: still one template that differs, not two halves.
        (Query(words=("navidad",)), ["differing pago/es_MX body"], 0),
        (
            Query(categories=("marketing",)),
            ["differing otp/es body,category", "differing promo/es_MX category"],
            0,
        ),
        (
            Query(not_categories=("marketing",)),
            [
                "only_left bienvenida/en_US",
                "only_left solo_mx/es_MX",
                "only_right bienvenida/es_CO",
                "differing otp/es body,category",
                "differing pago/es_MX body",
                "differing promo/es_MX category",
            ],
            1,
        ),
        (Query(words=("nada",)), [], 0),
    ],
)
def test_only_in_first_only_in_second_then_differing(
    query: Query, expected: list[str], same: int
) -> None:
    comparison = compare(MEXICO, COLOMBIA, query)
    assert entries(comparison) == expected
    assert comparison.same == same
    assert comparison.count == len(expected)
    assert comparison.identical == (not expected)


def test_swapping_sides_swaps_only_left_and_only_right() -> None:
    there, back = compare(MEXICO, COLOMBIA, Query()), compare(COLOMBIA, MEXICO, Query())
    assert [e.template for e in there.only_left] == [e.template for e in back.only_right]
    assert [e.template for e in there.only_right] == [e.template for e in back.only_left]
    assert [(e.left, e.right) for e in there.differing] == [
        (e.right, e.left) for e in back.differing
    ]


def test_each_entry_carries_both_sides() -> None:
    comparison = compare(MEXICO, COLOMBIA, Query())
    [only_mx, _] = comparison.only_left
    assert only_mx.kind is EntryKind.ONLY_LEFT and only_mx.right is None
    [only_co] = comparison.only_right
    assert only_co.left is None and only_co.template.language == "es_CO"
    otp = comparison.differing[0]
    assert otp.left is not None and otp.right is not None
    assert (otp.left.body, otp.right.body) == ("Código {{1}}", "Tu código {{1}}")


@pytest.mark.parametrize(
    ("left", "right", "counts"),
    [
        ([], [], (0, 0, 0, 0)),
        ([t("a", "es")], [], (1, 0, 0, 0)),
        ([], [t("a", "es")], (0, 1, 0, 0)),
        ([t("a", "es")], [t("a", "es")], (0, 0, 0, 1)),
        ([t("a", "es")], [t("a", "es_MX")], (1, 1, 0, 0)),
        ([t("a", "es")], [t("A", "es")], (1, 1, 0, 0)),  # names are matched exactly, as Meta does
    ],
)
def test_edges(
    left: list[Template], right: list[Template], counts: tuple[int, int, int, int]
) -> None:
    comparison = compare(snapshot(left, "1"), snapshot(right, "2"), Query())
    assert (
        len(comparison.only_left),
        len(comparison.only_right),
        len(comparison.differing),
        comparison.same,
    ) == counts
    page = comparison_page(comparison)
    assert (page.page, page.pages, page.shown) == (0, 1, comparison.entries)


def test_untrusted_text_is_kept_as_written() -> None:
    hostile = "<!channel> *x* <https://evil.example|ok>"
    long_body = "<@U123> {{1}} " + "z" * 2000
    comparison = compare(
        snapshot([t(hostile, "es", long_body)], "1"),
        snapshot([t(hostile, "es", long_body + "!")], "2"),
        Query(),
    )
    [entry] = comparison.differing
    assert entry.name == hostile and entry.fields == ("body",)
    assert entry.left is not None and entry.left.body == long_body


def six_languages(connector: str, changed: int) -> Snapshot:
    """600 templates in 6 languages; the second connector changes a few."""
    languages = ("en_GB", "en_US", "es", "es_CO", "es_MX", "pt_BR")
    templates = [
        t(f"plantilla_{i:03d}", x, f"Hola {{{{1}}}} {i}") for i in range(100) for x in languages
    ]
    if changed:
        templates = [
            x
            for x in templates
            if not (x.name == "plantilla_000" and x.language in ("es", "pt_BR"))
        ]
        templates += [t("nueva", "es_MX"), t("nueva", "es_CO")]
        templates = [
            t(x.name, x.language, x.body + " ¡ya!")
            if x.name.endswith(("1", "2")) and x.language == "es_MX"
            else x
            for x in templates
        ]
    return snapshot(templates, connector)


def test_two_connectors_of_600_templates_in_6_languages() -> None:
    left, right = six_languages("1111", 0), six_languages("2222", 1)
    assert (left.count, right.count) == (600, 600)
    comparison = compare(left, right, Query())
    assert [e.language for e in comparison.only_left] == ["es", "pt_BR"]
    assert [e.name for e in comparison.only_right] == ["nueva", "nueva"]
    assert len(comparison.differing) == 20
    assert all(e.fields == ("body",) for e in comparison.differing)
    assert comparison.same == 600 - 2 - 20
    pages = [comparison_page(comparison, p) for p in range(comparison_page(comparison).pages)]
    assert len(pages) == math.ceil(24 / PAGE_SIZE) == 2
    assert tuple(e for p in pages for e in p.shown) == comparison.entries
    spanish = compare(left, right, Query(languages=("es",)))
    assert (len(spanish.only_left), len(spanish.only_right), len(spanish.differing)) == (1, 2, 20)


@pytest.mark.parametrize(
    ("count", "page", "shown_page", "pages", "first", "shown"),
    [
        (0, 0, 0, 1, 0, 0),
        (0, 5, 0, 1, 0, 0),
        (PAGE_SIZE, 1, 0, 1, 0, PAGE_SIZE),
        (PAGE_SIZE + 1, 1, 1, 2, PAGE_SIZE, 1),
        (PAGE_SIZE * 2 + 5, -1, 0, 3, 0, PAGE_SIZE),
        (PAGE_SIZE * 2 + 5, 2, 2, 3, PAGE_SIZE * 2, 5),
        (PAGE_SIZE * 2 + 5, 99, 2, 3, PAGE_SIZE * 2, 5),
    ],
)
def test_pages_are_clamped(
    count: int, page: int, shown_page: int, pages: int, first: int, shown: int
) -> None:
    left = snapshot([t(f"n{i:03d}", "es") for i in range(count)], "1")
    at = comparison_page(compare(left, snapshot([], "2"), Query()), page)
    assert (at.page, at.pages, at.first, len(at.shown)) == (shown_page, pages, first, shown)


def test_a_page_can_span_the_kinds_in_order() -> None:
    left = snapshot([t(f"a{i:02d}", "es") for i in range(15)] + [t("d", "es")], "1")
    right = snapshot([t(f"b{i:02d}", "es") for i in range(15)] + [t("d", "es", "otro")], "2")
    comparison = compare(left, right, Query())
    first, second = comparison_page(comparison, 0), comparison_page(comparison, 1)
    assert [e.kind for e in first.shown] == [EntryKind.ONLY_LEFT] * 15 + [EntryKind.ONLY_RIGHT] * 5
    assert [e.kind for e in second.shown] == [EntryKind.ONLY_RIGHT] * 10 + [EntryKind.DIFFERING]
