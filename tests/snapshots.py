"""One connector's templates as a sync saw them, for the pure tests of bot.templates (compare,
coverage, readiness): sorted and indexed for search, as the service hands them out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.templates.model import Snapshot, Template, sorted_templates
from bot.templates.query import search_index

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def snapshot(templates: Sequence[Template], connector: str = "1234") -> Snapshot:
    """`templates` of `connector`, synced at NOW."""
    ordered = sorted_templates(templates)
    return Snapshot(f"s{connector}", connector, ordered, 0, NOW, search_index(ordered))
