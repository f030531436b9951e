"""Socket Mode: `python -m bot` with SLACK_APP_TOKEN answers a slash command over a WebSocket to
a fake Slack, and never prints its tokens (workflow steps over Socket Mode: test_steps.py)."""

from __future__ import annotations

from pathlib import Path

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox
from tests.blockkit import all_text
from tests.socket_mode import APP_TOKEN, socket_mode_bot


def test_commands_arrive_and_are_answered_over_socket_mode(
    tmp_path: Path, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    with socket_mode_bot(tmp_path, slack, wolkvox) as bot:
        [opened] = slack.calls("apps.connections.open")
        assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"
        payload = {
            "token": "legacy",
            "team_id": "T0001",
            "team_domain": "acme",
            "channel_id": "C0CHAN1",
            "channel_name": "campaigns",
            "user_id": "U0USER1",
            "user_name": "maria",
            "command": "/wolkvox-sync",
            "text": "1234",
            "api_app_id": "A0APP",
            "response_url": slack.response_url("s"),
            "trigger_id": "1.2.3",
        }
        bot.socket.send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "payload": payload,
                "accepts_response_payload": True,
            }
        )
        ack = bot.socket.ack_for("env-1")
        assert ack is not None and ":hourglass_flowing_sand:" in all_text(ack["payload"])
        [reply] = slack.wait_replies("s", 1)
        assert "Connector 1234 · 3 templates" in all_text(reply)
        assert wolkvox.calls == ["1234"]
    assert TOKEN not in bot.output and APP_TOKEN not in bot.output
