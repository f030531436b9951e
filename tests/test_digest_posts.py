"""Daily digests end to end, through the real app on a clock the test moves: several syncs
within a day give one post the next morning with the day's net change (a template added and
removed again not there, one changed twice shown once, as it is now), one post per channel
with every connector it is subscribed to, the filters of each subscription applied, sent
once across two instances and a restart; one missed while the bot was down is sent once,
late, when it is back; nothing posted mentions anyone. The view itself: the full list in the
thread when long, operations named when several, within Slack's limits in every language."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from bot.assembly import build_app
from bot.i18n import LANGUAGES, translator
from bot.slack.views.digest import MAX_NAMED_IN_DIGEST, digest_post
from bot.templates.digest import Digest, DigestPart, net_change
from bot.templates.model import Template
from bot.templates.query import Query
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok, template
from tests import harness
from tests.blockkit import all_text, check_message
from tests.harness import BotServer
from tests.slash import V1, V2, posts, said, sync

LIVE_MENTION = re.compile(r"<[@!](?!date\^)")
DAY = datetime(2026, 11, 24, tzinfo=UTC)  # a Tuesday
MIDDLE = [  # during the day: temporal added, promo es_MX changed (changed again by V2)
    *V1,
    template("temporal", "es", "MARKETING", "Solo hoy"),
]
MIDDLE[0] = template("promo", "es_MX", "MARKETING", "Hola otra vez")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """The app's clock (syncs, subscriptions, digests' periods) for every bot started here."""
    now = Clock(DAY + timedelta(hours=7))
    monkeypatch.setattr(harness, "build_app", partial(build_app, now=now))
    yield now


def _no_live_mention(post: dict[str, Any]) -> None:
    check_message(post)
    assert not LIVE_MENTION.search(all_text(post) + str(post.get("text", ""))), post


def test_a_daily_digest_shows_the_day_s_net_change_once_across_instances_and_restarts(
    start_bot: Callable[..., BotServer], slack: FakeSlack, wolkvox: FakeWolkvox, clock: Clock
) -> None:
    first, second = start_bot(), start_bot()  # two instances on one database
    said(first, slack, "subscribe 1234 --daily", "s1", channel_id="C0DIGEST")
    said(second, slack, "subscribe 5678 lang:es --daily", "s2", channel_id="C0DIGEST")
    said(first, slack, "subscribe 1234 lang:de --daily", "s3", channel_id="C0GERMAN")
    wolkvox.reply("1234", Reply(body=ok(V1)))
    wolkvox.reply("5678", Reply(body=ok(V1)))
    clock.now = DAY + timedelta(hours=8)  # before the period: its baseline
    sync(first, slack, "a")
    sync(second, slack, "a2", "5678 --refresh")
    for hour, version, bot in ((10, MIDDLE, first), (15, V2, second)):  # within the period
        clock.now = DAY + timedelta(hours=hour)
        wolkvox.reply("1234", Reply(body=ok(version)))
        sync(bot, slack, f"b{hour}")
    assert posts(slack) == []  # a digest subscription hears no sync
    first.stop()
    second.stop()

    clock.now = DAY + timedelta(days=1, hours=9, minutes=5)  # the next morning
    third, fourth = start_bot(), start_bot()  # each one's ticker runs at its start
    assert slack.wait(lambda: len(posts(slack)) >= 1)
    fifth = start_bot()  # a restart a little later: that period is sent already
    said(fifth, slack, "help", "h")
    [digest] = posts(slack)  # C0GERMAN: nothing matches lang:de, no post
    _no_live_mention(digest)
    assert digest["channel"] == "C0DIGEST"
    text = all_text(digest)
    assert "*Daily digest*: what changed from <!date^1795510800^" in text  # 24 Nov 09:00 UTC
    assert "to <!date^1795597200^" in text  # 25 Nov 09:00 UTC
    assert "Sent late" not in text
    # 1234: the net change of the day, every template; temporal came and went: not there
    assert "*Connector 1234* (every template): 1 added · 1 removed · 2 changed" in text
    assert "`nuevo` es" in text and "`aviso` es" in text and "temporal" not in text
    assert text.count("`promo` es_MX") == 1  # changed twice, shown once
    assert "No changes in connector *5678*." in text  # not synced since the day before
    for bot in (third, fourth, fifth):
        bot.stop()

    clock.now = DAY + timedelta(days=1, hours=12)  # a change, then the bot is down at 09:00
    sixth = start_bot()
    wolkvox.reply("1234", Reply(body=ok(V1)))
    sync(sixth, slack, "c")
    sixth.stop()
    clock.now = DAY + timedelta(days=2, hours=11)  # back two hours after the period ended
    start_bot()
    start_bot()
    assert slack.wait(lambda: len(posts(slack)) >= 2)
    late = posts(slack)[1]
    _no_live_mention(late)
    assert ":hourglass: Sent late: I was not running when this period ended." in all_text(late)
    assert "1 added · 1 removed · 2 changed" in all_text(late)  # back to V1
    assert len(posts(slack)) == 2


def _template(i: int, category: str = "MARKETING") -> Template:
    return Template(f"promo_{i:03d}", "pt_BR", category, f"Olá {i}")


def _digest(*parts: DigestPart, late: bool = False) -> Digest:
    end = DAY + timedelta(hours=9)
    return Digest("C0SALES", "", "weekly", end - timedelta(days=7), end, late, parts)


def test_a_long_digest_names_a_few_and_lists_every_change_in_its_thread() -> None:
    before = [_template(i) for i in range(400)]
    after = [_template(i, "UTILITY" if i % 3 else "MARKETING") for i in range(200, 700)]
    query = Query(categories=("marketing",))
    part = DigestPart("cliente_a:1234", net_change(before, after, query), "category:marketing")
    quiet = DigestPart("cliente_b:5678", net_change(before, before, Query()), "")
    t = translator("en").with_operations(True)
    made = digest_post(_digest(part, quiet, late=True), t)
    _no_live_mention(made.message)
    text = all_text(made.message)
    assert "*Weekly digest*" in text and "Sent late" in text
    assert "*Connector 1234 · cliente_a* (templates that match `category:marketing`)" in text
    assert "No changes in connector *5678 · cliente_b*." in text
    assert f"Every one of the {part.changes.total} changes is listed in this thread." in text
    assert text.count("`promo_") <= 3 * MAX_NAMED_IN_DIGEST
    assert len(made.thread) >= 1
    listed = "".join(all_text(m) for m in made.thread)
    for reply in made.thread:
        _no_live_mention(reply)
    for template_ in (*part.changes.added, *part.changes.removed):
        assert f"`{template_.name}` pt_BR" in listed


def test_a_short_digest_has_no_thread() -> None:
    changes = net_change([_template(1)], [_template(1), _template(2)], Query())
    made = digest_post(_digest(DigestPart("1234", changes, "")), translator("en"))
    assert made.thread == ()
    assert "*Connector 1234* (every template): 1 added" in all_text(made.message)
    assert "thread" not in all_text(made.message)


@pytest.mark.parametrize("language", LANGUAGES)
def test_digests_stay_within_slack_s_limits_in_every_language(language: str) -> None:
    t = translator(language).with_operations(True)
    long_names = [
        Template(f"t{i:05d}_" + "n" * 500, f"l{i % 70:02d}_XX", "MARKETING", "x")
        for i in range(3000)
    ]
    parts = tuple(
        DigestPart(f"op_{k}:{10**19 + k}", net_change(long_names[:1500], long_names[k:], Query()), "lang:es category:marketing promo -lang:pt")
        for k in range(60)
    )  # fmt: skip
    made = digest_post(_digest(*parts, late=True), t)
    check_message(made.message)
    assert 1 <= len(made.thread) <= 10
    for reply in made.thread:
        check_message(reply)
        assert sum(len(b.get("text", {}).get("text", "")) for b in reply["blocks"]) <= 12_000


@pytest.mark.parametrize("language", ["es", "pt_BR"])
def test_a_digest_in_spanish_and_portuguese_leaves_no_english(language: str) -> None:
    changes = net_change(
        [_template(i) for i in range(9)], [_template(i) for i in range(3, 20)], Query()
    )
    quiet = DigestPart("5678", net_change([], [], Query()), "")
    parts = [DigestPart(str(1000 + k), changes, "category:marketing") for k in range(45)]
    made = digest_post(_digest(*parts, quiet, late=True), translator(language))
    shown = re.sub(r"`[^`]*`|<[^>]*>", "", all_text(made.message))
    for word in ("Connector", "connector", "changed", "added", "Also", "thread", "digest", "late"):
        assert not re.search(rf"\b{word}\b", shown), (word, shown[:400])
    assert ("También cambiaron" if language == "es" else "Também mudaram") in shown
