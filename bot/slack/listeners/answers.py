"""How each kind of command is answered: `ANSWERS`, the one place a command's kind is
dispatched. The slash command looks its command up here, and so does a Refresh button.

Each answer computes (the cache and a sync, or the store), renders with `bot.slack.replies`,
and responds through `Asked`: at once, in the acknowledgement; or, when the work may take
longer than Slack's 3 s, after a bare acknowledgement, through response_url.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from bot.commands import (
    Check,
    ChooseLanguage,
    Command,
    Compare,
    Coverage,
    Help,
    History,
    Lookup,
    Show,
    Status,
    Subscribe,
    Subscriptions,
    Unsubscribe,
    Use,
)
from bot.commands.filters import filter_text
from bot.errors import NoOperations, UnknownOperation
from bot.i18n.messages import describe
from bot.slack import replies
from bot.slack.listeners.respond import Asked
from bot.slack.listeners.syncing import BothConnectors, OneConnector
from bot.slack.views.kit import Message
from bot.templates.connectors import workspace_of

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

HISTORY_ROWS = 10

K = TypeVar("K")
# Answer one command of its kind: compute, render, respond.
Answer = Callable[["SlackDoor", Any, Asked], Awaitable[None]]
# Compute and render the reply to one command of kind K.
Make = Callable[["SlackDoor", K, Asked], Awaitable[Message]]


def at_once(make: Make[K]) -> Answer:
    """Answered in the acknowledgement."""

    async def answer(door: SlackDoor, command: K, asked: Asked) -> None:
        await asked.acknowledge(await make(door, command, asked))

    return answer


def after_ack(make: Make[K]) -> Answer:
    """Acknowledged first (the database answers quickly, but not always within Slack's 3 s,
    and the status facts take up to a couple of seconds when a part is down), then answered
    through response_url, below the command."""

    async def answer(door: SlackDoor, command: K, asked: Asked) -> None:
        await asked.acknowledge()
        await asked.answer(await make(door, command, asked), replace=False)

    return answer


async def help_(door: SlackDoor, command: Help, asked: Asked) -> Message:
    return replies.help_message(asked.t, door.book.aliases(), door.book.names())


async def status(door: SlackDoor, command: Status, asked: Asked) -> Message:
    return replies.status_reply(await door.core.status(door.book), asked.t, now=door.now())


async def choose_language(door: SlackDoor, command: ChooseLanguage, asked: Asked) -> None:
    """`idioma` alone says which language applies, at once; `idioma es` keeps the person's
    choice and answers in the language that applies from now on."""
    if command.language is None:
        current = await door.languages.of(asked.user_id)
        chosen = current.source == "chosen"
        await asked.acknowledge(replies.language_message(current.t, chosen=chosen))
        return
    await asked.acknowledge()
    choice = None if command.language == "auto" else command.language
    now = await door.languages.choose(asked.user_id, choice, door.now())
    changed = choice is not None
    reply = replies.language_message(now.t, chosen=now.source == "chosen", changed=changed)
    await asked.answer(reply, replace=False)


async def history(door: SlackDoor, command: History, asked: Asked) -> Message:
    records = await door.require_store().history(command.connector, HISTORY_ROWS)
    return replies.history_reply(command, records, now=door.now(), t=asked.t)


def digest_timezone(door: SlackDoor) -> str:
    """The time zone digests are sent in (WOLKVOX_TIMEZONE), by its IANA name."""
    return str(getattr(door.settings, "timezone", None) or "UTC")


async def subscriptions(door: SlackDoor, command: Subscriptions, asked: Asked) -> Message:
    subs = await door.require_store().subscriptions(channel_id=asked.channel_id)
    # a channel shared between workspaces (Slack Connect) lists only the requester's
    subs = [s for s in subs if workspace_of(s.connector) == door.workspace]
    return replies.subscriptions_reply(
        asked.channel_id, subs, asked.t, timezone=digest_timezone(door)
    )


async def subscribe(door: SlackDoor, command: Subscribe, asked: Asked) -> Message:
    """Post the connector's changes (those its filters match) to the channel the command was
    typed in, after every sync or in a digest; again, it replaces the filters and cadence."""
    store = door.require_store()
    if not _in_channel(asked):
        return replies.channels_only_reply(asked.t)
    filters = filter_text(command.query)
    before = [
        s
        for s in await store.subscriptions(channel_id=asked.channel_id, connector=command.connector)
        if workspace_of(s.connector) == door.workspace
    ]
    await store.subscribe(
        team_id=door.workspace or asked.team_id,
        channel_id=asked.channel_id,
        connector=command.connector,
        user_id=asked.user_id,
        now=door.now(),
        filters=filters,
        cadence=command.cadence,
    )
    if not before:
        outcome: replies.Subscribed = "added"
    elif (before[0].filters, before[0].cadence) == (filters, command.cadence):
        outcome = "same"
    else:
        outcome = "changed"
    return replies.subscribe_reply(
        command, filters, outcome, asked.t, timezone=digest_timezone(door)
    )


async def unsubscribe(door: SlackDoor, command: Unsubscribe, asked: Asked) -> Message:
    store = door.require_store()
    if not _in_channel(asked):
        return replies.channels_only_reply(asked.t)
    removed = await store.unsubscribe(channel_id=asked.channel_id, connector=command.connector)
    return replies.unsubscribe_reply(command, removed, asked.t)


async def use(door: SlackDoor, command: Use, asked: Asked) -> Message:
    """`use cliente_a` makes it the channel's default operation, `use none` forgets it,
    `use` alone says which it is and lists the operations."""
    t, names = asked.t, door.book.names()
    if not names:
        return replies.text_message(describe(NoOperations(), t))
    if command.operation is not None and command.operation not in names:
        return replies.text_message(describe(UnknownOperation(command.operation, names), t))
    current = None
    if command.operation is not None or command.clear:
        preferences = door.languages.preferences
        if preferences is None:
            door.require_store()  # raises: the database is not open
            raise RuntimeError("the preferences are not open")
        await preferences.use_operation(
            asked.channel_id, command.operation, asked.user_id, door.now(), door.workspace
        )
    else:
        current = await door.channel_operation(asked.channel_id)
    return replies.use_reply(command, names, current if current in names else None, t)


def _in_channel(asked: Asked) -> bool:
    """Subscriptions are for channels (public or private), not direct messages."""
    return asked.channel_id.startswith(("C", "G"))


ANSWERS: dict[type[Command], Answer] = {
    Help: at_once(help_),
    Lookup: OneConnector(replies.lookup_answer),
    Show: OneConnector(replies.show_answer),
    Coverage: OneConnector(replies.coverage_answer),
    Check: OneConnector(replies.check_answer),
    Compare: BothConnectors(replies.compare_answer),
    Status: after_ack(status),
    ChooseLanguage: choose_language,
    History: after_ack(history),
    Subscriptions: after_ack(subscriptions),
    Subscribe: after_ack(subscribe),
    Unsubscribe: after_ack(unsubscribe),
    Use: after_ack(use),
}
