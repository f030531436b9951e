"""What changed between two syncs of a connector (pure).

A template's identity is (name, language): Meta keeps one body per name and language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.templates.model import Template


@dataclass(frozen=True, slots=True)
class TemplateChange:
    """One template present in both syncs whose body or category differs."""

    before: Template
    after: Template

    @property
    def fields(self) -> tuple[str, ...]:
        """What changed: ("body",), ("category",) or both."""
        changed = []
        if self.before.body != self.after.body:
            changed.append("body")
        if self.before.category != self.after.category:
            changed.append("category")
        return tuple(changed)


@dataclass(frozen=True, slots=True)
class Changes:
    """The difference from the previous snapshot. `first` means there was none to compare."""

    added: tuple[Template, ...] = ()
    removed: tuple[Template, ...] = ()
    changed: tuple[TemplateChange, ...] = ()
    first: bool = False
    previous_id: str = ""

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    @property
    def total(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


def diff(
    previous: Sequence[Template] | None, current: Sequence[Template], previous_id: str = ""
) -> Changes:
    """Compare two syncs. `previous` None means this is the connector's first sync."""
    if previous is None:
        return Changes(first=True)
    before = {t.key: t for t in previous}
    after = {t.key: t for t in current}
    added = tuple(after[k] for k in sorted(after.keys() - before.keys()))
    removed = tuple(before[k] for k in sorted(before.keys() - after.keys()))
    changed = tuple(
        TemplateChange(before[k], after[k])
        for k in sorted(before.keys() & after.keys())
        if before[k].body != after[k].body or before[k].category != after[k].category
    )
    return Changes(added=added, removed=removed, changed=changed, previous_id=previous_id)
