"""Filtered subscriptions end to end: `subscribe 1234 lang:pt_BR category:marketing --daily`
read in English, Spanish and Portuguese; a channel hears only the changes its filters match
(a template leaving the filter is removed for it, one entering it added), nothing when none
is left; a digest subscription gets no post per sync; subscribing again replaces filters and
cadence; `subscriptions` and the Home list each with its filters and cadence; nothing posted
mentions anyone."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from bot import commands
from bot.commands import Subscribe, Unsubscribe
from bot.errors import InputError
from bot.i18n import translator
from bot.templates.query import Query
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok
from tests.blockkit import all_text, check_message
from tests.harness import BotServer
from tests.slash import V1, V2, home_view, posts, said, settle, sync

Start = Callable[..., BotServer]
PT_MARKETING = Query(languages=("pt_BR",), categories=("marketing",))
LIVE_MENTION = re.compile(r"<[@!](?!date\^)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("subscribe 1234", Subscribe("1234")),
        ("subscribe 1234 lang:pt_BR category:marketing", Subscribe("1234", PT_MARKETING)),
        (
            "subscribe 1234 --daily lang:pt_BR category:marketing",
            Subscribe("1234", PT_MARKETING, "daily"),
        ),
        ("subscribe 1234 —weekly", Subscribe("1234", cadence="weekly")),  # a phone's dash
        ("subscribe 1234 --DAILY --daily", Subscribe("1234", cadence="daily")),
        (
            'subscribe cliente_a:1234 promo -lang:es "feliz navidad" --weekly',
            Subscribe(
                "cliente_a:1234",
                Query(not_languages=("es",), words=("promo", "feliz navidad")),
                "weekly",
            ),
        ),
        # Spanish and Portuguese words, filters and options
        (
            "suscribir 1234 idioma:pt_BR categoría:mercadeo --diario",
            Subscribe("1234", PT_MARKETING, "daily"),
        ),
        ("suscribir 1234 --semanal", Subscribe("1234", cadence="weekly")),
        (
            "assinar 1234 idioma:pt_BR categoria:marketing --diário",
            Subscribe("1234", PT_MARKETING, "daily"),
        ),
        ("seguir 1234 --diario", Subscribe("1234", cadence="daily")),
        ("inscrever 1234 --semanal", Subscribe("1234", cadence="weekly")),
        ("unsubscribe 1234", Unsubscribe("1234")),
    ],
)
def test_subscribe_reads_filters_and_cadence(text: str, expected: Subscribe) -> None:
    assert commands.parse(text, {"ventas": "1234"}) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("subscribe", "`subscribe` takes one connector, then any filters, as in"),
        ("subscribe --daily", "takes one connector, then any filters"),
        ('subscribe "1234"', "takes one connector, then any filters"),
        ("subscribe 1234 --refresh", "`--refresh` is not an option of `subscribe`: `--daily`"),
        ("subscribe 1234 --hourly", "`--hourly` is not an option of `subscribe`"),
        ("subscribe 1234 --daily --weekly", "`--daily` and `--weekly` don't go together"),
        ("subscribe 1234 color:red", "`color:` is not a filter I know"),
        ("subscribe 1234 lang:", "An empty value is not a language code"),
        ("unsubscribe 1234 lang:es", "`unsubscribe` takes one connector"),
    ],
)
def test_subscribe_mistakes_say_how_to_write_it(text: str, says: str) -> None:
    with pytest.raises(InputError) as raised:
        commands.parse(text)
    assert says in str(raised.value)


def test_subscribe_mistakes_in_spanish_and_portuguese() -> None:
    with pytest.raises(InputError) as raised:
        commands.parse("suscribir 1234 --diario --semanal", t=translator("es"))
    assert "no van juntos" in str(raised.value)
    assert "`/wolkvox-sync suscribir 1234 idioma:pt_BR --diario`" in str(raised.value)
    with pytest.raises(InputError) as raised:
        commands.parse("assinar 1234 --atualizar", t=translator("pt_BR"))
    assert "não é uma opção de `assinar`: `--diário`" in str(raised.value)


def _no_live_mention(post: dict[str, Any]) -> None:
    check_message(post)
    text = all_text(post) + str(post.get("text", ""))
    assert not LIVE_MENTION.search(text), text


def test_a_channel_hears_only_what_its_filters_match(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot()
    text = said(
        bot, slack, "subscribe 1234 lang:pt_BR category:marketing", "s1", channel_id="C0BRASIL"
    )
    assert ":bell: This channel now gets what changes in connector *1234*: templates that" in text
    assert "match `lang:pt_BR` `category:marketing`, after every sync, in English" in text
    said(bot, slack, "subscribe 1234", "s2", channel_id="C0ALL")
    said(bot, slack, "subscribe 1234 lang:de", "s3", channel_id="C0GERMAN")
    said(bot, slack, "subscribe 1234 lang:es_MX", "s4", channel_id="C0MEXICO")
    wolkvox.reply("1234", Reply(body=ok(V1)))
    sync(bot, slack, "a")
    first = settle(slack, 4)
    assert sorted(p["channel"] for p in first) == ["C0ALL", "C0BRASIL", "C0GERMAN", "C0MEXICO"]
    wolkvox.reply("1234", Reply(body=ok(V2)))  # promo pt_BR: MARKETING -> UTILITY
    sync(bot, slack, "b", user_id="U0JUAN", user_name="juan")
    second = settle(slack, 7)[4:]
    by_channel = {p["channel"]: p for p in second}
    assert sorted(by_channel) == ["C0ALL", "C0BRASIL", "C0MEXICO"]  # nothing matches lang:de
    for post in second:
        _no_live_mention(post)
    everything = all_text(by_channel["C0ALL"])
    assert "1 added · 1 removed · 2 changed" in everything
    assert "this channel hears" not in everything
    # promo pt_BR left the filter (its category changed): removed, for this channel only
    brazil = all_text(by_channel["C0BRASIL"])
    assert "Connector *1234* synced by juan: 1 removed (3 templates now)" in brazil
    assert "*Removed (1):* `promo` pt_BR" in brazil
    assert "this channel hears templates that match `lang:pt_BR` `category:marketing`" in brazil
    assert "nuevo" not in brazil and "aviso" not in brazil and "es_MX" not in brazil
    mexico = all_text(by_channel["C0MEXICO"])
    assert "1 changed" in mexico and "`promo` es_MX (body)" in mexico and "pt_BR" not in mexico


def test_a_template_entering_the_filter_is_added_for_that_channel(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot()
    said(bot, slack, "subscribe 1234 category:utility", "s", channel_id="C0UTILITY")
    wolkvox.reply("1234", Reply(body=ok(V1)))
    sync(bot, slack, "a")
    settle(slack, 1)
    wolkvox.reply("1234", Reply(body=ok(V2)))
    sync(bot, slack, "b")
    post = settle(slack, 2)[1]
    text = all_text(post)
    # promo pt_BR became UTILITY: added here; nuevo added, aviso removed; promo es_MX unseen
    assert "2 added · 1 removed" in text and "changed" not in text
    assert "`nuevo` es" in text and "`promo` pt_BR" in text and "`aviso` es" in text


def test_a_digest_subscription_gets_no_post_per_sync_and_subscribing_again_replaces_it(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY")
    said(bot, slack, "subscribe 1234", "s1", channel_id="C0SALES", user_id="U0MARIA")
    changed = said(
        bot, slack, "subscribe 1234 lang:pt_BR --daily", "s2", channel_id="C0SALES"
    )  # fmt: skip
    assert ":bell: This channel now gets the changes of connector *1234* differently" in changed
    assert "templates that match `lang:pt_BR`, in a daily digest at 09:00 (UTC)" in changed
    same = said(bot, slack, "subscribe 1234 lang:pt_br --daily", "s3", channel_id="C0SALES")
    assert "This channel already gets the changes of connector *1234*: templates that" in same
    listed = said(bot, slack, "subscriptions", "l1", channel_id="C0SALES")
    assert "Connector *1234*, subscribed by <@U0MARIA>" in listed  # the first subscriber
    assert "templates that match `lang:pt_BR` · in a daily digest at 09:00 (UTC)" in listed
    wolkvox.reply("1234", Reply(body=ok(V1)))
    sync(bot, slack, "a")
    wolkvox.reply("1234", Reply(body=ok(V2)))
    sync(bot, slack, "b")
    settle(slack, 2)
    assert posts(slack, "C0SALES") == []  # its digest tells the day's net change
    assert len(posts(slack, "C0NOTIFY")) == 2
    weekly = said(bot, slack, "subscribe 1234 --weekly", "s4", channel_id="C0SALES")
    assert "every template, in a weekly digest, Mondays at 09:00 (UTC)" in weekly
    back = said(bot, slack, "subscribe 1234", "s5", channel_id="C0SALES")
    assert "every template, after every sync" in back
    wolkvox.reply("1234", Reply(body=ok(V1)))
    sync(bot, slack, "c")
    settle(slack, 4)
    [post] = posts(slack, "C0SALES")  # per sync again, everything
    assert "1 added · 1 removed · 2 changed" in all_text(post)


def test_the_home_lists_each_subscription_with_its_filters_and_cadence(
    bot: BotServer, slack: FakeSlack
) -> None:
    said(
        bot, slack, "subscribe 1234 lang:pt_BR -category:marketing --weekly", "a", channel_id="C0A"
    )
    said(bot, slack, "subscribe 5678", "b", channel_id="C0B")
    text = all_text(home_view(bot, slack, "U0MARIA"))
    assert (
        "<#C0A> ← connector *1234* · templates that match `lang:pt_BR` `-category:marketing` "
        "· in a weekly digest, Mondays at 09:00 (UTC)"
    ) in text
    assert "<#C0B> ← connector *5678* · every template · after every sync" in text


def test_filters_and_cadence_in_spanish_and_portuguese(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    slack.locales.update({"U0ESLA": "es-LA", "U0PTBR": "pt-BR"})
    es = said(
        bot,
        slack,
        "suscribir 1234 idioma:es --diario",
        "e",
        user_id="U0ESLA",
        channel_id="C0VENTAS",
    )
    assert "Este canal recibirá ahora los cambios del conector *1234*: plantillas que" in es
    assert "`lang:es`, en un resumen diario a las 09:00 (UTC), en español" in es
    pt = said(
        bot, slack, "assinar 1234 --semanal", "p", user_id="U0PTBR", channel_id="C0VENDAS"
    )  # fmt: skip
    assert "todos os modelos, em um resumo semanal, às segundas-feiras às 09:00 (UTC)" in pt
    listed = said(bot, slack, "suscripciones", "l", user_id="U0ESLA", channel_id="C0VENTAS")
    assert "plantillas que coinciden con `lang:es` · en un resumen diario a las 09:00" in listed


def test_unchanged_filtered_syncs_post_when_asked_to(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_NOTIFY_UNCHANGED="true")
    said(bot, slack, "subscribe 1234 lang:de", "s", channel_id="C0GERMAN")
    wolkvox.reply("1234", Reply(body=ok(V1)))
    sync(bot, slack, "a")
    wolkvox.reply("1234", Reply(body=ok(V2)))
    sync(bot, slack, "b")
    later = settle(slack, 2)[1]
    assert "no changes" in all_text(later)
    time.sleep(0.1)
