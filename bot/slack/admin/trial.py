"""The test sync an admin asks for when saving an operation: one `sync_templates` of one
connector with the new server and token, before anything is saved.

The call is one of the token's 2 in flight and one call of its daily quota, like any sync:
its quota is counted by the token's key in the same counter as the operation's own syncs
(`bot.ops.quota`), and its slot is taken where that token's slots are (`slots_for_token`,
what `bot.operations.source.OperationsSource` uses; this process's own when none is given).
Nothing is recorded in the history: the operation does not exist yet.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Settings
from bot.operations.model import Operation
from bot.ops.operations import Operations
from bot.ops.quota import Quota, Reservation
from bot.wolkvox.client import WolkvoxClient
from bot.wolkvox.slots import MAX_IN_FLIGHT, FairSlots, Slots

TRIAL_CALLER = "operation-test"  # whose turn the test sync waits for among the token's callers


async def try_operation(
    operation: Operation,
    connector: str,
    *,
    settings: Settings,
    ops: Operations | None,
    slots_for_token: Callable[[str], Slots] | None = None,
) -> int:
    """Sync `connector` (a bare id) once with `operation`'s server and token: how many
    templates Wolkvox answered with; a WolkvoxError when it did not."""
    slots = (
        slots_for_token(operation.token_key)
        if slots_for_token is not None
        else FairSlots(MAX_IN_FLIGHT)
    )
    admit = None
    if ops is not None:
        quota = Quota(ops.quota.counter, operation.token, ops.quota.daily_for(operation))

        async def reserve(connector: str) -> Reservation:
            return await quota.reserve(connector)

        admit = reserve
    client = WolkvoxClient(
        settings.wolkvox_url(operation.server),
        operation.token,
        server=operation.server,
        timeout=settings.timeout,
        slots=slots,
    )
    try:
        answer = await client.sync_templates(connector, caller=TRIAL_CALLER, admit=admit)
    finally:
        await client.aclose()
    return len(answer.templates)
