"""DATABASE_URL as platforms hand it out -> SQLAlchemy's async URL and asyncpg's connect
arguments (TLS, timeout, application name)."""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import quote, unquote


def engine_url(database_url: str) -> str:
    """DATABASE_URL as Heroku and people write it -> SQLAlchemy's async URL (without the
    options that `database_options` turns into connect arguments)."""
    return database_options(database_url)[0]


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_POSTGRES_OPTIONS = ("sslmode", "sslrootcert", "connect_timeout", "application_name")
_SQLALCHEMY_OPTIONS = ("host",)  # a Unix socket directory: SQLAlchemy's asyncpg dialect reads it


def database_options(database_url: str) -> tuple[str, dict[str, Any]]:
    """DATABASE_URL as platforms hand it out -> SQLAlchemy's async URL and asyncpg's connect
    arguments: libpq's `sslmode`, `sslrootcert`, `connect_timeout` and `application_name`
    become `ssl`, `timeout` and `server_settings`. Any other option is refused by name."""
    scheme, sep, rest = database_url.partition("://")
    if not sep:
        raise ValueError("not a URL")
    scheme = scheme.lower()
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        return f"sqlite+aiosqlite://{rest}", {}
    if scheme not in ("postgres", "postgresql", "postgresql+asyncpg"):
        raise ValueError(f"unsupported database {scheme!r} (use sqlite:// or postgresql://)")
    location, _, query = rest.partition("?")
    options = _query_options(query)
    unknown = [name for name in options if name not in _POSTGRES_OPTIONS + _SQLALCHEMY_OPTIONS]
    if unknown:
        raise ValueError(
            f"unsupported option{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            f"(a PostgreSQL URL may have {', '.join(_POSTGRES_OPTIONS + _SQLALCHEMY_OPTIONS)})"
        )
    connect_args: dict[str, Any] = {}
    tls = _postgres_ssl(options.get("sslmode"), options.get("sslrootcert"))
    if tls is not None:
        connect_args["ssl"] = tls
    if "connect_timeout" in options:
        connect_args["timeout"] = _connect_timeout(options["connect_timeout"])
    if "application_name" in options:
        connect_args["server_settings"] = {"application_name": options["application_name"]}
    kept = "&".join(
        f"{name}={quote(value, safe='/')}"
        for name, value in options.items()
        if name in _SQLALCHEMY_OPTIONS
    )
    return f"postgresql+asyncpg://{location}{'?' if kept else ''}{kept}", connect_args


def _query_options(query: str) -> dict[str, str]:
    """`a=1&b=x%20y` -> {"a": "1", "b": "x y"}, percent-decoded as libpq does (+ stays +)."""
    options: dict[str, str] = {}
    for pair in filter(None, query.split("&")):
        name, _, value = pair.partition("=")
        options[unquote(name)] = unquote(value)
    return options


def _postgres_ssl(mode: str | None, root_cert: str | None) -> ssl.SSLContext | str | bool | None:
    """libpq's sslmode and sslrootcert as asyncpg's `ssl`: False, a mode asyncpg knows, or a
    context that verifies the server against `root_cert`. None: asyncpg's default (prefer)."""
    if mode is not None and mode not in SSL_MODES:
        raise ValueError(f"sslmode must be one of {', '.join(SSL_MODES)}; got {mode!r}")
    if root_cert == "system":  # libpq 16: the system's CAs, and only with full verification
        if mode not in (None, "verify-full"):
            raise ValueError("sslrootcert=system needs sslmode=verify-full")
        return ssl.create_default_context()
    if mode is None or mode == "disable":
        return None if mode is None else False
    if not root_cert or mode in ("allow", "prefer"):  # libpq verifies nothing in these modes
        return mode
    try:  # require with a root certificate verifies it, as libpq does (like verify-ca)
        context = ssl.create_default_context(cafile=root_cert)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"sslrootcert {root_cert!r} cannot be read ({error})") from None
    context.check_hostname = mode == "verify-full"
    return context


def _connect_timeout(raw: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:  # also refuses nan
        raise ValueError(f"connect_timeout must be a number of seconds above 0; got {raw!r}")
    return seconds
