"""Text from outside (Wolkvox's templates and messages, what people type) is shown as written
and never acts, end to end and in its pure parts: hostile template text stays inert in every
view, a template name cannot notify a channel, CSV cells cannot run as formulas, command text
is read as the user typed it and quoted phrases survive buttons, and no text forges a log
line. (Button values: test_button_values.py; what the answer parser keeps out of a template:
test_wolkvox.py.)"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable

import pytest

from bot.commands import Lookup, parse, parse_query_text
from bot.logs import OneLine
from bot.slack import action_ids
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok, template
from tests.blockkit import (
    all_text,
    buttons,
    code_lines,
    live_markup,
    menu_options,
    mrkdwn_texts,
)
from tests.harness import BotServer, final_answer

Start = Callable[..., BotServer]


def test_hostile_template_text_stays_inert_in_every_view(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    evil_name = "x<!channel>`<@U123>"
    evil_body = "<!channel> <@U123> <https://evil|bank> {{1}} & more ```"
    wolkvox.reply(
        "1234",
        Reply(
            body=ok(
                [
                    template(evil_name, "es<!here>", "<!everyone>", evil_body),
                    template(evil_name, "es_MX", "MARKETING", evil_body + "`"),
                ]
            )
        ),
    )
    wolkvox.reply("5678", Reply(body=ok([template(evil_name, "es_MX", "<!here>", "<b>")])))
    promo = template(
        "promo_x", "es", "MARKETING", "<!channel> <@U123> <https://evil|bank> {{1}} & more"
    )
    wolkvox.reply("4321", Reply(body=ok([promo])))
    shown = final_answer(bot, slack, "4321 show promo_x", "s")
    listed = final_answer(bot, slack, "4321 channel", "w")
    bot.click(
        action_ids.ACTION_OPEN,
        "",
        response_url=slack.response_url("o"),
        selected=next(iter(menu_options(listed, action_ids.ACTION_OPEN).values())),
    )
    [opened] = slack.wait_replies("o", 1)
    grid = final_answer(bot, slack, "1234 coverage", "c")
    card = final_answer(bot, slack, f"1234 check {evil_name}", "k")
    compared = final_answer(bot, slack, "compare 1234 5678", "p")
    for view in (shown, listed, opened, grid, card, compared):
        # the one live mention is the bot naming who asked; nothing of the template is live
        leftover = [t.replace("<@U0USER1>", "") for t in live_markup(view)]
        assert not any("<" in t for t in leftover), leftover
    assert "`promo_x`" in all_text(listed)
    for view in (shown, opened):  # the body is shown, escaped, not dropped
        assert "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|bank&gt;" in all_text(view)
        assert "&amp; more" in all_text(view)
    assert "&lt;!channel&gt;" in all_text(grid)  # shown, escaped, not dropped
    assert len(code_lines(grid)) == 2  # a backtick in a name does not end the grid
    assert "&lt;https://evil|bank&gt; `{{1}}` &amp; more" not in all_text(card)
    assert "&lt;!channel&gt; &lt;@U123&gt;" in all_text(card)


def test_template_names_cannot_notify_a_channel(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    evil = {
        "name_template": "promo_<!channel>",
        "idiom": "<!here>",
        "category": "<@U999>",
        "body_template": "<!everyone>",
    }
    wolkvox.reply("1234", Reply(body={"code": "200", "data": [evil]}))
    bot.command("1234", response_url=slack.response_url("x"), user_name="<!channel>")
    [reply] = slack.wait_replies("x", 1)
    assert slack.wait(lambda: len(slack.calls("chat.postMessage")) == 1)
    for message in (reply, slack.calls("chat.postMessage")[0].body):
        assert live_markup(message) == [] or "<@U0USER1>" in live_markup(message)[0]
        texts = re.sub(r"<!date\^[^>]*>", "", " ".join(mrkdwn_texts(message)))  # a time
        assert "<!" not in texts and "<@U999" not in " ".join(mrkdwn_texts(message))
    assert "promo_&lt;!channel&gt;" in all_text(reply)


def test_csv_cells_are_safe_for_spreadsheets(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply(
        "1234",
        Reply(
            body=ok(
                [
                    template("x", "es", "MARKETING", '=HYPERLINK("http://evil")'),
                    template("y", "es", "MARKETING", "@SUM(1)"),
                ]
            )
        ),
    )
    listing = final_answer(bot, slack, "1234", "l")
    bot.click(
        action_ids.ACTION_EXPORT,
        buttons(listing)[action_ids.ACTION_EXPORT]["value"],
        response_url=slack.response_url("e"),
    )
    assert slack.wait(lambda: len(slack.uploads) == 1)
    rows = list(csv.reader(io.StringIO(next(iter(slack.uploads.values())).decode("utf-8-sig"))))
    assert [r[4] for r in rows[1:]] == ['\'=HYPERLINK("http://evil")', "'@SUM(1)"]


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
