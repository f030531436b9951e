"""What buttons and menus carry, encoded small and read back defensively (pure); and the
shape of Slack's own ids, checked once at the edge.

A view is one page of a lookup (or of a coverage grid) over one kept snapshot; a template
reference points at one template of a kept snapshot by position; a comparison is one page over
two kept snapshots; a check is one template name in one kept snapshot. Query text is re-read
with the command grammar.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.errors import InputError
from bot.i18n import N_
from bot.templates.connectors import canonical_connector, is_connector_word, is_operation_name

MAX_VALUE_CHARS = 2000  # Slack's limit for a button value
MAX_VALUE_BYTES = 2000  # and what an operation button carries at most, in UTF-8
MAX_OPTION_VALUE = 150  # Slack's limit for a select option value
MAX_QUERY_CHARS = 1000
MAX_PAGE = 100_000
_SNAPSHOT_ID = re.compile(r"[0-9a-f]{1,32}")
_UNREADABLE = N_("That button's data could not be read. Run the command again.")
MAX_NAME_CHARS = 512  # Meta's limit on a template name

# Slack's ids: a capital letter that says what it names, then capitals and digits. 9 to 11
# characters today; Slack says they may grow, so up to MAX_ID_CHARS (what history stores).
MAX_ID_CHARS = 32
SLACK_IDS = {
    "user": re.compile(rf"[UW][A-Z0-9]{{1,{MAX_ID_CHARS - 1}}}"),
    "team": re.compile(rf"T[A-Z0-9]{{1,{MAX_ID_CHARS - 1}}}"),
    "enterprise": re.compile(rf"E[A-Z0-9]{{1,{MAX_ID_CHARS - 1}}}"),
    "channel": re.compile(rf"[CGD][A-Z0-9]{{1,{MAX_ID_CHARS - 1}}}"),
}


def is_slack_id(kind: str, value: object) -> bool:
    """Whether `value` has the shape of a Slack id of `kind` (user, team, enterprise,
    channel): what every store and cache key may rely on."""
    return isinstance(value, str) and SLACK_IDS[kind].fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class ViewRef:
    """A page of a lookup. An empty `snapshot_id` means "sync again" (Refresh)."""

    connector: str
    snapshot_id: str = ""
    page: int = 0
    query: str = ""


def encode_view(ref: ViewRef) -> str:
    return _dump({"c": ref.connector, "s": ref.snapshot_id, "p": ref.page}, query=ref.query)


def decode_view(value: object) -> ViewRef:
    """Read a view back; anything unexpected is an InputError, never a crash."""
    raw = _object(value)
    return ViewRef(
        connector=_connector(raw),
        snapshot_id=_snapshot_id(raw.get("s", "")),
        page=_number(raw.get("p", 0)),
        query=_query(raw),
    )


@dataclass(frozen=True, slots=True)
class TemplateRef:
    """One template of a kept snapshot, by its position in the snapshot."""

    connector: str
    snapshot_id: str
    index: int


def encode_template(ref: TemplateRef) -> str:
    raw = {"c": ref.connector, "s": ref.snapshot_id, "i": ref.index}
    return _dump(raw, limit=MAX_OPTION_VALUE)


def decode_template(value: object) -> TemplateRef:
    raw = _object(value)
    snapshot_id = raw.get("s")
    if not isinstance(snapshot_id, str) or not _SNAPSHOT_ID.fullmatch(snapshot_id):
        raise InputError(_UNREADABLE)
    return TemplateRef(
        connector=_connector(raw), snapshot_id=snapshot_id, index=_number(raw.get("i"))
    )


@dataclass(frozen=True, slots=True)
class CompareRef:
    """A page of a comparison of two connectors. Empty snapshot ids mean "sync again"."""

    left: str
    right: str
    left_snapshot: str = ""
    right_snapshot: str = ""
    page: int = 0
    query: str = ""


def encode_compare(ref: CompareRef) -> str:
    sides = {"l": ref.left, "r": ref.right, "ls": ref.left_snapshot, "rs": ref.right_snapshot}
    return _dump({**sides, "p": ref.page}, query=ref.query)


def decode_compare(value: object) -> CompareRef:
    """Read a comparison page back; anything unexpected is an InputError, never a crash."""
    raw = _object(value)
    left, right = _connector(raw, "l"), _connector(raw, "r")
    snapshots = (_snapshot_id(raw.get("ls", "")), _snapshot_id(raw.get("rs", "")))
    return CompareRef(left, right, *snapshots, page=_number(raw.get("p", 0)), query=_query(raw))


@dataclass(frozen=True, slots=True)
class CheckRef:
    """The readiness of one template name. An empty `snapshot_id` means "sync again"."""

    connector: str
    name: str
    snapshot_id: str = ""


def encode_check(ref: CheckRef) -> str:
    return _dump({"c": ref.connector, "s": ref.snapshot_id, "n": ref.name})


def decode_check(value: object) -> CheckRef:
    raw = _object(value)
    name = raw.get("n")
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_CHARS:
        raise InputError(_UNREADABLE)
    return CheckRef(_connector(raw), name, _snapshot_id(raw.get("s", "")))


@dataclass(frozen=True, slots=True)
class ChoiceRef:
    """An answer to "which operation?": the operation, and the command's text as typed
    (Slack's escaping kept), run again with a connector id alone meaning that operation's."""

    operation: str
    text: str


def encode_choice(ref: ChoiceRef) -> str | None:
    """The value of an operation button; None when the command is too long to carry (the
    question then says how to write it instead)."""
    value = json.dumps(
        {"o": ref.operation, "x": ref.text}, separators=(",", ":"), ensure_ascii=False
    )
    return value if len(value.encode()) <= MAX_VALUE_BYTES else None


def decode_choice(value: object) -> ChoiceRef:
    """Read an operation button back; anything unexpected is an InputError. The command's
    text is checked again by the grammar, and the operation against those in effect."""
    raw = _object(value)
    operation, text = raw.get("o"), raw.get("x")
    if not isinstance(operation, str) or not is_operation_name(operation):
        raise InputError(_UNREADABLE)
    if not isinstance(text, str) or not text.strip() or len(text.encode()) > MAX_VALUE_BYTES:
        raise InputError(_UNREADABLE)
    return ChoiceRef(operation, text)


def _snapshot_id(value: object) -> str:
    """A kept snapshot's id, or "" (sync again)."""
    if not isinstance(value, str) or (value and not _SNAPSHOT_ID.fullmatch(value)):
        raise InputError(_UNREADABLE)
    return value


def _query(raw: dict[str, Any]) -> str:
    """The filters of the command that made the button, as typed; "" without any."""
    query = raw.get("q", "")
    if not isinstance(query, str) or len(query) > MAX_QUERY_CHARS:
        raise InputError(_UNREADABLE)
    return query


def _dump(raw: dict[str, Any], *, query: str = "", limit: int = MAX_VALUE_CHARS) -> str:
    """Compact JSON, with the query only when there is one; within Slack's `limit`."""
    if query:
        raw = {**raw, "q": query}
    value = json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
    assert len(value) <= limit
    return value


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, str) or len(value) > MAX_VALUE_CHARS:
        raise InputError(_UNREADABLE)
    try:
        raw = json.loads(value)
    except (ValueError, RecursionError):  # deeply nested JSON exhausts the parser's stack
        raw = None
    if not isinstance(raw, dict):
        raise InputError(_UNREADABLE)
    return raw


def _connector(raw: dict[str, Any], key: str = "c") -> str:
    """A connector's key (`cliente_a:1234`), or a bare id from a button made before there
    were operations (the listener gives it its operation: `SlackDoor.button_key`)."""
    connector = raw.get(key)
    if not isinstance(connector, str) or not is_connector_word(connector):
        raise InputError(_UNREADABLE)
    return canonical_connector(connector)


def _number(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PAGE:
        raise InputError(_UNREADABLE)
    return value
