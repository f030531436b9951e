"""Every reply to a command, rendered (pure): values computed before in, a Message out; the
pages a result's buttons show come from here too. The listeners compute (the cache, a sync,
the store) and respond; `bot.slack.listeners.answers` says which reply answers which kind of
command.

- short replies: help, progress, a line of text, "data expired", the language choice, which
  operation a connector id is in (the question) and the channel's default operation (`use`);
- replies over a snapshot: a lookup, `show`, `coverage`, `check` (computed in
  `bot.templates.{lookup,coverage,readiness}`), `compare` over two (`bot.templates.compare`);
  the Block Kit parts come from `bot.slack.views`;
- replies from the store: `status`, `history`, the channel's subscriptions.

The rendered part of a lookup depends only on (snapshot, query, page, shared, language), so it
is memoised per snapshot: a cache hit or paging back costs no search and no Block Kit models.
The memo lives as long as its snapshot does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal
from weakref import WeakKeyDictionary

from cachetools import LRUCache
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.commands import (
    COMMAND,
    Check,
    Compare,
    Coverage,
    History,
    Lookup,
    Show,
    Subscribe,
    Unsubscribe,
    Use,
    help_text,
    words,
)
from bot.database.records import EACH, Subscription, SyncRecord
from bot.errors import OperationNeeded
from bot.i18n import Translator
from bot.i18n.messages import operation_question, operation_question_hint
from bot.i18n.mrkdwn import code, escape
from bot.ops.status import StatusFacts
from bot.slack.action_ids import ACTION_REFRESH, operation_action
from bot.slack.values import ChoiceRef, ViewRef, encode_choice, encode_view
from bot.slack.views.compare import Sides, comparison_message
from bot.slack.views.coverage import coverage_message
from bot.slack.views.history import (
    history_message,
    subscriptions_message,
    when_heard,
    which_templates,
)
from bot.slack.views.kit import About, Message, button, context, message, section
from bot.slack.views.listing import expired_offer
from bot.slack.views.readiness import readiness_message
from bot.slack.views.results import ResultsView, results_message, results_view
from bot.slack.views.status import status_message
from bot.slack.views.template import template_message
from bot.templates.compare import compare, comparison_page
from bot.templates.coverage import coverage
from bot.templates.lookup import find_versions, lookup
from bot.templates.model import Snapshot
from bot.templates.query import Query
from bot.templates.readiness import readiness

MAX_VIEWS_PER_SNAPSHOT = 64
MAX_OPERATION_BUTTONS = 25  # Slack's most in one actions block

_VIEWS: WeakKeyDictionary[Snapshot, LRUCache[tuple[Query, int, bool, str, bool], ResultsView]] = (
    WeakKeyDictionary()
)


# short replies


def text_message(text: str) -> Message:
    """One section of text: a failure, a refusal or a confirmation. `text` is mrkdwn already
    made safe by its author (the fallback is made plain)."""
    return message(text, [section(text)])


def help_message(
    t: Translator, aliases: Mapping[str, str] | None = None, operations: Sequence[str] = ()
) -> Message:
    return message(
        t._("How to use {command}").format(command=COMMAND),
        [section(help_text(aliases, t, operations))],
    )


def operation_question_message(error: OperationNeeded, text: str, t: Translator) -> Message:
    """A connector id alone, several operations, no default in the channel: which operation?
    One button per operation (the first MAX_OPERATION_BUTTONS), each running the command
    `text` (as Slack sent it) again with the id meaning that operation's; none when the
    command is too long for a button to carry. Nothing was synced."""
    head = operation_question(error, t)
    buttons: list[ButtonElement] = []
    for index, name in enumerate(error.names[:MAX_OPERATION_BUTTONS]):
        value = encode_choice(ChoiceRef(name, text))
        if value is None:
            buttons = []
            break
        buttons.append(button(name, operation_action(index), value))
    blocks: list[Block] = [section(head)]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    blocks.append(context(operation_question_hint(error, t)))
    return message(head, blocks)


def use_reply(command: Use, names: Sequence[str], current: str | None, t: Translator) -> Message:
    """`use`: the channel's default operation set (`command.operation`), cleared, or shown
    (`current`, among the operations `names`)."""
    w = words(t)
    use, clear = f"`{COMMAND} {w.use} {names[0]}`", f"`{COMMAND} {w.use} {w.none}`"
    listed = ", ".join(code(name, 40) for name in names)
    if command.operation is not None:
        text = t._(
            ":pushpin: In this channel, a connector id alone now means operation {operation}'s: "
            "{example} is connector 1234 of {operation}. Another operation's connector is "
            "written {other}; {clear} forgets this."
        ).format(
            operation=code(command.operation, 40),
            example=f"`{COMMAND} 1234`",
            other=f"`{next((x for x in names if x != command.operation), 'cliente_b')}:1234`",
            clear=clear,
        )
    elif command.clear:
        text = t._(
            ":pushpin: This channel has no default operation now: with several operations, a "
            "connector id alone asks which one it is in."
        )
    elif len(names) == 1:
        text = t._(
            ":pushpin: One Wolkvox operation is set up, {operation}: a connector id alone "
            "always means its connector."
        ).format(operation=listed)
    elif current is not None:
        text = t._(
            ":pushpin: In this channel, a connector id alone means operation {operation}'s. "
            "The operations: {operations}. {use} changes it; {clear} forgets it."
        ).format(operation=code(current, 40), operations=listed, use=use, clear=clear)
    else:
        text = t._(
            ":pushpin: This channel has no default operation: a connector id alone asks which "
            "operation it is in. The operations: {operations}. {use} makes one the default."
        ).format(operations=listed, use=use)
    return text_message(text)


def progress_message(connector: str, t: Translator) -> Message:
    return text_message(syncing_text(connector, t))


def syncing_text(connector: str, t: Translator) -> str:
    """ ":hourglass_flowing_sand: Syncing connector *1234* with Wolkvox…" (a reply, the modal)."""
    return t._(":hourglass_flowing_sand: Syncing connector *{connector}* with Wolkvox…").format(
        connector=escape(t.connector(connector))
    )


def compare_progress_message(command: Compare, t: Translator) -> Message:
    """Both connectors of a comparison are syncing."""
    return text_message(
        t._(
            ":hourglass_flowing_sand: Syncing connectors *{left}* and *{right}* with Wolkvox…"
        ).format(left=escape(t.connector(command.left)), right=escape(t.connector(command.right)))
    )


def expired_message(connector: str, text: str, t: Translator, query: str = "") -> Message:
    """Data behind a button is gone: say so and offer a refresh."""
    value = encode_view(ViewRef(connector, query=query))
    return expired_offer(text, button(t._("Refresh"), ACTION_REFRESH, value, "primary"))


def language_message(t: Translator, *, chosen: bool, changed: bool = False) -> Message:
    """`idioma`: which language the bot speaks to this person, why, and how to change it.
    `chosen`: the person chose it (else it is their Slack language or the default)."""
    w = words(t)
    if changed:
        head = t._(":speech_balloon: From now on I answer you in {language}.")
    elif chosen:
        head = t._(":speech_balloon: I answer you in {language}, as you chose.")
    else:
        head = t._(":speech_balloon: I answer you in {language}, the language of your Slack.")
    how = t._(
        "To change it: {spanish} · {portuguese} · {english}; {auto} follows your Slack "
        "language again."
    ).format(
        spanish=f"`{COMMAND} {w.language} es`",
        portuguese=f"`{COMMAND} {w.language} pt`",
        english=f"`{COMMAND} {w.language} en`",
        auto=f"`{COMMAND} {w.language} auto`",
    )
    return text_message(head.format(language=t.name) + "\n" + how)


# replies over a snapshot (a page of one: the buttons ask for these too)


def lookup_reply(
    snapshot: Snapshot, about: About, *, query: Query | None = None, page: int = 0
) -> Message:
    """One page of a lookup over `snapshot`, for the person who asked or shared it."""
    view = _view(snapshot, query or Query(), page, bool(about.shared_by), about.t)
    return results_message(view, synced_at=snapshot.synced_at, about=about)


def show_reply(snapshot: Snapshot, name: str, about: About) -> Message:
    """`show <name>`: the template in every language, or the closest names."""
    return template_message(find_versions(snapshot, name), about)


def coverage_reply(
    snapshot: Snapshot, about: About, *, query: Query | None = None, page: int = 0
) -> Message:
    """`coverage [filters]`: the summary and one page of the grid."""
    return coverage_message(coverage(snapshot, query or Query(), page=page), about)


def check_reply(snapshot: Snapshot, name: str, about: About) -> Message:
    """`check <name>`: the template's readiness across its languages, or the closest names."""
    return readiness_message(readiness(snapshot, name), about)


def compare_reply(
    left: Snapshot,
    right: Snapshot,
    about: About,
    *,
    query: Query | None = None,
    page: int = 0,
    sides: Sides | None = None,
) -> Message:
    """`compare <a> <b> [filters]`: the counts and one page of differences."""
    comparison = compare(left, right, query or Query())
    return comparison_message(comparison_page(comparison, page), about, sides)


# the first page of each command on templates, as its answer renders it


def lookup_answer(command: Lookup, snapshot: Snapshot, about: About) -> Message:
    return lookup_reply(snapshot, about, query=command.query)


def show_answer(command: Show, snapshot: Snapshot, about: About) -> Message:
    return show_reply(snapshot, command.name, about)


def coverage_answer(command: Coverage, snapshot: Snapshot, about: About) -> Message:
    return coverage_reply(snapshot, about, query=command.query)


def check_answer(command: Check, snapshot: Snapshot, about: About) -> Message:
    return check_reply(snapshot, command.name, about)


def compare_answer(
    command: Compare, left: Snapshot, right: Snapshot, about: About, sides: Sides | None
) -> Message:
    return compare_reply(left, right, about, query=command.query, sides=sides)


# replies from the store


def status_reply(facts: StatusFacts, t: Translator, *, now: datetime) -> Message:
    """`status`: calls today against the quota, syncs, cache, database and Redis."""
    return status_message(facts, t, now=now)


def history_reply(
    command: History, records: Sequence[SyncRecord], *, now: datetime, t: Translator
) -> Message:
    """`<connector> history`: its last syncs, with what each changed."""
    return history_message(command.connector, records, now=now, t=t)


def subscriptions_reply(
    channel_id: str, subs: Sequence[Subscription], t: Translator, *, timezone: str = "UTC"
) -> Message:
    """`subscriptions`: what this channel is subscribed to, with filters and cadence."""
    return subscriptions_message(channel_id, subs, t, timezone=timezone)


def channels_only_reply(t: Translator) -> Message:
    """`subscribe` or `unsubscribe` typed outside a channel."""
    return text_message(
        t._(
            ":grey_question: Subscriptions are for channels: run this in the channel "
            "that should get the changes."
        )
    )


# what `subscribe` did: a new subscription, new filters or cadence for one, or nothing new
Subscribed = Literal["added", "changed", "same"]


def subscribe_reply(
    command: Subscribe, filters: str, outcome: Subscribed, t: Translator, *, timezone: str = "UTC"
) -> Message:
    """`subscribe`: what the channel hears of the connector now (its `filters`, canonical,
    and cadence, digests in `timezone`), and whether that is new."""
    connector = escape(t.connector(command.connector))
    which, when = which_templates(filters, t), when_heard(command.cadence, timezone, t)
    invite = "`/invite @Wolkvox Sync`"
    if outcome == "same" and not filters and command.cadence == EACH:
        text = t._("This channel already gets the changes of connector *{connector}*.")
    elif outcome == "same":
        text = t._(
            "This channel already gets the changes of connector *{connector}*: {which}, {when}."
        )
    elif outcome == "changed":
        text = t._(
            ":bell: This channel now gets the changes of connector *{connector}* differently: "
            "{which}, {when}."
        )
    elif not filters and command.cadence == EACH:
        text = t._(
            ":bell: This channel now gets what changes in connector *{connector}* after "
            "every sync, in {language}. For a private channel, make sure I'm in it: "
            "{invite}."
        )
    else:
        text = t._(
            ":bell: This channel now gets what changes in connector *{connector}*: {which}, "
            "{when}, in {language}. For a private channel, make sure I'm in it: {invite}."
        )
    return text_message(
        text.format(connector=connector, which=which, when=when, language=t.name, invite=invite)
    )


def unsubscribe_reply(command: Unsubscribe, removed: bool, t: Translator) -> Message:
    """`unsubscribe`: the channel no longer gets the changes (`removed`), or never did."""
    if removed:
        text = t._(":no_bell: This channel no longer gets the changes of connector *{connector}*.")
    else:
        text = t._("This channel was not subscribed to connector *{connector}*.")
    return text_message(text.format(connector=escape(t.connector(command.connector))))


def _view(snapshot: Snapshot, query: Query, page: int, shared: bool, t: Translator) -> ResultsView:
    views = _VIEWS.get(snapshot)
    if views is None:
        views = _VIEWS[snapshot] = LRUCache(maxsize=MAX_VIEWS_PER_SNAPSHOT)
    key = (query, page, shared, t.language, t.several)
    view = views.get(key)
    if view is None:
        view = views[key] = results_view(lookup(snapshot, query, page), t, shared=shared)
    return view
