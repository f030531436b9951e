"""Every listener of the app, registered in one place: `register(door)`.

commands.py   /wolkvox-sync …: parse, check access, answer as answers.py says
answers.py    how each kind of command is answered (ANSWERS, the one dispatch on its kind)
syncing.py    a command on templates: from the cache, or synced, with the quota warning (also
              the Refresh buttons)
choosing.py   the buttons of the question "which operation?" (a connector id alone)
actions.py    buttons and menus on a lookup's result
campaign.py   buttons on a coverage grid, a readiness card or a comparison
clicks.py     what those buttons share: page, refresh, CSV export, the kept snapshot
events.py     the Home tab
guards.py     the guard at the edge (malformed ids, clicks refused), the error handler
respond.py    answering Slack: the acknowledgement, response_url, who is waiting

What a reply says is rendered in `bot.slack.replies`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import COMMAND
from bot.slack import action_ids as ids
from bot.slack.action_ids import ACTION_EXPORT, ACTION_OPEN, ACTION_REFRESH, PAGE_ACTIONS
from bot.slack.listeners.actions import ActionListeners
from bot.slack.listeners.campaign import CampaignActions
from bot.slack.listeners.choosing import OperationChoice
from bot.slack.listeners.commands import CommandListener
from bot.slack.listeners.events import HomeListener
from bot.slack.listeners.guards import ErrorHandler, Guard
from bot.slack.modal import register_find_template
from bot.slack.scope import WorkspaceScope
from bot.slack.steps import register_steps

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor


def register(door: SlackDoor) -> None:
    """Wire every listener, the guards and the error handler into `door.app`."""
    app = door.app
    actions = ActionListeners(door)
    app.middleware(Guard(door))  # first: nothing below sees a malformed id
    app.middleware(WorkspaceScope(door))  # distribution mode: the requester's workspace
    app.command(COMMAND)(CommandListener(door))
    app.action(ids.OPERATION_ACTIONS)(OperationChoice(door))
    for action_id in PAGE_ACTIONS:
        app.action(action_id)(actions.page)
    app.action(ACTION_REFRESH)(actions.refresh)
    app.action(ACTION_OPEN)(actions.open)
    app.action(ACTION_EXPORT)(actions.export)
    campaign = CampaignActions(door)
    for action_id in ids.COVERAGE_PAGE_ACTIONS:
        app.action(action_id)(campaign.coverage_page)
    app.action(ids.ACTION_COVERAGE_REFRESH)(campaign.coverage_refresh)
    app.action(ids.ACTION_COVERAGE_EXPORT)(campaign.coverage_export)
    app.action(ids.ACTION_CHECK_SHARE)(campaign.check_share)
    app.action(ids.ACTION_CHECK_REFRESH)(campaign.check_refresh)
    for action_id in ids.COMPARE_PAGE_ACTIONS:
        app.action(action_id)(campaign.compare_page)
    app.action(ids.ACTION_COMPARE_REFRESH)(campaign.compare_refresh)
    app.action(ids.ACTION_COMPARE_EXPORT)(campaign.compare_export)
    app.event("app_home_opened")(HomeListener(door))
    app.error(ErrorHandler(door))
    register_steps(door)
    register_find_template(door)
