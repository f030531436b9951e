"""The operation form's state: what the modal carries and what an admin typed, read back
defensively and checked with the model's rules (pure).

- `private_metadata` names what the form is for, and nothing else: `add`, or `edit:<name>`.
  It comes back from the client, so it is read strictly (an operation's name, bounded), and
  the listener checks again that the operation exists and who submits.
- Each field is read bounded (a forged submission can't hand in megabytes) and checked by
  `bot.operations.model`; every wrong field is reported at once, under its block.
- The token is never pre-filled; left empty on Edit it keeps the current one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.errors import OperationInvalid
from bot.operations.model import (
    MAX_TOKEN_CHARS,
    Operation,
    check_aliases,
    check_daily_quota,
    check_name,
    check_server,
    check_token,
)
from bot.slack.admin.ids import (
    ALIASES_BLOCK,
    FIELD_BLOCKS,
    INPUT,
    NAME_BLOCK,
    QUOTA_BLOCK,
    SERVER_BLOCK,
    TEST_BLOCK,
    TOKEN_BLOCK,
)
from bot.templates.connectors import canonical_connector, is_connector_id, is_operation_name

MAX_METADATA = 64
# the most read of each field (the inputs' max_length is smaller; longer is malformed)
MAX_READ = {
    NAME_BLOCK: 40,
    SERVER_BLOCK: 16,
    TOKEN_BLOCK: MAX_TOKEN_CHARS + 1,
    QUOTA_BLOCK: 24,
    ALIASES_BLOCK: 3000,
    TEST_BLOCK: 24,
}


@dataclass(frozen=True, slots=True)
class Target:
    """What the form is for: adding an operation (`name` ""), or editing the one named."""

    name: str = ""

    @property
    def editing(self) -> bool:
        return bool(self.name)


def metadata(target: Target) -> str:
    return f"edit:{target.name}" if target.editing else "add"


def read_metadata(view: object) -> Target | None:
    """The form's target from its private_metadata; None when it is not one we write."""
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    if not isinstance(raw, str) or len(raw) > MAX_METADATA:
        return None
    if raw == "add":
        return Target()
    kind, _, name = raw.partition(":")
    return Target(name) if kind == "edit" and is_operation_name(name) else None


@dataclass(frozen=True, slots=True)
class Form:
    """What was typed, as typed (bounded)."""

    name: str = ""
    server: str = ""
    token: str = field(default="", repr=False)
    daily_quota: str = ""
    aliases: str = ""
    test_connector: str = ""


def read_form(view: object) -> Form:
    """The fields of a submitted form (missing or odd ones read as empty)."""
    return Form(
        name=_value(view, NAME_BLOCK),
        server=_value(view, SERVER_BLOCK),
        token=_value(view, TOKEN_BLOCK),
        daily_quota=_value(view, QUOTA_BLOCK),
        aliases=_value(view, ALIASES_BLOCK),
        test_connector=_value(view, TEST_BLOCK),
    )


@dataclass(frozen=True, slots=True)
class Checked:
    """A form checked: the operation to save (None when a field is wrong), the connector to
    test it with ("" for none), and each wrong field's error under its block."""

    operation: Operation | None
    test_connector: str = ""
    errors: Mapping[str, OperationInvalid] = field(default_factory=dict)


def check_form(
    form: Form,
    target: Target,
    *,
    current: Operation | None,
    names: Collection[str],
    aliases_taken: Mapping[str, str],
) -> Checked:
    """Check every field with the model's rules. On Edit (`current` is the operation as it
    is) the name is the target's and an empty token keeps the current one. `names`: the
    operations' names; `aliases_taken`: every alias other operations (and
    WOLKVOX_CONNECTORS) use."""
    errors: dict[str, OperationInvalid] = {}

    def checked(block: str, check: Any, *args: Any) -> Any:
        try:
            return check(*args)
        except OperationInvalid as error:
            errors[FIELD_BLOCKS.get(error.field, block)] = error
            return None

    name = target.name if target.editing else checked(NAME_BLOCK, check_name, form.name, names)
    server = checked(SERVER_BLOCK, check_server, form.server)
    token: str | None
    if target.editing and current is not None and not form.token.strip():
        token = current.token
    else:
        token = checked(TOKEN_BLOCK, check_token, form.token)
    quota = checked(QUOTA_BLOCK, check_daily_quota, form.daily_quota)
    aliases = checked(ALIASES_BLOCK, check_aliases, form.aliases, aliases_taken)
    test = form.test_connector.strip()
    if test and not is_connector_id(test):
        errors[TEST_BLOCK] = OperationInvalid("test_connector", "malformed", test[:24])
    if errors or name is None or server is None or token is None:
        return Checked(None, errors=errors)
    operation = Operation(
        name=name, server=server, token=token, daily_quota=quota or 0, aliases=aliases or ()
    )
    return Checked(operation, canonical_connector(test) if test else "")


def _value(view: object, block_id: str) -> str:
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    block = values.get(block_id) if isinstance(values, dict) else None
    element = block.get(INPUT) if isinstance(block, dict) else None
    value = element.get("value") if isinstance(element, dict) else None
    return value[: MAX_READ[block_id]] if isinstance(value, str) else ""
