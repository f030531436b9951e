"""`python -m bot`: load .env, check the settings, serve over HTTP or Socket Mode."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from dotenv import find_dotenv, load_dotenv

from bot.config import Settings
from bot.errors import ConfigError
from bot.logs import setup_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wolkvox-sync", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the Slack app (default)")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument(
        "--http",
        action="store_const",
        const="http",
        dest="mode",
        help="serve HTTP on $PORT (the Procfile's web process)",
    )
    mode.add_argument(
        "--socket",
        action="store_const",
        const="socket",
        dest="mode",
        help="connect with Socket Mode (needs SLACK_APP_TOKEN)",
    )
    args = parser.parse_args(argv)

    load_dotenv(find_dotenv(usecwd=True), override=False)
    try:
        settings = Settings.from_env(os.environ, mode=getattr(args, "mode", None))
    except ConfigError as error:
        print(f"wolkvox-sync cannot start: {error}", file=sys.stderr)
        print("See .env.example and the README for every setting.", file=sys.stderr)
        return 2
    setup_logging(
        secrets=[
            settings.slack_bot_token,
            settings.wolkvox_token,
            settings.slack_signing_secret,
            settings.slack_app_token,
        ]
    )
    if settings.mode == "socket":
        asyncio.run(_socket_mode(settings))
    else:
        _http(settings)
    return 0


def _http(settings: Settings) -> None:
    import uvicorn

    from bot.app import build_app
    from bot.web import asgi_app

    bot = build_app(settings)
    logging.getLogger(__name__).info(
        "wolkvox-sync listening on http://%s:%d/slack/events", settings.host, settings.port
    )
    uvicorn.run(
        asgi_app(bot),
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        log_config=None,
        lifespan="on",
    )


async def _socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.app import build_app

    bot = build_app(settings)
    await bot.start()
    handler = AsyncSocketModeHandler(bot.app, settings.slack_app_token)
    try:
        await handler.start_async()  # type: ignore[no-untyped-call]
    finally:
        await bot.aclose()


if __name__ == "__main__":
    sys.exit(main())
