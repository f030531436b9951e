"""The start banner: a few lines, printed once the port is bound (or Socket Mode connected),
saying what runs, where Slack must send requests, what it stores, and what to do next.

Addresses are shown without credentials: a URL's password never reaches the banner.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.config import Settings
from bot.config.defaults import INSTALL_PATH, REDIRECT_PATH

EVENTS_PATH = "/slack/events"  # Bolt's path for commands, clicks and events alike
COMMAND = "/wolkvox-sync"


def banner(settings: Settings, *, mode: str, host: str = "", port: int = 0) -> str:
    """The banner for `mode` "http" (listening on `host`:`port`) or "socket"."""
    if mode == "socket":
        lines = [
            "wolkvox-sync is running in Socket Mode: connected to Slack, no public URL needed",
        ]
        step = f"type {COMMAND} help in Slack"
    else:
        lines = [
            f"wolkvox-sync is running in HTTP mode, listening on http://{host}:{port}{EVENTS_PATH}",
            f"  Request URL: https://<your public host>{EVENTS_PATH} (slash command, "
            "interactivity and events)",
        ]
        step = f"paste the Request URL into your Slack app (manifest.yml), then type {COMMAND} help"
    if settings.distribution:
        lines[0] += " (distribution mode: each workspace installs it from the link)"
        lines.append(f"  Install link: {install_link(settings, mode=mode, port=port)}")
        step = "open the install link in a browser to add it to a workspace, then " + (
            f"type {COMMAND} help there"
        )
    lines += [
        f"  Database:    {describe_database(settings.database_url)}",
        f"  Redis:       {describe_redis(settings.redis_url)}",
        f"  Next:        {step}",
    ]
    return "\n".join(lines)


def install_url(settings: Settings) -> str:
    """The install link's full address when the bot knows its public host (from
    SLACK_REDIRECT_URI: the same host, INSTALL_PATH); "" otherwise. Never credentials."""
    parts = urlsplit(settings.slack_redirect_uri or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    return f"{parts.scheme}://{host}{INSTALL_PATH}"


def install_link(settings: Settings, *, mode: str, port: int = 0) -> str:
    """Where people install the app from (distribution mode), for the banner."""
    known = install_url(settings)
    if known:
        return f"{known} (Redirect URL {known.removesuffix(INSTALL_PATH)}{REDIRECT_PATH})"
    where = f"https://<your public host>{INSTALL_PATH}"
    if mode == "socket":
        return f"{where} (served on port {port or settings.port} by this process)"
    return where


def describe_database(database_url: str) -> str:
    """ "PostgreSQL at db.example.com:5432/wolkvox" or "SQLite file ./wolkvox.db"."""
    url = database_url_parts(database_url)
    if url is None:
        return "unreadable DATABASE_URL"
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database or ':memory:'}"
    return f"PostgreSQL at {database_host(database_url)}"


def database_host(database_url: str) -> str:
    """Where DATABASE_URL points: host, port and database name, never the user or password."""
    url = database_url_parts(database_url)
    if url is None:
        return "an unreadable DATABASE_URL"
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    place = url.host or str(url.query.get("host") or "localhost")
    if url.port:
        place += f":{url.port}"
    return f"{place}/{url.database}" if url.database else place


def database_url_parts(database_url: str) -> URL | None:
    """DATABASE_URL read by SQLAlchemy; None when it can't be read."""
    try:
        return make_url(database_url)
    except (ArgumentError, ValueError):
        return None


def describe_redis(redis_url: str) -> str:
    """ "not used (one instance)" or "redis.example.com:6379, shared by every instance"."""
    if not redis_url:
        return "not used (fine for one instance; several need REDIS_URL)"
    try:
        parts = urlsplit(redis_url)
        place = parts.hostname or "a Unix socket"
        if parts.port:
            place += f":{parts.port}"
    except ValueError:
        place = "REDIS_URL"
    tls = " over TLS" if redis_url.startswith("rediss://") else ""
    return f"{place}{tls}, shared by every instance"
