"""The ids of the "Find a WhatsApp template" modal: the shortcut's callback id, the modal's,
and the blocks and menus inside it (what the views put on them and the listeners match)."""

from __future__ import annotations

SHORTCUT = "find_template"  # the global shortcut (manifest.yml: features.shortcuts)
MODAL = "find_template_modal"  # the modal's callback_id: its submission is "Share"

CONNECTOR_BLOCK = "find_connector"
CONNECTOR_MENU = "find_template_connector"  # external select: aliases, cached ids, a typed id
# The template menu's block id ends with the connector, so that choosing another connector
# gives an empty menu rather than the last connector's choice.
TEMPLATE_BLOCK = "find_template"
TEMPLATE_MENU = "find_template_pick"  # external select: the connector's cached templates
CHANNEL_BLOCK = "find_channel"
CHANNEL_MENU = "find_template_channel"  # conversations select: where Share posts

# An option that explains instead of choosing ("choose a connector first", "syncing…").
HINT_VALUE = "hint"


def template_block(connector: str) -> str:
    return f"{TEMPLATE_BLOCK}:{connector}"
