"""Settings from the environment (bot.config): defaults, valid values, and every problem named
in one error."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.errors import ConfigError

MB = 1024 * 1024
REQUIRED = {
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "s",
    "WOLKVOX_TOKEN": "t",
    "WOLKVOX_SERVER": "0032",
}


def settings(mode: str | None = None, **env: str) -> Settings:
    return Settings.from_env({**REQUIRED, **env}, mode=mode)


def problems(mode: str | None = None, **env: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        settings(mode, **env)
    return raised.value.problems


@pytest.mark.parametrize(
    ("attribute", "default"),
    [
        ("slack_api_url", "https://slack.com/api/"),
        ("wolkvox_base_url", "https://wv{server}.wolkvox.com"),
        ("cache_ttl", 300),
        ("timeout", 30.0),
        ("refresh_cooldown", 30.0),
        ("user_syncs_per_minute", 20),
        ("keep_bytes", 64 * MB),
        ("notify_channel", ""),
        ("notify_unchanged", False),
        ("connectors", ()),
        ("database_url", "sqlite:///./wolkvox.db"),
        ("history_days", 180),
        ("redis_url", ""),
        ("auto_sync", ()),
        ("auto_sync_minutes", 60.0),
        ("daily_quota", 0),
        ("metrics_token", ""),
        ("allowed_users", frozenset()),
        ("allowed_channels", frozenset()),
        ("port", 3000),
        ("host", "0.0.0.0"),  # noqa: S104 - the default for a web dyno
        ("shutdown_grace", 25.0),
        ("mode", "http"),
    ],
)
def test_each_setting_has_its_default(attribute: str, default: object) -> None:
    value = getattr(settings(), attribute)
    assert value == default and type(value) is type(default)


@pytest.mark.parametrize(
    ("name", "raw", "attribute", "value"),
    [
        ("SLACK_API_URL", "http://127.0.0.1:9/api", "slack_api_url", "http://127.0.0.1:9/api/"),
        ("WOLKVOX_BASE_URL", " http://127.0.0.1:9/ ", "wolkvox_base_url", "http://127.0.0.1:9"),
        ("WOLKVOX_SERVER", "wv41", "wolkvox_server", "0041"),
        ("WOLKVOX_CACHE_TTL", "86400", "cache_ttl", 86_400),
        ("WOLKVOX_TIMEOUT", "0.1", "timeout", 0.1),
        ("WOLKVOX_REFRESH_COOLDOWN", "2.5", "refresh_cooldown", 2.5),
        ("WOLKVOX_REFRESH_COOLDOWN", "3600", "refresh_cooldown", 3600.0),
        ("WOLKVOX_USER_SYNCS_PER_MINUTE", "1000", "user_syncs_per_minute", 1000),
        ("WOLKVOX_KEEP_MB", "1", "keep_bytes", MB),
        ("WOLKVOX_KEEP_MB", "4096", "keep_bytes", 4096 * MB),
        ("WOLKVOX_HISTORY_DAYS", "1", "history_days", 1),
        ("WOLKVOX_HISTORY_DAYS", "36500", "history_days", 36_500),
        ("WOLKVOX_SHUTDOWN_GRACE", "0", "shutdown_grace", 0.0),
        ("WOLKVOX_SHUTDOWN_GRACE", "600", "shutdown_grace", 600.0),
        ("WOLKVOX_NOTIFY_CHANNEL", "C0NOTIFY", "notify_channel", "C0NOTIFY"),
        ("WOLKVOX_NOTIFY_UNCHANGED", "Yes", "notify_unchanged", True),
        ("WOLKVOX_NOTIFY_UNCHANGED", "off", "notify_unchanged", False),
        (
            "WOLKVOX_CONNECTORS",
            "Ventas=1234, soporte=5678",
            "aliases",
            {"ventas": "1234", "soporte": "5678"},
        ),
        ("WOLKVOX_AUTO_SYNC", "1234, 1234,5678", "auto_sync", ("1234", "5678")),
        ("WOLKVOX_AUTO_SYNC_MINUTES", "1440", "auto_sync_minutes", 1440.0),
        ("WOLKVOX_AUTO_SYNC_MINUTES", "0.05", "auto_sync_minutes", 0.05),
        ("WOLKVOX_DAILY_QUOTA", "3000", "daily_quota", 3000),
        ("METRICS_TOKEN", "m" * 16, "metrics_token", "m" * 16),
        ("DATABASE_URL", "postgres://u@h/db", "database_url", "postgres://u@h/db"),
        ("REDIS_URL", "rediss://:pw@h:6380/0", "redis_url", "rediss://:pw@h:6380/0"),
        ("WOLKVOX_ALLOWED_USERS", "U0AB, W0CD", "allowed_users", frozenset({"U0AB", "W0CD"})),
        ("WOLKVOX_ALLOWED_CHANNELS", "C0AB,G0CD", "allowed_channels", frozenset({"C0AB", "G0CD"})),
        ("PORT", "65535", "port", 65_535),
        ("HOST", "127.0.0.1", "host", "127.0.0.1"),
    ],
)
def test_a_valid_value_is_read(name: str, raw: str, attribute: str, value: object) -> None:
    assert getattr(settings(**{name: raw}), attribute) == value


def test_an_alias_can_be_auto_synced() -> None:
    read = settings(WOLKVOX_CONNECTORS="ventas=1234", WOLKVOX_AUTO_SYNC="Ventas,1234,99")
    assert read.auto_sync == ("1234", "99")


def test_zero_turns_off_the_refresh_cooldown_and_the_per_user_limit() -> None:
    read = settings(WOLKVOX_REFRESH_COOLDOWN="0", WOLKVOX_USER_SYNCS_PER_MINUTE="0")
    assert (read.refresh_cooldown, read.user_syncs_per_minute) == (0.0, 0)


@pytest.mark.parametrize(
    ("name", "raw", "problem"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-1", "SLACK_BOT_TOKEN must be a bot token starting with xoxb-"),
        (
            "SLACK_APP_TOKEN",
            "xoxb-2",
            "SLACK_APP_TOKEN must be an app-level token starting with xapp-",
        ),
        (
            "SLACK_API_URL",
            "slack.com/api",
            "SLACK_API_URL must be an http(s) URL, got 'slack.com/api'",
        ),
        ("SLACK_API_URL", "http://[", "SLACK_API_URL must be an http(s) URL, got 'http://['"),
        (
            "WOLKVOX_SERVER",
            "madrid",
            "WOLKVOX_SERVER must be the operation's server code, like 0032 or wv0032; got 'madrid'",
        ),
        ("WOLKVOX_BASE_URL", "ftp://h", "WOLKVOX_BASE_URL must be an http(s) URL, got 'ftp://h'"),
        (
            "WOLKVOX_CACHE_TTL",
            "five",
            "WOLKVOX_CACHE_TTL must be a whole number of seconds, got 'five'",
        ),
        (
            "WOLKVOX_CACHE_TTL",
            "1.5",
            "WOLKVOX_CACHE_TTL must be a whole number of seconds, got '1.5'",
        ),
        (
            "WOLKVOX_CACHE_TTL",
            "0",
            "WOLKVOX_CACHE_TTL must be a whole number of seconds between 1 and 86400, got '0'",
        ),
        (
            "WOLKVOX_TIMEOUT",
            "0",
            "WOLKVOX_TIMEOUT must be a number of seconds between 0.1 and 120, got '0'",
        ),
        (
            "WOLKVOX_TIMEOUT",
            "nan",
            "WOLKVOX_TIMEOUT must be a number of seconds between 0.1 and 120, got 'nan'",
        ),
        (
            "WOLKVOX_REFRESH_COOLDOWN",
            "-1",
            "WOLKVOX_REFRESH_COOLDOWN must be a number of seconds between 0 and 3600, got '-1'",
        ),
        (
            "WOLKVOX_REFRESH_COOLDOWN",
            "3601",
            "WOLKVOX_REFRESH_COOLDOWN must be a number of seconds between 0 and 3600, got '3601'",
        ),
        (
            "WOLKVOX_REFRESH_COOLDOWN",
            "30s",
            "WOLKVOX_REFRESH_COOLDOWN must be a number of seconds, got '30s'",
        ),
        (
            "WOLKVOX_USER_SYNCS_PER_MINUTE",
            "many",
            "WOLKVOX_USER_SYNCS_PER_MINUTE must be a whole number of syncs per minute, got 'many'",
        ),
        (
            "WOLKVOX_USER_SYNCS_PER_MINUTE",
            "1001",
            "WOLKVOX_USER_SYNCS_PER_MINUTE must be a whole number of syncs per minute between 0 and 1000, got '1001'",
        ),
        (
            "WOLKVOX_USER_SYNCS_PER_MINUTE",
            "-1",
            "WOLKVOX_USER_SYNCS_PER_MINUTE must be a whole number of syncs per minute between 0 and 1000, got '-1'",
        ),
        (
            "WOLKVOX_KEEP_MB",
            "64MB",
            "WOLKVOX_KEEP_MB must be a whole number of megabytes, got '64MB'",
        ),
        (
            "WOLKVOX_KEEP_MB",
            "0",
            "WOLKVOX_KEEP_MB must be a whole number of megabytes between 1 and 4096, got '0'",
        ),
        (
            "WOLKVOX_KEEP_MB",
            "4097",
            "WOLKVOX_KEEP_MB must be a whole number of megabytes between 1 and 4096, got '4097'",
        ),
        (
            "WOLKVOX_HISTORY_DAYS",
            "0",
            "WOLKVOX_HISTORY_DAYS must be a whole number of days between 1 and 36500, got '0'",
        ),
        (
            "WOLKVOX_HISTORY_DAYS",
            "36501",
            "WOLKVOX_HISTORY_DAYS must be a whole number of days between 1 and 36500, got '36501'",
        ),
        (
            "WOLKVOX_HISTORY_DAYS",
            "half a year",
            "WOLKVOX_HISTORY_DAYS must be a whole number of days, got 'half a year'",
        ),
        (
            "WOLKVOX_SHUTDOWN_GRACE",
            "601",
            "WOLKVOX_SHUTDOWN_GRACE must be a number of seconds between 0 and 600, got '601'",
        ),
        (
            "WOLKVOX_SHUTDOWN_GRACE",
            "inf",
            "WOLKVOX_SHUTDOWN_GRACE must be a number of seconds between 0 and 600, got 'inf'",
        ),
        (
            "WOLKVOX_NOTIFY_CHANNEL",
            "#general",
            "WOLKVOX_NOTIFY_CHANNEL must be a channel id like C0123ABCD (not a #name); got '#general'",
        ),
        (
            "WOLKVOX_NOTIFY_UNCHANGED",
            "maybe",
            "WOLKVOX_NOTIFY_UNCHANGED must be true or false, got 'maybe'",
        ),
        (
            "WOLKVOX_CONNECTORS",
            "ventas",
            "WOLKVOX_CONNECTORS: 'ventas' is not alias=digits or alias=operation:digits (an alias starts with a letter: a-z, 0-9, _ or -); write it as ventas=1234,soporte=5678",
        ),
        (
            "WOLKVOX_AUTO_SYNC",
            "1234,nope",
            "WOLKVOX_AUTO_SYNC: 'nope' is not a connector id (digits), operation:digits or an alias",
        ),
        (
            "WOLKVOX_AUTO_SYNC_MINUTES",
            "0",
            "WOLKVOX_AUTO_SYNC_MINUTES must be a number of minutes between 0.05 and 1440, got '0'",
        ),
        (
            "WOLKVOX_AUTO_SYNC_MINUTES",
            "0.04",
            "WOLKVOX_AUTO_SYNC_MINUTES must be a number of minutes between 0.05 and 1440, got '0.04'",
        ),
        (
            "WOLKVOX_DAILY_QUOTA",
            "0",
            "WOLKVOX_DAILY_QUOTA must be a whole number of calls per day between 1 and 999999, got '0'",
        ),
        (
            "WOLKVOX_DAILY_QUOTA",
            "1e3",
            "WOLKVOX_DAILY_QUOTA must be a whole number of calls per day, got '1e3'",
        ),
        ("METRICS_TOKEN", "short", "METRICS_TOKEN must be at least 16 characters long"),
        (
            "DATABASE_URL",
            "mysql://h/db",
            "DATABASE_URL: unsupported database 'mysql' (use sqlite:// or postgresql://); e.g. sqlite:///./wolkvox.db or postgresql://user@host/db",
        ),
        (
            "DATABASE_URL",
            "wolkvox.db",
            "DATABASE_URL: not a URL; e.g. sqlite:///./wolkvox.db or postgresql://user@host/db",
        ),
        ("REDIS_URL", "http://h", "REDIS_URL must be a redis:// or rediss:// URL"),
        ("REDIS_URL", "redis://[", "REDIS_URL must be a redis:// or rediss:// URL"),
        (
            "WOLKVOX_ALLOWED_USERS",
            "U0AB,@ana",
            "WOLKVOX_ALLOWED_USERS must be comma-separated user ids like U0123ABCD; not: @ana",
        ),
        (
            "WOLKVOX_ALLOWED_CHANNELS",
            "#general",
            "WOLKVOX_ALLOWED_CHANNELS must be comma-separated channel ids like C0123ABCD; not: #general",
        ),
        ("PORT", "99999", "PORT must be a port number between 1 and 65535, got '99999'"),
        ("PORT", "http", "PORT must be a port number, got 'http'"),
    ],
)
def test_a_bad_value_is_named_with_what_it_should_be(name: str, raw: str, problem: str) -> None:
    assert problems(**{name: raw}) == [problem]


def test_every_missing_setting_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({})
    said = raised.value.problems
    assert len(said) == 2  # the Wolkvox operation is optional: admins may add one in Slack
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        assert sum(p.startswith(f"{name} is missing") for p in said) == 1


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"WOLKVOX_TOKEN": "t" * 20}, "WOLKVOX_SERVER is missing"),
        ({"WOLKVOX_SERVER": "0032"}, "WOLKVOX_TOKEN is missing"),
        ({"WOLKVOX_OPERATION_NAME": "Cliente A"}, "WOLKVOX_OPERATION_NAME must be 1 to 32"),
        ({"WOLKVOX_SECRET_KEY": "not-a-key"}, "WOLKVOX_SECRET_KEY: key 1 of 1 is not a Fernet"),
        ({"WOLKVOX_BASE_URL": "ftp://x/{server}"}, "WOLKVOX_BASE_URL must be an http(s) URL"),
    ],
)
def test_the_environments_operation_is_both_variables_or_neither(
    env: dict[str, str], problem: str
) -> None:
    base = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(base | env)
    assert [p for p in raised.value.problems if p.startswith(problem)], raised.value.problems
    assert "not-a-key" not in str(raised.value)


def test_no_operation_in_the_environment_is_a_bot_with_none_yet() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert settings.environment_operation is None
    assert settings.wolkvox_url("0041") == "https://wv0041.wolkvox.com"


def test_the_base_url_takes_each_operations_server() -> None:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "WOLKVOX_BASE_URL": "http://127.0.0.1:8080/wv{server}/",
            "WOLKVOX_TOKEN": "t" * 20,
            "WOLKVOX_SERVER": "wv32",
            "WOLKVOX_OPERATION_NAME": "Cliente_A",
            "WOLKVOX_CONNECTORS": "ventas=1234,soporte=otra:0056",
        }
    )
    assert settings.wolkvox_url("0041") == "http://127.0.0.1:8080/wv0041"
    operation = settings.environment_operation
    assert operation is not None and operation.name == "cliente_a"
    assert operation.server == "0032" and operation.from_environment
    assert operation.aliases == (("ventas", "1234"),)
    assert settings.aliases == {"ventas": "1234", "soporte": "otra:56"}
    assert "t" * 20 not in repr(settings) and "t" * 20 not in repr(operation)


def test_several_bad_settings_are_named_in_one_error() -> None:
    bad = {
        "SLACK_BOT_TOKEN": "xoxp-1",
        "WOLKVOX_SERVER": "madrid",
        "WOLKVOX_TIMEOUT": "0",
        "WOLKVOX_REFRESH_COOLDOWN": "-5",
        "WOLKVOX_USER_SYNCS_PER_MINUTE": "lots",
        "WOLKVOX_KEEP_MB": "0",
        "WOLKVOX_HISTORY_DAYS": "0",
        "WOLKVOX_SHUTDOWN_GRACE": "601",
        "WOLKVOX_ALLOWED_USERS": "ana",
        "PORT": "0",
    }
    with pytest.raises(ConfigError) as raised:
        settings(**bad)
    said = raised.value.problems
    assert len(said) == len(bad)
    for name in bad:
        assert sum(p.startswith(f"{name} must be") for p in said) == 1, name
    assert all(f"  - {p}" in str(raised.value) for p in said)


@pytest.mark.parametrize(
    ("server", "code"), [("0032", "0032"), ("wv0032", "0032"), ("WV41", "0041"), ("100", "0100")]
)
def test_server_code_is_accepted_in_both_spellings(server: str, code: str) -> None:
    read = settings(WOLKVOX_SERVER=server)
    assert read.wolkvox_server == code
    assert read.wolkvox_url(read.wolkvox_server) == f"https://wv{code}.wolkvox.com"


def test_a_base_url_makes_the_server_code_optional() -> None:
    env = {**REQUIRED, "WOLKVOX_BASE_URL": "http://127.0.0.1:9"}
    del env["WOLKVOX_SERVER"]
    read = Settings.from_env(env)
    assert (read.wolkvox_server, read.wolkvox_base_url) == ("", "http://127.0.0.1:9")


def test_socket_mode_needs_no_signing_secret() -> None:
    env = {**REQUIRED, "SLACK_APP_TOKEN": "xapp-1"}
    del env["SLACK_SIGNING_SECRET"]
    read = Settings.from_env(env)
    assert (read.mode, read.slack_app_token) == ("socket", "xapp-1")


@pytest.mark.parametrize(
    ("mode", "app_token", "secret", "outcome"),
    [
        (None, "", "s", "http"),
        (None, "xapp-1", "", "socket"),
        ("http", "xapp-1", "s", "http"),
        ("http", "xapp-1", "", "SLACK_SIGNING_SECRET is missing"),
        ("socket", "xapp-1", "", "socket"),
        ("socket", "", "s", "SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token"),
        ("console", "xapp-1", "", "http"),
        ("console", "", "", "http"),
    ],
)
def test_mode_forces_http_socket_or_console(
    mode: str | None, app_token: str, secret: str, outcome: str
) -> None:
    env = {**REQUIRED, "SLACK_APP_TOKEN": app_token, "SLACK_SIGNING_SECRET": secret}
    if outcome in ("http", "socket"):
        assert Settings.from_env(env, mode=mode).mode == outcome
    else:
        with pytest.raises(ConfigError) as raised:
            Settings.from_env(env, mode=mode)
        [problem] = raised.value.problems
        assert problem.startswith(outcome)


def test_socket_mode_without_a_token_or_a_secret_names_both() -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "WOLKVOX_TOKEN": "t", "WOLKVOX_SERVER": "1"}
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(env, mode="socket")
    assert [p.split()[0] for p in raised.value.problems] == [
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
    ]


def test_secrets_stay_out_of_repr() -> None:
    read = settings(
        SLACK_BOT_TOKEN="xoxb-secret1",
        SLACK_SIGNING_SECRET="secret2",
        SLACK_APP_TOKEN="xapp-secret3",
        WOLKVOX_TOKEN="secret4",
        REDIS_URL="redis://:secret5@127.0.0.1:6379/0",
    )
    assert read.slack_bot_token == "xoxb-secret1" and read.redis_url.startswith("redis://")
    assert "secret" not in repr(read)


def test_config_imports_no_project_module_but_pure_leaves() -> None:
    imported: set[str] = set()
    for module in (Path(__file__).parents[1] / "bot" / "config").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, "relative import"
                imported.add(node.module or "")
    project = {name for name in imported if name.split(".")[0] == "bot" and name != "bot.config"}
    project = {name for name in project if not name.startswith("bot.config.")}
    assert project == {
        "bot.errors",
        "bot.templates.connectors",
        "bot.operations.model",
        "bot.operations.secrets",
    }
    others = {name.split(".")[0] for name in imported if name.split(".")[0] != "bot"}
    assert others <= sys.stdlib_module_names | {"__future__"}, "config needs only the stdlib"
