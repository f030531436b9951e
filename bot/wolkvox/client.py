"""The Wolkvox `sync_templates` call over HTTP: one client per operation's server and token,
its limits and its slots.

Knows nothing of Slack. A connector is given by its key (`cliente_a:1234`, or a bare id):
Wolkvox is sent the id, errors and logs name the key. Never more than 2 requests at once for
the token (Wolkvox refuses a third with 403), handed out in turn among callers
(`bot.wolkvox.slots`, one set per token: `bot.wolkvox.token_slots`); the others wait, but
not for ever: the whole sync (waiting for a slot, then the call) ends within `timeout`, and at
most `max_waiting` syncs wait at once (per process and client). A sync that gets no slot
raises Busy. Only with a slot held is one call of the day's quota reserved (`admit`); a call
that never went out gives it back. Reading the answer is `bot.wolkvox.answer`'s job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Protocol

import httpx

from bot.errors import BadResponse, Busy, ConnectionFailed, WolkvoxError, WolkvoxTimeout
from bot.ops import metrics
from bot.templates.connectors import connector_id
from bot.wolkvox.answer import SyncAnswer, parse_sync_answer
from bot.wolkvox.slots import MAX_IN_FLIGHT, FairSlots, Slots

log = logging.getLogger(__name__)

SYNC_PATH = "/api/v2/whatsapp.php"
MAX_WAITING = 50  # syncs waiting for a slot at once; the next one is told the bot is busy
WOLKVOX_CALL_LIMIT = 60.0  # Wolkvox gives a call up to 60 s: a call we gave up on may run that long
MAX_ANSWER_BYTES = 32 * 1024 * 1024


class Reservation(Protocol):
    """One call of the day's quota, taken before the call goes out."""

    async def give_back(self) -> None: ...


# Reserves one call of the quota for a connector, or raises QuotaSpent / QuotaUnknown.
Admit = Callable[[str], Awaitable[Reservation]]


class WolkvoxClient:
    """Calls `sync_templates` for one operation's server and token; `slots` are the token's
    (shared by every client of that token: `bot.wolkvox.token_slots`)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        server: str = "",
        timeout: float = 30.0,
        max_in_flight: int = MAX_IN_FLIGHT,
        max_waiting: int = MAX_WAITING,
        slots: Slots | None = None,
    ) -> None:
        headers = {"wolkvox-token": token, "Content-Type": "application/json"}
        if server:
            headers["wolkvox_server"] = server
        self._token = token
        self._timeout = timeout
        self._slots = slots or FairSlots(max_in_flight)
        self._max_waiting = max_waiting
        self._waiting = 0
        self._held: set[asyncio.Task[None]] = set()
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(
                max_connections=max_in_flight, max_keepalive_connections=max_in_flight
            ),
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        for held in list(self._held):
            held.cancel()  # releases its slot
        await asyncio.gather(*self._held, return_exceptions=True)
        await self._http.aclose()

    def _hold_after_giving_up(self, slot: AsyncExitStack, started: float) -> None:
        """Keep the slot of a call we gave up on until Wolkvox would have given up too: it may
        still be running there, and a third request in flight would be refused."""
        seconds = WOLKVOX_CALL_LIMIT - (asyncio.get_running_loop().time() - started)
        held = asyncio.create_task(_release_after(slot, max(0.0, seconds)))
        self._held.add(held)
        held.add_done_callback(self._held.discard)

    @property
    def waiting(self) -> int:
        """How many syncs are waiting for a slot now."""
        return self._waiting

    async def sync_templates(
        self, connector: str, *, caller: str = "", admit: Admit | None = None
    ) -> SyncAnswer:
        """Ask Wolkvox to sync the templates of `connector` for `caller` (who waits in turn
        for a slot); raise a WolkvoxError on failure.

        Waiting for a slot and the call together take at most `timeout` seconds: Busy when
        no slot came free in time (or too many syncs wait already), WolkvoxTimeout when the
        call ran out of the time left. With a slot held, `admit` reserves the call against the
        day's quota (or raises); a call that could not connect gives it back.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        with metrics.WolkvoxCall() as call:  # counted by outcome, once a call goes out
            async with AsyncExitStack() as slot:
                await self._take_slot(slot, connector, caller, deadline)
                reservation = await admit(connector) if admit is not None else None
                call.start()
                started = loop.time()
                try:
                    status, content = await self._post(connector, deadline)
                except WolkvoxTimeout:
                    self._hold_after_giving_up(slot.pop_all(), started)
                    raise
                except ConnectionFailed as error:
                    if reservation is not None and _never_sent(error):
                        await reservation.give_back()  # nothing reached Wolkvox
                    raise
            answer = parse_sync_answer(connector, status, content, secret=self._token)
        log.info(
            "wolkvox sync connector=%s templates=%d skipped=%d",
            connector,
            len(answer.templates),
            answer.skipped,
        )
        return answer

    async def _take_slot(
        self, slot: AsyncExitStack, connector: str, caller: str, deadline: float
    ) -> None:
        """Hold a slot for `caller` (released when `slot` closes) by `deadline`, or raise
        Busy."""
        if self._waiting >= self._max_waiting:
            raise Busy(connector, f"the bot is busy: {self._waiting} syncs wait for a slot")
        self._waiting += 1
        try:
            async with asyncio.timeout_at(deadline):
                with metrics.waiting_for_slot():
                    await slot.enter_async_context(self._slots.hold(caller))
        except TimeoutError as exc:
            raise Busy(
                connector, f"the bot is busy: no free slot within {self._timeout:g} s"
            ) from exc
        finally:
            self._waiting -= 1

    async def _post(self, connector: str, deadline: float) -> tuple[int, bytes]:
        got_headers = False
        try:
            async with asyncio.timeout_at(deadline):
                async with self._http.stream(
                    "POST",
                    SYNC_PATH,
                    params={"api": "sync_templates"},
                    json={"connector_id": connector_id(connector)},
                ) as response:
                    got_headers = True
                    content = bytearray()
                    async for chunk in response.aiter_bytes():
                        content += chunk
                        if len(content) > MAX_ANSWER_BYTES:
                            raise BadResponse(
                                connector, f"the answer is larger than {MAX_ANSWER_BYTES >> 20} MB"
                            )
                    return response.status_code, bytes(content)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise WolkvoxTimeout(connector, self._timeout) from exc
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            if got_headers:
                raise BadResponse(connector, f"the answer was cut off ({reason})") from exc
            raise ConnectionFailed(connector, reason) from exc


def _never_sent(error: ConnectionFailed) -> bool:
    """Whether the request never left: the connection itself could not be made."""
    return isinstance(error.__cause__, httpx.ConnectError | httpx.ConnectTimeout)


async def _release_after(slot: AsyncExitStack, seconds: float) -> None:
    try:
        await asyncio.sleep(seconds)
    finally:
        await slot.aclose()


# SyncAnswer and parse_sync_answer live in bot.wolkvox.answer; imported here for older imports.
__all__ = [
    "MAX_IN_FLIGHT",
    "MAX_WAITING",
    "Admit",
    "FairSlots",
    "Reservation",
    "Slots",
    "SyncAnswer",
    "WolkvoxClient",
    "WolkvoxError",
    "parse_sync_answer",
]
