"""Answering a lookup (pure): which templates match, which page is shown, the counts, and what
to suggest when nothing matches. The Slack views only render these values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.templates.model import Snapshot, Template, count_by
from bot.templates.query import Query, best_relaxation, closest_names, fold

PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class Relaxation:
    """The one term whose removal gives the most matches: `dropped`, and the query without it."""

    dropped: str
    rest: str
    count: int


@dataclass(frozen=True, slots=True)
class LookupResult:
    """One page of the templates of a snapshot that match a query, with what a reply needs."""

    snapshot: Snapshot
    query: Query
    positions: tuple[int, ...]  # every match, as positions in snapshot.templates
    page: int
    pages: int
    first: int  # position in `positions` of the page's first match
    shown: tuple[int, ...]  # the page's matches, as positions in snapshot.templates
    by_category: tuple[tuple[str, int], ...]
    by_language: tuple[tuple[str, int], ...]
    relaxation: Relaxation | None = None  # only when nothing matches
    close_names: tuple[str, ...] = ()  # only when nothing matches

    @property
    def count(self) -> int:
        return len(self.positions)

    @property
    def matches(self) -> list[Template]:
        return [self.snapshot.templates[i] for i in self.positions]

    @property
    def shown_templates(self) -> list[Template]:
        return [self.snapshot.templates[i] for i in self.shown]


def lookup(
    snapshot: Snapshot, query: Query, page: int = 0, page_size: int = PAGE_SIZE
) -> LookupResult:
    """The matches of `query` in `snapshot`, page `page` (clamped to the pages there are)."""
    positions = tuple(query.positions(snapshot.templates, snapshot.index))
    pages = max(1, -(-len(positions) // page_size))
    page = min(max(page, 0), pages - 1)
    first = page * page_size
    matches = [snapshot.templates[i] for i in positions]
    relaxation: Relaxation | None = None
    close: tuple[str, ...] = ()
    if not positions and snapshot.count:
        relaxation = _relaxation(query, snapshot)
        words = " ".join(query.words)
        close = tuple(closest_names(words.replace(" ", "_"), snapshot.templates)) if words else ()
    return LookupResult(
        snapshot=snapshot,
        query=query,
        positions=positions,
        page=page,
        pages=pages,
        first=first,
        shown=positions[first : first + page_size],
        by_category=tuple(count_by(t.category for t in matches)),
        by_language=tuple(count_by(t.language for t in matches)),
        relaxation=relaxation,
        close_names=close,
    )


def _relaxation(query: Query, snapshot: Snapshot) -> Relaxation | None:
    best = best_relaxation(query, snapshot.templates, snapshot.index)
    if best is None:
        return None
    dropped, count = best
    rest = " ".join(query.text().replace(dropped, "", 1).split())
    return Relaxation(dropped=dropped, rest=rest, count=count)


@dataclass(frozen=True, slots=True)
class TemplateVersions:
    """`show <name>`: every language version of one template, or the closest names."""

    snapshot: Snapshot
    name: str
    versions: tuple[Template, ...]
    close_names: tuple[str, ...] = ()


def find_versions(snapshot: Snapshot, name: str) -> TemplateVersions:
    """The templates named `name` (any case or accent), in every language."""
    wanted = fold(name)
    versions = tuple(t for t in snapshot.templates if fold(t.name) == wanted)
    close = () if versions else tuple(closest_names(name, snapshot.templates))
    return TemplateVersions(snapshot, name, versions, close)


def template_at(snapshot: Snapshot, index: int) -> Template | None:
    """The template at a position a menu option carries, if the snapshot has it."""
    return snapshot.templates[index] if 0 <= index < snapshot.count else None


__all__: Sequence[str] = [
    "PAGE_SIZE",
    "LookupResult",
    "Relaxation",
    "TemplateVersions",
    "find_versions",
    "lookup",
    "template_at",
]
