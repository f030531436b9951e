"""Untrusted input, end to end: refused clicks, hostile button values, escaped command text,
quoted phrases in buttons, log forging, and the Home tab."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from bot.commands import Lookup, parse, parse_query_text
from bot.logs import OneLine
from bot.slack import action_ids, values
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok, template
from tests.blockkit import all_text, buttons
from tests.harness import BotServer

Start = Callable[..., BotServer]


def test_a_click_refused_by_the_access_guard_gets_200_and_the_refusal(
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


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("1234 &quot;A &amp; B&quot;", ("&quot;a", "&", "b&quot;")),  # only & < > are Slack's
        ('1234 "A &amp; B"', ("a & b",)),
        ("1234 &lt;promo&gt;", ("<promo>",)),
        ("1234 a&amp;b", ("a&b",)),
    ],
)
def test_command_text_is_read_as_the_user_typed_it(typed: str, words: tuple[str, ...]) -> None:
    command = parse(typed)
    assert isinstance(command, Lookup)
    assert command.query.words == words


def test_a_search_for_a_and_b_finds_what_the_user_typed(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply(
        "1234",
        Reply(
            body=ok(
                [
                    template("ventas_ab", "es", "MARKETING", "Promo A & B hoy"),
                    template("ventas_amp", "es", "MARKETING", "Promo A &amp; B hoy"),
                ]
            )
        ),
    )
    bot.command("1234", response_url=slack.response_url("s"))
    slack.wait_replies("s", 1)
    acked = bot.command('1234 "A &amp; B"', response_url=slack.response_url("q"))
    text = all_text(acked.body)
    assert "ventas_ab" in text and "ventas_amp" not in text


@pytest.mark.parametrize(
    "typed",
    [
        '1234 “say "hi" now”',
        '1234 -“he said "no"”',
        '1234 "a:b c" lang:es',
        "1234 “-leading minus”",
        '1234 a"b',
    ],
)
def test_quoted_phrases_round_trip_through_button_values(typed: str) -> None:
    command = parse(typed)
    assert isinstance(command, Lookup)
    again = parse_query_text(command.query.text())
    assert again == command.query
    assert parse_query_text(again.text()) == command.query


def test_a_quoted_phrase_with_a_quote_keeps_its_filter_on_next(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    body = [
        template(f"t_{i:02d}", "es", "UTILITY", 'Dile "hola" ya' if i % 2 else "Dile hola ya")
        for i in range(50)
    ]
    wolkvox.reply("1234", Reply(body=ok(body)))
    bot.command("1234", response_url=slack.response_url("s"))
    slack.wait_replies("s", 1)
    first = bot.command('1234 “dile "hola"”', response_url=slack.response_url("q")).body
    assert "25 of 50 templates match" in all_text(first)
    bot.click(
        action_ids.ACTION_NEXT,
        buttons(first)[action_ids.ACTION_NEXT]["value"],
        response_url=slack.response_url("n"),
    )
    assert "25 of 50 templates match" in all_text(slack.wait_replies("n", 1)[0])


def test_untrusted_text_cannot_forge_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    record = logging.LogRecord(
        "bot",
        logging.WARNING,
        __file__,
        1,
        "Wolkvox said: %s",
        ("x\nFAKE ERROR admin\r\u2028y",),
        None,
    )
    assert OneLine().filter(record)
    line = record.getMessage()
    assert "\n" not in line and "\r" not in line and "\u2028" not in line
    assert "x\\nFAKE ERROR admin\\r\\u2028y" in line


def test_a_wolkvox_message_with_line_breaks_is_logged_on_one_line(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox, caplog: pytest.LogCaptureFixture
) -> None:
    wolkvox.reply(
        "1234",
        Reply(status=403, body={"code": 403, "error": "FORBIDDEN", "msg": "NO\n2026 ERROR forged"}),
    )
    caplog.set_level(logging.INFO)
    handler = logging.StreamHandler()
    handler.addFilter(OneLine())
    lines: list[str] = []
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    logging.getLogger().addHandler(handler)
    try:
        bot.command("1234", response_url=slack.response_url("s"))
        slack.wait_replies("s", 1)
    finally:
        logging.getLogger().removeHandler(handler)
    said = [line for line in lines if "forged" in line]
    assert said and all("\n" not in line for line in said)


def home(bot: BotServer, slack: FakeSlack, user: str) -> str:
    bot.event(
        {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": "1.1",
        }
    )
    assert slack.wait(
        lambda: any(c.body.get("user_id") == user for c in slack.calls("views.publish"))
    )
    call = [c for c in slack.calls("views.publish") if c.body.get("user_id") == user][-1]
    view = call.body["view"]
    return all_text(json.loads(view) if isinstance(view, str) else view)


def test_with_only_allowed_channels_the_home_tab_shows_no_history(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_ALLOWED_CHANNELS="C0OPS")
    bot.command("1234", response_url=slack.response_url("s"), channel_id="C0OPS", user_id="U0MARIA")
    slack.wait_replies("s", 1)
    text = home(bot, slack, "U0EVE")
    assert "Connector 1234" not in text and "<@U0MARIA>" not in text
    assert "<#C0OPS>" in text  # where the bot can be used


def test_the_bots_log_setup_keeps_untrusted_text_on_one_line() -> None:
    import subprocess
    import sys

    program = (
        "import logging; from bot.logs import setup_logging; setup_logging(secrets=[]); "
        "logging.getLogger('bot').warning('Wolkvox said: %s', 'NO\\n2026 ERROR forged\\rx')"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "NO\\n2026 ERROR forged\\rx" in lines[0]


def test_wolkvox_code_is_bounded_and_never_carries_the_token() -> None:
    from bot.errors import WolkvoxRejected
    from bot.wolkvox.answer import parse_sync_answer

    body = json.dumps({"code": "403 wv-token-SECRET " + "9" * 500, "error": "X", "msg": "Y"})
    with pytest.raises(WolkvoxRejected) as caught:
        parse_sync_answer("1234", 200, body.encode(), secret="wv-token-SECRET")
    assert "wv-token-SECRET" not in caught.value.code and len(caught.value.code) <= 16


def test_control_characters_are_no_part_of_a_template_name() -> None:
    from bot.wolkvox.answer import parse_sync_answer

    item = {
        "name_template": "\x1b[2Jpromo\u202e_x",
        "body_template": "b",
        "idiom": "es",
        "category": "UTILITY",
    }
    answer = parse_sync_answer(
        "1234", 200, json.dumps({"code": "200", "data": [item]}).encode(), secret=""
    )
    assert [t.name for t in answer.templates] == ["[2Jpromo_x"]


def test_database_and_redis_passwords_are_redacted_in_logs() -> None:
    from bot.__main__ import url_passwords

    assert url_passwords(
        "postgres://u:p%40ss@h/db", "rediss://:redispw@r:6380", "sqlite:///x.db"
    ) == [
        "p@ss",
        "redispw",
    ]


def test_a_workflow_is_named_not_mentioned_in_channel_posts() -> None:
    from bot.i18n import translator
    from bot.slack.views.changes import who

    assert who(translator("en"), "U0MAPPED", "", "workflow") == "a workflow"
    assert who(translator("es"), "U0MAPPED", "", "workflow") == "un flujo de trabajo"
