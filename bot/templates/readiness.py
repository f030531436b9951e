"""Readiness of one template across its languages (pure), for `check <name>`.

The versions are the templates whose name folds to the name asked (any case or accent), as in
`show <name>`. Warnings are values, never wording; the view words them. Variables are compared
as sets (word order may move `{{2}}` before `{{1}}` in one language). A missing sibling is a
language of a family the template already speaks (es, es_*) that the connector uses elsewhere
and the template lacks: with es_MX here and es_CO, es in other templates, es_CO and es are missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.templates.model import Snapshot, Template
from bot.templates.query import closest_names, fold, language_key

BODY_LIMIT = 1024  # Meta's limit on a body, in characters
NEAR_LIMIT_PERCENT = 90  # a body this close to the limit leaves no room for edits

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Version:
    """One language version of the template, with what readiness compares."""

    template: Template
    variables: tuple[str, ...]  # in first-use order, no repeats

    @property
    def language(self) -> str:
        return self.template.language

    @property
    def category(self) -> str:
        return self.template.category

    @property
    def length(self) -> int:
        return len(self.template.body)


@dataclass(frozen=True, slots=True)
class VariableSet:
    """Languages whose bodies use exactly these variables (sorted: 1, 2, 10, then names)."""

    variables: tuple[str, ...]
    languages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VariablesDiffer:
    """Languages disagree on the variables; each set with its languages, most languages first."""

    sets: tuple[VariableSet, ...]

    @property
    def counts_differ(self) -> bool:
        """Whether the number of variables differs, not only their names."""
        return len({len(s.variables) for s in self.sets}) > 1


@dataclass(frozen=True, slots=True)
class CategoryGroup:
    category: str
    languages: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CategoriesDiffer:
    """Languages disagree on the category; each with its languages, most languages first."""

    groups: tuple[CategoryGroup, ...]


@dataclass(frozen=True, slots=True)
class MissingSibling:
    """The template speaks `present` of a family (`es`) but not `missing`, which the connector
    uses in other templates."""

    family: str
    present: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OverLimit:
    """A body longer than Meta accepts."""

    language: str
    length: int
    limit: int = BODY_LIMIT


@dataclass(frozen=True, slots=True)
class NearLimit:
    """A body at NEAR_LIMIT_PERCENT or more of Meta's limit, but within it."""

    language: str
    length: int
    limit: int = BODY_LIMIT


ReadinessWarning = OverLimit | VariablesDiffer | CategoriesDiffer | MissingSibling | NearLimit


@dataclass(frozen=True, slots=True)
class Readiness:
    """`check <name>`: the template in each language and what to fix before a campaign, or the
    closest names when there is no such template."""

    snapshot: Snapshot
    name: str  # as asked
    versions: tuple[Version, ...]  # by language
    # most serious first: over limit, variables, category, missing siblings, near limit
    warnings: tuple[ReadinessWarning, ...]
    close_names: tuple[str, ...] = ()  # only when no template has the name

    @property
    def found(self) -> bool:
        return bool(self.versions)

    @property
    def ready(self) -> bool:
        return self.found and not self.warnings

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(v.language for v in self.versions)


def readiness(snapshot: Snapshot, name: str) -> Readiness:
    """The versions of the template named `name` (any case or accent) and their warnings."""
    wanted = fold(name)
    templates = sorted(
        (t for t in snapshot.templates if fold(t.name) == wanted),
        key=lambda t: (language_key(t.language), t.name),
    )
    if not templates:
        return Readiness(snapshot, name, (), (), tuple(closest_names(name, snapshot.templates)))
    versions = tuple(Version(t, tuple(t.variables)) for t in templates)
    warnings: list[ReadinessWarning] = [
        OverLimit(v.language, v.length) for v in versions if v.length > BODY_LIMIT
    ]
    variable_sets = _groups((_variable_order(v.variables), v.language) for v in versions)
    if len(variable_sets) > 1:
        warnings.append(VariablesDiffer(tuple(VariableSet(*g) for g in variable_sets)))
    categories = _groups((v.category, v.language) for v in versions)
    if len(categories) > 1:
        warnings.append(CategoriesDiffer(tuple(CategoryGroup(*g) for g in categories)))
    warnings += missing_siblings((t.language for t in snapshot.templates), versions)
    warnings += [NearLimit(v.language, v.length) for v in versions if _near_limit(v.length)]
    return Readiness(snapshot, name, versions, tuple(warnings))


def missing_siblings(used: Iterable[str], versions: Sequence[Version]) -> list[MissingSibling]:
    """For each family the versions speak, the codes of it the connector `used` and they lack."""
    have = {language_key(v.language) for v in versions}
    families: dict[str, dict[str, str]] = {}  # family -> language key -> code as written
    for code in used:
        families.setdefault(_family(code), {}).setdefault(language_key(code), code)
    found: list[MissingSibling] = []
    for family in sorted({_family(v.language) for v in versions}):
        codes = families.get(family, {})
        missing = tuple(codes[k] for k in sorted(codes) if k not in have)
        if missing:
            present = tuple(
                dict.fromkeys(v.language for v in versions if _family(v.language) == family)
            )
            found.append(MissingSibling(family, present, missing))
    return found


def _family(code: str) -> str:
    """es for es, es_MX and es-co."""
    return language_key(code).partition("_")[0]


def _near_limit(length: int) -> bool:
    return length <= BODY_LIMIT and length * 100 >= BODY_LIMIT * NEAR_LIMIT_PERCENT


def _variable_order(variables: Iterable[str]) -> tuple[str, ...]:
    """Positional variables by number, then named ones alphabetically."""
    return tuple(
        sorted(variables, key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v))
    )


def _groups(pairs: Iterable[tuple[_T, str]]) -> list[tuple[_T, tuple[str, ...]]]:
    """Languages grouped by a value, the groups with most languages first (then first seen)."""
    groups: dict[_T, list[str]] = {}
    for value, language in pairs:
        groups.setdefault(value, []).append(language)
    ordered = sorted(groups.items(), key=lambda g: -len(g[1]))
    return [(value, tuple(languages)) for value, languages in ordered]


__all__: Sequence[str] = [
    "BODY_LIMIT",
    "NEAR_LIMIT_PERCENT",
    "CategoriesDiffer",
    "CategoryGroup",
    "MissingSibling",
    "NearLimit",
    "OverLimit",
    "Readiness",
    "ReadinessWarning",
    "VariableSet",
    "VariablesDiffer",
    "Version",
    "missing_siblings",
    "readiness",
]
