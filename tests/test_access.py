"""Who may use the bot, end to end: WOLKVOX_ALLOWED_USERS and WOLKVOX_ALLOWED_CHANNELS refuse
commands (every kind: sync, lookups, coverage, check, compare, subscriptions, history) and
buttons for everyone else, help stays open to all, and the Home tab shows outsiders nothing.
(Buttons outside the allowed channels, against the real thing: test_readme_guarantees.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.slack import action_ids, values
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, wait_until
from tests.blockkit import all_text, buttons
from tests.harness import BotServer, final_answer
from tests.slash import home_view, said, sync

Start = Callable[..., BotServer]


@pytest.mark.parametrize(
    ("settings", "who", "allowed"),
    [
        ({"WOLKVOX_ALLOWED_USERS": "U0MARIA,U0JUAN"}, {"user_id": "U0MARIA"}, True),
        ({"WOLKVOX_ALLOWED_USERS": "U0MARIA"}, {"user_id": "U0EVE"}, False),
        ({"WOLKVOX_ALLOWED_CHANNELS": "C0OPS"}, {"channel_id": "C0OPS"}, True),
        ({"WOLKVOX_ALLOWED_CHANNELS": "C0OPS"}, {"channel_id": "C0RANDOM"}, False),
        (
            {"WOLKVOX_ALLOWED_USERS": "U0MARIA", "WOLKVOX_ALLOWED_CHANNELS": "C0OPS"},
            {"user_id": "U0MARIA", "channel_id": "C0RANDOM"},
            False,
        ),
    ],
)
def test_access_control(
    start_bot: Start,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    settings: dict,
    who: dict,
    allowed: bool,
) -> None:
    bot = start_bot(**settings)
    for i, text in enumerate(["1234", "1234 lang:es", "subscribe 1234", "1234 history"]):
        answer = said(bot, slack, text, f"c{i}", **who)
        assert ("this bot is limited to certain people and channels" in answer) is not allowed
    assert (
        "How to use"
        in bot.command("help", response_url=slack.response_url("h"), **who).body["text"]
    )
    if allowed:  # the sync runs after its wordless acknowledgement: it reaches Wolkvox soon
        assert wait_until(lambda: len(wolkvox.calls) > 0, 30)
    else:  # a refusal is the acknowledgement itself: nothing runs after it
        assert wolkvox.calls == []


def test_buttons_are_refused_for_others(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_ALLOWED_USERS="U0MARIA")
    value = values.encode_view(values.ViewRef("1234"))
    acked = bot.click(
        action_ids.ACTION_REFRESH, value, response_url=slack.response_url("r"), user_id="U0EVE"
    )
    assert acked.status == 200
    assert "limited to certain people" in all_text(slack.wait_replies("r", 1)[0])
    assert wolkvox.calls == []


def test_access_is_refused_for_commands_and_buttons(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_ALLOWED_USERS="U0USER1")
    for i, text in enumerate(["1234 coverage", "1234 check pago", "compare 1234 5678"]):
        refused = said(bot, slack, text, f"x{i}", user_id="U0OTHER")
        assert "this bot is limited to certain people" in refused
    grid = final_answer(bot, slack, "1234 coverage", "g")
    bot.click(
        action_ids.ACTION_COVERAGE_EXPORT,
        buttons(grid)[action_ids.ACTION_COVERAGE_EXPORT]["value"],
        response_url=slack.response_url("e"),
        user_id="U0OTHER",
    )
    assert "limited to certain people" in all_text(slack.wait_replies("e", 1)[0])
    assert slack.uploads == {} and wolkvox.calls == ["1234"]


def test_app_home_shows_nothing_to_people_outside_the_allowed_users(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_ALLOWED_USERS="U0MARIA")
    sync(bot, slack, "a", user_id="U0MARIA")
    text = all_text(home_view(bot, slack, "U0EVE"))
    assert "limited to certain people" in text and "Connector 1234" not in text


def test_with_only_allowed_channels_the_home_tab_shows_no_history(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_ALLOWED_CHANNELS="C0OPS")
    bot.command("1234", response_url=slack.response_url("s"), channel_id="C0OPS", user_id="U0MARIA")
    slack.wait_replies("s", 1)
    text = all_text(home_view(bot, slack, "U0EVE"))
    assert "Connector 1234" not in text and "<@U0MARIA>" not in text
    assert "<#C0OPS>" in text  # where the bot can be used
