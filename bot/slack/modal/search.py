"""Type-ahead over one snapshot's templates (pure): what someone half remembers, ranked.

Accent- and case-insensitive (`fold`), `_` and spaces alike. Ranked: the exact name, names
that start with the text, names that contain it, templates whose name or body holds every
word; only when nothing does, names that look like it (difflib: a typo). Within a rank, the
snapshot's order (name, then language). Folding every name is done once per snapshot.
"""

from __future__ import annotations

import difflib
import weakref
from dataclasses import dataclass

from bot.templates.model import Snapshot
from bot.templates.query import fold, searchable_text

MAX_OPTIONS = 100  # Slack's limit for an external select's options
MAX_TYPED = 200  # a longer text is cut: no name is that long in practice
CLOSE_CUTOFF = 0.6  # difflib's similarity below which a name is not "close"


@dataclass(frozen=True, slots=True)
class _Names:
    """A snapshot's names made searchable, once."""

    keys: tuple[str, ...]  # each template's name, folded, `_` as a space
    texts: tuple[str, ...]  # each template's folded name and body
    by_key: dict[str, tuple[int, ...]]  # a folded name -> its templates' positions
    by_word: dict[str, tuple[int, ...]]  # a word of a name -> the positions of those names


_NAMES: weakref.WeakKeyDictionary[Snapshot, _Names] = weakref.WeakKeyDictionary()


def normal(text: str) -> str:
    """Text as matched: folded, `_` as a space, white space collapsed."""
    return " ".join(fold(text[:MAX_TYPED]).replace("_", " ").split())


def prepare(snapshot: Snapshot) -> _Names:
    """The snapshot's searchable names (computed on first use, kept while it lives)."""
    found = _NAMES.get(snapshot)
    if found is not None:
        return found
    keys = tuple(normal(t.name) for t in snapshot.templates)
    texts = snapshot.index
    if len(texts) != snapshot.count:
        texts = tuple(searchable_text(t) for t in snapshot.templates)
    by_key: dict[str, list[int]] = {}
    by_word: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        by_key.setdefault(key, []).append(position)
        for word in set(key.split()):
            by_word.setdefault(word, []).append(position)
    names = _Names(
        keys=keys,
        texts=texts,
        by_key={k: tuple(v) for k, v in by_key.items()},
        by_word={k: tuple(v) for k, v in by_word.items()},
    )
    _NAMES[snapshot] = names
    return names


def find(snapshot: Snapshot, typed: str, limit: int = MAX_OPTIONS) -> list[int]:
    """The positions of the templates that best match `typed`, best first, at most `limit`.
    Empty text: the first `limit` templates."""
    names = prepare(snapshot)
    wanted = normal(typed)
    if not wanted:
        return list(range(min(limit, snapshot.count)))
    words = wanted.split()
    ranks: tuple[list[int], ...] = ([], [], [], [])
    for position, key in enumerate(names.keys):
        if wanted in key:
            rank = 0 if key == wanted else 1 if key.startswith(wanted) else 2
            ranks[rank].append(position)
        elif all(word in names.texts[position] for word in words):
            ranks[3].append(position)
    found = [p for rank in ranks for p in rank][:limit]
    return found or _close(names, wanted, words)[:limit]


def _close(names: _Names, wanted: str, words: list[str]) -> list[int]:
    """Names that look like `wanted` (a typo), the most alike first: whole names, then
    names with a word like one of the typed words."""
    close = difflib.get_close_matches(wanted, names.by_key, n=MAX_OPTIONS, cutoff=CLOSE_CUTOFF)
    found = [p for key in close for p in names.by_key[key]]
    for word in words:
        if len(word) < 3:
            continue
        alike = difflib.get_close_matches(word, names.by_word, n=20, cutoff=CLOSE_CUTOFF + 0.15)
        found += [p for w in alike for p in names.by_word[w]]
    return list(dict.fromkeys(found))
