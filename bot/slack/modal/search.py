"""Type-ahead over one snapshot's templates (pure): what someone half remembers, ranked.

Accent- and case-insensitive (`fold`), `_` and spaces alike. Ranked: the exact name, names
that start with the text, names that contain it, templates whose name or body holds every
word; only when nothing does, names that look like it (difflib: a typo). Within a rank, the
snapshot's order (name, then language). Folding every name is done once per snapshot.

Every options request runs on the event loop, so its work is bounded whatever is typed: the
text is cut to MAX_TYPED characters, only its first MAX_WORDS distinct words are matched (and
MAX_ALIKE_WORDS of them looked up for look-alikes), difflib compares at most MAX_COMPARISONS
candidates (only those whose length can reach the cutoff) and stops after ALIKE_SECONDS, and
each snapshot remembers its last CACHED_ANSWERS answers (a person types, deletes, retypes).
"""

from __future__ import annotations

import difflib
import heapq
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from cachetools import LRUCache

from bot.templates.model import Snapshot
from bot.templates.query import fold, searchable_text

MAX_OPTIONS = 100  # Slack's limit for an external select's options
MAX_TYPED = 100  # a longer text is cut: no one types more to find a template
MAX_WORDS = 8  # distinct words that must all be in a template (the rest are ignored)
MAX_ALIKE_WORDS = 3  # distinct words of MIN_ALIKE_WORD+ characters looked up for look-alikes
MIN_ALIKE_WORD = 3
MAX_COMPARISONS = 6_000  # difflib comparisons per request, whole names and words together
ALIKE_SECONDS = 0.02  # and the time they may take (a loaded machine finds fewer look-alikes)
CACHED_ANSWERS = 64  # answers remembered per snapshot, by normalized text
CLOSE_CUTOFF = 0.6  # difflib's similarity below which a name is not "close"
WORD_CUTOFF = CLOSE_CUTOFF + 0.15  # and a word


@dataclass
class Work:
    """What the look-alike search has done since the process started (read by tests and
    the benchmark: a bound that holds is one that can be counted)."""

    comparisons: int = 0  # candidates difflib compared with a typed name or word
    searches: int = 0  # find() calls that searched (not answered from the cache)


WORK = Work()


@dataclass(frozen=True, slots=True)
class _Names:
    """A snapshot's names made searchable, once."""

    keys: tuple[str, ...]  # each template's name, folded, `_` as a space
    texts: Sequence[str]  # each template's folded name and body (computed on first use)
    by_key: dict[str, tuple[int, ...]]  # a folded name -> its templates' positions
    by_word: dict[str, tuple[int, ...]]  # a word of a name -> the positions of those names
    keys_by_length: dict[int, tuple[str, ...]]  # distinct folded names, by length
    words_by_length: dict[int, tuple[str, ...]]  # distinct name words, by length
    answers: LRUCache[tuple[str, int], tuple[int, ...]] = field(
        default_factory=lambda: LRUCache(CACHED_ANSWERS)
    )


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
        keys_by_length=_by_length(by_key),
        words_by_length=_by_length(by_word),
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
    remembered = names.answers.get((wanted, limit))
    if remembered is not None:
        return list(remembered)
    WORK.searches += 1
    words = list(dict.fromkeys(wanted.split()))[:MAX_WORDS]
    ranks: tuple[list[int], ...] = ([], [], [], [])
    for position, key in enumerate(names.keys):
        if wanted in key:
            rank = 0 if key == wanted else 1 if key.startswith(wanted) else 2
            ranks[rank].append(position)
        elif all(word in names.texts[position] for word in words):
            ranks[3].append(position)
    found = [p for rank in ranks for p in rank][:limit]
    if not found:
        found = _close(names, wanted, words)[:limit]
    names.answers[(wanted, limit)] = tuple(found)
    return found


def _close(names: _Names, wanted: str, words: list[str]) -> list[int]:
    """Names that look like `wanted` (a typo), the most alike first: whole names, then
    names with a word like one of the typed words; within one budget."""
    budget = _Budget(MAX_COMPARISONS, time.perf_counter() + ALIKE_SECONDS)
    close = _alike(wanted, names.keys_by_length, MAX_OPTIONS, CLOSE_CUTOFF, budget)
    found = [p for key in close for p in names.by_key[key]]
    looked_up = [word for word in words if len(word) >= MIN_ALIKE_WORD][:MAX_ALIKE_WORDS]
    for word in looked_up:
        alike = _alike(word, names.words_by_length, 20, WORD_CUTOFF, budget)
        found += [p for w in alike for p in names.by_word[w]]
    return list(dict.fromkeys(found))


@dataclass(slots=True)
class _Budget:
    """How many more comparisons one request may make, and until when."""

    left: int
    deadline: float

    def take(self) -> bool:
        """One comparison, if any is left (the clock is read every 64)."""
        if self.left <= 0:
            return False
        self.left -= 1
        if self.left % 64 == 0 and time.perf_counter() > self.deadline:
            self.left = 0
        return True


def _alike(
    text: str,
    by_length: Mapping[int, tuple[str, ...]],
    n: int,
    cutoff: float,
    budget: _Budget,
) -> list[str]:
    """difflib.get_close_matches(text, candidates, n, cutoff), over the candidates whose
    length can reach `cutoff` (difflib's real_quick_ratio would refuse the others), while
    `budget` lasts: the same answer when it does, the best of those compared when not."""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(text)
    scored: list[tuple[float, str]] = []
    for candidate in _within_reach(len(text), by_length, cutoff):
        if not budget.take():
            break
        WORK.comparisons += 1
        matcher.set_seq1(candidate)
        if (
            matcher.real_quick_ratio() >= cutoff
            and matcher.quick_ratio() >= cutoff
            and (score := matcher.ratio()) >= cutoff
        ):
            scored.append((score, candidate))
    return [candidate for _, candidate in heapq.nlargest(n, scored)]


def _within_reach(
    length: int, by_length: Mapping[int, tuple[str, ...]], cutoff: float
) -> Iterator[str]:
    """The candidates whose length allows a ratio of `cutoff` with a text of `length`:
    2·min/(sum of lengths) ≥ cutoff. The nearest lengths first."""
    shortest = cutoff * length / (2 - cutoff) - 1e-9
    longest = (2 - cutoff) * length / cutoff + 1e-9
    lengths = [n for n in by_length if shortest <= n <= longest]
    for n in sorted(lengths, key=lambda n: abs(n - length)):
        yield from by_length[n]


def _by_length(strings: Mapping[str, object]) -> dict[int, tuple[str, ...]]:
    grouped: dict[int, list[str]] = {}
    for text in strings:
        grouped.setdefault(len(text), []).append(text)
    return {n: tuple(texts) for n, texts in grouped.items()}
