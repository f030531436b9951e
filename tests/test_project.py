"""The files other tools read: manifest.yml, .env.example, Procfile, and what the Heroku
Python buildpack and the Deploy to Heroku button read: requirements.txt, .python-version,
app.json."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from bot.config import Settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_manifest_creates_the_app_in_one_paste() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert len(manifest["display_information"]["name"]) <= 35
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/wolkvox-sync" and len(command["command"]) <= 32
    assert command["description"] and command["usage_hint"] and command["should_escape"] is False
    assert command["url"].endswith("/slack/events")
    assert manifest["settings"]["interactivity"] == {
        "is_enabled": True,
        "request_url": command["url"],
        "message_menu_options_url": command["url"],  # the modal's type-ahead menus
    }
    [shortcut] = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "global" and shortcut["callback_id"] == "find_template"
    assert shortcut["name"] == "Find a WhatsApp template" and len(shortcut["name"]) <= 24
    events = manifest["settings"]["event_subscriptions"]
    assert events["request_url"] == command["url"] and events["bot_events"] == ["app_home_opened"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "chat:write.public", "files:write", "users:read"} <= scopes


class _ReadRecorder(Mapping[str, str]):
    """An empty environment that remembers every name Settings.from_env looks up."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.names.add(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def settings_read() -> set[str]:
    """Every variable Settings.from_env reads."""
    env = _ReadRecorder()
    with pytest.raises(ConfigError):
        Settings.from_env(env)
    return env.names


def test_env_example_lists_every_setting() -> None:
    names = settings_read()
    assert {"SLACK_BOT_TOKEN", "WOLKVOX_TOKEN", "PORT", "DATABASE_URL", "REDIS_URL"} <= names
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in names:
        assert re.search(rf"^{name}=", example, re.M), f"{name} missing from .env.example"
        assert f"`{name}`" in readme, f"{name} missing from the README"


def test_procfile_migrates_then_runs_the_http_server() -> None:
    assert (ROOT / "Procfile").read_text().splitlines() == [
        "release: python -m bot db upgrade",
        "web: python -m bot serve --http",
    ]


# --- what the Heroku Python buildpack reads ---

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def locked() -> dict[str, Version]:
    """requirements.txt as {package: pinned version}; every line must be an exact pin."""
    pins: dict[str, Version] = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        [spec] = requirement.specifier  # one specifier...
        assert spec.operator == "==", f"not pinned: {line}"  # ...and an exact version
        assert not requirement.url and not requirement.marker, f"not a plain pin: {line}"
        pins[canonicalize_name(requirement.name)] = Version(spec.version)
    return pins


def test_requirements_pin_what_pyproject_asks_for() -> None:
    pins = locked()
    for line in PYPROJECT["project"]["dependencies"]:
        wanted = Requirement(line)
        name = canonicalize_name(wanted.name)
        assert name in pins, f"{wanted.name} is in pyproject.toml but not in requirements.txt"
        assert wanted.specifier.contains(pins[name], prereleases=True), (
            f"requirements.txt pins {wanted.name}=={pins[name]}, outside {wanted.specifier}; "
            "regenerate it (the command is at its top)"
        )


def test_the_buildpack_finds_exactly_one_package_manager_file() -> None:
    others = ["uv.lock", "poetry.lock", "Pipfile", "Pipfile.lock", "runtime.txt"]
    assert (ROOT / "requirements.txt").is_file()
    assert [name for name in others if (ROOT / name).exists()] == []


def test_python_version_agrees_with_pyproject_and_the_lock() -> None:
    version = (ROOT / ".python-version").read_text().strip()
    assert re.fullmatch(r"3\.\d+", version), "major.minor: Heroku installs its newest patch"
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(version)
    assert f"pip-compile with Python {version}\n" in (ROOT / "requirements.txt").read_text()


# --- app.json, for the Deploy to Heroku button ---

APP_JSON_KEYS = {  # Heroku's app.json schema
    "name", "description", "keywords", "website", "repository", "logo", "success_url",
    "scripts", "env", "formation", "image", "addons", "buildpacks", "environments", "stack",
}  # fmt: skip
REQUIRED = {"SLACK_SIGNING_SECRET"}  # SLACK_BOT_TOKEN, or the client id and secret


def app_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "app.json").read_text())
    return data


def test_app_json_describes_the_app_as_heroku_documents() -> None:
    app = app_json()
    assert set(app) <= APP_JSON_KEYS
    assert 3 <= len(app["name"]) <= 30 and 0 < len(app["description"]) <= 140
    assert app["repository"].startswith("https://")
    assert app["buildpacks"] == [{"url": "heroku/python"}]
    assert app["formation"] == {"web": {"quantity": 1, "size": "basic"}}
    plans = [addon["plan"] if isinstance(addon, dict) else addon for addon in app["addons"]]
    assert {plan.split(":")[0] for plan in plans} <= {"heroku-postgresql", "heroku-redis"}


def test_app_json_lists_every_setting() -> None:
    env = app_json()["env"]
    missing = settings_read() - set(env)
    assert not missing, f"app.json lacks {sorted(missing)}"
    for name, entry in env.items():
        assert set(entry) <= {"description", "value", "required", "generator"}, name
        assert entry["description"].strip(), f"{name} has no description"
        # Heroku treats a setting without "required" as required: say it every time
        assert entry["required"] is (name in REQUIRED), name
    for name, addon in [("DATABASE_URL", "Heroku Postgres"), ("REDIS_URL", "Heroku Redis")]:
        assert addon in env[name]["description"]
    assert "Optional" in env["REDIS_URL"]["description"]


def test_app_json_values_are_the_defaults() -> None:
    env = app_json()["env"]
    values = {name: entry["value"] for name, entry in env.items() if "value" in entry}
    assert all(isinstance(value, str) for value in values.values())
    required = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "secret",
        "WOLKVOX_TOKEN": "token",
        "WOLKVOX_SERVER": "0032",
    }
    assert Settings.from_env({**required, **values}) == Settings.from_env(required)
