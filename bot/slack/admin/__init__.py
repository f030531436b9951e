"""Wolkvox operations managed in Slack by the workspace's admins (the App Home's section).

who.py        who is an admin: Slack's admins and owners (users.info), and WOLKVOX_ADMINS
ids.py        the buttons' action ids, the modal's callback ids and blocks
form.py       what the form carries and what was typed, read back and checked (pure)
views.py      the Home's operations section, the form, "testing…" and "saved" (pure)
words.py      what a wrong field or a failed test sync says, in the admin's language (pure)
trial.py      the one test sync of a connector with a new server and token
listeners.py  Add, Edit, Remove and the form's submission, each re-checking the admin
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.admin.ids import ACTION_ADD, ACTION_EDIT, ACTION_REMOVE, MODAL

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor


def register_operation_admin(door: SlackDoor) -> None:
    """Wire the operations' buttons and form into `door.app`."""
    # Imported here: the listeners use bot.slack.listeners' helpers, whose register() is
    # imported with this package.
    from bot.slack.admin.listeners import OperationAdmin

    app, admin = door.app, OperationAdmin(door)
    app.action(ACTION_ADD)(admin.add)
    app.action(ACTION_EDIT)(admin.edit)
    app.action(ACTION_REMOVE)(admin.remove)
    app.view(MODAL)(admin.submit)
