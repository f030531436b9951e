"""Coverage (bot.templates.coverage; pure): which template names exist in which languages, the
columns a lang: filter asks for, the summary, suggestions when nothing matches, pages, untrusted
names, one column for a language code written two ways, and time that grows like n log n."""

from __future__ import annotations

import math

import pytest

from bot.templates.coverage import PAGE_SIZE, CoverageResult, coverage, coverage_languages
from bot.templates.model import Snapshot, Template
from bot.templates.query import Query
from tests.snapshots import NOW, snapshot

SIX = ("en_GB", "en_US", "es", "es_CO", "es_MX", "pt_BR")


def t(name: str, language: str, category: str = "MARKETING", body: str = "Hola") -> Template:
    return Template(name, language, category, body)


CONNECTOR = snapshot(
    [
        *(t("bienvenida", x, "UTILITY") for x in ("en_US", "es", "es_CO", "es_MX", "pt_BR")),
        t("otp", "es", "AUTHENTICATION"),
        t("otp", "en_US", "AUTHENTICATION"),
        t("pago", "es_MX", "UTILITY", "Paga antes de navidad"),
        t("pago", "pt_BR", "UTILITY", "Pague antes do natal"),
        *(t("promo", x) for x in ("en_US", "es_CO", "es_MX", "pt_BR")),
    ]
)


def grid(result: CoverageResult) -> list[str]:
    """Each row as `name x.x`: x present, . missing, in column order."""
    return [f"{r.name} {''.join('x' if p else '.' for p in r.present)}" for r in result.rows]


@pytest.mark.parametrize(
    ("query", "languages", "columns", "rows"),
    [
        (
            Query(),
            None,
            ("en_US", "es", "es_CO", "es_MX", "pt_BR"),
            ["otp xx...", "pago ...xx", "promo x.xxx", "bienvenida xxxxx"],
        ),
        (
            Query(languages=("es",)),
            None,
            ("es", "es_CO", "es_MX"),
            ["otp x..", "pago ..x", "promo .xx", "bienvenida xxx"],
        ),
        (
            Query(languages=("es_mx", "pt")),
            None,
            ("es_MX", "pt_BR"),
            ["bienvenida xx", "pago xx", "promo xx"],
        ),
        (
            Query(),
            ("pt_BR", "es"),
            ("pt_BR", "es", "es_CO", "es_MX"),
            ["otp .x..", "pago x..x", "promo x.xx", "bienvenida xxxx"],
        ),
        (
            Query(),
            ("fr", "es_MX"),
            ("fr", "es_MX"),
            ["bienvenida .x", "pago .x", "promo .x"],
        ),
        (Query(languages=("fr",)), None, ("fr",), []),
        (
            Query(not_languages=("en",)),
            None,
            ("es", "es_CO", "es_MX", "pt_BR"),
            ["otp x...", "pago ..xx", "promo .xxx", "bienvenida xxxx"],
        ),
        (
            Query(languages=("es", "es_MX", "ES_co")),
            None,
            ("es", "es_CO", "es_MX"),
            ["otp x..", "pago ..x", "promo .xx", "bienvenida xxx"],
        ),
        (
            Query(categories=("utility",)),
            None,
            ("en_US", "es", "es_CO", "es_MX", "pt_BR"),
            ["pago ...xx", "bienvenida xxxxx"],
        ),
        # A word only the Spanish body holds picks the name; every language still shows.
        (
            Query(words=("navidad",)),
            None,
            ("en_US", "es", "es_CO", "es_MX", "pt_BR"),
            ["pago ...xx"],
        ),
        (Query(words=("nada",)), None, ("en_US", "es", "es_CO", "es_MX", "pt_BR"), []),
    ],
)
def test_grid_rows_and_columns(
    query: Query, languages: tuple[str, ...] | None, columns: tuple[str, ...], rows: list[str]
) -> None:
    result = coverage(CONNECTOR, query, languages)
    assert result.languages == columns
    assert grid(result) == rows


@pytest.mark.parametrize(
    ("used", "wanted", "unwanted", "columns"),
    [
        (["es_MX", "es", "pt_BR", "es_CO"], [], [], ("es", "es_CO", "es_MX", "pt_BR")),
        (["es_MX", "es", "pt_BR"], ["pt", "es"], [], ("pt_BR", "es", "es_MX")),
        (["es_MX", "es", "pt_BR"], ["es_MX", "es"], [], ("es_MX", "es")),
        (["es_MX", "es", "pt_BR"], ["es"], ["es_MX"], ("es",)),
        (["es_MX", "es", "pt_BR"], [], ["es"], ("pt_BR",)),
        (["es_MX"], ["fr", "FR", "en_US"], [], ("fr", "en_US")),
        (["es_MX", "es-mx"], [], [], ("es-mx",)),
        ([], [], [], ()),
        ([], ["es"], [], ("es",)),
        (["esperanto_XX", "es"], ["es"], [], ("es",)),
    ],
)
def test_columns_expand_families_in_the_order_asked(
    used: list[str], wanted: list[str], unwanted: list[str], columns: tuple[str, ...]
) -> None:
    assert coverage_languages(used, wanted, unwanted) == columns


def test_summary_counts_complete_names_and_languages_most_missed() -> None:
    result = coverage(CONNECTOR, Query())
    assert (result.count, result.complete, result.incomplete) == (4, 1, 3)
    assert result.missing_by_language == (
        ("es", 2),
        ("es_CO", 2),
        ("en_US", 1),
        ("es_MX", 1),
        ("pt_BR", 1),
    )
    [otp] = [r for r in result.rows if r.name == "otp"]
    assert result.missing_languages(otp) == ("es_CO", "es_MX", "pt_BR")
    assert otp.missing == 3 and not otp.complete


def test_nothing_matching_suggests_like_a_lookup() -> None:
    result = coverage(CONNECTOR, Query(words=("promp",)))
    assert result.rows == () and result.close_names == ("promo",)
    relaxed = coverage(CONNECTOR, Query(categories=("utility",), words=("otp",)))
    assert relaxed.relaxation is not None
    assert (relaxed.relaxation.dropped, relaxed.relaxation.count) == (
        "otp",
        7,
    )  # templates, as in lookups


def test_empty_snapshot_has_one_empty_page() -> None:
    result = coverage(snapshot([]), Query())
    assert (result.languages, result.rows, result.shown) == ((), (), ())
    assert (result.page, result.pages, result.complete) == (0, 1, 0)
    assert result.missing_by_language == ()
    assert result.relaxation is None and result.close_names == ()


def many(names: int) -> Snapshot:
    return snapshot([t(f"n{i:04d}", "es") for i in range(names)])


@pytest.mark.parametrize(
    ("names", "page", "shown_page", "pages", "first", "shown"),
    [
        (0, 0, 0, 1, 0, 0),
        (1, 0, 0, 1, 0, 1),
        (PAGE_SIZE, 0, 0, 1, 0, PAGE_SIZE),
        (PAGE_SIZE, 1, 0, 1, 0, PAGE_SIZE),
        (PAGE_SIZE + 1, 1, 1, 2, PAGE_SIZE, 1),
        (PAGE_SIZE + 1, -3, 0, 2, 0, PAGE_SIZE),
        (PAGE_SIZE * 4, 99, 3, 4, PAGE_SIZE * 3, PAGE_SIZE),
    ],
)
def test_pages_are_clamped(
    names: int, page: int, shown_page: int, pages: int, first: int, shown: int
) -> None:
    result = coverage(many(names), Query(), page=page)
    assert (result.page, result.pages, result.first, len(result.shown)) == (
        shown_page,
        pages,
        first,
        shown,
    )
    assert result.shown == result.rows[first : first + PAGE_SIZE]


def test_untrusted_names_and_codes_are_kept_as_written() -> None:
    hostile = "<!channel> *bold* <https://evil.example|click>"
    long_name = "x" * 512
    result = coverage(
        snapshot([t(hostile, "es"), t(hostile, "<@U1>"), t(long_name, "es")]), Query()
    )
    assert result.languages == ("<@U1>", "es")
    assert grid(result) == [f"{long_name} .x", f"{hostile} xx"]


def six_languages(names: int = 100) -> tuple[Snapshot, dict[str, set[str]]]:
    """A connector of names x 6 languages, less the pairs where (i + j) % 7 == 0."""
    spoken: dict[str, set[str]] = {}
    templates = []
    for i in range(names):
        for j, language in enumerate(SIX):
            if (i + j) % 7:
                name = f"plantilla_{i:03d}"
                spoken.setdefault(name, set()).add(language)
                templates.append(t(name, language, ("MARKETING", "UTILITY")[i % 2], f"Hola {i}"))
    return snapshot(templates), spoken


def test_a_connector_of_600_templates_in_6_languages() -> None:
    connector, spoken = six_languages(110)
    assert 500 < connector.count < 660
    result = coverage(connector, Query())
    assert result.languages == SIX
    complete = sorted(n for n, langs in spoken.items() if len(langs) == 6)
    incomplete = sorted(n for n, langs in spoken.items() if len(langs) < 6)
    assert [r.name for r in result.rows] == incomplete + complete
    assert result.complete == len(complete) and result.count == 110
    missing = {x: sum(x not in langs for langs in spoken.values()) for x in SIX}
    assert dict(result.missing_by_language) == missing
    counts = [n for _, n in result.missing_by_language]
    assert counts == sorted(counts, reverse=True)
    pages = [coverage(connector, Query(), page=p) for p in range(result.pages)]
    assert result.pages == math.ceil(110 / PAGE_SIZE)
    assert tuple(r for p in pages for r in p.shown) == result.rows
    for row in result.rows:
        assert row.present == tuple(x in spoken[row.name] for x in SIX)


class CountedName(str):
    """A name that counts how often coverage hashes or compares it."""

    __slots__ = ()
    operations = 0

    def __hash__(self) -> int:
        CountedName.operations += 1
        return str.__hash__(self)

    def __eq__(self, other: object) -> bool:
        CountedName.operations += 1
        return str.__eq__(self, other)

    def __lt__(self, other: str) -> bool:
        CountedName.operations += 1
        return str.__lt__(self, other)


def operations(names: int) -> int:
    templates = tuple(
        Template(CountedName(f"n{i:05d}"), language, "UTILITY", "Hola {{1}}")
        for i in range(names)
        for j, language in enumerate(("es", "es_MX", "pt_BR", "en_US", "en_GB"))
        if (i + j) % 4
    )
    connector = Snapshot("s", "1", templates, 0, NOW)
    CountedName.operations = 0
    result = coverage(connector, Query())
    assert result.count == names
    return CountedName.operations


def test_coverage_of_5000_templates_grows_like_n_log_n() -> None:
    """Work on names by construction, not by the clock: 5x the names costs about 5x the name
    operations (a scan per name would cost 25x)."""
    small, large = operations(250), operations(1250)  # about 1,000 and 5,000 templates
    assert large / small < 7.5
    assert large < 30 * 1250 * math.log2(1250)


def test_a_code_written_two_ways_is_one_column() -> None:
    result = coverage(snapshot([t("a", "es_MX"), t("b", "es-mx"), t("b", "es")]), Query())
    assert result.languages == ("es", "es-mx")
    assert grid(result) == ["a .x", "b xx"]
