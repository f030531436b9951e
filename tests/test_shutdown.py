"""SIGTERM (Heroku's restart): stop taking requests, let running syncs finish and answer within
WOLKVOX_SHUTDOWN_GRACE, tell the users of syncs that can't finish, flush the outbox, exit."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.history.store import Outgoing, Store
from bot.slack.notifier import Notifier
from bot.testing.fake_slack import FakeSlack
from bot.testing.fake_wolkvox import FakeWolkvox, Reply
from tests.blockkit import all_text
from tests.deployed import Instance, base_env
from tests.harness import settings_env


def deployed(tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack, **extra: str) -> Instance:
    env = {
        **base_env(),
        **settings_env(wolkvox.url, slack.api_url),
        "DATABASE_URL": f"sqlite:///{tmp_path}/wolkvox.db",
        "HOST": "127.0.0.1",
        **extra,
    }
    instance = Instance(env, tmp_path)
    instance.wait_ready()
    return instance


def test_a_running_sync_finishes_and_answers_after_sigterm(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    wolkvox.reply("1234", Reply(templates=3, delay=2.0))
    instance = deployed(
        tmp_path, wolkvox, slack, WOLKVOX_SHUTDOWN_GRACE="20", WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY"
    )
    acked = instance.command("1234", slack.response_url("s"))
    assert acked.status_code == 200 and "Syncing connector" in acked.text
    assert slack.wait(lambda: bool(wolkvox.calls))  # the sync is running
    instance.proc.send_signal(signal.SIGTERM)
    output, _ = instance.proc.communicate(timeout=30)
    assert instance.proc.returncode in (0, -signal.SIGTERM), output  # uvicorn re-raises it
    replies = slack.replies_to("s")
    assert replies and "3 templates" in all_text(replies[-1]), output
    posts = slack.calls("chat.postMessage")
    assert len(posts) == 1 and "first time" in all_text(posts[0].body)  # the outbox was flushed
    assert "Traceback" not in output


def test_a_sync_that_cannot_finish_in_the_grace_period_says_run_it_again(
    tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack
) -> None:
    wolkvox.reply("1234", Reply(templates=3, delay=20.0))
    instance = deployed(tmp_path, wolkvox, slack, WOLKVOX_SHUTDOWN_GRACE="1")
    assert instance.command("1234", slack.response_url("s")).status_code == 200
    assert slack.wait(lambda: bool(wolkvox.calls))
    instance.proc.send_signal(signal.SIGTERM)
    output, _ = instance.proc.communicate(timeout=30)
    assert instance.proc.returncode in (0, -signal.SIGTERM), output  # uvicorn re-raises it
    said = all_text(slack.wait_replies("s", 1)[-1])
    assert "run the command again" in said and "*1234*" in said
    assert "Traceback" not in output


async def test_the_outbox_is_swept_without_waiting_for_a_sync(
    tmp_path: Path, slack: FakeSlack
) -> None:
    """A notification claimed by a process that died goes out once its lease ends, by the
    periodic sweep: not at the next sync, which may be days away."""
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.slack.languages import UserLanguages

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
