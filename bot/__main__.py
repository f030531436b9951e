"""`python -m bot`: load .env, check the settings, serve over HTTP or Socket Mode.

Before serving: misspelt setting names are warned about, .env.example's placeholders refuse
to start, and so do a bot token Slack refuses and a database that can't be reached, each
with one line (`bot.ops.preflight`). Once the port is bound, a short banner says what runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Coroutine
from typing import Any
from urllib.parse import unquote, urlsplit

from dotenv import find_dotenv, load_dotenv

from bot.config import DEFAULT_DATABASE_URL, Settings, misspelt_settings
from bot.config.defaults import DEFAULT_OPERATION_NAME
from bot.errors import ConfigError
from bot.logs import setup_logging

STARTUP_FAILED = 3  # uvicorn's code for a start that failed (lifespan or bind)
STDIN_ONLY = (
    "a Wolkvox token is read from standard input, never from the command line (other users of "
    "the machine can see it): wolkvox-sync operation add NAME --server 0032, then type it, or "
    "add < token.txt; what was typed is not repeated here"
)


SERVE_MODES = {
    "http": "serve HTTP on $PORT (the Procfile's web process)",
    "socket": "connect with Socket Mode (needs SLACK_APP_TOKEN)",
}
# the lookups: how many connectors each takes and what it answers (its help)
LOOKUPS = {
    "templates": (1, "list the templates that match (one line each)"),
    "coverage": (1, "which template names exist in which languages"),
    "compare": (2, "what one connector has that the other lacks, or has differently"),
}
CONSOLE = ("operation", "sync", "digest", *LOOKUPS)  # the commands that run in the terminal and end
WORKSPACE_HELP = (
    "distribution mode (installed from its link in many workspaces): whose operations, the "
    "workspace's team id (T0123ABCD) or an org-wide install's enterprise id (E...)"
)


def main(argv: list[str] | None = None) -> int:
    """Read the command line and .env, check the settings, then run the command: 0 when it
    went well, else its exit code (each problem said in one line on stderr)."""
    args = parse_args(argv)
    if args.command == "secret-key":
        return _secret_key()
    load_dotenv(find_dotenv(usecwd=True), override=False)
    if args.command == "db":
        return _db_upgrade(
            os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            os.environ.get("WOLKVOX_OPERATION_NAME", "").strip() or DEFAULT_OPERATION_NAME,
        )
    for warning in misspelt_settings(os.environ):
        print(f"wolkvox-sync: warning: {warning}", file=sys.stderr)
    settings = _settings(args)
    if settings is None:
        return 2
    setup_logging(
        secrets=[
            settings.slack_bot_token,
            settings.wolkvox_token,
            settings.slack_signing_secret,
            settings.slack_client_secret,
            settings.slack_app_token,
            settings.metrics_token,
            *settings.secret_keys,
            *url_passwords(settings.database_url, settings.redis_url),
        ]
    )
    if args.command not in CONSOLE:
        return _serve(settings)
    workspace = _workspace(settings, args)
    if workspace is None:
        return 2
    if args.command == "operation":
        return _operation(settings, args, workspace)
    if args.command == "sync":
        return _console(settings, args.connectors, as_json=args.json, workspace=workspace)
    if args.command == "digest":
        return _digest(settings, args, workspace)
    return _lookup(settings, args, workspace)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (`sys.argv` when `argv` is None) read; words that can't be read end
    the process with argparse's usage line (exit 2). A lookup's `-word` is a filter."""
    parser, lookups = _parser()
    args, extra = parser.parse_known_args(_help_words(argv))
    if args.command == "operation" and (extra or getattr(args, "token", None) is not None):
        print(f"wolkvox-sync: {STDIN_ONLY}", file=sys.stderr)  # not what was typed: a token?
        raise SystemExit(2)
    if extra and args.command not in lookups:
        parser.error("unrecognized arguments: " + " ".join(extra))
    if args.command in lookups:
        options = [word for word in extra if word.startswith("--")]
        if options:
            lookups[args.command].error("unrecognized arguments: " + " ".join(options))
        args.filters += extra  # -lang:es, -category:x, -word: exclusions, not options
    return args


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The program's parser and each lookup's own (for its errors)."""
    parser = argparse.ArgumentParser(
        prog="wolkvox-sync",
        description="Serve the Slack app (serve, the default), sync connectors now (sync), "
        "look up the last stored sync (templates, coverage, compare), "
        "preview or post a channel's digest (digest), "
        "manage the Wolkvox operations (operation add|list|remove|rekey, secret-key) or "
        "upgrade the history database (db upgrade). "
        "Settings come from the environment and .env; see .env.example.",
    )
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the Slack app (default)")
    modes = serve.add_mutually_exclusive_group()
    for mode, what in SERVE_MODES.items():
        modes.add_argument(f"--{mode}", action="store_const", const=mode, dest="mode", help=what)
    sync = sub.add_parser(
        "sync", help="sync connectors now (for a terminal, cron, Heroku Scheduler)"
    )
    sync.add_argument("connectors", nargs="+", metavar="CONNECTOR", help="connector ids or aliases")
    sync.add_argument("--json", action="store_true", help="print the results as JSON")
    sync.add_argument("--workspace", metavar="T...", help=WORKSPACE_HELP)
    _digest_parser(sub)
    lookups = {
        name: _lookup_parser(sub, name, connectors, what)
        for name, (connectors, what) in LOOKUPS.items()
    }
    _operation_parser(sub)
    sub.add_parser(
        "secret-key",
        help="print a new key for WOLKVOX_SECRET_KEY (encrypts the Wolkvox tokens stored)",
        description="Print a new Fernet key for WOLKVOX_SECRET_KEY. To change keys: put the new "
        "one first and the old one after it (comma-separated), run `wolkvox-sync operation "
        "rekey`, then remove the old one.",
    )
    db = sub.add_parser("db", help="manage the history database (DATABASE_URL)")
    db.add_argument(
        "action", choices=["upgrade"], help="upgrade: create or migrate it to the newest schema"
    )
    return parser, lookups


def _operation_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`operation add|list|remove|rekey`: the operations stored in the database."""
    operation = sub.add_parser(
        "operation",
        help="add, list or remove Wolkvox operations, or re-encrypt their tokens",
        description="The Wolkvox operations (customer accounts) the bot serves besides the "
        "one WOLKVOX_SERVER and WOLKVOX_TOKEN define, stored in the database with their tokens "
        "encrypted by WOLKVOX_SECRET_KEY. Every change is recorded and reaches every process "
        "of the bot within seconds.",
    )
    actions = operation.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add an operation; its token is read from standard input",
        description="Add an operation. Its token is read from standard input: typed at a "
        "prompt that does not show it, or piped in (`... < token.txt`); never from the command "
        "line, which other users of the machine can see.",
    )
    add.add_argument("name", metavar="NAME", help="1 to 32 of a-z, 0-9, _ and -: cliente_a")
    add.add_argument("--server", required=True, help="its server code: 0032 (or wv0032)")
    add.add_argument(
        "--daily-quota",
        default="",
        metavar="N",
        help="its Wolkvox calls per day (licenses x 1,000); default: WOLKVOX_DAILY_QUOTA",
    )
    add.add_argument(
        "--aliases", default="", metavar="ALIAS=ID,...", help="aliases of its connectors"
    )
    add.add_argument("--token", help=argparse.SUPPRESS)  # refused: see STDIN_ONLY
    listing = actions.add_parser(
        "list", help="list the operations (a token's last 4 characters only)"
    )
    listing.add_argument("--json", action="store_true", help="print them as JSON")
    remove = actions.add_parser(
        "remove", help="remove a stored operation (its history stays until retention)"
    )
    remove.add_argument("name", metavar="NAME")
    rekey = actions.add_parser(
        "rekey",
        help="re-encrypt every stored token (every workspace's) with the first key of "
        "WOLKVOX_SECRET_KEY",
    )
    for action in (add, listing, remove):
        action.add_argument("--workspace", metavar="T...", help=WORKSPACE_HELP)
    rekey.add_argument("--workspace", help=argparse.SUPPRESS)  # refused: every workspace's


def _digest_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`digest --channel C0123 [--since 24h] [--json] [--post]`: a channel's digest."""
    digest = sub.add_parser(
        "digest",
        help="print the digest a channel gets (what its post says), or post it now",
        description="Print the digest a subscribed channel gets: the net change of its "
        "connectors over a period, through its subscriptions' filters, as the post says it "
        "(in the channel's language). By default the channel's latest ended period (daily "
        "or weekly, in WOLKVOX_TIMEZONE), or the last 24 hours for a channel that hears "
        "each sync. --post posts it in the channel now.",
    )
    digest.add_argument(
        "--channel", required=True, metavar="C...", help="the channel's id: C0123ABCD"
    )
    digest.add_argument(
        "--since",
        metavar="LENGTH",
        help="the period that ends now instead: 90m, 24h, 7d or 2w",
    )
    digest.add_argument("--json", action="store_true", help="print the digest's data as JSON")
    digest.add_argument("--post", action="store_true", help="post it in the channel now")
    digest.add_argument("--workspace", metavar="T...", help=WORKSPACE_HELP)


def url_passwords(*urls: str) -> list[str]:
    """The passwords inside DATABASE_URL and REDIS_URL, so that the log filter redacts them."""
    found = []
    for url in urls:
        with contextlib.suppress(ValueError):
            password = urlsplit(url).password
            if password:
                found.append(unquote(password))
    return found


def _settings(args: argparse.Namespace) -> Settings | None:
    """The settings for the command; None when they can't start it (why, said on stderr)."""
    try:
        console = args.command in CONSOLE
        mode = "console" if console else getattr(args, "mode", None)
        settings = Settings.from_env(os.environ, mode=mode)
    except ConfigError as error:
        _cannot_start(str(error))
        print("See .env.example and the README for every setting.", file=sys.stderr)
        return None
    from bot.ops import preflight

    placeholders = preflight.example_values(settings)
    if placeholders.problem:
        _cannot_start(placeholders.problem)
        return None
    return settings


def _cannot_start(problem: str) -> None:
    print(f"wolkvox-sync cannot start: {problem}", file=sys.stderr)


def _secret_key() -> int:
    """`secret-key`: a new key for WOLKVOX_SECRET_KEY on stdout, nothing else."""
    from bot.operations.secrets import new_secret_key

    print(new_secret_key())
    return 0


def _workspace(settings: Settings, args: argparse.Namespace) -> str | None:
    """The workspace a console command is for: "" in single-workspace mode, the `--workspace`
    given in distribution mode (`operation rekey` takes none: every workspace's); None when
    it can't be used (why, in one line on stderr)."""
    from bot.console.workspaces import read_workspace, refuse_for_every_workspace
    from bot.errors import InputError
    from bot.i18n import translator

    t = translator(settings.language)
    given = getattr(args, "workspace", None)
    try:
        if args.command == "operation" and args.action == "rekey":
            refuse_for_every_workspace(settings, given, t)
            return ""
        return read_workspace(settings, given, t)
    except InputError as error:
        _bad_words(error)
        return None


def _operation(settings: Settings, args: argparse.Namespace, workspace: str) -> int:
    """`operation ...` (of `workspace` in distribution mode): exit 2 for words that can't be
    used or a missing or wrong WOLKVOX_SECRET_KEY (one line each, before anything changed),
    else 0."""
    from bot.console.operations import OperationRequest, run_operation, token_reader

    request = OperationRequest(
        action=args.action,
        name=getattr(args, "name", ""),
        server=getattr(args, "server", ""),
        daily_quota=getattr(args, "daily_quota", ""),
        aliases=getattr(args, "aliases", ""),
        as_json=getattr(args, "json", False),
        workspace=workspace,
    )
    logging.getLogger().setLevel(logging.WARNING)  # stdout is the answer; stderr has problems
    reader = token_reader(sys.stdin)
    return _refused_at_start(run_operation(settings, request, out=sys.stdout, read_token=reader))


def _refused_at_start(command: Coroutine[Any, Any, int]) -> int:
    """Run a console command: its exit code, or 2 with one line when its words name no
    connector or operation, or WOLKVOX_SECRET_KEY does not open the stored tokens (each
    found before anything was called or changed)."""
    from bot.errors import InputError, SecretKeyError

    try:
        return asyncio.run(command)
    except InputError as error:
        return _bad_words(error)
    except SecretKeyError as error:
        _cannot_start(str(error))
        return 2


def _bad_words(error: Exception) -> int:
    """Words on the command line that can't be read: one line, exit code 2."""
    print(f"wolkvox-sync: {str(error).replace('`', '')}", file=sys.stderr)
    return 2


def _serve(settings: Settings) -> int:
    """Check the token and the database, then serve in Socket Mode or over HTTP."""
    refused = _preflight(settings)
    if refused:
        return refused
    if settings.mode == "socket":
        asyncio.run(_socket_mode(settings))
        return 0
    return _http(settings)


def _preflight(settings: Settings) -> int:
    """Check the bot token, the database and that WOLKVOX_SECRET_KEY opens the tokens stored
    in it; 0 to go on, else the exit code (one line said)."""
    from bot.ops import preflight

    async def checks() -> tuple[preflight.Check, preflight.Check, str]:
        token, database = await asyncio.gather(
            preflight.bot_token(settings), preflight.database(settings.database_url)
        )
        keys = "" if database.problem else await _secret_key_problem(settings)
        return token, database, keys

    token, database, keys = asyncio.run(checks())
    if token.problem:
        _cannot_start(token.problem)
        return 2
    if database.problem:
        _cannot_start(database.problem)
        return 1
    if keys:
        _cannot_start(keys)
        return 2
    if token.warning:
        logging.getLogger(__name__).warning("%s", token.warning)
    return 0


async def _secret_key_problem(settings: Settings) -> str:
    """Why WOLKVOX_SECRET_KEY can't open the Wolkvox tokens stored in the database (it is
    missing, or none of its keys is theirs), naming the variable; "" when it can or none is
    stored. Every workspace's tokens (one key seals them all). Read without migrating: a
    database from before operations holds none."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from bot.database.schema import operations
    from bot.database.store import create_engine
    from bot.errors import SecretKeyError
    from bot.operations.secrets import SecretBox

    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            sealed = (await conn.execute(select(operations.c.sealed_token))).scalars().all()
        box = SecretBox(settings.secret_keys)
        for token in sealed:
            box.open(token)
    except SecretKeyError as error:
        return str(error)
    except SQLAlchemyError:
        return ""  # no operations table yet: the start migrates it, with nothing in it
    finally:
        await engine.dispose()
    return ""


def _console(settings: Settings, words: list[str], *, as_json: bool, workspace: str) -> int:
    from bot.console import InputError, connectors_from, run_sync

    try:
        connectors = connectors_from(words, settings)
    except InputError as error:
        return _bad_words(error)
    logging.getLogger().setLevel(logging.WARNING)  # stdout is the summary; stderr has problems
    return _refused_at_start(
        run_sync(settings, connectors, as_json=as_json, out=sys.stdout, workspace=workspace)
    )


def _digest(settings: Settings, args: argparse.Namespace, workspace: str) -> int:
    """`digest`: exit 2 for words that can't be read, a channel with no subscription or a
    workspace that has not installed the app (one line, before anything is posted), else 0
    with the digest on stdout (and posted, with `--post`)."""
    from datetime import UTC, datetime

    from bot.console.digest import read_digest_request, run_digest
    from bot.errors import InputError

    try:
        request = read_digest_request(
            settings,
            args.channel,
            args.since,
            as_json=args.json,
            post=args.post,
            workspace=workspace,
        )
    except InputError as error:
        return _bad_words(error)
    logging.getLogger().setLevel(logging.WARNING)  # stdout is the answer; stderr has problems
    return _refused_at_start(
        run_digest(
            settings,
            request,
            out=sys.stdout,
            open_door=_slack_digests(settings),
            now=datetime.now(UTC),
        )
    )


def _slack_digests(settings: Settings) -> Any:
    """The Slack side of `digest` (bot.console imports nothing of Slack): the bot's Slack door
    on the console's database, the digest rendered by the view the notifier posts with, in
    the channel's language as the notifier reads it, and posted by the notifier itself."""
    from bot.assembly import build_app
    from bot.console.digest import DigestDoor
    from bot.database.store import Store
    from bot.slack.door import SlackDoor
    from bot.slack.oauth.tokens import using_token
    from bot.templates.digest import Digest

    class SlackDigests(DigestDoor):
        def __init__(self, door: SlackDoor) -> None:
            self.door = door

        async def messages(self, digest: Digest) -> list[dict[str, Any]]:
            from bot.slack.views.digest import digest_post

            notifier, store = self.door.notifier, self.door.require_store()
            assert notifier is not None  # started
            workspace = digest.workspace or None
            token = None
            if notifier.bot_tokens is not None and digest.workspace:
                token = await notifier.bot_tokens(digest.workspace)
            with using_token(token) if token else contextlib.nullcontext():
                subs = await store.subscriptions(channel_id=digest.channel_id, team_id=workspace)
                subscriber = min(subs, key=lambda s: s.created_at).created_by if subs else ""
                t = await self.door.languages.translator(subscriber, workspace=workspace)
            post = digest_post(digest, t)
            return [post.message, *post.thread]

        async def post(self, digest: Digest) -> None:
            assert self.door.notifier is not None
            await self.door.notifier.post(digest)

    @contextlib.asynccontextmanager
    async def open_door(store: Store) -> Any:
        door = build_app(settings, store=store)
        await door.start(schedule=False)
        try:
            yield SlackDigests(door)
        finally:
            await door.aclose()

    return open_door


def _lookup_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, connectors: int, what: str
) -> argparse.ArgumentParser:
    """`templates`, `coverage` or `compare`: connectors, then filters as in Slack. No -h
    option: a word like -hola is a search word to exclude (-h alone still asks for help)."""
    lookup = sub.add_parser(
        name,
        help=what + " (from the last stored sync)",
        description=f"{what[:1].upper()}{what[1:]}, from the last stored sync of each connector "
        "(a connector never synced is synced once). Filters as in Slack: lang:es, "
        'category:marketing, words, "a phrase"; -lang:es, -category:marketing and -word '
        "exclude. Readable text, or --json or --csv.",
        add_help=False,
        allow_abbrev=False,
    )
    lookup.add_argument("--help", action="help", help="show this help and exit")
    lookup.add_argument(
        "connectors",
        nargs=connectors,
        metavar="CONNECTOR",
        help="a connector id or alias (WOLKVOX_CONNECTORS)",
    )
    lookup.add_argument("filters", nargs="*", metavar="FILTER", help="lang:, category:, words")
    lookup.add_argument("--workspace", metavar="T...", help=WORKSPACE_HELP)
    lookup.add_argument(
        "--refresh",
        "--actualizar",
        "--atualizar",
        action="store_true",
        help="ask Wolkvox now instead of reading the last stored sync",
    )
    output = lookup.add_mutually_exclusive_group()
    output.add_argument(
        "--json", action="store_const", const="json", dest="output", help="print JSON"
    )
    output.add_argument(
        "--csv",
        action="store_const",
        const="csv",
        dest="output",
        help="the CSV file Slack's Export CSV makes (UTF-8 with BOM)",
    )
    lookup.set_defaults(output="text")
    return lookup


def _help_words(argv: list[str] | None) -> list[str]:
    """The arguments, with a lookup's lone -h read as --help."""
    words = sys.argv[1:] if argv is None else list(argv)
    if words and words[0] in LOOKUPS:
        return [words[0], *("--help" if w == "-h" else w for w in words[1:])]
    return words


def _lookup(settings: Settings, args: argparse.Namespace, workspace: str) -> int:
    """`templates`, `coverage`, `compare` (in `workspace`'s operations, distribution mode):
    exit 2 for words that can't be read, 1 for a failed sync, 0 with the answer on stdout."""
    from bot.console import InputError, read_request, run_lookup

    try:
        request = read_request(
            settings,
            args.command,
            args.connectors,
            args.filters,
            refresh=args.refresh,
            output=args.output,
            workspace=workspace,
        )
    except InputError as error:
        return _bad_words(error)
    logging.getLogger().setLevel(logging.WARNING)  # stdout is the answer; stderr has problems
    return _refused_at_start(run_lookup(settings, request, out=sys.stdout, err=sys.stderr))


def _db_upgrade(database_url: str, operation_name: str) -> int:
    """`db upgrade`: one line saying the revision reached, or one line saying why not. Rows
    from before operations existed become `operation_name`'s (WOLKVOX_OPERATION_NAME)."""
    from alembic.util import CommandError
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from bot.database.migrate import upgrade
    from bot.database.store import create_engine
    from bot.ops.preflight import redacted
    from bot.templates.connectors import is_operation_name

    if not is_operation_name(operation_name):
        print(
            "wolkvox-sync db upgrade failed: WOLKVOX_OPERATION_NAME must be 1 to 32 of a-z, "
            "0-9, _ and -",
            file=sys.stderr,
        )
        return 2

    async def run() -> str:
        engine = create_engine(database_url)
        try:
            return await upgrade(engine, operation_name=operation_name)
        finally:
            await engine.dispose()

    try:
        revision = asyncio.run(run())
    except (ValueError, ArgumentError, SQLAlchemyError, CommandError, OSError) as error:
        print(f"wolkvox-sync db upgrade failed: {redacted(error, database_url)}", file=sys.stderr)
        return 1
    print(f"database schema at revision {revision} (the newest)")
    return 0


def _http(settings: Settings) -> int:
    import socket

    import uvicorn

    from bot.assembly import build_app
    from bot.connections import GuardedProtocol
    from bot.ops.banner import banner
    from bot.shutdown import Shutdown
    from bot.web import asgi_app

    stopping = Shutdown(settings.shutdown_grace)

    class AnnouncingServer(uvicorn.Server):
        """uvicorn's server, printing the banner once its port is bound, and starting the
        shutdown's clock (WOLKVOX_SHUTDOWN_GRACE) when it begins to stop."""

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            stopping.begin()
            await super().shutdown(sockets=sockets)

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                text = banner(settings, mode="http", host=settings.host, port=settings.port)
                print(text, flush=True)
                _settle_memory()

    door = build_app(settings)
    config = uvicorn.Config(
        asgi_app(door, stopping),
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        log_config=None,
        access_log=False,  # the platform's router logs requests; this would cost per request
        lifespan="on",
        http=GuardedProtocol,  # idle connections closed, and never counted against requests
        timeout_graceful_shutdown=stopping.requests_seconds,  # then the syncs get the rest
    )
    server = AnnouncingServer(config)
    server.run()
    return 0 if server.started else STARTUP_FAILED


def _settle_memory() -> None:
    """Once started: collect, then move everything start-up made (catalogs, Bolt, SQLAlchemy,
    the models) out of the garbage collector's sight, so that a full collection never has to
    walk it in the middle of a burst of commands (measured: burst ack p99 103-137 ms -> 21-38)."""
    gc.collect()
    gc.freeze()


async def _socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.assembly import build_app
    from bot.ops.banner import banner
    from bot.shutdown import Deadline
    from bot.web import serve_install_routes

    door = build_app(settings)
    deadline: Deadline | None = None
    await door.start()
    install_pages = await serve_install_routes(door) if settings.distribution else None
    handler = AsyncSocketModeHandler(door.app, settings.slack_app_token)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        print(banner(settings, mode="socket"), flush=True)
        _settle_memory()
        await stopping.wait()  # SIGTERM: stop taking requests, finish what runs, then exit
        deadline = Deadline.after(settings.shutdown_grace)
        await handler.close_async()  # type: ignore[no-untyped-call]
    finally:
        if install_pages is not None:
            await install_pages()
        await door.aclose(deadline)


if __name__ == "__main__":
    sys.exit(main())
