"""A person whose language is not cached yet, end to end over HTTP (bot.slack.user_languages,
bot.slack.listeners.commands): Slack's `users.info` is asked once per person however many of
their requests arrive at once (one lookup in the process, one across instances sharing
Redis), never before an acknowledgement, and the answer still comes in their language.

The fake Slack holds every users.info answer (`hold_users_info`) while the acknowledgements
come back, so the tests read what happened before what, not how long it took. The bots wait
up to 30 s for a language here (LOOKUP_SECONDS is 1 s), so an acknowledgement that waited for
users.info would not come back at all before the answer is released.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.i18n import translator
from bot.slack.modal import ids
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply
from testkit.modal_requests import suggestion_body
from tests.blockkit import check_message, texts
from tests.harness import Acked, BotServer, sign

PATIENT = 30.0  # seconds a bot here waits for a language: longer than any test
LOCALES = {"U0ESLA": "es-LA", "U0PTBR": "pt-BR", "U0ENUS": "en-US"}
HEADER = {
    "es": "Conector 1234 · 3 plantillas",
    "pt_BR": "Conector 1234 · 3 modelos",
    "en": "Connector 1234 · 3 templates",
}
AT_ONCE = 50
Start = Callable[..., BotServer]


@pytest.fixture
def speaking(slack: FakeSlack) -> Iterator[FakeSlack]:
    slack.locales.update(LOCALES)
    yield slack
    slack.release_users_info()  # a failed test leaves no request held


@pytest.fixture
def connector(wolkvox: FakeWolkvox) -> FakeWolkvox:
    wolkvox.reply("1234", Reply(templates=3))
    return wolkvox


def patient(bot: BotServer) -> BotServer:
    bot.bot.languages.lookup_seconds = PATIENT
    return bot


def at_once(commands: list[tuple[BotServer, str, str]], slack: FakeSlack) -> list[Acked]:
    """Each (bot, text, user) sent at the same time, answered at response_url `n{i}`."""
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        return list(
            pool.map(
                lambda i: commands[i][0].command(
                    commands[i][1], response_url=slack.response_url(f"n{i}"), user_id=commands[i][2]
                ),
                range(len(commands)),
            )
        )


def wordless(acked: Acked) -> bool:
    """An acknowledgement without words that need a language: nothing, or a "syncing" that
    says only the connector and Wolkvox."""
    if acked.status != 200:
        return False
    if not acked.body:
        return True
    return texts(acked.body["blocks"]) == [":hourglass_flowing_sand: *1234* · Wolkvox…"]


def answers(slack: FakeSlack, count: int) -> list[dict[str, Any]]:
    """The answer at each response_url `n{i}` (the one post after a wordless acknowledgement)."""
    assert slack.wait(lambda: all(slack.replies_to(f"n{i}") for i in range(count)), 20)
    final = []
    for i in range(count):
        [reply] = slack.replies_to(f"n{i}")
        check_message(reply)
        final.append(reply)
    return final


def header(message: dict[str, Any]) -> str:
    return str(message["blocks"][0]["text"]["text"])


def test_fifty_commands_at_once_from_a_new_person_ask_slack_once_and_wait_for_nothing(
    bot: BotServer, speaking: FakeSlack, connector: FakeWolkvox
) -> None:
    patient(bot)
    speaking.hold_users_info()
    acks = at_once([(bot, "1234", "U0ESLA")] * AT_ONCE, speaking)
    # every acknowledgement is back while Slack has not told the language yet
    assert speaking.wait(lambda: speaking.users_info_asked == 1)  # the lookup, held
    assert speaking.calls("users.info") == []
    assert all(wordless(a) for a in acks), [a.body for a in acks if not wordless(a)]
    assert not speaking.responses  # nothing is said before the language is known
    speaking.release_users_info()
    assert [header(a) for a in answers(speaking, AT_ONCE)] == [HEADER["es"]] * AT_ONCE
    assert len(speaking.calls("users.info")) == 1
    assert len(connector.calls) == 1


def test_two_instances_sharing_redis_ask_slack_once_for_a_new_person(
    start_bot: Start, speaking: FakeSlack, connector: FakeWolkvox, redis_url: str
) -> None:
    one = patient(start_bot(REDIS_URL=redis_url))
    two = patient(start_bot(REDIS_URL=redis_url))
    speaking.hold_users_info()
    acks = at_once([(one if i % 2 else two, "1234", "U0PTBR") for i in range(AT_ONCE)], speaking)
    assert speaking.wait(lambda: speaking.users_info_asked == 1)  # the lookup, held
    assert speaking.calls("users.info") == []
    assert all(wordless(a) for a in acks)
    speaking.release_users_info()
    assert [header(a) for a in answers(speaking, AT_ONCE)] == [HEADER["pt_BR"]] * AT_ONCE
    assert len(speaking.calls("users.info")) == 1


def test_a_new_person_s_cached_answer_follows_an_empty_acknowledgement_in_their_language(
    bot: BotServer, speaking: FakeSlack, connector: FakeWolkvox
) -> None:
    patient(bot)
    synced = bot.command("1234", response_url=speaking.response_url("s"), user_id="U0ENUS")
    assert synced.status == 200
    assert header(speaking.wait_replies("s", 1)[0]) == HEADER["en"]  # 1234 is cached now
    speaking.hold_users_info()
    acked = bot.command("1234", response_url=speaking.response_url("n0"), user_id="U0ESLA")
    assert acked.status == 200 and acked.body == {}  # back while users.info is held
    assert speaking.wait(lambda: speaking.users_info_asked == 2)  # the lookup, held
    assert len(speaking.calls("users.info")) == 1
    speaking.release_users_info()
    assert header(answers(speaking, 1)[0]) == HEADER["es"]
    again = bot.command("1234", response_url=speaking.response_url("n1"), user_id="U0ESLA")
    assert header(again.body) == HEADER["es"]  # known now: answered in the acknowledgement
    assert len(speaking.calls("users.info")) == 2


@pytest.mark.parametrize("failure", ["user_not_found", "http_500"])
def test_when_slack_fails_a_burst_is_answered_in_the_default_language_after_one_lookup(
    start_bot: Start, speaking: FakeSlack, connector: FakeWolkvox, failure: str
) -> None:
    bot = patient(start_bot(WOLKVOX_LANGUAGE="es"))
    if failure == "http_500":
        speaking.users_info_fails = True
    else:
        speaking.locales["U0PTBR"] = None
    speaking.hold_users_info()
    acks = at_once([(bot, "1234", "U0PTBR")] * AT_ONCE, speaking)
    assert all(wordless(a) for a in acks)
    assert speaking.wait(lambda: speaking.users_info_asked == 1)
    speaking.release_users_info()
    assert [header(a) for a in answers(speaking, AT_ONCE)] == [HEADER["es"]] * AT_ONCE
    # one lookup; slack_sdk asks again once after an HTTP 500 (AsyncServerErrorRetryHandler)
    assert speaking.users_info_asked == (2 if failure == "http_500" else 1)


def test_when_slack_fails_instances_sharing_redis_ask_once_and_use_the_default(
    start_bot: Start, speaking: FakeSlack, connector: FakeWolkvox, redis_url: str
) -> None:
    one = start_bot(REDIS_URL=redis_url, WOLKVOX_LANGUAGE="es")
    two = start_bot(REDIS_URL=redis_url, WOLKVOX_LANGUAGE="es")
    speaking.locales["U0PTBR"] = None  # users.info answers user_not_found
    first = at_once([(one, "1234", "U0PTBR")], speaking)
    assert wordless(first[0]) and header(answers(speaking, 1)[0]) == HEADER["es"]
    # the other instance reads the failure from Redis instead of asking again
    later = two.command("1234", response_url=speaking.response_url("later"), user_id="U0PTBR")
    assert header(later.body) == HEADER["es"]
    assert speaking.users_info_asked == 1


def test_a_menu_s_options_never_wait_for_a_new_person_s_language(
    bot: BotServer, speaking: FakeSlack
) -> None:
    patient(bot)

    def type_in_connector_menu() -> Acked:
        view = {"id": "V0MODAL1", "hash": "h0", "blocks": [], "state": {"values": {}}}
        body = suggestion_body(
            view,
            action_id=ids.CONNECTOR_MENU,
            block_id=ids.CONNECTOR_BLOCK,
            typed="x",
            user_id="U0ESLA",
        )
        return bot.post(body, sign(body))

    def shown(acked: Acked) -> list[str]:
        assert acked.status == 200
        return texts(acked.body["options"])

    hint = "Type the connector's id (digits), like 1234"
    speaking.hold_users_info()
    assert shown(type_in_connector_menu()) == [hint]  # in the default language, at once
    assert speaking.wait(lambda: speaking.users_info_asked == 1)  # the lookup, held
    assert speaking.calls("users.info") == []
    speaking.release_users_info()
    assert speaking.wait(lambda: len(speaking.calls("users.info")) == 1)
    spanish = translator("es")._(hint)
    assert spanish != hint
    for _ in range(100):  # the lookup lands in the bot just after Slack answers
        if shown(type_in_connector_menu()) == [spanish]:
            break
        time.sleep(0.05)
    assert shown(type_in_connector_menu()) == [spanish]
    assert speaking.users_info_asked == 1
