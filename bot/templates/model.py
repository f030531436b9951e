"""The domain: WhatsApp message templates and the snapshots a sync produces."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# A body variable as Meta writes it: positional {{1}} or named {{first_name}}; group 1 is its name.
VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]{1,64})\s*\}\}")


@dataclass(frozen=True, slots=True)
class Template:
    """One template approved in Meta, as Wolkvox reports it. Every field is untrusted text."""

    name: str
    language: str
    category: str
    body: str

    @property
    def key(self) -> tuple[str, str]:
        """A template's identity: Meta allows one body per name and language."""
        return (self.name, self.language)

    @property
    def variables(self) -> list[str]:
        """The body's variables in first-use order, no repeats: ['1', '2'] or ['name']."""
        return list(dict.fromkeys(m.group(1) for m in VARIABLE.finditer(self.body)))


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class Snapshot:
    """The templates of one connector as one sync saw them. Compared by identity: each sync
    makes its own, and renderings are cached per snapshot."""

    id: str
    connector: str
    templates: tuple[Template, ...]
    skipped: int
    synced_at: datetime
    # searchable text per template (bot.templates.query.search_index), or () when not known;
    # kept snapshots compute theirs on first use (bot.sync.kept.SearchTexts)
    index: Sequence[str] = ()

    @property
    def count(self) -> int:
        return len(self.templates)


def count_by(values: Iterable[str]) -> list[tuple[str, int]]:
    """Counts of each value, most frequent first, then alphabetical."""
    return sorted(Counter(values).items(), key=lambda item: (-item[1], item[0]))


def sorted_templates(templates: Iterable[Template]) -> tuple[Template, ...]:
    """Templates in the order people scan them: by name, then language."""
    return tuple(sorted(templates, key=lambda t: (t.name, t.language)))
