"""Two connectors side by side (pure), for `compare <a> <b> [filters]`.

Templates are matched by (name, language), as between two syncs of one connector. A template
is in scope when the query matches it on either side, so a body that mentions a searched word
on one side only still shows as differing rather than as missing. Entries come in one order:
only in the first (left), only in the second (right), then in both but differing; each part by
name, then language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.templates.diff import TemplateChange
from bot.templates.model import Snapshot, Template
from bot.templates.paging import window
from bot.templates.query import Query

PAGE_SIZE = 20


class EntryKind(StrEnum):
    ONLY_LEFT = "only_left"
    ONLY_RIGHT = "only_right"
    DIFFERING = "differing"


@dataclass(frozen=True, slots=True)
class ComparisonEntry:
    """One (name, language) that is not the same on both sides. `left` is None for ONLY_RIGHT,
    `right` for ONLY_LEFT; `fields` says what differs for DIFFERING: ("body",), ("category",)
    or both."""

    kind: EntryKind
    left: Template | None
    right: Template | None
    fields: tuple[str, ...] = ()

    @property
    def template(self) -> Template:
        """The left version when there is one, else the right one."""
        found = self.left or self.right
        assert found is not None
        return found

    @property
    def name(self) -> str:
        return self.template.name

    @property
    def language(self) -> str:
        return self.template.language


@dataclass(frozen=True, slots=True)
class Comparison:
    """What differs between two snapshots among the templates a query matches."""

    left: Snapshot
    right: Snapshot
    query: Query
    only_left: tuple[ComparisonEntry, ...]
    only_right: tuple[ComparisonEntry, ...]
    differing: tuple[ComparisonEntry, ...]
    same: int  # in scope on both sides with the same body and category

    @property
    def entries(self) -> tuple[ComparisonEntry, ...]:
        """Every entry in the order pages show them."""
        return self.only_left + self.only_right + self.differing

    @property
    def count(self) -> int:
        return len(self.only_left) + len(self.only_right) + len(self.differing)

    @property
    def identical(self) -> bool:
        return not self.count


@dataclass(frozen=True, slots=True)
class ComparisonPage:
    """One page of a comparison's entries."""

    comparison: Comparison
    page: int
    pages: int
    first: int  # position in `comparison.entries` of the page's first entry
    shown: tuple[ComparisonEntry, ...]


def compare(left: Snapshot, right: Snapshot, query: Query) -> Comparison:
    """What is only in `left`, only in `right`, and in both but different, within `query`."""
    lefts = {t.key: t for t in left.templates}
    rights = {t.key: t for t in right.templates}
    keys = {left.templates[i].key for i in query.positions(left.templates, left.index)}
    keys |= {right.templates[i].key for i in query.positions(right.templates, right.index)}
    only_left: list[ComparisonEntry] = []
    only_right: list[ComparisonEntry] = []
    differing: list[ComparisonEntry] = []
    same = 0
    for key in sorted(keys):
        a, b = lefts.get(key), rights.get(key)
        if b is None:
            only_left.append(ComparisonEntry(EntryKind.ONLY_LEFT, a, None))
        elif a is None:
            only_right.append(ComparisonEntry(EntryKind.ONLY_RIGHT, None, b))
        elif fields := TemplateChange(a, b).fields:
            differing.append(ComparisonEntry(EntryKind.DIFFERING, a, b, fields))
        else:
            same += 1
    return Comparison(
        left, right, query, tuple(only_left), tuple(only_right), tuple(differing), same
    )


def comparison_page(
    comparison: Comparison, page: int = 0, page_size: int = PAGE_SIZE
) -> ComparisonPage:
    """Page `page` (clamped to the pages there are) of the comparison's entries."""
    entries = comparison.entries
    at = window(len(entries), page, page_size)
    return ComparisonPage(comparison, at.page, at.pages, at.first, entries[at.first : at.end])


__all__: Sequence[str] = [
    "PAGE_SIZE",
    "Comparison",
    "ComparisonEntry",
    "ComparisonPage",
    "EntryKind",
    "compare",
    "comparison_page",
]
