"""Slack's ids are checked once, at the edge: a request with a user, team or channel id Slack
does not use is refused plainly, before any store or cache sees it, and a real id is stored
whole."""

from __future__ import annotations

import pytest

from bot.slack import action_ids, values
from bot.slack.modal import ids
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import CAMPAIGN, FakeWolkvox, Reply, ok
from testkit.modal_requests import as_shown, selected, suggestion_body
from testkit.slack_requests import command_body, sign
from tests.blockkit import all_text
from tests.harness import BotServer

REFUSED = "That request came with an id Slack does not use, so I did nothing."
LONGEST = "U" + "A1" * 15 + "Z"  # 32 characters: the longest id kept


@pytest.mark.parametrize(
    "who",
    [
        {"user_id": "U" + "X" * 40},  # 41 characters: once answered, then an IntegrityError
        {"user_id": "U0USER1> <!channel"},
        {"user_id": "u0user1"},
        {"channel_id": "C0CHAN1 OR 1=1"},
        {"channel_id": "X0CHAN1"},
        {"team_id": "T" + "0" * 40},
    ],
)
def test_a_command_with_a_forged_id_is_refused_and_changes_nothing(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox, who: dict[str, str]
) -> None:
    for text in ("language en", "language es", "1234", "subscribe 1234"):
        body = command_body(text, response_url=slack.response_url("r"), **who)
        if "team_id" in who:
            body = body.replace("team_id=T0001", f"team_id={who['team_id']}")
        acked = bot.post(body, sign(body))
        assert acked.status == 200, acked
        assert acked.body["text"] == REFUSED
    assert not slack.wait(lambda: slack.replies_to("r"), timeout=0.3)
    assert wolkvox.calls == [] and not slack.calls("users.info")


def test_the_longest_id_is_kept_whole_and_chosen_again(bot: BotServer, slack: FakeSlack) -> None:
    for text, said in (
        ("language en", "English"),
        ("language es", "español"),
        ("language pt", "português"),
    ):
        name = text.replace(" ", "-")
        acked = bot.command(text, response_url=slack.response_url(name), user_id=LONGEST)
        assert acked.status == 200 and REFUSED not in all_text(acked.body)
        [reply] = slack.wait_replies(name, 1)
        assert said in all_text(reply), all_text(reply)
    help_ = bot.command("help", response_url=slack.response_url("h"), user_id=LONGEST)
    assert "modelo" in all_text(help_.body)  # the choice holds: Portuguese


def test_a_click_with_a_forged_id_is_refused(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    value = values.encode_view(values.ViewRef("1234"))
    acked = bot.click(
        action_ids.ACTION_REFRESH, value, response_url=slack.response_url("c"), user_id="U" * 33
    )
    assert acked.status == 200
    [reply] = slack.wait_replies("c", 1)
    assert reply["text"] == REFUSED
    assert wolkvox.calls == []


def test_an_options_request_with_a_forged_id_gets_no_options(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(body=ok(CAMPAIGN)))
    view = as_shown(
        {"type": "modal", "callback_id": ids.MODAL, "blocks": []},
        {ids.CONNECTOR_BLOCK: {ids.CONNECTOR_MENU: selected("1234", "Connector 1234")}},
    )
    for user in ("<@U0BOSS>", "U" + "1" * 32, "U0USER1"):
        body = suggestion_body(
            view,
            action_id=ids.TEMPLATE_MENU,
            block_id=ids.template_block("1234"),
            typed="promo",
            user_id=user,
        )
        acked = bot.post(body, sign(body))
        assert acked.status == 200
        options = acked.body["options"]
        if user != "U0USER1":
            assert options == [] and wolkvox.calls == []
    assert "Syncing 1234" in options[0]["text"]["text"]  # the real one: a sync is started
