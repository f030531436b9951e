"""What a button or menu carries comes back from Slack, and the app does not trust it, end to end
over HTTP: a tampered, deeply nested or out-of-range value gets a clear message, a button on
data no longer kept offers the same view again (and its Refresh keeps the filters), and none
of them syncs behind the clicker's back. Every view's buttons: the template list, the Open
menu, coverage, check and compare. (A value naming another connector's snapshot:
test_cross_connector_buttons.py.)"""

from __future__ import annotations

import json

import pytest

from bot.slack import action_ids, values
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import CAMPAIGN, FakeWolkvox, Reply, make_templates, ok
from tests.blockkit import all_text, buttons, check_message, live_markup
from tests.harness import BotServer, final_answer


def click(bot: BotServer, slack: FakeSlack, action: str, value: str, name: str) -> dict:
    """Click `action` carrying `value` (the Open menu carries it as the selected option); the
    first reply."""
    chosen = {"selected": value} if action == action_ids.ACTION_OPEN else {}
    acked = bot.click(
        action, "" if chosen else value, response_url=slack.response_url(name), **chosen
    )
    assert acked.status == 200
    return slack.wait_replies(name, 1)[0]


# --- tampered values ---

LIST_VALUES = [
    "",
    "not json",
    '{"c": "../1"}',
    '{"c": "1", "p": -1}',
    '{"c": "1", "s": "<!x>"}',
    "x" * 5000,
]
CAMPAIGN_VALUES = ["", "{}", '{"c":"1234","s":"zz","n":"x"}', '{"l":"1234","r":"x"}', "[" * 3000]
MENU_VALUES = [
    "",
    "{}",
    '{"c":"1234","s":"ab","i":-1}',
    '{"c":"1234","s":"ab","i":"0"}',
    "[" * 3000,
]
TAMPERED = [
    *(((action_ids.ACTION_NEXT, action_ids.ACTION_REFRESH), value) for value in LIST_VALUES),
    *(
        ((action,), value)
        for action in (
            action_ids.ACTION_COVERAGE_NEXT,
            action_ids.ACTION_CHECK_SHARE,
            action_ids.ACTION_COMPARE_NEXT,
        )
        for value in CAMPAIGN_VALUES
    ),
    *(((action_ids.ACTION_OPEN,), value) for value in MENU_VALUES),
]


@pytest.mark.parametrize(("actions", "value"), TAMPERED)
def test_tampered_values_get_a_clear_message(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox, actions: tuple[str, ...], value: str
) -> None:
    for i, action in enumerate(actions):
        reply = click(bot, slack, action, value, f"t{i}")
        assert "data could not be read" in all_text(reply)
    assert wolkvox.calls == []


@pytest.mark.parametrize("depth", [100, 100_000])
def test_a_deeply_nested_button_value_is_refused_politely(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox, depth: int
) -> None:
    value = "[" * depth + "]" * depth
    value = value[:1990]  # within Slack's 2,000 characters, still deeper than json allows
    assert len(value) <= values.MAX_VALUE_CHARS
    nested = '{"c":' * 600 + "1" + "}" * 600
    for name, raw in (("a", value), ("b", nested[:1999])):
        acked = bot.click(action_ids.ACTION_NEXT, raw, response_url=slack.response_url(name))
        assert acked.status == 200
        assert "could not be read" in all_text(slack.wait_replies(name, 1)[0])
    assert wolkvox.calls == []


def test_deep_json_is_an_input_error_not_a_crash() -> None:
    with pytest.raises(values.InputError):
        values.decode_view('{"c":' * 1000 + "1" + "}" * 1000)


def test_menu_index_past_the_end_is_refused(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(body=ok(CAMPAIGN)))
    listing = final_answer(bot, slack, "1234", "l")
    menu = buttons(listing)[action_ids.ACTION_OPEN]
    ref = values.decode_template(menu["options"][0]["value"])
    value = values.encode_template(values.TemplateRef(ref.connector, ref.snapshot_id, 500))
    assert "could not be read" in all_text(click(bot, slack, action_ids.ACTION_OPEN, value, "t"))


def test_tampered_query_in_a_button_is_refused(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    value = json.dumps({"c": "1234", "s": "", "p": 0, "q": "lang:<!channel>"})
    reply = click(bot, slack, action_ids.ACTION_REFRESH, value, "t")
    assert live_markup(reply) == []
    assert wolkvox.calls == []


# --- data no longer kept ---

GONE = "0badc0de"
ids = action_ids
PT_BR = values.encode_view(values.ViewRef("1234", GONE, 1, "lang:pt_BR"))
LIST = (ids.ACTION_REFRESH, "*Filters:* `lang:pt_BR` · 3 matches")
EXPIRED = [  # the click, the value it carries; the Refresh offered, what the fresh view says
    (ids.ACTION_NEXT, PT_BR, *LIST),
    (ids.ACTION_SHARE, PT_BR, *LIST),
    (ids.ACTION_EXPORT, PT_BR, *LIST),
    (
        ids.ACTION_OPEN,
        values.encode_template(values.TemplateRef("1234", GONE, 3)),
        ids.ACTION_REFRESH,
        "Connector 1234 · 10 templates",
    ),
    (
        ids.ACTION_COVERAGE_NEXT,
        values.encode_view(values.ViewRef("1234", GONE, 1, "lang:es")),
        ids.ACTION_COVERAGE_REFRESH,
        "*Filters:* `lang:es`",
    ),
    (
        ids.ACTION_COVERAGE_EXPORT,
        values.encode_view(values.ViewRef("1234", GONE)),
        ids.ACTION_COVERAGE_REFRESH,
        "Coverage · connector 1234",
    ),
    (
        ids.ACTION_CHECK_SHARE,
        values.encode_check(values.CheckRef("1234", "promo_navidad", GONE)),
        ids.ACTION_CHECK_REFRESH,
        "promo_navidad · 2 languages",
    ),
    (
        ids.ACTION_COMPARE_NEXT,
        values.encode_compare(values.CompareRef("1234", "5678", GONE, "0badc0df", 1, "lang:es")),
        ids.ACTION_COMPARE_REFRESH,
        "*Filters:* `lang:es`",
    ),
]


@pytest.mark.parametrize(("action", "value", "refresh", "fresh_says"), EXPIRED)
def test_buttons_on_expired_data_offer_the_same_view_again(
    bot: BotServer,
    slack: FakeSlack,
    wolkvox: FakeWolkvox,
    action: str,
    value: str,
    refresh: str,
    fresh_says: str,
) -> None:
    wolkvox.reply("1234", Reply(body=ok(CAMPAIGN)))
    wolkvox.reply("5678", Reply(body=ok(make_templates(5, prefix="otro"))))
    reply = click(bot, slack, action, value, "x")
    check_message(reply)
    assert "no longer kept" in all_text(reply)
    [offered] = buttons(reply).values()
    assert offered["action_id"] == refresh
    assert wolkvox.calls == []
    bot.click(refresh, offered["value"], response_url=slack.response_url("r"))
    _, fresh = slack.wait_replies("r", 2)
    check_message(fresh)
    assert fresh_says in all_text(fresh)  # the same view again, with its filters
    synced = ["1234", "5678"] if refresh == action_ids.ACTION_COMPARE_REFRESH else ["1234"]
    assert sorted(wolkvox.calls) == synced
