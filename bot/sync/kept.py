"""Snapshots kept in memory, for buttons that page through them and for stale answers.

- Bounded in bytes: each snapshot's size is estimated once, when it is kept, and the least
  recently used snapshots drop out past `keep_bytes`.
- A few per connector: the newest `per_connector` (by sync time); older ones drop out even
  when bytes remain.
- Identical content shares one copy: a sync equal to a kept one reuses its templates and its
  search index, and a template equal to a kept one (of the same connector) is that object.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cachetools import LRUCache

from bot.templates.model import Snapshot, Template
from bot.templates.query import search_index_async

KEEP_BYTES = 64 * 1024 * 1024  # about 25,000 templates of 1 KB bodies: a 512 MB dyno has room
KEEP_PER_CONNECTOR = 3  # the newest snapshot and the two before it
MAX_CONNECTORS = 1024
TEMPLATE_BYTES = sys.getsizeof(Template("", "", "", "")) + 2 * 8  # the object, its 2 tuple slots
SNAPSHOT_BYTES = 512  # the Snapshot object, its id, its date and two empty tuples


def snapshot_bytes(snapshot: Snapshot) -> int:
    """An upper estimate of the memory a snapshot holds: every string it points to (its
    `sys.getsizeof`), plus each template's object and slots. Content shared with another
    snapshot is counted in both, so the true total is at most the sum."""
    strings = sum(
        sys.getsizeof(t.name)
        + sys.getsizeof(t.language)
        + sys.getsizeof(t.category)
        + sys.getsizeof(t.body)
        for t in snapshot.templates
    )
    index = sum(sys.getsizeof(text) for text in snapshot.index)
    return SNAPSHOT_BYTES + strings + index + TEMPLATE_BYTES * snapshot.count


@dataclass(frozen=True, slots=True)
class _Kept:
    snapshot: Snapshot
    size: int


class KeptSnapshots:
    """Recent snapshots by id, within a byte budget and a few per connector."""

    def __init__(
        self, keep_bytes: int = KEEP_BYTES, *, per_connector: int = KEEP_PER_CONNECTOR
    ) -> None:
        self._by_id: LRUCache[str, _Kept] = LRUCache(keep_bytes, getsizeof=lambda kept: kept.size)
        self._recent: LRUCache[str, tuple[str, ...]] = LRUCache(MAX_CONNECTORS)  # newest first
        self._per_connector = per_connector

    @property
    def size(self) -> int:
        """The estimated bytes of every snapshot kept now (at most `keep_bytes`)."""
        return int(self._by_id.currsize)

    def get(self, snapshot_id: str) -> Snapshot | None:
        kept = self._by_id.get(snapshot_id)
        return kept.snapshot if kept is not None else None

    def of(self, connector: str) -> list[Snapshot]:
        """The snapshots of `connector` still kept, newest first (and newest used last, so
        that the byte bound evicts the older ones first)."""
        found = (self.get(i) for i in reversed(self._recent.get(connector, ())))
        return [snapshot for snapshot in found if snapshot is not None][::-1]

    def newest(self, connector: str) -> Snapshot | None:
        return next(iter(self.of(connector)), None)

    def keep(self, snapshot: Snapshot) -> bool:
        """Keep `snapshot`; False when it alone is larger than the whole budget (or older
        than the `per_connector` newest of its connector)."""
        others = [s for s in self.of(snapshot.connector) if s.id != snapshot.id]
        recent = sorted([snapshot, *others], key=lambda s: s.synced_at, reverse=True)
        for dropped in recent[self._per_connector :]:
            self._by_id.pop(dropped.id, None)
        if snapshot not in recent[: self._per_connector]:
            return False
        try:
            self._by_id[snapshot.id] = _Kept(snapshot, snapshot_bytes(snapshot))
        except ValueError:  # larger than the whole budget
            return False
        finally:
            self._recent[snapshot.connector] = tuple(s.id for s in recent[: self._per_connector])
        return True

    def forget_connectors(self, which: Callable[[str], bool]) -> int:
        """Stop answering `newest`/`of` for the connectors `which` says (an operation removed);
        their snapshots stay readable by id until they age out. How many connectors."""
        gone = [connector for connector in self._recent if which(connector)]
        for connector in gone:
            self._recent.pop(connector, None)
        return len(gone)

    async def share(
        self, connector: str, templates: tuple[Template, ...]
    ) -> tuple[tuple[Template, ...], tuple[str, ...]]:
        """`templates` and their search index, sharing what equals the kept snapshots of
        `connector`: the very same tuples when nothing changed, else each equal template."""
        kept = [s for s in self.of(connector) if len(s.index) == s.count]
        pool: dict[Template, tuple[Template, str]] = {}
        for snapshot in reversed(kept):  # newest last: its objects win
            pairs = zip(snapshot.templates, snapshot.index, strict=True)
            pool.update((template, (template, text)) for template, text in pairs)
        shared = tuple(pool[t][0] if t in pool else t for t in templates)
        for snapshot in kept:
            if _same(shared, snapshot.templates):
                return snapshot.templates, snapshot.index
        return shared, await _index(shared, pool)


def _same(a: Sequence[Template], b: Sequence[Template]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


async def _index(
    templates: tuple[Template, ...], pool: dict[Template, tuple[Template, str]]
) -> tuple[str, ...]:
    """The search index of `templates`, computing only the texts not in `pool`."""
    new = [t for t in templates if t not in pool]
    computed = dict(zip(new, await search_index_async(new), strict=True))
    return tuple(pool[t][1] if t in pool else computed[t] for t in templates)
