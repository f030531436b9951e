"""SIGTERM (Heroku's restart): stop taking requests, let running syncs finish and answer within
WOLKVOX_SHUTDOWN_GRACE, tell the users of syncs that can't finish, flush the outbox, exit."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.database.store import Outgoing, Store
from bot.i18n import translator
from bot.shutdown import Deadline
from bot.slack.notifier import Notifier
from bot.slack.pending import PendingReplies
from bot.slack.replies import text_message
from bot.slack.steps import SYNC_STEP
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, wait_until
from tests.blockkit import all_text
from tests.deployed import started
from tests.harness import command_body, sign
from tests.test_steps import step_event


def test_a_running_sync_finishes_and_answers_after_sigterm(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    wolkvox.reply("1234", Reply(templates=3, delay=2.0))
    instance = started(
        tmp_path,
        wolkvox.url,
        slack.api_url,
        WOLKVOX_SHUTDOWN_GRACE="20",
        WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY",
    )
    acked = instance.command("1234", slack.response_url("s"))
    assert acked.status_code == 200 and ":hourglass_flowing_sand:" in acked.text  # syncing
    assert wait_until(lambda: bool(wolkvox.calls))  # the sync is running
    instance.proc.send_signal(signal.SIGTERM)
    output, _ = instance.proc.communicate(timeout=30)
    assert instance.proc.returncode in (0, -signal.SIGTERM), output  # uvicorn re-raises it
    time.sleep(0.5)  # a late reply would arrive now
    replies = [all_text(reply) for reply in slack.replies_to("s")]
    assert len(replies) == 1 and "3 templates" in replies[0], (replies, output)  # one outcome
    posts = slack.calls("chat.postMessage")
    assert len(posts) == 1 and "first time" in all_text(posts[0].body)  # the outbox was flushed
    assert "Traceback" not in output


def test_a_sync_that_cannot_finish_in_the_grace_period_says_run_it_again(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    wolkvox.reply("1234", Reply(templates=3, delay=20.0))
    instance = started(tmp_path, wolkvox.url, slack.api_url, WOLKVOX_SHUTDOWN_GRACE="1")
    assert instance.command("1234", slack.response_url("s")).status_code == 200
    assert wait_until(lambda: bool(wolkvox.calls))
    instance.proc.send_signal(signal.SIGTERM)
    output, _ = instance.proc.communicate(timeout=30)
    assert instance.proc.returncode in (0, -signal.SIGTERM), output  # uvicorn re-raises it
    slack.wait_replies("s", 1)
    time.sleep(0.5)  # the sync's own answer must not follow
    replies = [all_text(reply) for reply in slack.replies_to("s")]
    assert len(replies) == 1, replies  # one outcome: never "run it again" and an answer
    assert "run the command again" in replies[0] and "*1234*" in replies[0]
    assert "Traceback" not in output


def test_a_sync_told_to_run_again_never_answers_afterwards(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    """The sync is still waiting on Wolkvox when its user is told to run the command again,
    and Wolkvox answers while that message is on its way (Slack holds each response_url
    post for a second, so the process is still there): the sync must not answer as well."""
    answer_now = threading.Event()
    wolkvox.reply("1234", Reply(templates=3, release=answer_now))
    slack.response_delay = 1.0
    instance = started(tmp_path, wolkvox.url, slack.api_url, WOLKVOX_SHUTDOWN_GRACE="6")
    assert instance.command("1234", slack.response_url("s")).status_code == 200
    assert wait_until(lambda: bool(wolkvox.calls))  # the sync waits on Wolkvox
    signalled = time.monotonic()
    instance.proc.send_signal(signal.SIGTERM)
    told = slack.wait_replies("s", 1, timeout=15)  # at the grace less the time kept to tell
    answer_now.set()  # Wolkvox answers: an uncancelled sync would answer within the second
    output, _ = instance.proc.communicate(timeout=30)
    seconds = time.monotonic() - signalled
    assert instance.proc.returncode in (0, -signal.SIGTERM), output
    assert told and "run the command again" in all_text(told[0]), (told, output)
    time.sleep(0.5)  # a late reply would arrive now
    replies = [all_text(reply) for reply in slack.replies_to("s")]
    assert len(replies) == 1, (replies, output)  # one outcome: never "run it again" and an answer
    assert "*1234*" in replies[0] and "templates" not in replies[0], replies
    assert seconds < 6 + 4, output  # the grace, and a margin for a loaded machine
    assert "Traceback" not in output


async def test_the_outbox_is_swept_without_waiting_for_a_sync(
    tmp_path: Path, slack: FakeSlack
) -> None:
    """A notification claimed by a process that died goes out once its lease ends, by the
    periodic sweep: not at the next sync, which may be days away."""
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.slack.user_languages import UserLanguages

    store = await Store.open(f"sqlite:///{tmp_path}/w.db")
    now = datetime.now(UTC)
    await store.enqueue("s1", [Outgoing("C0NOTIFY", "1234", {"text": "hola", "blocks": []})], now)
    claimed = await store.claim(now - timedelta(seconds=119))  # a dead process's lease, ~expired
    assert len(claimed) == 1
    web = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    notifier = Notifier(
        store,
        web,
        notify_channel="",
        notify_unchanged=False,
        now=lambda: datetime.now(UTC),
        languages=UserLanguages(web, default="en"),
    )
    notifier.start_sweeping(every=0.2)
    try:
        for _ in range(100):
            if slack.calls("chat.postMessage"):
                break
            await asyncio.sleep(0.1)
    finally:
        await notifier.stop_sweeping()
        await store.aclose()
    assert [p.body["channel"] for p in slack.calls("chat.postMessage")] == ["C0NOTIFY"]


def test_a_flood_of_queued_work_cannot_hold_the_shutdown_past_the_grace(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    """Hundreds of workflow steps and commands wait on a slow Wolkvox, and a client is still
    sending a request's body: SIGTERM ends the process within WOLKVOX_SHUTDOWN_GRACE, and the
    log says what was dropped."""
    wolkvox.default = Reply(templates=3, delay=3.0)
    instance = started(
        tmp_path, wolkvox.url, slack.api_url, WOLKVOX_SHUTDOWN_GRACE="2", WOLKVOX_TIMEOUT="30"
    )
    with httpx.Client(base_url=instance.url, timeout=3) as client, ThreadPoolExecutor(16) as pool:
        sent = list(pool.map(lambda i: _queue_work(client, slack, i), range(FLOOD)))
    assert sent.count(200) > FLOOD // 2, sent  # most of the flood was taken in
    uploading = socket.create_connection(("127.0.0.1", instance.port))
    uploading.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n{")
    try:
        signalled = time.monotonic()
        instance.proc.send_signal(signal.SIGTERM)
        output, _ = instance.proc.communicate(timeout=30)
        seconds = time.monotonic() - signalled
    finally:
        uploading.close()
    assert seconds < 2 + 3, output  # the grace, and a margin for a loaded machine
    [dropped] = [line for line in output.splitlines() if "shutdown: " in line and "dropped" in line]
    assert "sync(s) told to run the command again" in dropped
    assert re.search(r"[1-9]\d* unfinished task\(s\) dropped", dropped), dropped
    # (uvicorn logs the upload it cancelled after its REQUESTS_SECONDS: that traceback is its own)


FLOOD = 240  # every 8th a command, the others workflow steps, each a connector of its own


def _queue_work(client: httpx.Client, slack: FakeSlack, i: int) -> int | str:
    """Send one step event or command that needs Wolkvox; its status, or why it failed."""
    if i % 8 == 0:
        body = command_body(
            str(5000 + i), response_url=slack.response_url(f"c{i}"), user_id=f"UC{i:06d}"
        )
        headers = sign(body)
    else:
        inputs = {"connector": str(1000 + i), "user_id": f"U{i:07d}", "channel_id": "C0CHAN1"}
        event = {**step_event(SYNC_STEP, inputs), "workflow_execution_id": f"Wx{i}"}
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": "T0001",
                "api_app_id": "A0APP",
                "type": "event_callback",
                "event": event,
                "event_id": f"Ev{i}",
                "event_time": int(time.time()),
            }
        )
        headers = {**sign(body), "Content-Type": "application/json"}
    try:
        return client.post("/slack/events", content=body, headers=headers).status_code
    except httpx.TransportError as error:
        return type(error).__name__


async def test_an_answer_already_being_posted_is_not_followed_by_run_it_again(
    slack: FakeSlack,
) -> None:
    """The end of the grace finds one answer on its way to Slack (Slack holds the post 2 s,
    longer than the 1 s grace): it goes out alone; the person is not also told to run the
    command again."""
    slack.response_delay = 2.0
    pending = PendingReplies()
    respond = AsyncRespond(response_url=slack.response_url("late"))
    answer = text_message("3 templates")

    async def listener() -> None:
        async with pending.owe("1234", respond, translator("en")) as owed:
            if owed.claim():
                await respond(text=answer["text"], blocks=answer["blocks"])

    work = asyncio.create_task(listener())
    assert await asyncio.to_thread(slack.wait, lambda: bool(slack.replies_to("late")), 10)
    told = await pending.settle(Deadline.after(1))  # while the answer's post is in flight
    await asyncio.gather(work, return_exceptions=True)
    time.sleep(0.3)  # a second post, if any, would have arrived
    said = [reply.get("text") for reply in slack.replies_to("late")]
    assert told == 0 and said == ["3 templates"]
