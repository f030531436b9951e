"""What every step does around its own work: learn the workflow's language, check who may
use the bot, bound the wait, and end the step with `complete(outputs)` or `fail(error)`.

Bolt acknowledges `function_executed` at once (auto-acknowledge) and runs the listener after,
so the work never holds Slack's 3 seconds. A step always ends: every failure becomes
`fail` with the message the command would show, as plain text.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.context.complete.async_complete import AsyncComplete
from slack_bolt.context.fail.async_fail import AsyncFail

from bot.errors import (
    InputError,
    OperationError,
    SharedStateUnavailable,
    SyncLimitReached,
    WolkvoxError,
    WolkvoxTimeout,
)
from bot.i18n import Translator
from bot.i18n.messages import describe, operator_hint
from bot.slack.access import allowed, refusal
from bot.slack.steps.inputs import Runner, read_runner, read_step_connector
from bot.slack.steps.wording import plain_text, runner_needed
from bot.sync.service import SyncTrigger

if TYPE_CHECKING:
    from bot.slack.door import SlackDoor

log = logging.getLogger(__name__)

# A step waits for Wolkvox at most WOLKVOX_TIMEOUT (the client bounds its slot and call by
# it) plus this margin for history, Redis and the database; past that it fails as timed out.
STEP_MARGIN = 15.0

T = TypeVar("T")
Outputs = dict[str, Any]


class StepFailure(Exception):
    """A step ends with `fail`: `text` is the user's message, in mrkdwn as the command says it."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True, slots=True)
class StepRun:
    """One execution of a step: its inputs, who runs it, and the language it answers in."""

    door: SlackDoor
    inputs: Mapping[str, Any]
    runner: Runner
    t: Translator
    team_id: str = ""

    def trigger(self, step: str) -> SyncTrigger:
        """Who asked for a sync this step makes: the workflow runner (the person, else the
        channel, it was told), charged against the workflow limits of its workspace."""
        return SyncTrigger(
            user_id=self.runner.user_id,
            source="workflow",
            command=f"workflow step {step}",
            team_id=self.team_id,
            runner=self.runner.user_id or self.runner.channel_id,
        )

    async def connector(self) -> str:
        """The `connector` input as a key: an id, `cliente_a:1234` or an alias, an id alone
        meaning the only operation's, else the default of the channel the step was told
        (`channel_id`); raises OperationError (the step fails saying how to name it)."""
        word = read_step_connector(self.inputs, self.door.book.aliases(), self.t)
        return await self.door.connector_key(word, self.runner.channel_id)

    async def bounded(self, connector: str, work: Awaitable[T]) -> T:
        """`work`, given up after WOLKVOX_TIMEOUT plus a margin (WolkvoxTimeout). A sync it
        started goes on (the service shields it) and still reaches history and channels."""
        timeout = self.door.settings.timeout
        try:
            return await asyncio.wait_for(work, timeout + STEP_MARGIN)
        except TimeoutError:
            raise WolkvoxTimeout(connector, timeout) from None


Work = Callable[[StepRun], Awaitable[Outputs]]


class Step:
    """A step's `function_executed` listener: its own work, `answer`, inside `run_step`."""

    callback_id: ClassVar[str]

    def __init__(self, door: SlackDoor) -> None:
        self.door = door

    async def __call__(
        self,
        context: AsyncBoltContext,
        event: dict[str, Any],
        complete: AsyncComplete,
        fail: AsyncFail,
    ) -> None:
        team_id = context.team_id or ""  # its shape checked at the edge (listeners.guards.Guard)
        await run_step(self.door, self.callback_id, event, complete, fail, self.answer, team_id)

    async def answer(self, run: StepRun) -> Outputs:
        """The step's outputs for one execution."""
        raise NotImplementedError


async def run_step(
    door: SlackDoor,
    name: str,
    event: Mapping[str, Any],
    complete: AsyncComplete,
    fail: AsyncFail,
    work: Work,
    team_id: str = "",
) -> None:
    """Run `work` for a `function_executed` event of step `name` and end the step."""
    inputs = event.get("inputs") or {}
    runner = read_runner(inputs)
    t = await door.languages.translator(runner.user_id)  # WOLKVOX_LANGUAGE without a user
    try:
        check_access(door, runner, t)
        outputs = await work(StepRun(door, inputs, runner, t, team_id))
    except StepFailure as failure:
        text = failure.text
    except (
        InputError,
        OperationError,
        WolkvoxError,
        SharedStateUnavailable,
        SyncLimitReached,
    ) as error:
        _log_failure(name, error)
        text = describe(error, t)
    except Exception:  # a step must end, whatever happened: say so, with a reference
        reference = secrets.token_hex(4)
        log.exception("step %s failed unexpectedly ref=%s", name, reference)
        text = t._(
            ":x: Something went wrong on our side (reference {reference}). Please try again."
        ).format(reference=f"`{reference}`")
    else:
        log.info("step %s completed user=%s", name, runner.user_id or "-")
        await _end(name, complete(outputs=outputs))
        return
    log.info("step %s failed user=%s: %s", name, runner.user_id or "-", plain_text(text))
    await _end(name, fail(error=plain_text(text)))


def check_access(door: SlackDoor, runner: Runner, t: Translator) -> None:
    """WOLKVOX_ALLOWED_USERS and _CHANNELS apply to whoever runs the workflow and where. When
    a list is set and the step was not told the user (or channel), it is refused: Slack says
    nothing else about who runs a workflow."""
    settings = door.settings
    if allowed(settings, user_id=runner.user_id, channel_id=runner.channel_id):
        return
    unknown = (settings.allowed_users and not runner.user_id) or (
        settings.allowed_channels and not runner.channel_id
    )
    text = refusal(t)
    raise StepFailure(f"{text} {runner_needed(t)}" if unknown else text)


def _log_failure(name: str, error: Exception) -> None:
    hint = operator_hint(error) if isinstance(error, WolkvoxError) else ""
    log.warning("step %s: %s%s", name, type(error).__name__, f" ({hint})" if hint else "")


async def _end(name: str, call: Awaitable[Any]) -> None:
    """Send complete or fail; Slack refusing it is logged (nothing else can be told)."""
    try:
        await call
    except Exception:
        log.exception("step %s: Slack refused the step's end", name)
