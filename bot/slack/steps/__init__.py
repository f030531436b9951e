"""Workflow Builder steps (Slack's custom steps for Bolt apps), registered by `register_steps`.

sync_step.py       `sync_wolkvox_templates`: sync a connector, report what changed
template_step.py   `get_wolkvox_template`: one template's body, category, language, preview
run.py             around each step: language, access, time bound, complete or fail
inputs.py          the steps' inputs read into domain values (pure)
wording.py         what the steps say, as plain text (pure)

The steps are declared under `functions:` in manifest.yml with the same callback ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.steps.sync_step import SYNC_STEP, SyncStep
from bot.slack.steps.template_step import TEMPLATE_STEP, TemplateStep

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

STEPS = (SYNC_STEP, TEMPLATE_STEP)


def register_steps(door: SlackDoor) -> None:
    """Listen for both steps' `function_executed` events (acknowledged at once by Bolt)."""
    door.app.function(SYNC_STEP)(SyncStep(door))
    door.app.function(TEMPLATE_STEP)(TemplateStep(door))


__all__ = ["STEPS", "SYNC_STEP", "TEMPLATE_STEP", "register_steps"]
