"""Replies to lookups and campaign planning: compute the answer, then render it (compute in
`bot.templates.{lookup,coverage,readiness,compare}`, render in `bot.slack.views`).

The rendered part of a result depends only on (snapshot, query, page, shared, language), so it is
memoised per snapshot: a cache hit or paging back costs no search and no Block Kit models.
The memo lives as long as its snapshot does.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from cachetools import LRUCache

from bot.commands import Check, Coverage, Lookup, Show
from bot.i18n import Translator
from bot.slack.views.compare import Sides, comparison_message
from bot.slack.views.coverage import coverage_message
from bot.slack.views.kit import About, Message
from bot.slack.views.readiness import readiness_message
from bot.slack.views.results import ResultsView, results_message, results_view
from bot.slack.views.template import template_message
from bot.templates.compare import compare, comparison_page
from bot.templates.coverage import coverage
from bot.templates.lookup import find_versions, lookup
from bot.templates.model import Snapshot
from bot.templates.query import Query
from bot.templates.readiness import readiness

MAX_VIEWS_PER_SNAPSHOT = 64

_VIEWS: WeakKeyDictionary[Snapshot, LRUCache[tuple[Query, int, bool, str], ResultsView]] = (
    WeakKeyDictionary()
)


def lookup_reply(
    snapshot: Snapshot, about: About, *, query: Query | None = None, page: int = 0
) -> Message:
    """One page of a lookup over `snapshot`, for the person who asked or shared it."""
    view = _view(snapshot, query or Query(), page, bool(about.shared_by), about.t)
    return results_message(view, synced_at=snapshot.synced_at, about=about)


def show_reply(snapshot: Snapshot, name: str, about: About) -> Message:
    """`show <name>`: the template in every language, or the closest names."""
    return template_message(find_versions(snapshot, name), about)


def coverage_reply(
    snapshot: Snapshot, about: About, *, query: Query | None = None, page: int = 0
) -> Message:
    """`coverage [filters]`: the summary and one page of the grid."""
    return coverage_message(coverage(snapshot, query or Query(), page=page), about)


def check_reply(snapshot: Snapshot, name: str, about: About) -> Message:
    """`check <name>`: the template's readiness across its languages, or the closest names."""
    return readiness_message(readiness(snapshot, name), about)


def compare_reply(
    left: Snapshot,
    right: Snapshot,
    about: About,
    *,
    query: Query | None = None,
    page: int = 0,
    sides: Sides | None = None,
) -> Message:
    """`compare <a> <b> [filters]`: the counts and one page of differences."""
    comparison = compare(left, right, query or Query())
    return comparison_message(comparison_page(comparison, page), about, sides)


def command_reply(
    command: Lookup | Show | Coverage | Check, snapshot: Snapshot, about: About
) -> Message:
    """The reply to a command about one connector, over `snapshot`."""
    if isinstance(command, Show):
        return show_reply(snapshot, command.name, about)
    if isinstance(command, Coverage):
        return coverage_reply(snapshot, about, query=command.query)
    if isinstance(command, Check):
        return check_reply(snapshot, command.name, about)
    return lookup_reply(snapshot, about, query=command.query)


def _view(snapshot: Snapshot, query: Query, page: int, shared: bool, t: Translator) -> ResultsView:
    views = _VIEWS.get(snapshot)
    if views is None:
        views = _VIEWS[snapshot] = LRUCache(maxsize=MAX_VIEWS_PER_SNAPSHOT)
    key = (query, page, shared, t.language)
    view = views.get(key)
    if view is None:
        view = views[key] = results_view(lookup(snapshot, query, page), t, shared=shared)
    return view
