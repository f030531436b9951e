"""The type-ahead's work is bounded whatever is typed: an options request runs on the event
loop that acknowledges everyone's commands."""

from __future__ import annotations

import random
import statistics
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest

from bot.i18n import translator
from bot.slack.modal import ids, search
from bot.slack.modal.state import Chosen
from bot.slack.modal.views import Found, find_view
from bot.templates.model import Snapshot, Template, sorted_templates
from bot.templates.query import search_index
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import CAMPAIGN, FakeWolkvox, Reply, make_templates, ok
from testkit.modal_requests import as_shown, selected, suggestion_body
from testkit.slack_requests import sign
from tests.blockkit import all_text
from tests.harness import BotServer

# Far below the ~250,000 comparisons 50 odd words cost over 5,000 names without a bound.
MOST_COMPARISONS = 6_000


def odd_text(rng: random.Random, words: int = 50) -> str:
    """What a typist pastes: `words` distinct random-ish words of 3 to 5 letters (the length
    of the names' numbers, so that difflib cannot refuse them cheaply)."""
    made: set[str] = set()
    while len(made) < words:
        made.add("".join(rng.choice("bcdfghjkmnpqrstvwxz") for _ in range(rng.randint(3, 5))))
    return " ".join(sorted(made, key=lambda _: rng.random()))


def big_snapshot(count: int) -> Snapshot:
    templates = sorted_templates(
        Template(t["name_template"], t["idiom"], t["category"], t["body_template"])
        for t in make_templates(count)
    )
    return Snapshot("b16", "777", templates, 0, datetime.now(UTC), search_index(templates))


def test_fifty_odd_words_cost_a_bounded_number_of_comparisons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search, "ALIKE_SECONDS", 60.0, raising=False)  # counted, not timed
    snap = big_snapshot(5000)
    text = odd_text(random.Random(17))
    before = search.WORK.comparisons
    assert search.find(snap, text) == []
    spent = search.WORK.comparisons - before
    assert 0 < spent <= MOST_COMPARISONS
    # the same text again (Slack sends one request per keystroke): from the snapshot's memory
    before, searches = search.WORK.comparisons, search.WORK.searches
    assert search.find(snap, text + "  ") == []
    assert (search.WORK.comparisons, search.WORK.searches) == (before, searches)
    # one word repeated 50 times is one word
    before = search.WORK.comparisons
    search.find(snap, "xyz " * 50)
    repeated = search.WORK.comparisons - before
    before = search.WORK.comparisons
    search.find(snap, "xyz")
    assert repeated == search.WORK.comparisons - before


def test_a_typo_is_still_found_among_few_names_and_ranking_is_unchanged() -> None:
    snap = big_snapshot(300)
    [position] = search.find(snap, "plantila_00123")[:1]
    assert snap.templates[position].name == "plantilla_00123"
    assert search.find(snap, "plantilla_00123 pedido") == [123]  # every word: name or body
    assert len(search.find(snap, "plantilla pedido")) == 100


def test_a_typist_flooding_the_type_ahead_does_not_hold_up_anyone(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    """One person pastes 50 odd words into the template menu twice a second on a connector
    of 8,000 cached templates; another's cached commands are still acknowledged at once."""
    wolkvox.reply("777", Reply(body=ok(make_templates(8000))))
    wolkvox.reply("1234", Reply(body=ok(CAMPAIGN)))
    for connector in ("777", "1234"):
        acked = bot.command(connector, response_url=slack.response_url(f"sync-{connector}"))
        if not acked.body or ":hourglass_flowing_sand:" in all_text(acked.body):  # syncing
            assert slack.wait_replies(f"sync-{connector}", 1, timeout=30)
    chosen = Chosen("777", "Connector 777")
    view = as_shown(
        find_view(Found(chosen), translator("en")),
        {ids.CONNECTOR_BLOCK: {ids.CONNECTOR_MENU: selected("777", chosen.label)}},
    )

    def suggest(client: httpx.Client, typed: str) -> httpx.Response:
        body = suggestion_body(
            view,
            action_id=ids.TEMPLATE_MENU,
            block_id=ids.template_block("777"),
            typed=typed,
            user_id="U0TYPIST",
        )
        return client.post("/slack/events", content=body, headers=sign(body))

    typist = httpx.Client(base_url=bot.url, timeout=30)
    assert len(suggest(typist, "").json()["options"]) == 100  # the name index, built once
    bot.introduce(slack, "U0MARIA")
    acked = bot.command("1234", response_url=slack.response_url("warm"), user_id="U0MARIA")
    assert "templates" in all_text(acked.body)  # a cache hit, answered in the acknowledgement

    stop = threading.Event()
    suggested: list[int] = []

    def type_away() -> None:
        rng = random.Random(5)
        while not stop.is_set():
            started = time.monotonic()
            suggested.append(suggest(typist, odd_text(rng)).status_code)
            stop.wait(max(0.0, 0.5 - (time.monotonic() - started)))  # 2 a second

    flood = threading.Thread(target=type_away, daemon=True)
    flood.start()
    acks: list[float] = []
    try:
        until = time.monotonic() + 4
        while time.monotonic() < until:
            acked = bot.command("1234", response_url=slack.response_url("m"), user_id="U0MARIA")
            assert acked.status == 200 and "templates" in all_text(acked.body)
            acks.append(acked.seconds)
            time.sleep(0.02)
    finally:
        stop.set()
        flood.join(timeout=30)
        typist.close()
    assert len(suggested) >= 6 and set(suggested) == {200}
    acks.sort()
    p99 = acks[min(len(acks) - 1, round(0.99 * len(acks)))]
    assert p99 < 0.3, (p99, statistics.median(acks), len(acks))
