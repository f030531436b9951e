"""The operations in the App Home, and the modal an admin adds or edits one with (pure).

The Home's section shows every operation (name, server, the token's last 4 characters, calls
today against its quota, connectors synced) to everyone who may use the bot, and the last
changes (who, when, what: never a token). Admins also get Add, and Edit and Remove on each
operation stored in Slack; the environment's operation is changed in the deployment's
settings only. Remove asks first (Block Kit's confirm dialog).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
)
from slack_sdk.models.views import View

from bot.i18n import Translator
from bot.i18n.mrkdwn import clip, code, escape, plain
from bot.operations.model import MAX_TOKEN_CHARS, Operation, OperationChange, aliases_text
from bot.ops.status import OperationsFacts, OperationUsage
from bot.slack.admin.form import Target, metadata
from bot.slack.admin.ids import (
    ACTION_ADD,
    ACTION_EDIT,
    ACTION_REMOVE,
    ALIASES_BLOCK,
    INPUT,
    MODAL,
    NAME_BLOCK,
    QUOTA_BLOCK,
    RESULT,
    SERVER_BLOCK,
    TEST_BLOCK,
    TOKEN_BLOCK,
)
from bot.slack.views.kit import context, is_user_id, section

MAX_SHOWN = 20  # operations shown in the Home (two blocks each at most)
MAX_CHANGES = 10
MAX_TITLE = 24  # a modal's title, submit and close texts
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30
HOME_BLOCKS = 2 * MAX_SHOWN + 8  # the most blocks the section takes


@dataclass(frozen=True, slots=True)
class OperationsPanel:
    """What the Home's operations section shows, read before: the operations, the last
    changes, and whether the reader is an admin (and whether a token can be stored)."""

    facts: OperationsFacts = field(default_factory=OperationsFacts)
    admin: bool = False
    can_store: bool = True  # WOLKVOX_SECRET_KEY is set


# the App Home


def operations_blocks(panel: OperationsPanel, t: Translator) -> list[Block]:
    """The Home's operations section: each operation, Add/Edit/Remove for admins, the last
    changes."""
    operations = panel.facts.operations
    blocks: list[Block] = [HeaderBlock(text=t._("Wolkvox operations"))]
    if not operations:
        blocks.append(section(_none_yet(panel, t)))
    for usage in operations[:MAX_SHOWN]:
        blocks.append(section(_operation_text(usage, t)))
        if panel.admin and not usage.from_environment:
            blocks.append(_operation_buttons(usage.name, t))
    if len(operations) > MAX_SHOWN:
        more = len(operations) - MAX_SHOWN
        blocks.append(context(t.nformat("and {count} more", "and {count} more", more)))
    if panel.admin:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=t._("Add an operation"),
                        action_id=ACTION_ADD,
                        value="add",
                        style="primary",
                    )
                ]
            )
        )
        if not panel.can_store:
            blocks.append(
                context(
                    t._(
                        ":warning: WOLKVOX_SECRET_KEY is not set in the deployment's settings: "
                        "operations can't be stored until it is."
                    )
                )
            )
    if panel.facts.changes:
        blocks.append(section(changes_text(panel.facts.changes[:MAX_CHANGES], t, mentions=True)))
    elif panel.facts.changes is None:
        blocks.append(context(t._("The last changes could not be read right now.")))
    blocks.append(DividerBlock())
    assert len(blocks) <= HOME_BLOCKS
    return blocks


def _none_yet(panel: OperationsPanel, t: Translator) -> str:
    if panel.admin:
        return t._(
            "No operation yet. Add one with its server code and API token: *Add an operation* "
            "below."
        )
    return t._(
        "No operation yet: a workspace admin adds one here, in the bot's Home, with its "
        "server code and API token."
    )


def _operation_text(usage: OperationUsage, t: Translator) -> str:
    """ "*cliente_a* · server 0032 · token …abcd\\nCalls today: 812 of 5,000 · 3 connectors"."""
    tail = (
        t._("token ending in {tail}").format(tail=code(usage.token_tail, 8))
        if usage.token_tail
        else t._("token hidden")
    )
    first = t._("*{name}* · server {server} · {tail}").format(
        name=escape(usage.name), server=code(usage.server, 8), tail=tail
    )
    second = t._("Wolkvox calls today: {calls} · {connectors}").format(
        calls=calls_today(usage, t),
        connectors=t.nformat(
            "{count} connector synced", "{count} connectors synced", usage.connectors
        ),
    )
    lines = [first, second]
    if usage.from_environment:
        lines.append(t._("_Set in the deployment's settings (WOLKVOX_SERVER, WOLKVOX_TOKEN)._"))
    return "\n".join(lines)


def calls_today(usage: OperationUsage, t: Translator) -> str:
    """ "812 of 5,000", ":warning: 812 of 1,000" past 80 %, "812" without a quota."""
    if usage.calls_today is None:
        return t._("could not be read right now")
    if not usage.daily_quota:
        return t.number(usage.calls_today)
    line = t._("{used} of {quota}").format(
        used=t.number(usage.calls_today), quota=t.number(usage.daily_quota)
    )
    if usage.quota_state == "spent":
        return ":no_entry: " + line
    if usage.quota_state == "warn":
        return ":warning: " + line
    return line


def _operation_buttons(name: str, t: Translator) -> ActionsBlock:
    confirm = ConfirmObject(
        title=clip(t._("Remove {name}?").format(name=name), MAX_CONFIRM_TITLE),
        text=clip(
            t._(
                "Its schedule, subscriptions and cache stop, and its connectors can't be "
                "synced until it is added again. Its history stays readable until the "
                "history's retention removes it."
            ),
            MAX_CONFIRM_TEXT,
        ),
        confirm=clip(t._("Remove"), MAX_CONFIRM_BUTTON),
        deny=clip(t._("Cancel"), MAX_CONFIRM_BUTTON),
        style="danger",
    )
    return ActionsBlock(
        block_id=f"operation:{name}",
        elements=[
            ButtonElement(text=t._("Edit"), action_id=ACTION_EDIT, value=name),
            ButtonElement(
                text=t._("Remove"),
                action_id=ACTION_REMOVE,
                value=name,
                style="danger",
                confirm=confirm,
            ),
        ],
    )


def changes_text(changes: Sequence[OperationChange], t: Translator, *, mentions: bool) -> str:
    """The last changes, a line each: when, who, what. `mentions`: name people with a
    mention (the Home: a published view notifies nobody); else by their id (a message)."""
    lines = [t._("*Last changes*")]
    for change in changes:
        who = _who(change.who, t, mentions=mentions)
        when = t.moment(change.at)
        name = f"*{escape(change.operation)}*"
        if change.action == "added":
            line = t._("{when} · {who} added {operation}")
        elif change.action == "removed":
            line = t._("{when} · {who} removed {operation}")
        elif change.action == "rekeyed":
            line = t._("{when} · {who} encrypted the token of {operation} with a new key")
        elif change.fields:
            line = t._("{when} · {who} changed {fields} of {operation}")
        else:
            line = t._("{when} · {who} saved {operation} unchanged")
        fields = ", ".join(_field_word(f, t) for f in change.fields)
        lines.append("• " + line.format(when=when, who=who, operation=name, fields=fields))
    return "\n".join(lines)


def _who(who: str, t: Translator, *, mentions: bool) -> str:
    if who == "console":
        return t._("the console")
    if is_user_id(who):
        return f"<@{who}>" if mentions else code(who, 32)
    return plain(who, 32) or t._("someone")


def _field_word(name: str, t: Translator) -> str:
    words = {
        "server": t._("the server"),
        "token": t._("the token"),
        "daily_quota": t._("the daily quota"),
        "aliases": t._("the aliases"),
    }
    return words.get(name, plain(name, 20))


# the modal


@dataclass(frozen=True, slots=True)
class Shown:
    """What the form shows in its fields (never a token)."""

    name: str = ""
    server: str = ""
    daily_quota: str = ""
    aliases: str = ""
    test_connector: str = ""
    token_tail: str = ""  # the current token's, on Edit

    @classmethod
    def of(cls, operation: Operation) -> Shown:
        quota = str(operation.daily_quota) if operation.daily_quota else ""
        return cls(
            name=operation.name,
            server=operation.server,
            daily_quota=quota,
            aliases=aliases_text(operation.aliases),
            token_tail=operation.token_tail,
        )


def form_view(
    target: Target,
    shown: Shown,
    t: Translator,
    *,
    problems: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The form to add (`target` names none) or edit an operation. `problems`: what a test
    sync said, under the field to fix (a form shown again after a test that took long)."""
    problems = problems or {}
    blocks: list[Block] = []
    if problems:
        blocks.append(section(t._(":x: Nothing was saved: see below.")))
    if target.editing:
        blocks.append(section(t._("*Operation* {name}").format(name=code(target.name, 40))))
    else:
        blocks.append(
            _input(
                NAME_BLOCK,
                t._("Name"),
                shown.name,
                max_length=32,
                placeholder="cliente_a",
                hint=t._(
                    "How people name its connectors: cliente_a:1234. Lowercase letters, "
                    "digits, _ and -; it can't change later."
                ),
            )
        )
    blocks.append(
        _input(
            SERVER_BLOCK,
            t._("Server code"),
            shown.server,
            max_length=8,
            placeholder="0032",
            hint=t._("The operation's server in Wolkvox, like 0032 (wv0032)."),
        )
    )
    blocks += _problem(problems, SERVER_BLOCK)
    if target.editing:
        tail = (
            t._("Leave it empty to keep the current token (ending in {tail}).").format(
                tail=shown.token_tail
            )
            if shown.token_tail
            else t._("Leave it empty to keep the current token.")
        )
    else:
        tail = t._(
            "Wolkvox Manager > Configuration > Integrations > Tokens. Stored encrypted; never "
            "shown again."
        )
    blocks.append(
        _input(
            TOKEN_BLOCK,
            t._("API token"),
            "",  # never pre-filled
            max_length=MAX_TOKEN_CHARS,
            optional=target.editing,
            hint=tail,
        )
    )
    blocks += _problem(problems, TOKEN_BLOCK)
    blocks.append(
        _input(
            QUOTA_BLOCK,
            t._("Daily quota"),
            shown.daily_quota,
            max_length=9,
            optional=True,
            placeholder="5000",
            hint=t._(
                "Wolkvox calls a day for this token (licenses x 1,000). Empty: the "
                "deployment's WOLKVOX_DAILY_QUOTA."
            ),
        )
    )
    blocks.append(
        _input(
            ALIASES_BLOCK,
            t._("Aliases"),
            shown.aliases,
            max_length=2000,
            optional=True,
            multiline=True,
            placeholder="ventas=1234, soporte=5678",
            hint=t._("Names people can type instead of a connector's number."),
        )
    )
    blocks.append(
        _input(
            TEST_BLOCK,
            t._("Test with connector"),
            shown.test_connector,
            max_length=20,
            optional=True,
            placeholder="1234",
            hint=t._(
                "Syncs this connector once with the server and token above before saving "
                "(one call of the token's quota); nothing is saved if Wolkvox refuses."
            ),
        )
    )
    blocks += _problem(problems, TEST_BLOCK)
    title = t._("Edit operation") if target.editing else t._("Add an operation")
    return _view(MODAL, title, blocks, t, submit=t._("Save"), private_metadata=metadata(target))


def trial_view(name: str, connector: str, t: Translator) -> dict[str, Any]:
    """While the test sync runs (past the 3 s Slack gives a submission's answer)."""
    blocks: list[Block] = [
        section(
            t._(
                ":hourglass_flowing_sand: Syncing connector *{connector}* with the server and "
                "token of *{name}*…"
            ).format(connector=escape(connector), name=escape(name))
        ),
        context(t._("It is saved once Wolkvox answers; this takes up to a minute.")),
    ]
    return _view(RESULT, t._("Testing the operation"), blocks, t)


def saved_view(
    name: str, t: Translator, *, connector: str = "", templates: int | None = None
) -> dict[str, Any]:
    """Saved: with the test sync's answer, when there was one."""
    lines = [t._(":white_check_mark: *{name}* is saved.").format(name=escape(name))]
    if connector and templates is not None:
        lines.append(
            t.nformat(
                "Wolkvox accepted the token: connector *{connector}* has {count} template.",
                "Wolkvox accepted the token: connector *{connector}* has {count} templates.",
                templates,
                connector=escape(connector),
            )
        )
    blocks: list[Block] = [section("\n".join(lines))]
    blocks.append(context(t._("Every instance of the bot uses it within a few seconds.")))
    return _view(RESULT, t._("Operation saved"), blocks, t)


def message_view(title: str, text: str, t: Translator) -> dict[str, Any]:
    """A modal that only says something (a refusal, an out-of-date form)."""
    return _view(RESULT, title, [section(text)], t)


def not_admin_text(t: Translator) -> str:
    return t._(
        ":lock: Only the workspace's admins and owners, and the people in WOLKVOX_ADMINS, can "
        "add, edit or remove operations. Nothing changed."
    )


def _input(
    block_id: str,
    label: str,
    initial: str,
    *,
    max_length: int,
    optional: bool = False,
    multiline: bool = False,
    placeholder: str = "",
    hint: str = "",
) -> InputBlock:
    element = PlainTextInputElement(
        action_id=INPUT,
        initial_value=initial or None,
        max_length=max_length,
        multiline=multiline or None,
        placeholder=placeholder or None,
    )
    return InputBlock(
        block_id=block_id,
        label=label,
        element=element,
        optional=optional or None,
        hint=clip(hint, 2000) or None,
    )


def _problem(problems: Mapping[str, str], block_id: str) -> list[Block]:
    text = problems.get(block_id)
    return [context(":x: " + escape(text))] if text else []


def _view(
    callback_id: str,
    title: str,
    blocks: list[Block],
    t: Translator,
    *,
    submit: str = "",
    private_metadata: str = "",
) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=callback_id,
        title=_plain(title),
        submit=_plain(submit) if submit else None,
        close=_plain(t._("Cancel") if submit else t._("Close")),
        blocks=blocks,
        private_metadata=private_metadata or None,
    )
    return view.to_dict()  # validates Slack's limits for views


def _plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=clip(text, MAX_TITLE), emoji=False)
