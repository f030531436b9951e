"""Which Slack workspace a console command is for (`--workspace T0123ABCD`).

Single-workspace mode (SLACK_BOT_TOKEN) has one set of operations: `--workspace` is refused.
Distribution mode (SLACK_CLIENT_ID + SLACK_CLIENT_SECRET, no SLACK_BOT_TOKEN) keeps each
workspace's operations apart: `operation add|list|remove` and every command that takes a
connector need `--workspace`, the team id (`T…`) or, for an org-wide install, the enterprise id
(`E…`); they then read and change that workspace's operations only (its keys are scoped,
`T0123ABCD/cliente_a:1234`). `operation rekey` takes none: the key is the deployment's, and it
re-encrypts every workspace's tokens.

`operation add`, `sync` and the lookups want a workspace that has installed the app (a typo
would otherwise store a token no workspace can use): the refusal lists those that have.
`list` and `remove` read whatever rows the workspace has, so an operator can still see and
remove what an interrupted uninstall left.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.config import Settings
from bot.console.text import safe
from bot.database import schema
from bot.database.store import Store
from bot.errors import InputError
from bot.i18n import Translator
from bot.templates.connectors import is_workspace_id

OPTION = "--workspace"
EXAMPLE = "T0123ABCD"
MOST_LISTED = 20  # installed workspaces named in a refusal


def read_workspace(settings: Settings, given: str | None, t: Translator) -> str:
    """The workspace the command is for: "" in single-workspace mode, the id typed in
    distribution mode (as Slack writes it: uppercase). InputError (one line, naming
    `--workspace`) when it is given in single-workspace mode, or missing or malformed in
    distribution mode."""
    if not settings.distribution:
        if given is not None:
            raise InputError(
                t._(
                    "{option} is only for a bot installed from its link in many workspaces "
                    "(SLACK_CLIENT_ID and SLACK_CLIENT_SECRET without SLACK_BOT_TOKEN); this "
                    "one serves the workspace of SLACK_BOT_TOKEN: leave {option} out."
                ).format(option=OPTION)
            )
        return ""
    if given is None or not given.strip():
        raise InputError(
            t._(
                "This bot serves every workspace that installed it: say which one with "
                "{option} {example} (its team id, or its enterprise id E… for an org-wide "
                "install)."
            ).format(option=OPTION, example=EXAMPLE)
        )
    workspace = given.strip().upper()
    if not is_workspace_id(workspace):
        raise InputError(
            t._(
                "{option} takes a workspace's team id, like {example} (or its enterprise id, "
                "E…, for an org-wide install); {given} is not one."
            ).format(option=OPTION, example=EXAMPLE, given=safe(given, 40))
        )
    return workspace


def refuse_for_every_workspace(settings: Settings, given: str | None, t: Translator) -> None:
    """`operation rekey` re-encrypts every workspace's tokens: a `--workspace` would suggest
    otherwise (InputError in distribution mode; the single-workspace refusal otherwise)."""
    if given is None:
        return
    read_workspace(settings, given, t)  # single-workspace mode: the refusal above
    raise InputError(
        t._(
            "operation rekey re-encrypts the tokens of every workspace at once: leave {option} out."
        ).format(option=OPTION)
    )


async def installed_workspaces(store: Store, client_id: str) -> tuple[str, ...]:
    """The workspaces that have installed this app (its client id), sorted: team ids, and
    the enterprise ids of org-wide installs."""
    c = schema.slack_installations.c
    query = (
        select(c.team_id, c.enterprise_id, c.is_enterprise_install)
        .where(c.client_id == client_id)
        .distinct()
    )
    async with store.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    found = {
        (row.enterprise_id if row.is_enterprise_install else row.team_id) or "" for row in rows
    }
    return tuple(sorted(found - {""}))


async def require_installed(
    settings: Settings, store: Store, workspace: str, t: Translator
) -> None:
    """InputError when `workspace` (distribution mode) has not installed the app, naming
    those that have; nothing in single-workspace mode."""
    if not workspace:
        return
    installed = await installed_workspaces(store, settings.slack_client_id)
    if workspace in installed:
        return
    if not installed:
        raise InputError(
            t._(
                "No workspace has installed the app yet, so {workspace} can't be used: install "
                "it from the bot's /slack/install page first."
            ).format(workspace=workspace)
        )
    shown = ", ".join(installed[:MOST_LISTED]) + (" …" if len(installed) > MOST_LISTED else "")
    raise InputError(
        t._(
            "Workspace {workspace} has not installed the app. {option} takes one that has: "
            "{workspaces}."
        ).format(workspace=workspace, option=OPTION, workspaces=shown)
    )
