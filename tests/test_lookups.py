"""Looking templates up end to end over HTTP: the list a search answers (`1234 lang:pt_BR`,
`1234 category:marketing navidad`), `show` for one template in full, the Open menu, paging,
Share and Export CSV, the cached sync, aliases, and suggestions when nothing matches.
(Coverage, check and compare: test_campaign.py; tampered or expired buttons:
test_button_values.py; hostile template text: test_untrusted_input.py.)"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from bot.slack import action_ids
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import CAMPAIGN, FakeWolkvox, Reply, make_templates, ok, template
from tests.blockkit import all_text, buttons, check_message, menu_options
from tests.harness import BotServer, final_answer

Start = Callable[..., BotServer]


@pytest.fixture
def campaign(wolkvox: FakeWolkvox) -> FakeWolkvox:
    wolkvox.reply("1234", Reply(body=ok(CAMPAIGN)))
    return wolkvox


def test_which_templates_exist_in_brazilian_portuguese(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    text = all_text(final_answer(bot, slack, "1234 lang:pt_BR", "q1"))
    assert "Connector 1234 · 3 of 10 templates match" in text
    assert "*Filters:* `lang:pt_BR`" in text
    for name in ("boas_vindas", "promo_natal", "recordatorio_pago"):
        assert f"`{name}`  pt_BR" in text
    assert "es_MX" not in text.split("Templates 1–3 of 3")[1]


def test_what_exactly_a_template_says(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    text = all_text(final_answer(bot, slack, "1234 show recordatorio_pago", "q2"))
    assert "recordatorio_pago · 2 languages" in text
    assert "Hola `{{1}}`, tu pago de `{{2}}` vence el `{{3}}`." in text
    assert "Olá `{{1}}`, seu pagamento de `{{2}}` vence em `{{3}}`." in text
    assert text.count("3 variables: `{{1}}`, `{{2}}`, `{{3}}`") == 2
    assert "Hola María, tu pago de 4821 vence el 25/12/2026." in text


def test_which_marketing_templates_mention_a_word(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    text = all_text(final_answer(bot, slack, "1234 category:marketing navidad", "q3"))
    assert "Connector 1234 · 2 of 10 templates match" in text
    assert (
        "`promo_navidad`  es_CO · MARKETING" in text
        and "`promo_navidad`  es_MX · MARKETING" in text
    )
    assert "aviso_navidad_horario" not in text.split("*Templates")[1]


def test_lookups_use_the_cached_sync(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    first = final_answer(bot, slack, "1234 lang:pt_BR", "a")
    assert "Synced just now" in all_text(first)
    for i, text in enumerate(["1234 navidad", "1234 show promo_natal", "1234 -category:marketing"]):
        answer = final_answer(bot, slack, text, f"b{i}")
        assert "Cached, synced just now" in all_text(answer)
    assert campaign.calls == ["1234"]


def test_concurrent_lookups_share_one_sync(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    campaign.reply("1234", Reply(body=ok(CAMPAIGN), delay=0.5))
    from concurrent.futures import ThreadPoolExecutor

    texts = ["1234 lang:pt_BR", "1234 navidad", "1234 show promo_natal", "1234"] * 3
    with ThreadPoolExecutor(len(texts)) as pool:
        answers = list(
            pool.map(lambda i: final_answer(bot, slack, texts[i], f"c{i}"), range(len(texts)))
        )
    assert all("Connector 1234" in all_text(a) or "promo_natal" in all_text(a) for a in answers)
    assert campaign.calls == ["1234"]


def test_zero_matches_suggests_dropping_a_filter(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    text = all_text(final_answer(bot, slack, "1234 lang:en navidad", "z"))
    assert "Connector 1234 · 0 of 10 templates match" in text
    assert "No template matches these filters" in text
    assert "Without `lang:en`, 3 match: `/wolkvox-sync 1234 navidad`" in text


def test_unknown_template_name_suggests_the_closest(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    text = all_text(final_answer(bot, slack, "1234 show recordatorio_pagos", "u"))
    assert "has no template named `recordatorio_pagos`" in text
    assert "Closest names: `recordatorio_pago`" in text


def test_aliases(start_bot: Start, slack: FakeSlack, campaign: FakeWolkvox) -> None:
    bot = start_bot(WOLKVOX_CONNECTORS="ventas=1234,soporte=5678")
    assert "3 of 10 templates match" in all_text(final_answer(bot, slack, "ventas lang:pt", "v"))
    help_text = all_text(bot.command("help", response_url=slack.response_url("h")).body)
    assert "`soporte` (5678), `ventas` (1234)" in help_text
    acked = bot.command("ventaz lang:pt", response_url=slack.response_url("x"))
    assert "`ventaz` is not a connector id or a known alias" in all_text(acked.body)
    assert campaign.calls == ["1234"]


def test_paging_keeps_the_filters(bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox) -> None:
    data = make_templates(60, prefix="promo") + [
        template(f"otro_{i}", "es", "UTILITY", "x") for i in range(30)
    ]
    wolkvox.reply("1234", Reply(body=ok(data)))
    first = final_answer(bot, slack, "1234 lang:es_MX", "p")
    assert "Connector 1234 · 12 of 90 templates match" in all_text(first)
    first = final_answer(bot, slack, "1234 -lang:es", "p2")
    assert "24 of 90 templates match" in all_text(first) and "Templates 1–20 of 24" in all_text(
        first
    )
    bot.click(
        action_ids.ACTION_NEXT,
        buttons(first)[action_ids.ACTION_NEXT]["value"],
        response_url=slack.response_url("n"),
    )
    [second] = slack.wait_replies("n", 1)
    check_message(second)
    assert "Templates 21–24 of 24" in all_text(second) and "*Filters:* `-lang:es`" in all_text(
        second
    )
    assert "  es_MX ·" not in all_text(second)
    assert wolkvox.calls == ["1234"]


def test_open_menu_shows_one_template_in_full(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    listing = final_answer(bot, slack, "1234 navidad", "l")
    value = menu_options(listing, action_ids.ACTION_OPEN)["promo_navidad · es_MX"]
    acked = bot.click(
        action_ids.ACTION_OPEN, "", response_url=slack.response_url("o"), selected=value
    )
    assert acked.status == 200
    [detail] = slack.wait_replies("o", 1)
    check_message(detail)
    assert detail["replace_original"] is False  # the list stays; the detail is a new message
    text = all_text(detail)
    assert "¡Feliz Navidad, `{{first_name}}`! 20% en todo." in text
    assert "1 variable: `{{first_name}}`" in text
    assert "¡Feliz Navidad, María! 20% en todo." in text


def test_share_posts_the_result_for_everyone(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    listing = final_answer(bot, slack, "1234 category:marketing navidad", "l")
    bot.click(
        action_ids.ACTION_SHARE,
        buttons(listing)[action_ids.ACTION_SHARE]["value"],
        response_url=slack.response_url("s"),
        user_id="U0SHARER",
    )
    [shared] = slack.wait_replies("s", 1)
    check_message(shared)
    assert shared["response_type"] == "in_channel" and shared["replace_original"] is False
    text = all_text(shared)
    assert "shared by <@U0SHARER>" in text and "2 of 10 templates match" in text
    assert not any(b["type"] == "actions" for b in shared["blocks"])  # no buttons for everyone


def test_export_uploads_the_filtered_list_as_csv(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    listing = final_answer(bot, slack, "1234 lang:pt_BR", "l")
    acked = bot.click(
        action_ids.ACTION_EXPORT,
        buttons(listing)[action_ids.ACTION_EXPORT]["value"],
        response_url=slack.response_url("e"),
        channel_id="C0CAMPAIGN",
    )
    assert acked.status == 200
    assert slack.wait(lambda: len(slack.calls("files.completeUploadExternal")) == 1)
    [requested] = slack.calls("files.getUploadURLExternal")
    assert requested.body["filename"] == "wolkvox-1234-lang-pt-br.csv"
    [complete] = slack.calls("files.completeUploadExternal")
    assert complete.body["channel_id"] == "C0CAMPAIGN"
    assert "exported by <@U0USER2>" in complete.body["initial_comment"]
    [content] = slack.uploads.values()
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["name", "language", "category", "variables", "body"]
    assert [r[0] for r in rows[1:]] == ["boas_vindas", "promo_natal", "recordatorio_pago"]
    assert rows[3][3] == "3" and rows[3][4] == "Olá {{1}}, seu pagamento de {{2}} vence em {{3}}."


def test_export_where_the_bot_is_not_a_member_says_what_to_do(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    slack.scripted["files.completeUploadExternal"] = [
        (200, {"ok": False, "error": "not_in_channel"})
    ]
    listing = final_answer(bot, slack, "1234", "l")
    bot.click(
        action_ids.ACTION_EXPORT,
        buttons(listing)[action_ids.ACTION_EXPORT]["value"],
        response_url=slack.response_url("e"),
    )
    [reply] = slack.wait_replies("e", 1)
    assert "Invite me with `/invite @Wolkvox Sync`" in all_text(reply)
