"""Every listener of the app, registered in one place: `register(bot)`.

commands.py   /wolkvox-sync …
actions.py    buttons and menus on a result
events.py     the Home tab
guards.py     the access guard for clicks, the error handler
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.action_ids import ACTION_EXPORT, ACTION_OPEN, ACTION_REFRESH, PAGE_ACTIONS
from bot.slack.commands import COMMAND
from bot.slack.listeners.actions import ActionListeners
from bot.slack.listeners.commands import CommandListener
from bot.slack.listeners.events import HomeListener
from bot.slack.listeners.guards import ClickGuard, ErrorHandler
from bot.slack.modal import register_find_template
from bot.slack.steps import register_steps

if TYPE_CHECKING:
    from bot.slack.app import Bot


def register(bot: Bot) -> None:
    """Wire every listener, the click guard and the error handler into `bot.app`."""
    app = bot.app
    actions = ActionListeners(bot)
    app.middleware(ClickGuard(bot))
    app.command(COMMAND)(CommandListener(bot))
    for action_id in PAGE_ACTIONS:
        app.action(action_id)(actions.page)
    app.action(ACTION_REFRESH)(actions.refresh)
    app.action(ACTION_OPEN)(actions.open)
    app.action(ACTION_EXPORT)(actions.export)
    app.event("app_home_opened")(HomeListener(bot))
    app.error(ErrorHandler(bot))
    register_steps(bot)
    register_find_template(bot)
