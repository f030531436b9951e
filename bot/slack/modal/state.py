"""What the modal carries between requests, written small and read back defensively (pure).

- A template option's value: `<connector>.<snapshot id>.<position>` (at most 126 characters,
  the connector a key `cliente_a:1234`, or `T0123ABCD/cliente_a:1234` in distribution mode,
  inside Slack's 150), read back strictly; whose workspace it names the listener checks
  (`SlackDoor.button_key`).
- The view's `private_metadata`: the connector chosen (and how its menu showed it), and the
  template chosen, as compact JSON.
- The view's state: which connector, which channel.
Anything unexpected reads as "nothing chosen", never as an error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.slack.modal.ids import CHANNEL_BLOCK, CHANNEL_MENU, CONNECTOR_BLOCK, CONNECTOR_MENU
from bot.slack.values import TemplateRef
from bot.templates.connectors import canonical_connector, is_connector_word

MAX_OPTION_VALUE = 150  # Slack's limit for a menu option's value
MAX_METADATA = 3000  # Slack's limit for a view's private_metadata
MAX_LABEL = 75  # an option's text
# the connector: a bare id, `cliente_a:1234` or (distribution mode) `T0123ABCD/cliente_a:1234`
_TEMPLATE_VALUE = re.compile(
    r"((?:(?:[TE][A-Z0-9]{2,31}/)?[a-z0-9_-]{1,32}:)?[0-9]{1,20})\.([0-9a-f]{1,32})\.([0-9]{1,6})"
)
_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,20}")


@dataclass(frozen=True, slots=True)
class Chosen:
    """What the person has chosen in the modal so far."""

    connector: str = ""  # a key (`cliente_a:1234`), "" for none yet
    label: str = ""  # how the connector menu shows it ("ventas (1234)")
    template: TemplateRef | None = None


def template_value(ref: TemplateRef) -> str:
    value = f"{ref.connector}.{ref.snapshot_id}.{ref.index}"
    assert len(value) <= MAX_OPTION_VALUE
    return value


def read_template_value(value: object) -> TemplateRef | None:
    if not isinstance(value, str):
        return None
    match = _TEMPLATE_VALUE.fullmatch(value)
    if match is None:
        return None
    connector, snapshot_id, index = match.groups()
    return TemplateRef(canonical_connector(connector), snapshot_id, int(index))


def read_connector_value(value: object) -> str:
    """A connector menu option's value: a key (`cliente_a:1234`; a bare id from a modal
    opened before operations existed), or "" (a hint, or junk)."""
    if isinstance(value, str) and is_connector_word(value):
        return canonical_connector(value)
    return ""


def metadata(chosen: Chosen) -> str:
    raw: dict[str, Any] = {"c": chosen.connector, "l": chosen.label[:MAX_LABEL]}
    if chosen.template is not None:
        raw["t"] = template_value(chosen.template)
    value = json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
    assert len(value) <= MAX_METADATA
    return value


def read_metadata(view: object) -> Chosen:
    """What a view's private_metadata says was chosen."""
    raw = _object(view.get("private_metadata") if isinstance(view, dict) else None)
    connector = read_connector_value(raw.get("c"))
    label = raw.get("l")
    template = read_template_value(raw.get("t"))
    if template is not None and template.connector != connector:
        template = None
    return Chosen(connector, label if isinstance(label, str) else "", template)


def chosen_connector(view: object) -> str:
    """The connector chosen in the view: its menu's state, else the private_metadata."""
    option = _selected(view, CONNECTOR_BLOCK, CONNECTOR_MENU).get("selected_option")
    connector = read_connector_value(option.get("value") if isinstance(option, dict) else None)
    return connector or read_metadata(view).connector


def chosen_channel(view: object) -> str:
    """The channel picked for Share, if it looks like one (C… or G…)."""
    value = _selected(view, CHANNEL_BLOCK, CHANNEL_MENU).get("selected_conversation")
    return value if isinstance(value, str) and _CHANNEL.fullmatch(value) else ""


def selected_option(action: dict[str, Any]) -> tuple[object, str]:
    """A menu choice's value and text (block_actions)."""
    option = action.get("selected_option")
    if not isinstance(option, dict):
        return None, ""
    text = option.get("text")
    label = text.get("text") if isinstance(text, dict) else ""
    return option.get("value"), label if isinstance(label, str) else ""


def view_of(body: dict[str, Any]) -> dict[str, Any]:
    view = body.get("view")
    return view if isinstance(view, dict) else {}


def _selected(view: object, block_id: str, action_id: str) -> dict[str, Any]:
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    block = values.get(block_id) if isinstance(values, dict) else None
    element = block.get(action_id) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, str) or not value or len(value) > MAX_METADATA:
        return {}
    try:
        raw = json.loads(value)
    except (ValueError, RecursionError):
        return {}
    return raw if isinstance(raw, dict) else {}
