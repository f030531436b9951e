"""DATABASE_URL and REDIS_URL as Heroku, Render, Neon and Supabase hand them out."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.__main__ import main
from bot.config import Settings, database_options
from bot.database.redis import connect, tls_options
from bot.database.store import Store
from bot.errors import ConfigError

# --- DATABASE_URL -> SQLAlchemy URL and asyncpg's connect arguments (pure) ---


@pytest.mark.parametrize(
    ("url", "engine", "connect_args"),
    [
        ("sqlite:///./wolkvox.db", "sqlite+aiosqlite:///./wolkvox.db", {}),
        ("postgres://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d", {}),
        ("postgresql://u@h/d", "postgresql+asyncpg://u@h/d", {}),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg://u@h/d", {}),
        ("POSTGRES://u@h/d", "postgresql+asyncpg://u@h/d", {}),
        (
            "postgres://u:p%3Fx@h/d?sslmode=disable",
            "postgresql+asyncpg://u:p%3Fx@h/d",
            {"ssl": False},
        ),
        ("postgres://u@h/d?sslmode=allow", "postgresql+asyncpg://u@h/d", {"ssl": "allow"}),
        ("postgres://u@h/d?sslmode=prefer", "postgresql+asyncpg://u@h/d", {"ssl": "prefer"}),
        ("postgres://u@h/d?sslmode=require", "postgresql+asyncpg://u@h/d", {"ssl": "require"}),
        ("postgres://u@h/d?sslmode=verify-ca", "postgresql+asyncpg://u@h/d", {"ssl": "verify-ca"}),
        (
            "postgres://u@h/d?sslmode=verify-full",
            "postgresql+asyncpg://u@h/d",
            {"ssl": "verify-full"},
        ),
        # libpq verifies nothing below require, so a root certificate changes nothing there
        (
            "postgres://u@h/d?sslmode=prefer&sslrootcert=/x.crt",
            "postgresql+asyncpg://u@h/d",
            {"ssl": "prefer"},
        ),
        ("postgres://u@h/d?connect_timeout=10", "postgresql+asyncpg://u@h/d", {"timeout": 10.0}),
        ("postgres://u@h/d?connect_timeout=2.5", "postgresql+asyncpg://u@h/d", {"timeout": 2.5}),
        (
            "postgres://u@h/d?application_name=wolkvox%20sync+web",
            "postgresql+asyncpg://u@h/d",
            {"server_settings": {"application_name": "wolkvox sync+web"}},
        ),
        (
            "postgresql://u:p@h:6543/d?sslmode=require&connect_timeout=5&application_name=bot",
            "postgresql+asyncpg://u:p@h:6543/d",
            {"ssl": "require", "timeout": 5.0, "server_settings": {"application_name": "bot"}},
        ),
        (
            "postgresql:///d?host=/var/run/postgresql",
            "postgresql+asyncpg:///d?host=/var/run/postgresql",
            {},
        ),
    ],
)
def test_database_urls_become_engine_urls_and_connect_arguments(
    url: str, engine: str, connect_args: dict[str, Any]
) -> None:
    assert database_options(url) == (engine, connect_args)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and its key, as a platform's private CA would hand out."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "server.crt", folder / "server.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize(
    ("mode", "check_hostname"), [("require", False), ("verify-ca", False), ("verify-full", True)]
)
def test_a_root_certificate_makes_a_context_that_verifies(
    certificate: tuple[Path, Path], mode: str, check_hostname: bool
) -> None:
    cert, _ = certificate
    _, args = database_options(f"postgres://u@h/d?sslmode={mode}&sslrootcert={cert}")
    context = args["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is check_hostname
    assert len(context.get_ca_certs()) == 1  # that certificate only, not the system's


def test_sslrootcert_system_verifies_against_the_system_authorities() -> None:
    _, args = database_options("postgres://u@h/d?sslmode=verify-full&sslrootcert=system")
    assert isinstance(args["ssl"], ssl.SSLContext) and args["ssl"].check_hostname


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgres://u@h/d?sslmode=required", ["sslmode must be one of", "'required'"]),
        ("postgres://u@h/d?sslmode=", ["sslmode must be one of"]),
        ("postgres://u@h/d?ssl=true", ["unsupported option ssl", "sslmode"]),
        ("postgres://u@h/d?foo=1&pool=2", ["unsupported options foo, pool"]),
        ("postgres://u@h/d?connect_timeout=soon", ["connect_timeout", "'soon'"]),
        ("postgres://u@h/d?connect_timeout=0", ["connect_timeout", "above 0"]),
        (
            "postgres://u@h/d?sslmode=require&sslrootcert=/no/such.crt",
            ["sslrootcert", "/no/such.crt"],
        ),
        ("postgres://u@h/d?sslmode=require&sslrootcert=system", ["verify-full"]),
        ("mysql://u@h/d", ["unsupported database 'mysql'"]),
    ],
)
def test_bad_database_urls_are_named(url: str, words: list[str]) -> None:
    with pytest.raises(ValueError) as raised:
        database_options(url)
    for word in words:
        assert word in str(raised.value)


def test_a_bad_option_stops_the_start_with_a_config_error() -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "WOLKVOX_TOKEN": "t",
        "WOLKVOX_SERVER": "0032",
        "DATABASE_URL": "postgres://u:secret@h/d?sslmode=require&statement_timeout=5",
    }
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env)
    message = str(raised.value)
    assert "DATABASE_URL" in message and "statement_timeout" in message
    assert "secret" not in message


# --- the real PostgreSQL (no TLS: prefer falls back, disable never asks) ---


@pytest.mark.parametrize("mode", ["disable", "prefer"])
async def test_store_opens_with_an_sslmode(postgres_url: str, mode: str) -> None:
    url = f"{postgres_url}?sslmode={mode}&connect_timeout=10&application_name=wolkvox-{mode}"
    store = await Store.open(url)
    try:
        async with store.engine.connect() as conn:
            name = await conn.scalar(text("SELECT current_setting('application_name')"))
            tables = await conn.scalar(
                text("SELECT count(*) FROM pg_tables WHERE tablename = 'alembic_version'")
            )
    finally:
        await store.aclose()
    assert name == f"wolkvox-{mode}"
    assert tables == 1  # the migrations ran through the same options


async def test_sslmode_require_is_refused_by_a_server_without_tls(postgres_url: str) -> None:
    with pytest.raises(ConnectionError):  # asyncpg: the server does not support SSL
        await Store.open(f"{postgres_url}?sslmode=require")


def test_db_upgrade_takes_the_options(
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", f"{postgres_url}?sslmode=prefer&application_name=release")
    assert main(["db", "upgrade"]) == 0
    assert "database schema at revision" in capsys.readouterr().out


# --- REDIS_URL ---


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("redis://h:6379/0", {}),
        ("redis://:p@h:6379/0?ssl_cert_reqs=none", {}),
        ("rediss://:p@h:6380/0", {"ssl_cert_reqs": None}),
        ("REDISS://:p@h:6380", {"ssl_cert_reqs": None}),
        ("rediss://:p@h:6380/0?ssl_cert_reqs=required", {}),
        ("unix:///tmp/redis.sock", {}),
    ],
)
def test_redis_tls_options(url: str, options: dict[str, Any]) -> None:
    assert tls_options(url) == options


@pytest.mark.parametrize(
    ("url", "cert_reqs"),
    [
        ("rediss://:p@h:6380/0", None),
        ("rediss://:p@h:6380/0?ssl_cert_reqs=required", "required"),
    ],
)
def test_the_client_gets_the_tls_options(url: str, cert_reqs: str | None) -> None:
    client = connect(url)
    assert client.connection_pool.connection_kwargs["ssl_cert_reqs"] == cert_reqs


def test_a_plain_redis_url_gets_no_tls_options() -> None:
    assert "ssl_cert_reqs" not in connect("redis://h:6379/0").connection_pool.connection_kwargs


@pytest.fixture
def tls_redis(certificate: tuple[Path, Path], tmp_path: Path) -> Iterator[str]:
    """A Redis that speaks only TLS, with a self-signed certificate, as Heroku Redis does."""
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed")
    cert, key = certificate
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            *(server, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1"),
            *("--tls-cert-file", str(cert), "--tls-key-file", str(key)),
            *("--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no"),
            *("--save", "", "--appendonly", "no", "--dir", str(tmp_path)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        if proc.poll() is not None:
            pytest.skip("this redis-server cannot serve TLS")
        yield f"rediss://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_rediss_with_a_self_signed_certificate(tls_redis: str) -> None:
    client = connect(tls_redis)
    try:
        assert await client.ping()
    finally:
        await client.aclose()


async def test_rediss_verifies_when_the_url_asks(tls_redis: str) -> None:
    client = connect(f"{tls_redis}?ssl_cert_reqs=required")
    try:
        with pytest.raises(Exception, match="certificate verify failed"):
            await client.ping()
    finally:
        await client.aclose()
