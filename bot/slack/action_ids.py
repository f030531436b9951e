"""The action ids of the bot's buttons and menus: what the views put on them and what the
listeners register for. Old messages keep their buttons, so an id never changes."""

from __future__ import annotations

import re

# A lookup's result.
ACTION_PREVIOUS = "wolkvox_page_previous"
ACTION_NEXT = "wolkvox_page_next"
ACTION_REFRESH = "wolkvox_refresh"
ACTION_OPEN = "wolkvox_open"
ACTION_SHARE = "wolkvox_share"
ACTION_EXPORT = "wolkvox_export"
# Campaign planning: the coverage grid, a template's readiness, two connectors compared.
ACTION_COVERAGE_PREVIOUS = "wolkvox_coverage_previous"
ACTION_COVERAGE_NEXT = "wolkvox_coverage_next"
ACTION_COVERAGE_SHARE = "wolkvox_coverage_share"
ACTION_COVERAGE_REFRESH = "wolkvox_coverage_refresh"
ACTION_COVERAGE_EXPORT = "wolkvox_coverage_export"
ACTION_CHECK_SHARE = "wolkvox_check_share"
ACTION_CHECK_REFRESH = "wolkvox_check_refresh"
ACTION_COMPARE_PREVIOUS = "wolkvox_compare_previous"
ACTION_COMPARE_NEXT = "wolkvox_compare_next"
ACTION_COMPARE_SHARE = "wolkvox_compare_share"
ACTION_COMPARE_REFRESH = "wolkvox_compare_refresh"
ACTION_COMPARE_EXPORT = "wolkvox_compare_export"
# Jump to the page where a part of a comparison starts (only in one side, in both but different).
ACTION_COMPARE_JUMP = {
    "only_left": "wolkvox_compare_jump_left",
    "only_right": "wolkvox_compare_jump_right",
    "differing": "wolkvox_compare_jump_differing",
}

# Which operation a bare connector id is in: one button per operation (ids unique in a block).
ACTION_OPERATION = "wolkvox_operation"
OPERATION_ACTIONS = re.compile(rf"{ACTION_OPERATION}_[0-9]{{1,2}}")


def operation_action(index: int) -> str:
    """The action id of the question's `index`th operation button."""
    return f"{ACTION_OPERATION}_{index}"


# The buttons that show a page of a kept result (Previous, Next, Share and the comparison's
# jumps): one listener serves those of each kind of result.
PAGE_ACTIONS = (ACTION_PREVIOUS, ACTION_NEXT, ACTION_SHARE)
COVERAGE_PAGE_ACTIONS = (ACTION_COVERAGE_PREVIOUS, ACTION_COVERAGE_NEXT, ACTION_COVERAGE_SHARE)
COMPARE_PAGE_ACTIONS = (
    ACTION_COMPARE_PREVIOUS,
    ACTION_COMPARE_NEXT,
    ACTION_COMPARE_SHARE,
    *ACTION_COMPARE_JUMP.values(),
)
