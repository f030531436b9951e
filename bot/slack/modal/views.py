"""The "Find a WhatsApp template" modal, its menus' options and the message Share posts (pure).

The modal grows as the person chooses: a connector menu; once a connector is chosen, a
template menu with type-ahead; once a template is chosen, the template in full (as `show`
and the Open menu show it: bot.slack.views.template.detail_blocks), a channel picker and the
Share button.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ConversationFilter,
    ConversationSelectElement,
    DividerBlock,
    ExternalDataSelectElement,
    InputBlock,
    Option,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot.errors import OperationError
from bot.i18n import Translator
from bot.i18n.mrkdwn import clip, escape, one_line, plain
from bot.operations.addressing import resolve_connector
from bot.slack.modal.ids import (
    CHANNEL_BLOCK,
    CHANNEL_MENU,
    CONNECTOR_BLOCK,
    CONNECTOR_MENU,
    HINT_VALUE,
    MODAL,
    TEMPLATE_MENU,
    template_block,
)
from bot.slack.modal.state import MAX_LABEL, Chosen, metadata, template_value
from bot.slack.replies import syncing_text
from bot.slack.values import TemplateRef
from bot.slack.views.kit import (
    LISTED,
    MAX_VIEW_BLOCKS,
    About,
    Message,
    context,
    section,
    synced_phrase,
    user_ref,
)
from bot.slack.views.template import detail_blocks, detail_card
from bot.templates.connectors import (
    MAX_CONNECTOR_DIGITS,
    connector_id,
    operation_name,
    operation_of,
    qualify,
    scoped_operation,
    split_key,
    workspace_of,
)
from bot.templates.model import Snapshot, Template

MAX_TITLE = 24  # a modal's title, submit and close texts
MAX_LANGUAGE_SHOWN = 16
OPTION_SEPARATOR = " · "
MAX_OPTIONS = 100


@dataclass(frozen=True, slots=True)
class Found:
    """What the modal shows: the choices so far, a line about the connector (how many
    templates and how fresh, syncing, or what went wrong), and the template chosen."""

    chosen: Chosen = field(default_factory=Chosen)
    status: str = ""  # mrkdwn, already safe
    template: Template | None = None  # the template chosen (`chosen.template` points at it)


def find_view(found: Found, t: Translator) -> dict[str, Any]:
    """The modal as it stands."""
    chosen = found.chosen
    connector_menu = ExternalDataSelectElement(
        action_id=CONNECTOR_MENU,
        placeholder=t._("An alias or a connector id"),
        min_query_length=0,
        initial_option=_option(chosen.label, chosen.connector) if chosen.connector else None,
    )
    blocks: list[Block] = [
        section(t._("*Connector*")),
        ActionsBlock(block_id=CONNECTOR_BLOCK, elements=[connector_menu]),
        context(found.status or t._("Choose an alias, or type a connector's id (digits).")),
    ]
    if chosen.connector:
        blocks += _template_menu(found, t)
    if found.template is not None and chosen.template is not None:
        blocks += [DividerBlock(), *detail_blocks(found.template, t), _channel_picker(t)]
    assert len(blocks) <= MAX_VIEW_BLOCKS
    sharing = chosen.template is not None and found.template is not None
    view = View(
        type="modal",
        callback_id=MODAL,
        title=_title(t._("Find a template")),
        close=_title(t._("Close")),
        submit=_title(t._("Share")) if sharing else None,
        blocks=blocks,
        private_metadata=metadata(chosen),
    )
    return view.to_dict()  # validates Slack's limits for views


def refused_view(text: str, t: Translator) -> dict[str, Any]:
    """The modal for someone who may not use the bot: why, and nothing else."""
    view = View(
        type="modal",
        callback_id=MODAL,
        title=_title(t._("Find a template")),
        close=_title(t._("Close")),
        blocks=[section(text)],
    )
    return view.to_dict()


def ready_status(snapshot: Snapshot, origin: str, now: datetime, t: Translator) -> str:
    """ "Connector 1234: 600 templates · Cached, synced 4 min. ago"."""
    return t.nformat(
        "Connector *{connector}*: {count} template · {freshness}",
        "Connector *{connector}*: {count} templates · {freshness}",
        snapshot.count,
        connector=escape(t.connector(snapshot.connector)),
        freshness=synced_phrase(t, snapshot.synced_at, now, origin),
    )


def syncing_status(connector: str, t: Translator) -> str:
    """The connector's line while it syncs in the background (the same words as a reply's)."""
    return syncing_text(connector, t)


def connector_options(
    typed: str,
    aliases: Mapping[str, str],
    recent: Iterable[str],
    t: Translator,
    operations: Sequence[str] = (),
    scope: str = "",
) -> list[dict[str, Any]]:
    """The connector menu, each option's value a connector's key: what is typed first (an id
    alone: one option per operation when there are several, since the modal has no channel
    to take a default from; `cliente_a:1234`: that one), then the aliases and the connectors
    synced recently that match what is typed; a hint when nothing does, or when no operation
    is set up or the one typed does not exist. `scope`: the requester's workspace (distribution
    mode): keys are its own, and only its connectors synced recently are offered."""
    if not operations:
        return [hint_option(t._("No Wolkvox operation is set up yet: ask an admin"))]
    wanted = typed.strip().casefold()
    operation, _, number = wanted.rpartition(":") if ":" in wanted else ("", "", wanted)
    digits = number.lstrip("0") or number
    named: dict[str, str] = {}  # key -> alias
    for alias, target in aliases.items():
        key = _key(target, operations, scope)
        if key:
            named.setdefault(key, alias)
    listed: dict[str, str] = {}  # value -> text
    if number.isascii() and number.isdigit() and len(number) <= MAX_CONNECTOR_DIGITS:
        if operation and operation not in operations:
            return [hint_option(t._("No operation is named {name}").format(name=operation))]
        for name in [operation] if operation else operations:
            key = qualify(scoped_operation(scope, name), digits)
            listed[key] = _connector_label(key, named, t)

    def matches(key: str, alias: str = "") -> bool:
        return (
            not wanted
            or (bool(alias) and wanted in alias)
            or typed_key(key).startswith(wanted)
            or (not operation and connector_id(key).startswith(digits))
        )

    for alias, target in sorted(aliases.items()):
        key = _key(target, operations, scope)
        if key and matches(key, alias):
            listed.setdefault(key, _connector_label(key, named, t))
    for key in sorted(recent):
        mine = workspace_of(key) == scope and operation_name(operation_of(key)) in operations
        if mine and matches(key):
            listed.setdefault(key, _connector_label(key, named, t))
    if not listed:
        return [hint_option(t._("Type the connector's id (digits), like 1234"))]
    return [_option_json(text, value) for value, text in list(listed.items())[:MAX_OPTIONS]]


def _key(target: str, operations: Sequence[str], scope: str = "") -> str:
    """An alias's connector as a key; "" when its operation is not (or no longer) set up."""
    try:
        return resolve_connector(target, operations, scope=scope)
    except OperationError:
        return ""


def template_options(snapshot: Snapshot, positions: Sequence[int]) -> list[dict[str, Any]]:
    """The template menu: one option per template (a name in one language), its value the
    template's place in the snapshot."""
    options = []
    for position in positions[:MAX_OPTIONS]:
        template = snapshot.templates[position]
        ref = TemplateRef(snapshot.connector, snapshot.id, position)
        options.append(_option_json(template_label(template), template_value(ref)))
    return options


def template_label(template: Template) -> str:
    """ "recordatorio_pago · es_MX", within an option's 75 characters."""
    language = clip(one_line(template.language), MAX_LANGUAGE_SHOWN)
    room = MAX_LABEL - len(OPTION_SEPARATOR) - len(language)
    return f"{clip(one_line(template.name), room)}{OPTION_SEPARATOR}{language}"


def hint_option(text: str) -> dict[str, Any]:
    """An option that explains (choosing it does nothing)."""
    return _option_json(text, HINT_VALUE)


def shared_message(
    snapshot: Snapshot, template: Template, *, user_id: str, now: datetime, t: Translator
) -> Message:
    """What Share posts: the template in full, the connector, how fresh, and who shared it."""
    about = About(now=now, t=t, origin="cache", shared_by=user_id)
    fallback = t._("{user} shared the template {name}").format(
        user=user_ref(user_id, t._("someone")), name=plain(template.name, LISTED.name)
    )
    return detail_card(snapshot, template, about.line(snapshot.synced_at), fallback, t)


def _template_menu(found: Found, t: Translator) -> list[Block]:
    chosen = found.chosen
    initial = None
    if chosen.template is not None and found.template is not None:
        initial = _option(template_label(found.template), template_value(chosen.template))
    menu = ExternalDataSelectElement(
        action_id=TEMPLATE_MENU,
        placeholder=t._("Type part of a name or of the text"),
        min_query_length=0,
        initial_option=initial,
    )
    return [
        section(t._("*Template*")),
        ActionsBlock(block_id=template_block(chosen.connector), elements=[menu]),
        context(t._("Accents and capitals don't matter; each option shows its language.")),
    ]


def _channel_picker(t: Translator) -> InputBlock:
    return InputBlock(
        block_id=CHANNEL_BLOCK,
        label=t._("Share in channel"),
        element=ConversationSelectElement(
            action_id=CHANNEL_MENU,
            placeholder=t._("Choose a channel"),
            filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
        ),
        hint=t._("Posts this template there, in the channel's language, saying you shared it."),
    )


def _connector_label(key: str, named: Mapping[str, str], t: Translator) -> str:
    """ "ventas (1234)", "Connector 1234"; with several operations "Connector 1234 · cliente_a"."""
    alias = named.get(key)
    if alias:
        return clip(f"{alias} ({t.connector(key)})", MAX_LABEL)
    return clip(t._("Connector {connector}").format(connector=t.connector(key)), MAX_LABEL)


def _title(text: str) -> PlainTextObject:
    return PlainTextObject(text=clip(text, MAX_TITLE), emoji=False)


def _option(text: str, value: str) -> Option:
    return Option(
        value=value, text=PlainTextObject(text=clip(one_line(text), MAX_LABEL), emoji=False)
    )


def _option_json(text: str, value: str) -> dict[str, Any]:
    """An option as JSON, without slack_sdk's models: the options request is answered on
    every keystroke, and to_dict() would cost more than the search."""
    return {
        "text": {"type": "plain_text", "text": clip(one_line(text), MAX_LABEL), "emoji": False},
        "value": value,
    }


def typed_key(key: str) -> str:
    """A key as people type it: `T0123ABCD/cliente_a:1234` -> `cliente_a:1234`."""
    operation, number = split_key(key)
    return f"{operation_name(operation)}:{number}" if operation else number
