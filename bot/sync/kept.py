"""Snapshots kept in memory, for buttons that page through them and for stale answers.

- Bounded in bytes: each snapshot's size is estimated once, when it is kept, and the least
  recently used snapshots drop out past `keep_bytes`.
- A few per connector: the newest `per_connector` (by sync time); older ones drop out even
  when bytes remain.
- Identical content shares one copy: a sync equal to a kept one reuses its templates and its
  search index, and a template equal to a kept one (of the same connector) is that object.
  Within a sync, a name is one string for all its languages, and every language and category
  is one string for the whole process (`sys.intern`).
- Search texts (each template's folded name and body, for word searches) are not part of a
  kept snapshot's weight: they are computed when a snapshot is first searched, kept for the
  snapshots searched most recently within an eighth of `keep_bytes` (`SearchTexts`), and
  computed again, in slices, for the next sync of a connector searched recently. A kept
  template weighs its body and about 100 bytes (0.6 MB per 1,000 templates of 400 characters
  instead of 1.2 when every snapshot carried its texts).
"""

from __future__ import annotations

import sys
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from cachetools import LRUCache

from bot.templates.model import Snapshot, Template
from bot.templates.query import search_index, search_index_async

KEEP_BYTES = 64 * 1024 * 1024  # about 100,000 templates of 400 characters: a 512 MB dyno has room
KEEP_PER_CONNECTOR = 3  # the newest snapshot and the two before it
TEXTS_SHARE = 8  # search texts get 1/8 of the budget, the snapshots the rest
MAX_CONNECTORS = 1024
ALLOCATION_BYTES = 16  # what the allocator adds to an object, at most (alignment, header)
TEMPLATE_BYTES = sys.getsizeof(Template("", "", "", "")) + ALLOCATION_BYTES + 8  # and its slot
SNAPSHOT_BYTES = 512  # the Snapshot object, its id, its date, its tuple and its SearchTexts


def snapshot_bytes(snapshot: Snapshot) -> int:
    """An upper estimate of the memory a snapshot holds: its templates' objects and the strings
    they point to (`sys.getsizeof`), a string shared by several templates (a name in several
    languages, a language, a category) counted once. Content shared with another snapshot is
    counted in both, so the true total is at most the sum. Search texts are not counted here
    (they are bounded apart: `SearchTexts`)."""
    seen: set[int] = set()
    strings = 0
    for t in snapshot.templates:
        for text in (t.name, t.language, t.category, t.body):
            if id(text) not in seen:
                seen.add(id(text))
                strings += sys.getsizeof(text) + ALLOCATION_BYTES
    return SNAPSHOT_BYTES + strings + TEMPLATE_BYTES * snapshot.count


class TextPool:
    """The search texts loaded now, least recently loaded or used dropped first past
    `max_bytes` (they are computed again when needed)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._loaded: OrderedDict[int, tuple[weakref.ref[SearchTexts], int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._loaded)

    def add(self, texts: SearchTexts, size: int) -> bool:
        """Account `size` bytes for `texts`, dropping older ones past the budget; False when
        they alone are larger than the budget (then nothing is kept)."""
        self.discard(id(texts))
        if size > self.max_bytes:
            return False
        key = id(texts)
        ref = weakref.ref(texts, lambda _: self.discard(key))
        self._loaded[key] = (ref, size)
        self.size += size
        while self.size > self.max_bytes:
            _, (old, old_size) = self._loaded.popitem(last=False)
            self.size -= old_size
            dropped = old()
            if dropped is not None:
                dropped.unload()
        return True

    def touch(self, texts: SearchTexts) -> None:
        if id(texts) in self._loaded:
            self._loaded.move_to_end(id(texts))

    def discard(self, key: int) -> None:
        found = self._loaded.pop(key, None)
        if found is not None:
            self.size -= found[1]


class SearchTexts(Sequence[str]):
    """A snapshot's search index (`bot.templates.query.search_index`) computed on first use
    and kept while `pool` has room: a sequence of one folded text per template."""

    __slots__ = ("__weakref__", "_pool", "_templates", "_texts")

    def __init__(
        self,
        templates: tuple[Template, ...],
        pool: TextPool,
        texts: tuple[str, ...] | None = None,
    ) -> None:
        self._templates = templates
        self._pool = pool
        self._texts: tuple[str, ...] | None = None
        if texts is not None:
            self.load(texts)

    @property
    def loaded(self) -> tuple[str, ...] | None:
        """The texts, when they are in memory now (else None: nothing is computed)."""
        return self._texts

    def load(self, texts: tuple[str, ...]) -> None:
        if len(texts) != len(self._templates):
            raise ValueError("one text per template")
        size = sys.getsizeof(texts) + sum(sys.getsizeof(text) for text in texts)
        if self._pool.add(self, size):
            self._texts = texts

    def unload(self) -> None:
        self._texts = None

    def _all(self) -> tuple[str, ...]:
        texts = self._texts
        if texts is None:
            texts = search_index(self._templates)
            self.load(texts)
        else:
            self._pool.touch(self)
        return texts

    def __len__(self) -> int:
        return len(self._templates)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        texts = self._texts
        if texts is not None and index:  # 0 (a scan's start) counts as a use
            return texts[index]
        return self._all()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())


@dataclass(frozen=True, slots=True)
class _Kept:
    snapshot: Snapshot
    size: int


class KeptSnapshots:
    """Recent snapshots by id, within a byte budget and a few per connector."""

    def __init__(
        self, keep_bytes: int = KEEP_BYTES, *, per_connector: int = KEEP_PER_CONNECTOR
    ) -> None:
        texts = keep_bytes // TEXTS_SHARE
        self._by_id: LRUCache[str, _Kept] = LRUCache(
            keep_bytes - texts, getsizeof=lambda kept: kept.size
        )
        self._recent: LRUCache[str, tuple[str, ...]] = LRUCache(MAX_CONNECTORS)  # newest first
        self._per_connector = per_connector
        self.texts = TextPool(texts)

    @property
    def size(self) -> int:
        """The estimated bytes of every snapshot kept now and of the search texts loaded (at
        most `keep_bytes`)."""
        return int(self._by_id.currsize) + self.texts.size

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

    def drop_connectors(self, which: Callable[[str], bool]) -> int:
        """Forget the connectors `which` says and their snapshots, even by id (an uninstalled
        workspace: bot.sync.service.TemplateService.forget_workspace). How many connectors."""
        gone = self.forget_connectors(which)
        for snapshot_id in [
            i for i, kept in list(self._by_id.items()) if which(kept.snapshot.connector)
        ]:
            self._by_id.pop(snapshot_id, None)
        return gone

    def discard(self, snapshot_id: str) -> None:
        """Forget one snapshot (deleted from history with its workspace)."""
        self._by_id.pop(snapshot_id, None)

    async def share(
        self, connector: str, templates: tuple[Template, ...]
    ) -> tuple[tuple[Template, ...], Sequence[str]]:
        """`templates` and their search index, sharing what equals the kept snapshots of
        `connector`: the very same tuple and index when nothing changed, else each equal
        template (and its search text, when loaded). The index is computed now (in slices)
        only when a kept snapshot of `connector` has its texts loaded: it was searched lately."""
        kept = self.of(connector)
        pool: dict[Template, tuple[Template, str | None]] = {}
        searched = False
        for snapshot in reversed(kept):  # newest last: its objects win
            loaded = _loaded(snapshot.index, snapshot.count)
            searched = searched or loaded is not None
            texts: Sequence[str | None] = loaded or (None,) * snapshot.count
            pool.update(
                (template, (template, text))
                for template, text in zip(snapshot.templates, texts, strict=True)
            )
        shared = tuple(pool[t][0] if t in pool else t for t in _compact(templates, pool))
        for snapshot in kept:
            if _same(shared, snapshot.templates):
                return snapshot.templates, snapshot.index
        index = SearchTexts(shared, self.texts)
        if searched:
            index.load(await _index(shared, pool))
        return shared, index


def _loaded(index: Sequence[str], count: int) -> tuple[str, ...] | None:
    """A kept snapshot's search texts when they are in memory now."""
    if isinstance(index, SearchTexts):
        return index.loaded
    return tuple(index) if len(index) == count else None


def _compact(
    templates: tuple[Template, ...], pool: dict[Template, tuple[Template, str | None]]
) -> Iterator[Template]:
    """`templates`, those not in `pool` rebuilt so that a name is one string for all its
    languages and each language and category one string for the process."""
    names: dict[str, str] = {}
    intern = sys.intern
    for t in templates:
        if t in pool:
            yield t
            continue
        name = names.setdefault(t.name, t.name)
        language, category = intern(t.language), intern(t.category)
        if name is t.name and language is t.language and category is t.category:
            yield t
        else:
            yield Template(name, language, category, t.body)


def _same(a: Sequence[Template], b: Sequence[Template]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


async def _index(
    templates: tuple[Template, ...], pool: dict[Template, tuple[Template, str | None]]
) -> tuple[str, ...]:
    """The search index of `templates`, computing only the texts not in `pool`."""
    known = {t: text for t, (_, text) in pool.items() if text is not None}
    new = [t for t in templates if t not in known]
    computed = dict(zip(new, await search_index_async(new), strict=True))
    return tuple(known[t] if t in known else computed[t] for t in templates)
