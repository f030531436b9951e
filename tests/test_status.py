"""`/wolkvox-sync status`, the quota in replies, and commands counted in /metrics."""

from __future__ import annotations

from collections.abc import Callable

from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox
from tests.blockkit import all_text
from tests.harness import BotServer, final_answer

Start = Callable[..., BotServer]
METRICS_TOKEN = "metrics-token-for-tests-0123"


def answer(bot: BotServer, slack: FakeSlack, text: str, name: str, **who: str) -> str:
    return all_text(final_answer(bot, slack, text, name, **who))


def test_status_shows_calls_against_the_quota_syncs_cache_and_health(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_DAILY_QUOTA="10")
    answer(bot, slack, "1234", "a", user_name="maria")
    answer(bot, slack, "5678", "b", user_name="maria")
    said = answer(bot, slack, "status", "s")
    assert "Wolkvox Sync status" in said
    assert "2 of 10 (20%)" in said
    assert "*1234*" in said and "*5678*" in said  # cached, and their last syncs
    assert "maria" in said and "3 templates" in said
    assert "Database" in said and "Redis*\nnot used" in said


def test_status_in_spanish(start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox) -> None:
    bot = start_bot()
    answer(bot, slack, "idioma es", "l")
    said = answer(bot, slack, "estado", "s")
    assert "Estado de Wolkvox Sync" in said and "la cuota diaria no está configurada" in said


def test_replies_warn_past_80_percent_and_a_spent_quota_answers_from_the_last_copy(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_DAILY_QUOTA="5", WOLKVOX_USER_SYNCS_PER_MINUTE="0")
    for i in range(4):
        said = answer(bot, slack, f"{1000 + i}", f"c{i}")
    assert "4 of today's 5 Wolkvox calls are used (80%)" not in said  # 80%: not past it
    said = answer(bot, slack, "1000 --refresh", "r1")
    assert "5 of today's 5 Wolkvox calls are used" in said
    said = answer(bot, slack, "1000 --refresh", "r2")
    assert "quota for this connector's token is spent" in said and "3 templates" in said
    assert len(wolkvox.calls) == 5


def test_commands_are_counted_in_metrics(
    start_bot: Start, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(METRICS_TOKEN=METRICS_TOKEN, WOLKVOX_ALLOWED_USERS="U0USER1")
    answer(bot, slack, "1234", "a")
    answer(bot, slack, "1234 lang:", "bad")
    answer(bot, slack, "1234", "eve", user_id="U0EVE")
    scraped = bot.http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert 'kind="lookup",outcome="accepted"' in scraped
    assert 'kind="unreadable",outcome="bad_input"' in scraped
    assert 'kind="lookup",outcome="refused"' in scraped
