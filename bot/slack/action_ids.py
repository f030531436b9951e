"""The action ids of the bot's buttons and menus: what the views put on them and what the
listeners register for."""

from __future__ import annotations

ACTION_PREVIOUS = "wolkvox_page_previous"
ACTION_NEXT = "wolkvox_page_next"
ACTION_REFRESH = "wolkvox_refresh"
ACTION_OPEN = "wolkvox_open"
ACTION_SHARE = "wolkvox_share"
ACTION_EXPORT = "wolkvox_export"

# Previous, Next and Share show a page of a kept result: one listener serves them.
PAGE_ACTIONS = (ACTION_PREVIOUS, ACTION_NEXT, ACTION_SHARE)
