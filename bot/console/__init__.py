"""The terminal's commands, with the Slack app's settings, grammar, computations and
languages (WOLKVOX_LANGUAGE):

    wolkvox-sync sync <connector>...                      sync now (terminals, schedulers)
    wolkvox-sync templates <connector> [filters]          the templates that match
    wolkvox-sync coverage <connector> [filters]           which names exist in which languages
    wolkvox-sync compare <connector> <connector> [filters]   what differs between two

The lookups read the last stored sync (`source`), print text, `--json` or `--csv`.
"""

from __future__ import annotations

from bot.console.lookups import LookupRequest, read_request, run_lookup
from bot.console.sync import InputError, connectors_from, run_sync

__all__ = [
    "InputError",
    "LookupRequest",
    "connectors_from",
    "read_request",
    "run_lookup",
    "run_sync",
]
