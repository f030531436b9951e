"""Coverage (pure): which template names exist in which languages, for `coverage [filters]`.

One row per template name, one column per language, each cell present or missing.
- Columns: the connector's languages (alphabetical), or those asked for, in the order asked.
  A code without a region stands for its whole family, as `lang:` does in lookups: `es` becomes
  every Spanish the connector uses (es, es_CO, es_MX, alphabetical). A code the connector
  doesn't use at all stays a column of its own, so "nothing in French" shows. `-lang:` terms
  drop columns. The query's `lang:` terms give the columns unless `languages` is passed.
- Rows: the names of the templates the whole query matches that exist in at least one column.
  The other filters pick names, never cells: with `category:marketing navidad`, a name whose
  Spanish version matches still shows every language it exists in.
- Order: incomplete rows first, then by name. Each page holds PAGE_SIZE rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.templates.lookup import Relaxation, lookup
from bot.templates.model import Snapshot
from bot.templates.paging import window
from bot.templates.query import Query, language_key

PAGE_SIZE = 25  # rows a grid page shows: well within Block Kit's 50 blocks and text budget


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """One template name and, for each column of its CoverageResult, whether it exists there."""

    name: str
    present: tuple[bool, ...]

    @property
    def complete(self) -> bool:
        return all(self.present)

    @property
    def missing(self) -> int:
        return self.present.count(False)


@dataclass(frozen=True, slots=True)
class CoverageResult:
    """The grid of a snapshot's names by language, one page of it shown, with its summary."""

    snapshot: Snapshot
    query: Query
    languages: tuple[str, ...]  # the columns, in order
    rows: tuple[CoverageRow, ...]  # every row: incomplete first, then by name
    complete: int  # rows present in every column
    missing_by_language: tuple[tuple[str, int], ...]  # each column, most rows missing it first
    page: int
    pages: int
    first: int  # position in `rows` of the page's first row
    shown: tuple[CoverageRow, ...]  # the page's rows
    relaxation: Relaxation | None = None  # only when the query matches nothing
    close_names: tuple[str, ...] = ()  # only when the query matches nothing

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def incomplete(self) -> int:
        return len(self.rows) - self.complete

    def missing_languages(self, row: CoverageRow) -> tuple[str, ...]:
        """The columns `row` is missing, in column order."""
        pairs = zip(self.languages, row.present, strict=True)
        return tuple(language for language, here in pairs if not here)


def coverage(
    snapshot: Snapshot,
    query: Query,
    languages: Sequence[str] | None = None,
    page: int = 0,
    page_size: int = PAGE_SIZE,
) -> CoverageResult:
    """Which names the query matches exist in which languages; page `page` (clamped)."""
    positions = query.positions(snapshot.templates, snapshot.index)
    templates = snapshot.templates
    columns = coverage_languages(
        (t.language for t in templates),
        query.languages if languages is None else languages,
        query.not_languages,
    )
    keys = [language_key(c) for c in columns]
    spoken: dict[str, set[str]] = {templates[i].name: set() for i in positions}
    for t in templates:
        if t.name in spoken:
            spoken[t.name].add(language_key(t.language))
    rows = [CoverageRow(name, tuple(k in here for k in keys)) for name, here in spoken.items()]
    rows = sorted((r for r in rows if any(r.present)), key=lambda r: (r.complete, r.name))
    missing = [0] * len(columns)
    for row in rows:
        for i, here in enumerate(row.present):
            missing[i] += not here
    by_language = sorted(zip(columns, missing, strict=True), key=lambda c: -c[1])  # stable
    at = window(len(rows), page, page_size)
    relaxation: Relaxation | None = None
    close: tuple[str, ...] = ()
    if not positions and snapshot.count:
        nothing = lookup(snapshot, query, page_size=1)
        relaxation, close = nothing.relaxation, nothing.close_names
    return CoverageResult(
        snapshot=snapshot,
        query=query,
        languages=columns,
        rows=tuple(rows),
        complete=sum(r.complete for r in rows),
        missing_by_language=tuple(by_language),
        page=at.page,
        pages=at.pages,
        first=at.first,
        shown=tuple(rows[at.first : at.end]),
        relaxation=relaxation,
        close_names=close,
    )


def coverage_languages(
    used: Iterable[str], wanted: Sequence[str] = (), unwanted: Sequence[str] = ()
) -> tuple[str, ...]:
    """The grid's columns: the codes `used` (alphabetical) or each of `wanted` expanded to the
    used codes it covers (`es` -> es, es_CO, es_MX), without those `unwanted` covers."""
    codes = sorted(set(used), key=lambda c: (language_key(c), c))
    if wanted:
        chosen = [c for w in wanted for c in ([c for c in codes if _covers(w, c)] or [w])]
    else:
        chosen = codes
    columns: list[str] = []
    seen: set[str] = set()  # one column per code however it is written
    for code in chosen:
        key = language_key(code)
        if key not in seen and not any(_covers(u, code) for u in unwanted):
            seen.add(key)
            columns.append(code)
    return tuple(columns)


def _covers(wanted: str, code: str) -> bool:
    """The `lang:` rule of bot.templates.query: es covers es and every es_*; es_MX only es_MX."""
    want, have = language_key(wanted), language_key(code)
    return have == want or ("_" not in want and have.startswith(want + "_"))


__all__: Sequence[str] = [
    "PAGE_SIZE",
    "CoverageResult",
    "CoverageRow",
    "coverage",
    "coverage_languages",
]
