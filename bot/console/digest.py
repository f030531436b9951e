"""`wolkvox-sync digest --channel C0123 [--since 24h] [--json] [--post]`: the digest a
subscribed channel gets, for whoever sets it up.

The digest is built by the bot's own builder (`bot.sync.digests.build_digest`: the net change
of each of the channel's connectors over the period, through its subscription's filters), and
the text is the post itself made plain: the Slack door renders it (in the channel's language)
and `--post` posts it, through a `DigestDoor` the command line hands in (this package imports
nothing of Slack). The period: `--since` back from now, else the channel's cadence's latest
ended period (daily or weekly, in WOLKVOX_TIMEZONE), else the last 24 hours (a channel that
hears each sync).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TextIO

from bot.config import Settings
from bot.console.digest_words import read_channel, read_since
from bot.console.output import dump_json
from bot.console.source import open_store
from bot.console.sync import changes_json
from bot.console.text import message_lines, safe
from bot.console.workspaces import require_installed
from bot.database.records import DIGESTS, Subscription
from bot.database.store import Store
from bot.errors import InputError
from bot.i18n import Translator, translator
from bot.sync.digests import build_digest, latest_period
from bot.templates.connectors import connector_id, operation_name, operation_of
from bot.templates.digest import Digest

DEFAULT_SINCE = timedelta(hours=24)  # a channel that hears each sync: the last day


class DigestDoor(Protocol):
    """The Slack side of a digest: the messages its post makes (the post, then a thread reply
    when the list is long), in the channel's language, and posting them now."""

    async def messages(self, digest: Digest) -> Sequence[Mapping[str, Any]]: ...

    async def post(self, digest: Digest) -> None: ...


OpenDoor = Callable[[Store], AbstractAsyncContextManager[DigestDoor]]


@dataclass(frozen=True, slots=True)
class DigestRequest:
    """What the command line asked: the channel, how far back (None: its cadence's period),
    JSON or text, whether to post, and the workspace (distribution mode; "" otherwise)."""

    channel: str
    since: timedelta | None
    as_json: bool
    post: bool
    workspace: str = ""


def read_digest_request(
    settings: Settings,
    channel: str,
    since: str | None,
    *,
    as_json: bool,
    post: bool,
    workspace: str = "",
) -> DigestRequest:
    """The request, its words read (InputError, in WOLKVOX_LANGUAGE, before anything opens)."""
    t = translator(settings.language)
    return DigestRequest(
        channel=read_channel(channel, t),
        since=read_since(since, t) if since is not None else None,
        as_json=as_json,
        post=post,
        workspace=workspace,
    )


async def run_digest(
    settings: Settings,
    request: DigestRequest,
    *,
    out: TextIO,
    open_door: OpenDoor,
    now: datetime,
) -> int:
    """Print the channel's digest (and post it with `--post`); 0 when done. InputError for a
    workspace that has not installed the app or a channel with no subscription (there)."""
    t = translator(settings.language)
    store = await open_store(settings)
    try:
        await require_installed(settings, store, request.workspace, t)
        subscribed = await channel_subscriptions(store, request)
        if not subscribed:
            raise InputError(no_subscription(request, t))
        start, end, cadence = period(settings, request, subscribed, now)
        digest = await build_digest(
            store,
            request.channel,
            start,
            end,
            workspace=request.workspace or None,
            cadence=cadence or None,
        )
        postable = digest.any or settings.notify_unchanged
        messages: Sequence[Mapping[str, Any]] = ()
        if postable and (request.post or not request.as_json):
            async with open_door(store) as door:
                messages = await door.messages(digest)
                if request.post:
                    await door.post(digest)
    finally:
        await store.aclose()
    posted = request.post and postable
    if request.as_json:
        out.write(dump_json(digest_json(digest, t, posted=posted)))
        return 0
    lines = [line for message in messages for line in [*message_lines(message), ""]][:-1]
    if not postable:
        lines = [nothing_changed(digest, settings, t)]
    if request.post:
        lines.append((posted_line if posted else not_posted_line)(request.channel, t))
    out.write("".join(line + "\n" for line in lines))
    return 0


async def channel_subscriptions(store: Store, request: DigestRequest) -> list[Subscription]:
    """The channel's subscriptions (in distribution mode, those made in its workspace)."""
    return await store.subscriptions(channel_id=request.channel, team_id=request.workspace or None)


def period(
    settings: Settings, request: DigestRequest, subscribed: Sequence[Subscription], now: datetime
) -> tuple[datetime, datetime, str]:
    """[start, end) and its cadence: `--since` back from now (every subscription of the
    channel, no cadence), else the latest ended period of the channel's digest cadence (its
    subscriptions of that cadence; weekly when it has both), else the last 24 hours."""
    if request.since is not None:
        return now - request.since, now, ""
    cadences = {s.cadence for s in subscribed if s.cadence in DIGESTS}
    if not cadences:
        return now - DEFAULT_SINCE, now, ""
    cadence = max(cadences, key=DIGESTS.index)
    start, end = latest_period(cadence, now, settings.timezone)
    return start, end, cadence


def digest_json(digest: Digest, t: Translator, *, posted: bool) -> dict[str, Any]:
    """The digest's data: the channel, the period, and each connector's net change (the
    operation as typed, never the workspace)."""
    return {
        "channel": digest.channel_id,
        "cadence": digest.cadence or None,
        "period_start": digest.period_start.isoformat(),
        "period_end": digest.period_end.isoformat(),
        "changed": digest.any,
        "posted": posted,
        "connectors": [
            {
                "connector": connector_id(part.connector_key),
                "operation": operation_name(operation_of(part.connector_key)),
                "filters": part.filters,
                **(changes_json(part.changes, t) or {}),
            }
            for part in digest.parts
        ],
    }


def nothing_changed(digest: Digest, settings: Settings, t: Translator) -> str:
    """What the console says when the digest is empty: the post would not be made."""
    return t._(
        "Nothing changed in channel {channel}'s connectors from {start} to {end}: no digest "
        "is posted for that period."
    ).format(
        channel=digest.channel_id,
        start=_moment(digest.period_start, settings),
        end=_moment(digest.period_end, settings),
    )


def _moment(moment: datetime, settings: Settings) -> str:
    return moment.astimezone(settings.timezone).strftime("%Y-%m-%d %H:%M %Z")


def posted_line(channel: str, t: Translator) -> str:
    return t._("Posted in channel {channel}.").format(channel=channel)


def not_posted_line(channel: str, t: Translator) -> str:
    return t._("Nothing was posted in channel {channel}.").format(channel=channel)


def no_subscription(request: DigestRequest, t: Translator) -> str:
    if request.workspace:
        return t._(
            "Channel {channel} has no subscription in workspace {workspace}: subscribe it in "
            "Slack first (/wolkvox-sync subscribe 1234 --daily)."
        ).format(channel=safe(request.channel), workspace=request.workspace)
    return t._(
        "Channel {channel} has no subscription: subscribe it in Slack first (/wolkvox-sync "
        "subscribe 1234 --daily)."
    ).format(channel=safe(request.channel))


__all__ = [
    "DigestDoor",
    "DigestRequest",
    "read_digest_request",
    "run_digest",
]
