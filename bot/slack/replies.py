"""Replies to lookups: compute the answer, then render it (compute in `bot.templates.lookup`,
render in `bot.slack.views`).

The rendered part of a result depends only on (snapshot, query, page, shared), so it is
memoised per snapshot: a cache hit or paging back costs no search and no Block Kit models.
The memo lives as long as its snapshot does.
"""

from __future__ import annotations

from datetime import datetime
from weakref import WeakKeyDictionary

from cachetools import LRUCache

from bot.slack.views.kit import Message
from bot.slack.views.results import ResultsView, results_message, results_view
from bot.slack.views.template import template_message
from bot.templates.lookup import find_versions, lookup
from bot.templates.model import Snapshot
from bot.templates.query import Query

MAX_VIEWS_PER_SNAPSHOT = 64

_VIEWS: WeakKeyDictionary[Snapshot, LRUCache[tuple[Query, int, bool], ResultsView]] = (
    WeakKeyDictionary()
)


def lookup_reply(
    snapshot: Snapshot,
    *,
    now: datetime,
    query: Query | None = None,
    page: int = 0,
    origin: str = "wolkvox",
    asked_by: str = "",
    shared_by: str = "",
    warning: str = "",
    note: str = "",
) -> Message:
    """One page of a lookup over `snapshot`, for the person who asked or shared it."""
    view = _view(snapshot, query or Query(), page, bool(shared_by))
    return results_message(
        view,
        synced_at=snapshot.synced_at,
        now=now,
        origin=origin,
        asked_by=asked_by,
        shared_by=shared_by,
        warning=warning,
        note=note,
    )


def show_reply(
    snapshot: Snapshot,
    name: str,
    *,
    now: datetime,
    origin: str = "wolkvox",
    asked_by: str = "",
    warning: str = "",
) -> Message:
    """`show <name>`: the template in every language, or the closest names."""
    found = find_versions(snapshot, name)
    return template_message(found, now=now, origin=origin, asked_by=asked_by, warning=warning)


def _view(snapshot: Snapshot, query: Query, page: int, shared: bool) -> ResultsView:
    views = _VIEWS.get(snapshot)
    if views is None:
        views = _VIEWS[snapshot] = LRUCache(maxsize=MAX_VIEWS_PER_SNAPSHOT)
    key = (query, page, shared)
    view = views.get(key)
    if view is None:
        view = views[key] = results_view(lookup(snapshot, query, page), shared=shared)
    return view
