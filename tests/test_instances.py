"""Two bot processes behind one load balancer, sharing Redis and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bot.database.store import Outgoing, Store
from bot.slack import action_ids
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply
from tests.blockkit import all_text
from tests.deployed import Instance, base_env
from tests.harness import settings_env


@pytest.fixture
def cluster(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack, redis_url: str, postgres_url: str
) -> Iterator[list[Instance]]:
    env = {
        **base_env(),
        **settings_env(wolkvox.url, slack.api_url),
        "WOLKVOX_NOTIFY_CHANNEL": "C0NOTIFY",
        "HOST": "127.0.0.1",
        "REDIS_URL": redis_url,
        "DATABASE_URL": postgres_url.replace("postgresql://", "postgres://"),
    }
    instances = [Instance(env, tmp_path), Instance(env, tmp_path)]
    for instance in instances:
        instance.wait_ready()
    yield instances
    for instance in instances:
        output = instance.stop()
        assert TOKEN not in output and "Traceback" not in output, output


def final_answer(slack: FakeSlack, response: httpx.Response, name: str) -> str:
    if "templates" in response.text:
        return all_text(response.json())
    assert slack.wait(lambda: bool(slack.replies_to(name)), 20)
    return all_text(slack.replies_to(name)[-1])


def test_a_burst_split_across_two_instances_makes_one_call(
    cluster: list[Instance], slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(templates=12, delay=1.5))
    with ThreadPoolExecutor(40) as pool:
        responses = list(
            pool.map(
                lambda i: cluster[i % 2].command(
                    "1234", slack.response_url(f"b{i}"), user_id=f"U0B{i:04d}"
                ),
                range(40),
            )
        )
    assert [r.status_code for r in responses] == [200] * 40
    answers = [final_answer(slack, r, f"b{i}") for i, r in enumerate(responses)]
    assert all("Connector 1234 · 12 templates" in a for a in answers)
    assert wolkvox.calls == ["1234"]
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) == 1)
    time.sleep(0.5)
    [post] = slack.calls("chat.postMessage")  # one sync, one notification
    assert "synced for the first time" in all_text(post.body)
    # the cache is shared: the other instance answers a repeat without calling Wolkvox
    again = cluster[1].command("1234", slack.response_url("again"))
    assert "Cached, synced" in final_answer(slack, again, "again") and wolkvox.calls == ["1234"]


def test_never_more_than_two_calls_in_flight_across_instances(
    cluster: list[Instance], slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    connectors = [str(100 + i) for i in range(10)]
    for c in connectors:
        wolkvox.reply(c, Reply(templates=2, delay=0.4))
    with ThreadPoolExecutor(20) as pool:
        responses = list(
            pool.map(
                lambda i: cluster[i % 2].command(
                    connectors[i % 10], slack.response_url(f"c{i}"), user_id=f"U0C{i:04d}"
                ),
                range(20),
            )
        )
    answers = [final_answer(slack, r, f"c{i}") for i, r in enumerate(responses)]
    assert all("2 templates" in a for a in answers), answers
    assert sorted(wolkvox.calls) == sorted(connectors)
    assert wolkvox.max_in_flight == 2 and wolkvox.refused == 0


def test_buttons_work_on_the_other_instance(
    cluster: list[Instance], slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(templates=45))
    first = final_answer(slack, cluster[0].command("1234", slack.response_url("a")), "a")
    assert "Templates 1–20 of 45" in first
    [reply] = slack.replies_to("a")
    value = next(
        e["value"]
        for b in reply["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_ids.ACTION_NEXT
    )
    assert (
        cluster[1].click(action_ids.ACTION_NEXT, value, slack.response_url("n")).status_code == 200
    )
    assert slack.wait(lambda: bool(slack.replies_to("n")))
    assert "Templates 21–40 of 45" in all_text(slack.replies_to("n")[0])
    assert wolkvox.calls == ["1234"]


def test_queued_notifications_are_sent_once_by_instances_starting_together(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack, redis_url: str, postgres_url: str
) -> None:
    async def queue() -> None:
        store = await Store.open(postgres_url)
        items = [
            Outgoing("C0NOTIFY", "1234", {"text": f"waiting {i}", "blocks": []}) for i in range(30)
        ]
        await store.enqueue("s1", items, datetime.now(UTC))
        await store.aclose()

    asyncio.run(queue())
    env = {
        **base_env(),
        **settings_env(wolkvox.url, slack.api_url),
        "HOST": "127.0.0.1",
        "REDIS_URL": redis_url,
        "DATABASE_URL": postgres_url,
    }
    instances = [
        Instance(env, tmp_path),
        Instance(env, tmp_path),
    ]  # both deliver what waits, at start
    for instance in instances:
        instance.wait_ready()
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) >= 30, 20)
    time.sleep(1)
    for instance in instances:
        instance.stop()
    texts = sorted(c.body["text"] for c in slack.calls("chat.postMessage"))
    assert texts == sorted(f"waiting {i}" for i in range(30))  # each once, none lost
