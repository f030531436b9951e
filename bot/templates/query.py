"""Lookups over a snapshot's templates: filters, word search, suggestions (pure)."""

from __future__ import annotations

import asyncio
import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.templates.model import Template

_MARKS = re.compile(r"[\u0300-\u036f]+")  # combining diacritical marks


def fold(text: str) -> str:
    """Text for case- and accent-insensitive matching: "Promoción" -> "promocion"."""
    text = text.casefold()
    if text.isascii():
        return text
    return _MARKS.sub("", unicodedata.normalize("NFKD", text))


def language_key(code: str) -> str:
    """Meta's language codes compared loosely: "es-mx" and "es_MX" are the same."""
    return code.replace("-", "_").casefold()


@dataclass(frozen=True, slots=True)
class Query:
    """Which templates a lookup wants. Same key twice means either; different keys all hold."""

    languages: tuple[str, ...] = ()
    not_languages: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    not_categories: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    not_words: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == Query()

    def matches(self, template: Template, searchable: str | None = None) -> bool:
        """Whether `template` passes; `searchable` is its folded name and body, if known."""
        language = language_key(template.language)
        if self.languages and not any(
            _language_matches(language, language_key(x)) for x in self.languages
        ):
            return False
        if any(_language_matches(language, language_key(x)) for x in self.not_languages):
            return False
        category = template.category.casefold()
        if self.categories and category not in self.categories:
            return False
        if category in self.not_categories:
            return False
        if self.words or self.not_words:
            text = searchable if searchable is not None else searchable_text(template)
            if not all(w in text for w in self.words):
                return False
            if any(w in text for w in self.not_words):
                return False
        return True

    def apply(self, templates: Sequence[Template], index: Sequence[str] = ()) -> list[Template]:
        """The templates that match, in their order. `index` holds each one's searchable text."""
        return [templates[i] for i in self.positions(templates, index)]

    def positions(self, templates: Sequence[Template], index: Sequence[str] = ()) -> list[int]:
        """Where the matching templates are in `templates`."""
        if self.empty:
            return list(range(len(templates)))
        if len(index) != len(templates):
            return [i for i, t in enumerate(templates) if self.matches(t)]
        return [i for i, t in enumerate(templates) if self.matches(t, index[i])]

    def terms(self) -> list[str]:
        """The query written back as command words, canonical: lang:es -category:marketing."""
        out = [f"lang:{x}" for x in self.languages]
        out += [f"-lang:{x}" for x in self.not_languages]
        out += [f"category:{x}" for x in self.categories]
        out += [f"-category:{x}" for x in self.not_categories]
        out += [_word_term(w) for w in self.words]
        out += ["-" + _word_term(w) for w in self.not_words]
        return out

    def text(self) -> str:
        return " ".join(self.terms())

    def without_each(self) -> list[tuple[str, Query]]:
        """Each single term dropped in turn: (the dropped term, the rest), for suggestions."""
        variants: list[tuple[str, Query]] = []
        for name in (
            "languages",
            "not_languages",
            "categories",
            "not_categories",
            "words",
            "not_words",
        ):
            values: tuple[str, ...] = getattr(self, name)
            for value in values:
                rest = tuple(v for v in values if v != value)
                dropped = Query(**{name: (value,)}).text()
                variants.append((dropped, replace(self, **{name: rest})))
        return variants


def _language_matches(language: str, wanted: str) -> bool:
    """lang:es matches es and every es_*; lang:es_mx matches exactly es_MX."""
    return language == wanted or ("_" not in wanted and language.startswith(wanted + "_"))


def _word_term(word: str) -> str:
    """A word written back so that the grammar reads it as the same word: quoted when it has a
    space or a colon or starts with a minus, in curly quotes when it holds a straight one."""
    if " " not in word and ":" not in word and not word.startswith("-"):
        return word
    return f"“{word}”" if '"' in word else f'"{word}"'


def searchable_text(template: Template) -> str:
    return fold(f"{template.name}\n{template.body}")


def search_index(templates: Sequence[Template]) -> tuple[str, ...]:
    """Each template's searchable text, computed once per snapshot."""
    return tuple(searchable_text(t) for t in templates)


async def search_index_async(templates: Sequence[Template], chunk: int = 250) -> tuple[str, ...]:
    """search_index in slices, yielding to the event loop between them: a large connector's
    index (5,000 templates take about 100 ms) must not hold up other users' commands."""
    index: list[str] = []
    for start in range(0, len(templates), chunk):
        index.extend(searchable_text(t) for t in templates[start : start + chunk])
        await asyncio.sleep(0)
    return tuple(index)


def closest_names(wanted: str, templates: Sequence[Template], limit: int = 5) -> list[str]:
    """Names that look like `wanted`: containing it first, then by similarity."""
    names = sorted({t.name for t in templates})
    key = fold(wanted)
    containing = [n for n in names if key and key in fold(n)]
    similar = difflib.get_close_matches(wanted.casefold(), names, n=limit, cutoff=0.6)
    return list(dict.fromkeys([*containing, *similar]))[:limit]


def best_relaxation(
    query: Query, templates: Sequence[Template], index: Sequence[str]
) -> tuple[str, int] | None:
    """The one term whose removal gives the most matches, and how many: for zero results."""
    best: tuple[str, int] | None = None
    for dropped, rest in query.without_each():
        count = len(rest.apply(templates, index))
        if count and (best is None or count > best[1]):
            best = (dropped, count)
    return best
