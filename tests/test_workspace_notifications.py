"""Notifications per workspace (issue 21, distribution mode): a sync's change notification is
queued for the subscribed channels of its connector's workspace only, and posted with that
workspace's bot token, whoever's request (or no request: the sweep) delivers it; a
notification still queued for a workspace that has no installation any more is deleted
unposted; a channel's language is that of a subscriber of the same workspace; a reply owed at
shutdown is told with its own workspace's token. WOLKVOX_NOTIFY_CHANNEL is single-workspace
mode's (tests/test_notifications.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.database.store import Outgoing, Store
from bot.i18n import translator
from bot.operations.book import OperationBook
from bot.operations.secrets import SecretBox, new_secret_key
from bot.shutdown import Deadline
from bot.slack.notifier import Notifier
from bot.slack.oauth.tokens import WorkspaceWebClient, bound_token, using_token
from bot.slack.pending import PendingReplies
from bot.slack.scope import within
from bot.slack.user_languages import UserLanguages
from bot.sync.service import SyncTrigger
from bot.templates.diff import diff
from bot.templates.model import Snapshot, Template, sorted_templates
from testkit.fake_slack import FakeSlack
from tests.blockkit import all_text
from tests.harness import BotServer
from tests.installs import (  # noqa: F401 (fixtures)
    command_from,
    distribution_env,
    start_distributed,
)
from tests.test_workspaces import A, B, two_workspaces  # noqa: F401 (a fixture)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
KEY_A, KEY_B = f"{A}/cliente_a:1234", f"{B}/cliente_a:1234"
ACME, BRAVO = "C0ACME", "C0BRAVO"  # each workspace's subscribed channel
SHARED = "C0SHARED"  # a Slack Connect channel: one id, in both workspaces


def run(bot: BotServer, slack: FakeSlack, team: str, text: str, name: str, **who: str) -> str:
    """A command from `team`, and what it answered (acknowledgement or later reply)."""
    acked = command_from(bot, team, text, slack.response_url(name), **who)
    assert acked.status == 200
    if acked.body.get("blocks") and ":hourglass_flowing_sand:" not in all_text(acked.body):
        return all_text(acked.body)
    [reply] = slack.wait_replies(name, 1)
    return all_text(reply)


def posted(slack: FakeSlack) -> list[tuple[str, str, str]]:
    """(channel, token, text) of every chat.postMessage so far."""
    return [
        (str(c.body["channel"]), c.token, all_text(c.body)) for c in slack.calls("chat.postMessage")
    ]


def settled(slack: FakeSlack, count: int) -> list[tuple[str, str, str]]:
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) >= count)
    return posted(slack)


def test_a_sync_is_posted_to_its_own_workspace_s_channels_with_its_own_token(
    two_workspaces: tuple[BotServer, dict[str, str]],  # noqa: F811
    slack: FakeSlack,
    distribution_env: dict[str, str],  # noqa: F811
) -> None:
    bot, tokens = two_workspaces
    slack.locales |= {"U0ANA": "es-LA", "U0BIA": "pt-BR"}
    for team, channel, user in ((A, ACME, "U0ANA"), (B, BRAVO, "U0BIA")):
        for where in (channel, SHARED):
            said = run(
                bot, slack, team, "subscribe 1234", f"sub-{team}-{where}", **_who(user, where)
            )
            assert ":bell:" in said, said
    # a subscription row of B's naming A's connector (no command makes one: they resolve
    # in the requester's workspace): A's notification never goes there
    asyncio.run(_subscribe_directly(distribution_env["DATABASE_URL"], B, "C0CROSS", KEY_A))

    run(bot, slack, A, "1234 --refresh", "sync-a", **_who("U0ANA", ACME))
    first = settled(slack, 2)
    assert sorted((channel, token) for channel, token, _ in first) == [
        (ACME, tokens[A]),
        (SHARED, tokens[A]),
    ]
    for *_, text in first:  # in U0ANA's Spanish, A's subscriber in both channels
        assert "Conector 1234: primera sincronización, 1 plantilla" in text, text
    assert all(A not in text and B not in text for *_, text in first)  # no workspace shown

    run(bot, slack, B, "1234 --refresh", "sync-b", **_who("U0BIA", BRAVO))
    second = settled(slack, 4)[2:]
    assert sorted((channel, token) for channel, token, _ in second) == [
        (BRAVO, tokens[B]),
        (SHARED, tokens[B]),
    ]
    for *_, text in second:  # in U0BIA's Portuguese: B's own subscriber, also in SHARED
        assert "Conector 1234: primeira sincronização, 1 modelo" in text, text
    # nothing crossed: each token posted to its own channels only, C0CROSS got nothing
    assert {c for c, t, _ in posted(slack) if t == tokens[A]} == {ACME, SHARED}
    assert {c for c, t, _ in posted(slack) if t == tokens[B]} == {BRAVO, SHARED}
    assert "C0CROSS" not in {c for c, _, _ in posted(slack)}
    # every Web API call (users.info for the subscribers' languages among them) had a token
    # of the two, never none
    assert {c.token for c in slack.api_calls if c.path.startswith("/api/chat.")} <= {
        tokens[A],
        tokens[B],
    }
    assert {c.token for c in slack.calls("users.info")} <= {tokens[A], tokens[B]}


def test_a_notification_left_queued_is_posted_with_its_own_token_by_another_s_sync(
    two_workspaces: tuple[BotServer, dict[str, str]],  # noqa: F811
    slack: FakeSlack,
) -> None:
    """B's post fails once and stays queued; A's next sync delivers it, in A's request, with
    B's token (never A's, the one bound to the request)."""
    bot, tokens = two_workspaces
    for team, channel in ((A, ACME), (B, BRAVO)):
        run(bot, slack, team, "subscribe 1234", f"sub-{team}", **_who("U0USER1", channel))
    slack.scripted["chat.postMessage"] = [(200, {"ok": False, "error": "fatal_error"})]
    run(bot, slack, B, "1234 --refresh", "sync-b", **_who("U0USER1", BRAVO))
    assert slack.wait(lambda: slack.calls("chat.postMessage"))
    run(bot, slack, A, "1234 --refresh", "sync-a", **_who("U0USER1", ACME))
    after = settled(slack, 3)
    assert sorted((c, t) for c, t, _ in after) == [
        (ACME, tokens[A]),
        (BRAVO, tokens[B]),  # the failed attempt
        (BRAVO, tokens[B]),  # delivered during A's request, with B's token
    ]


def _who(user: str, channel: str) -> dict[str, str]:
    return {"user_id": user, "user_name": user.lower(), "channel_id": channel}


async def _subscribe_directly(url: str, team: str, channel: str, key: str) -> None:
    store = await Store.open(url)
    try:
        await store.subscribe(
            team_id=team, channel_id=channel, connector=key, user_id="U0X", now=NOW
        )
    finally:
        await store.aclose()


# --- the parts, without a bot around them ---


@pytest.fixture
async def store(tmp_path: Path) -> Any:
    opened = await Store.open(f"sqlite:///{tmp_path}/bot.db")
    yield opened
    await opened.aclose()


def notifier(store: Store, slack: FakeSlack, installed: dict[str, str]) -> Notifier:
    web = WorkspaceWebClient(token=None, base_url=slack.api_url)
    looked_up: list[str] = []

    async def bot_tokens(workspace: str) -> str | None:
        looked_up.append(workspace)
        return installed.get(workspace)

    return Notifier(
        store,
        web,
        notify_channel="C0NOTIFY",  # single-workspace mode's: not posted to here
        notify_unchanged=False,
        now=lambda: datetime.now(UTC),
        languages=UserLanguages(web, default="en"),
        bot_tokens=bot_tokens,
    )


async def test_an_uninstalled_workspace_s_queued_notifications_are_deleted_unposted(
    store: Store, slack: FakeSlack
) -> None:
    """The uninstall deletes them; one claimed meanwhile (a race) finds no installation and is
    deleted instead of posted. The sweep (no request, no token bound) posts the others with
    their own workspace's token."""
    gone, kept = "T0GONE001", "T0KEPT002"
    now = datetime.now(UTC)
    queued = [
        Outgoing("C0GONE", f"{gone}/cliente_a:1", {"text": "gone"}, "U0G"),
        Outgoing("C0KEPT", f"{kept}/cliente_a:1", {"text": "kept"}, "U0K"),
        Outgoing("C0OLD", "cliente_a:1", {"text": "from single-workspace mode"}, "U0O"),
    ]
    await store.enqueue("s1", queued, now - timedelta(seconds=1))
    sender = notifier(store, slack, {kept: "xoxb-kept"})
    assert await sender.deliver_pending() == 1
    assert [(p.body["channel"], p.token) for p in slack.calls("chat.postMessage")] == [
        ("C0KEPT", "xoxb-kept")
    ]
    assert await store.pending_count() == 0
    async with store.engine.connect() as conn:
        left = (await conn.exec_driver_sql("SELECT channel_id, failed FROM outbox")).all()
    # the uninstalled one's row is gone; one naming no workspace is kept, given up
    assert sorted(tuple(row) for row in left) == [("C0KEPT", 0), ("C0OLD", 1)]


async def test_only_the_key_s_workspace_s_subscriptions_are_composed_for(
    store: Store, slack: FakeSlack
) -> None:
    for team, channel in ((A, "C0MINE"), (B, "C0THEIRS")):
        await store.subscribe(
            team_id=team, channel_id=channel, connector=KEY_A, user_id="U1", now=NOW
        )
    templates = [Template("promo", "es", "UTILITY", "Hola")]
    snapshot = Snapshot("s1", KEY_A, sorted_templates(templates), 0, NOW)
    sender = notifier(store, slack, {A: "xoxb-a", B: "xoxb-b"})
    posts = await sender.compose(snapshot, diff(None, templates), SyncTrigger(user_id="U1"))
    assert [p.channel_id for p in posts] == ["C0MINE"]  # not C0THEIRS, nor C0NOTIFY
    assert {c.token for c in slack.calls("users.info")} <= {"xoxb-a"}
    uninstalled = notifier(store, slack, {B: "xoxb-b"})
    assert await uninstalled.compose(snapshot, diff(None, templates), SyncTrigger("U1")) == []


async def test_a_channel_s_language_is_a_subscriber_s_of_the_same_workspace(
    store: Store, slack: FakeSlack
) -> None:
    """A Slack Connect channel subscribed in A first (by a Portuguese speaker), then in B (by
    a Spanish one): B's posts there are in Spanish, A's in Portuguese."""
    slack.locales |= {"U0PT": "pt-BR", "U0ES": "es-LA"}
    await store.subscribe(team_id=A, channel_id=SHARED, connector=KEY_A, user_id="U0PT", now=NOW)
    later = NOW + timedelta(minutes=1)
    await store.subscribe(team_id=B, channel_id=SHARED, connector=KEY_B, user_id="U0ES", now=later)
    web = WorkspaceWebClient(token=None, base_url=slack.api_url)
    languages = UserLanguages(web, default="en")
    languages.use_store(store)
    box = SecretBox((new_secret_key(),))
    found = {}
    for team in (A, B):
        book = OperationBook(None, store.operations.for_workspace(team), box, workspace=team)
        with within(team, book), using_token(f"xoxb-{team}"):
            t = await languages.channel(SHARED, notify_channel=SHARED, poster="U0POSTER")
            found[team] = t.language
    assert found == {A: "pt_BR", B: "es"}


async def test_a_reply_owed_at_shutdown_is_told_with_its_own_workspace_s_token() -> None:
    pending = PendingReplies()
    told: list[tuple[str | None, str]] = []
    release = asyncio.Event()

    async def respond(**message: Any) -> None:
        told.append((bound_token(), str(message["text"])))

    async def owe(team: str) -> None:
        book: Any = None
        with within(team, book), using_token(f"xoxb-{team}"):
            async with pending.owe("1234", respond, translator("en")) as owed:  # type: ignore[arg-type]
                assert owed.workspace == team
                await release.wait()  # a sync that does not finish in time

    waiting = [asyncio.create_task(owe(team)) for team in (A, B)]
    await asyncio.sleep(0)
    assert pending.owed_in(A) == pending.owed_in(B) == 1 and pending.owed_in("") == 0
    with using_token("xoxb-whoever-shuts-down"):
        assert await pending.settle(Deadline.after(1.0)) == 2
    await asyncio.gather(*waiting, return_exceptions=True)
    assert sorted(str(token) for token, _ in told) == [f"xoxb-{A}", f"xoxb-{B}"]
    assert all("1234" in text and "restarting" in text for _, text in told), told
