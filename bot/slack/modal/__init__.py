"""The "Find a WhatsApp template" modal (global shortcut `find_template`).

ids.py        the shortcut's, the modal's, the blocks' and the menus' ids
search.py     type-ahead over a snapshot's templates (pure)
state.py      what the modal carries: option values, private_metadata, view state (pure)
views.py      the modal, the menus' options, the message Share posts (pure)
listeners.py  the shortcut, the options requests, the menu choices, Share
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.modal.ids import CONNECTOR_MENU, MODAL, SHORTCUT, TEMPLATE_MENU

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor


def register_find_template(door: SlackDoor) -> None:
    """Wire the modal's listeners into `door.app`."""
    # Imported here: the listeners use bot.slack.listeners' helpers, whose register() calls
    # this function; importing them at the top would make the two packages import each other.
    from bot.slack.modal.listeners import FindTemplate

    app, finder = door.app, FindTemplate(door)
    app.shortcut(SHORTCUT)(finder.open)
    app.options(CONNECTOR_MENU)(finder.connector_options)
    app.options(TEMPLATE_MENU)(finder.template_options)
    app.action(CONNECTOR_MENU)(finder.connector_chosen)
    app.action(TEMPLATE_MENU)(finder.template_chosen)
    app.view(MODAL)(finder.share)
