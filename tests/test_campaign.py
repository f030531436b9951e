"""Campaign planning end to end over HTTP: `coverage`, `check` and `compare`, their buttons
(paging, Share, Refresh, Export CSV), filters, access, and Block Kit limits for a connector of
600 templates in 6 languages, in every language the bot speaks. (Looking templates up:
test_lookups.py; tampered or expired buttons: test_button_values.py; hostile template text:
test_untrusted_input.py.)"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.slack import action_ids
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import CAMPAIGN, FakeWolkvox, Reply, ok, template
from tests.blockkit import all_text, buttons, check_message, code_lines
from tests.harness import BotServer, final_answer

Start = Callable[..., BotServer]
SIX = ("en_GB", "en_US", "es", "es_CO", "es_MX", "pt_BR")
LOCALES = {"en": "en-US", "es": "es-LA", "pt_BR": "pt-BR"}


def click(
    bot: BotServer, slack: FakeSlack, message: dict[str, Any], action: str, name: str, **who: str
) -> list[dict[str, Any]]:
    """Click a button of `message`; the replies it got (after the first arrived)."""
    acked = bot.click(
        action, buttons(message)[action]["value"], response_url=slack.response_url(name), **who
    )
    assert acked.status == 200
    slack.wait_replies(name, 1)
    return slack.replies_to(name)


def uploaded_rows(slack: FakeSlack) -> list[list[str]]:
    """The rows of the one CSV uploaded, once the upload is complete."""
    assert slack.wait(lambda: len(slack.calls("files.completeUploadExternal")) == 1)
    [content] = slack.uploads.values()
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


LANGUAGES_DATA = [
    *(template("bienvenida", x, "UTILITY", "Hola {{1}}") for x in ("es_CO", "es_MX", "pt_BR")),
    *(template("otp", x, "AUTHENTICATION", "Código {{1}}") for x in ("es_CO", "es_MX", "pt_BR")),
    template("pago", "es_MX", "UTILITY", "Pague {{1}} antes de navidad"),
    template("pago", "pt_BR", "UTILITY", "Pague {{1}} antes do natal"),
]


@pytest.fixture
def campaign(wolkvox: FakeWolkvox) -> FakeWolkvox:
    wolkvox.reply("1234", Reply(body=ok(CAMPAIGN)))
    return wolkvox


def many(count: int, languages: tuple[str, ...] = SIX, *, prefix: str = "plantilla") -> list:
    """`count` names, each missing some languages (every fifth misses the last two)."""
    data = []
    for i in range(count):
        for j, language in enumerate(languages):
            if i % 5 == 0 and len(languages) > 2 and j >= len(languages) - 2:
                continue
            body = f"Hola {{{{1}}}}, su pedido {i} está en camino. Código {{{{2}}}}."
            data.append(template(f"{prefix}_{i:03d}", language, "UTILITY", body))
    return data


# coverage


def test_coverage_opens_with_a_summary_and_puts_incomplete_rows_first(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(body=ok(LANGUAGES_DATA)))
    answer = final_answer(bot, slack, "1234 coverage", "c")
    text = all_text(answer)
    assert "Coverage · connector 1234" in text
    assert ":bar_chart: In every language of the grid: *2 of 3 templates* (67%)." in text
    assert "*Languages missing the most:* `es_CO` (1)" in text
    header, *rows = code_lines(answer)
    assert header.split() == ["template", "es_CO", "es_MX", "pt_BR"]
    assert [r.split() for r in rows] == [
        ["pago", "✗", "✓", "✓"],
        ["bienvenida", "✓", "✓", "✓"],
        ["otp", "✓", "✓", "✓"],
    ]
    assert "Synced just now · asked by <@U0USER1>" in text
    assert set(buttons(answer)) == {
        action_ids.ACTION_COVERAGE_REFRESH,
        action_ids.ACTION_COVERAGE_SHARE,
        action_ids.ACTION_COVERAGE_EXPORT,
    }
    assert "Cached, synced" in all_text(final_answer(bot, slack, "1234 cobertura", "again"))
    assert wolkvox.calls == ["1234"]


def test_coverage_filters_pick_names_and_columns(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    answer = final_answer(bot, slack, "1234 coverage lang:es navidad", "f")
    assert "*Filters:* `lang:es` `navidad`" in all_text(answer)
    header, *rows = code_lines(answer)
    assert header.split() == ["template", "es", "es_CO", "es_MX"]
    assert [r.split()[0] for r in rows] == ["aviso_navidad_horario", "promo_navidad"]
    nothing = all_text(final_answer(bot, slack, "1234 coverage lang:fr", "z"))
    assert "No template matches these filters among the 10 templates" in nothing
    assert "Without `lang:fr`, 10 match: `/wolkvox-sync 1234 coverage`" in nothing


def test_coverage_pages_and_keeps_its_filters(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(body=ok(many(60, ("es_MX", "pt_BR", "en_US")))))
    first = final_answer(bot, slack, "1234 coverage -lang:en_US", "p")
    assert "*Templates 1–25 of 60*, incomplete first" in all_text(first)
    assert "Page 1 of 3" in all_text(first)
    assert action_ids.ACTION_COVERAGE_PREVIOUS not in buttons(first)
    [second] = click(bot, slack, first, action_ids.ACTION_COVERAGE_NEXT, "n")
    check_message(second)
    assert second["replace_original"] is True
    assert "*Templates 26–50 of 60*" in all_text(second) and "Page 2 of 3" in all_text(second)
    assert "*Filters:* `-lang:en_US`" in all_text(second)
    assert code_lines(second)[0].split() == ["template", "es_MX", "pt_BR"]
    [back] = click(bot, slack, second, action_ids.ACTION_COVERAGE_PREVIOUS, "b")
    assert "*Templates 1–25 of 60*" in all_text(back)
    assert wolkvox.calls == ["1234"]


def test_coverage_export_uploads_the_whole_grid(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(body=ok(many(60, ("es_MX", "pt_BR", "en_US")))))
    grid = final_answer(bot, slack, "1234 coverage", "g")
    bot.click(
        action_ids.ACTION_COVERAGE_EXPORT,
        buttons(grid)[action_ids.ACTION_COVERAGE_EXPORT]["value"],
        response_url=slack.response_url("e"),
        channel_id="C0CAMPAIGN",
    )
    rows = uploaded_rows(slack)
    assert rows[0] == ["name", "en_US", "es_MX", "pt_BR"]
    assert len(rows) == 61  # every row, not one page
    assert rows[1] == ["plantilla_000", "", "yes", ""]  # incomplete first
    [requested] = slack.calls("files.getUploadURLExternal")
    assert requested.body["filename"] == "wolkvox-1234-coverage.csv"
    [complete] = slack.calls("files.completeUploadExternal")
    assert complete.body["channel_id"] == "C0CAMPAIGN"
    assert (
        "Coverage of connector 1234: 60 templates, exported by <@U0USER2>"
        in (complete.body["initial_comment"])
    )


def test_coverage_share_posts_the_page_for_the_channel(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    grid = final_answer(bot, slack, "1234 coverage", "g")
    [shared] = click(bot, slack, grid, action_ids.ACTION_COVERAGE_SHARE, "s", user_id="U0SHARER")
    check_message(shared)
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    assert "shared by <@U0SHARER>" in all_text(shared)
    assert not any(b["type"] == "actions" for b in shared["blocks"])


def test_coverage_refresh_syncs_again_with_the_same_filters(
    start_bot: Start, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_REFRESH_COOLDOWN="0")
    grid = final_answer(bot, slack, "1234 coverage lang:pt_BR", "g")
    *_, fresh = click(bot, slack, grid, action_ids.ACTION_COVERAGE_REFRESH, "r")
    assert slack.wait(lambda: "Coverage" in all_text(slack.replies_to("r")[-1]))
    fresh = slack.replies_to("r")[-1]
    check_message(fresh)
    assert "*Filters:* `lang:pt_BR`" in all_text(fresh)
    assert campaign.calls == ["1234", "1234"]


# check


def test_check_warns_about_variables_and_missing_siblings(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    text = all_text(final_answer(bot, slack, "1234 check promo_navidad", "k"))
    assert "promo_navidad · 2 languages" in text
    assert "*2 things to fix before a campaign*" in text
    assert "*The number of variables differs:*" in text
    assert "`{{first_name}}` in es_MX" in text and "no variables in es_CO" in text
    assert "*Missing in es:* it exists in es_CO, es_MX" in text
    assert "*es_MX* · MARKETING" in text and "1 variable: `{{first_name}}`" in text
    assert "44 of 1,024 characters" in text


def test_check_a_ready_template_and_one_near_the_limit(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    long = "Hola {{1}}. " + "x" * 940
    wolkvox.reply(
        "1234",
        Reply(
            body=ok(
                [
                    *(template("bienvenida", x, "UTILITY", "Hola {{1}}") for x in ("es", "pt_BR")),
                    template("aviso", "es", "UTILITY", long),
                    template("aviso", "pt_BR", "MARKETING", "Olá {{1}} " + "y" * 1100),
                ]
            )
        ),
    )
    ready = all_text(final_answer(bot, slack, "1234 revisar bienvenida", "r"))
    assert "*Ready in 2 languages:*" in ready
    warned = all_text(final_answer(bot, slack, "1234 check AVISO", "a"))
    assert "The pt_BR body has 1,110 characters; Meta accepts at most 1,024." in warned
    assert "The es body has 952 of 1,024 characters: little room for edits." in warned
    assert "*The category differs:*" in warned and "UTILITY in es" in warned


def test_check_an_unknown_name_suggests_the_closest(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    text = all_text(final_answer(bot, slack, "1234 check recordatorio_pagos", "u"))
    assert "has no template named `recordatorio_pagos`" in text
    assert "Closest names: `recordatorio_pago`" in text
    bad = bot.command("1234 check", response_url=slack.response_url("x"))
    assert "`check` takes one template name" in all_text(bad.body)


def test_check_share_and_refresh(start_bot: Start, slack: FakeSlack, campaign: FakeWolkvox) -> None:
    bot = start_bot(WOLKVOX_REFRESH_COOLDOWN="0")
    card = final_answer(bot, slack, "1234 check recordatorio_pago", "k")
    [shared] = click(bot, slack, card, action_ids.ACTION_CHECK_SHARE, "s", user_id="U0SHARER")
    check_message(shared)
    assert shared["response_type"] == "in_channel"
    assert "shared by <@U0SHARER>" in all_text(shared) and "recordatorio_pago" in all_text(shared)
    click(bot, slack, card, action_ids.ACTION_CHECK_REFRESH, "r")
    assert slack.wait(lambda: "recordatorio_pago ·" in all_text(slack.replies_to("r")[-1]))
    assert campaign.calls == ["1234", "1234"]


# compare

LEFT = [
    template("bienvenida", "es_MX", "UTILITY", "Hola {{1}}"),
    template("bienvenida", "es_CO", "UTILITY", "Hola {{1}}"),
    template("promo", "es_MX", "MARKETING", "Promo de verano"),
    template("pago", "es_MX", "UTILITY", "Pague {{1}}"),
    template("solo_mexico", "es_MX", "UTILITY", "Solo aquí"),
]
RIGHT = [
    template("bienvenida", "es_MX", "UTILITY", "Hola {{1}}"),
    template("bienvenida", "es_CO", "UTILITY", "Buenas {{1}}"),
    template("promo", "es_MX", "UTILITY", "Promo de verano"),
    template("pago", "es_MX", "MARKETING", "Pague ya {{1}}"),
    template("solo_colombia", "es_CO", "UTILITY", "Solo acá"),
]


@pytest.fixture
def two(wolkvox: FakeWolkvox) -> FakeWolkvox:
    wolkvox.reply("1234", Reply(body=ok(LEFT)))
    wolkvox.reply("5678", Reply(body=ok(RIGHT)))
    return wolkvox


def test_compare_two_connectors(bot: BotServer, slack: FakeSlack, two: FakeWolkvox) -> None:
    bot.introduce(slack)
    acked = bot.command("compare 1234 5678", response_url=slack.response_url("c"))
    assert "Syncing connectors *1234* and *5678*" in all_text(acked.body)
    [answer] = slack.wait_replies("c", 1)
    check_message(answer)
    text = all_text(answer)
    assert "Connectors 1234 and 5678 compared" in text
    assert "*1234:* :white_check_mark: Synced just now · *5678:*" in text
    assert "• `solo_mexico`  es_MX · UTILITY" in text
    assert "• `solo_colombia`  es_CO · UTILITY" in text
    assert "• `bienvenida`  es_CO · the body differs" in text
    assert "• `promo`  es_MX · category MARKETING → UTILITY" in text
    assert "• `pago`  es_MX · the body and the category differ (UTILITY → MARKETING)" in text
    assert text.index("solo_mexico") < text.index("solo_colombia") < text.index("`bienvenida`")
    assert "*The same in both*\n1" in text
    cached = all_text(final_answer(bot, slack, "comparar 1234 5678", "again"))
    assert "*1234:* :package: Cached" in cached
    assert two.calls_for("1234") == 1 and two.calls_for("5678") == 1


def test_compare_filters_and_refusals(bot: BotServer, slack: FakeSlack, two: FakeWolkvox) -> None:
    text = all_text(final_answer(bot, slack, "compare 1234 5678 lang:es_CO", "f"))
    assert "*Filters:* `lang:es_CO`" in text
    assert "solo_colombia" in text and "bienvenida" in text and "solo_mexico" not in text
    same = bot.command("compare 1234 01234", response_url=slack.response_url("x"))
    assert "Both sides are connector `1234`" in all_text(same.body)
    one = bot.command("compare 1234", response_url=slack.response_url("y"))
    assert "`compare` takes two connectors" in all_text(one.body)


def test_compare_pages_and_exports(bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox) -> None:
    wolkvox.reply("1234", Reply(body=ok(many(30, ("es_MX",), prefix="izq"))))
    wolkvox.reply("5678", Reply(body=ok(many(30, ("es_MX",), prefix="der"))))
    first = final_answer(bot, slack, "compare 1234 5678", "p")
    assert "*Differences 1–20 of 60*" in all_text(first) and "Page 1 of 3" in all_text(first)
    jump = action_ids.ACTION_COMPARE_JUMP["only_right"]
    assert buttons(first)[jump]["text"]["text"] == "» Only in 5678"
    [second] = click(bot, slack, first, jump, "n")  # where "only in 5678" starts
    check_message(second)
    assert "*Differences 21–40 of 60*" in all_text(second)
    assert not [a for a in buttons(second) if "jump" in a]  # it shows both parts there are
    assert ":arrow_left: *Only in 1234*" in all_text(second)
    assert ":arrow_right: *Only in 5678*" in all_text(second)
    bot.click(
        action_ids.ACTION_COMPARE_EXPORT,
        buttons(second)[action_ids.ACTION_COMPARE_EXPORT]["value"],
        response_url=slack.response_url("e"),
    )
    rows = uploaded_rows(slack)
    assert rows[0][:3] == ["difference", "name", "language"]
    assert rows[0][3:5] == ["category in 1234", "category in 5678"]
    assert len(rows) == 61
    assert rows[1][:2] == ["only in 1234", "izq_000"] and rows[-1][:2] == [
        "only in 5678",
        "der_029",
    ]
    [requested] = slack.calls("files.getUploadURLExternal")
    assert requested.body["filename"] == "wolkvox-1234-5678-comparison.csv"
    assert wolkvox.calls_for("1234") == 1 and wolkvox.calls_for("5678") == 1


def test_concurrent_compares_spend_one_call_per_connector(
    bot: BotServer, slack: FakeSlack, two: FakeWolkvox
) -> None:
    two.reply("1234", Reply(body=ok(LEFT), delay=0.5))
    two.reply("5678", Reply(body=ok(RIGHT), delay=0.5))
    texts_ = ["compare 1234 5678", "compare 5678 1234", "1234 coverage", "5678 check pago"] * 2
    with ThreadPoolExecutor(len(texts_)) as pool:
        answers = list(
            pool.map(lambda i: final_answer(bot, slack, texts_[i], f"q{i}"), range(len(texts_)))
        )
    assert "Connectors 1234 and 5678 compared" in all_text(answers[0])
    assert "Connectors 5678 and 1234 compared" in all_text(answers[1])
    assert two.calls_for("1234") == 1 and two.calls_for("5678") == 1
    assert two.max_in_flight <= 2


def test_compare_refresh_and_share(start_bot: Start, slack: FakeSlack, two: FakeWolkvox) -> None:
    bot = start_bot(WOLKVOX_REFRESH_COOLDOWN="0")
    compared = final_answer(bot, slack, "compare 1234 5678 promo", "c")
    [shared] = click(bot, slack, compared, action_ids.ACTION_COMPARE_SHARE, "s", user_id="U0SHARER")
    check_message(shared)
    assert shared["response_type"] == "in_channel" and "shared by <@U0SHARER>" in all_text(shared)
    click(bot, slack, compared, action_ids.ACTION_COMPARE_REFRESH, "r")
    assert slack.wait(lambda: "compared" in all_text(slack.replies_to("r")[-1]))
    assert "*Filters:* `promo`" in all_text(slack.replies_to("r")[-1])
    assert two.calls_for("1234") == 2 and two.calls_for("5678") == 2


def test_compare_says_which_side_failed(bot: BotServer, slack: FakeSlack, two: FakeWolkvox) -> None:
    two.reply("5678", Reply(status=500, body="<html>oops</html>", content_type="text/html"))
    acked = bot.command("compare 1234 5678", response_url=slack.response_url("c"))
    assert acked.status == 200
    [answer] = slack.wait_replies("c", 1)
    assert "Could not sync connector *5678*" in all_text(answer)


# all three


@pytest.mark.parametrize("language", ["en", "es", "pt_BR"])
def test_600_templates_in_6_languages_fit_block_kit(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox, language: str
) -> None:
    slack.locales["U0USER1"] = LOCALES[language]
    wolkvox.reply("1234", Reply(body=ok(many(600))))
    wolkvox.reply("5678", Reply(body=ok(many(590, prefix="plantilla")[7:])))
    answers = [
        final_answer(bot, slack, "1234 coverage", "c"),
        final_answer(bot, slack, "1234 check plantilla_005", "k"),
        final_answer(bot, slack, "compare 1234 5678", "p"),
    ]
    for answer in answers:
        check_message(answer)  # blocks, section and field lengths, total text under 10,000
    [grid, card, compared] = answers
    assert "600" in all_text(grid) and len(code_lines(grid)) == 26
    assert len(card["blocks"]) >= 5 and "plantilla_005" in all_text(card)
    nexts = [action_ids.ACTION_COVERAGE_NEXT, action_ids.ACTION_COMPARE_NEXT]
    for message, action in zip((grid, compared), nexts, strict=True):
        [following] = click(bot, slack, message, action, f"n{action}")
        check_message(following)
    if language != "en":
        english = ("Coverage", "template", "missing", "languages", "Only in", "compared")
        for answer in answers:
            shown = all_text(answer)
            assert not [w for w in english if re.search(rf"\b{w}\b", shown)], shown[:400]
