"""Memory of kept snapshots: what a kept template weighs, that the estimate used for
WOLKVOX_KEEP_MB is an honest upper one, and that search texts are computed on use, bounded,
and give the same answers as before."""

from __future__ import annotations

import gc
import json
import tracemalloc
from datetime import UTC, datetime

from bench.realistic import realistic_templates
from bot.sync.kept import KeptSnapshots, SearchTexts
from bot.templates.model import Snapshot, sorted_templates
from bot.templates.query import Query, search_index
from bot.wolkvox.answer import parse_sync_answer

WHEN = datetime(2026, 12, 1, tzinfo=UTC)


def payload(seed: str, n: int = 1000) -> bytes:
    return json.dumps({"code": "200", "data": realistic_templates(n, seed)}).encode()


async def kept_sync(kept: KeptSnapshots, connector: str, content: bytes, n: int = 0) -> Snapshot:
    answer = parse_sync_answer(connector, 200, content)
    templates, index = await kept.share(connector, sorted_templates(answer.templates))
    snapshot = Snapshot(f"{connector}-{n}", connector, templates, 0, WHEN, index)
    assert kept.keep(snapshot)
    return snapshot


async def test_a_kept_template_weighs_its_body_and_little_more_and_the_estimate_covers_it() -> None:
    contents = [payload(f"w{i}") for i in range(6)]
    kept = KeptSnapshots(1024 * 1024 * 1024)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i, content in enumerate(contents):
            await kept_sync(kept, f"op{i}:1", content)
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    per_thousand_mb = used / len(contents) / 1e6
    assert per_thousand_mb < 0.65  # 1.2 MB when each snapshot carried its search texts
    assert used <= kept.size <= 1.3 * used  # an upper estimate, not a wild one


async def test_names_languages_and_categories_are_one_string_each() -> None:
    snapshot = await kept_sync(KeptSnapshots(), "op:1", payload("x", 30))
    by_name: dict[str, list[str]] = {}
    for t in snapshot.templates:
        by_name.setdefault(t.name, []).append(t.name)
    assert all(len({id(n) for n in names}) == 1 for names in by_name.values())
    assert len({id(t.language) for t in snapshot.templates}) == 3
    assert len({id(t.category) for t in snapshot.templates}) <= 3


async def test_search_texts_are_computed_on_use_and_bounded_with_the_same_answers() -> None:
    kept = KeptSnapshots(8 * 1024 * 1024)  # 1 MB of search texts: about two of these
    snapshots = [await kept_sync(kept, f"op{i}:1", payload(f"s{i}")) for i in range(4)]
    assert all(isinstance(s.index, SearchTexts) and s.index.loaded is None for s in snapshots)
    query = Query(words=("codigo", "verificacion"))
    found = [query.positions(s.templates, s.index) for s in snapshots]
    assert kept.texts.size <= kept.texts.max_bytes
    assert 0 < len(kept.texts) < len(snapshots)  # the ones searched first were dropped
    for snapshot, positions in zip(snapshots, found, strict=True):
        assert positions and positions == query.positions(snapshot.templates)
        assert list(snapshot.index) == list(search_index(snapshot.templates))


async def test_the_next_sync_of_a_searched_connector_comes_with_its_texts() -> None:
    kept = KeptSnapshots()
    first = await kept_sync(kept, "op:1", payload("a", 60), 1)
    again = await kept_sync(kept, "op:1", payload("b", 60), 2)  # other content, not searched
    assert isinstance(again.index, SearchTexts) and again.index.loaded is None
    assert again.index[0] and first.index[0]  # searched now
    third = await kept_sync(kept, "op:1", payload("c", 60), 3)
    assert isinstance(third.index, SearchTexts) and third.index.loaded is not None
