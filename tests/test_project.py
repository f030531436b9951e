"""The files other tools read: manifest.yml, .env.example, Procfile."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import yaml

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
    }
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


def test_env_example_lists_every_setting() -> None:
    env = _ReadRecorder()
    with pytest.raises(ConfigError):
        Settings.from_env(env)
    names = env.names
    assert {"SLACK_BOT_TOKEN", "WOLKVOX_TOKEN", "PORT", "DATABASE_URL", "REDIS_URL"} <= names
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in names:
        assert re.search(rf"^{name}=", example, re.M), f"{name} missing from .env.example"
        assert f"`{name}`" in readme, f"{name} missing from the README"


def test_procfile_runs_the_http_server() -> None:
    assert (ROOT / "Procfile").read_text().strip() == "web: python -m bot serve --http"
