"""Which operation a connector is in, over signed requests through the real app, with the fake
Slack and the fake Wolkvox (issue 20, "Addressing").

With one operation nothing changes for anyone. With several (here `cliente_a`, the
environment's on server 0032, and `cliente_b`, stored on server 0002 with its own token, each
server accepting only its own token): `cliente_a:1234`, aliases pointing to an operation's
connector, `use` for a channel's default, and a bare id otherwise asks which operation with one
button each and calls nothing; replies name the operation; the modal's picker and the
workflow steps read connectors the same way; a button naming an operation that is gone is
refused, never answered with another operation's data.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from bot.assembly import build_app
from bot.config import Settings
from bot.errors import OperationNeeded
from bot.i18n import translator
from bot.operations.model import Operation
from bot.operations.secrets import new_secret_key
from bot.slack import action_ids
from bot.slack.modal import ids as modal_ids
from bot.slack.replies import MAX_OPERATION_BUTTONS, operation_question_message
from bot.slack.steps import SYNC_STEP, TEMPLATE_STEP
from bot.slack.values import MAX_VALUE_BYTES, ChoiceRef, ViewRef, encode_choice, encode_view
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply, ok, template
from tests.blockkit import all_text, buttons, check_message
from tests.harness import BotServer, final_answer
from tests.slash import said, settle
from tests.test_modal import Modal
from tests.test_steps import ERROR, SUCCESS, run

TOKEN_B = "wv-token-B-SECRET-bbbbbbbbbbbb"
A_1234 = [
    template("promo_a", "es", "MARKETING", "Hola A"),
    template("aviso_a", "es", "UTILITY", "Aviso A"),
    template("otro_a", "pt_BR", "UTILITY", "Outro A"),
]
B_1234 = [
    template("promo_b", "es", "MARKETING", "Hola B"),
    template("solo_b", "es", "UTILITY", "Solo B"),
]
B_5678 = [template("ventas_b", "es", "MARKETING", "Ventas B")]
DEADLINE = 30.0  # seconds, generous for a loaded box; never a measure of speed

StartBot = Callable[..., BotServer]


def store_operations(env: dict[str, str], *operations: Operation) -> None:
    """Store `operations` as the console does: another process on the same database."""

    async def save() -> None:
        door = build_app(Settings.from_env(env, mode="http"))
        await door.start(schedule=False)
        try:
            for operation in operations:
                await door.book.save(operation, who="console")
        finally:
            await door.aclose()

    asyncio.run(save())


def remove_operation(env: dict[str, str], name: str) -> None:
    async def remove() -> None:
        door = build_app(Settings.from_env(env, mode="http"))
        await door.start(schedule=False)
        try:
            await door.book.remove(name, who="console")
        finally:
            await door.aclose()

    asyncio.run(remove())


@pytest.fixture
def several_env(env: dict[str, str], wolkvox: FakeWolkvox) -> dict[str, str]:
    """`cliente_a` (the environment's: WOLKVOX_SERVER 0032 and WOLKVOX_TOKEN) and `cliente_b`
    (stored, server 0002, TOKEN_B); the alias `ventas` is cliente_b's 5678."""
    wolkvox.add_server("0032", TOKEN)
    wolkvox.add_server("0002", TOKEN_B)
    wolkvox.reply("1234", Reply(body=ok(A_1234)), server="0032")
    wolkvox.reply("1234", Reply(body=ok(B_1234)), server="0002")
    wolkvox.reply("5678", Reply(body=ok(B_5678)), server="0002")
    several = {
        **env,
        "WOLKVOX_BASE_URL": wolkvox.base_url,
        "WOLKVOX_SECRET_KEY": new_secret_key(),
        "WOLKVOX_OPERATION_NAME": "cliente_a",
        "WOLKVOX_CONNECTORS": "ventas=cliente_b:5678",
    }
    store_operations(several, Operation("cliente_b", "0002", TOKEN_B))
    return several


@pytest.fixture
def several(start_bot: StartBot, several_env: dict[str, str], slack: FakeSlack) -> BotServer:
    bot = start_bot(**several_env)
    assert bot.bot.book.names() == ("cliente_a", "cliente_b")
    bot.introduce(slack)
    return bot


def ask(bot: BotServer, slack: FakeSlack, text: str, name: str, **who: str) -> dict[str, Any]:
    """A command answered in its acknowledgement (its person's language known)."""
    acked = bot.command(text, response_url=slack.response_url(name), **who)
    assert acked.status == 200 and acked.body.get("blocks"), acked
    check_message(acked.body)
    return acked.body


def header(message: dict[str, Any]) -> str:
    [text] = [b["text"]["text"] for b in message["blocks"] if b["type"] == "header"]
    return str(text)


def question_buttons(message: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The operation buttons of a question: (action id, text, value), in order."""
    return [
        (b["action_id"], b["text"]["text"], b["value"])
        for block in message["blocks"]
        if block["type"] == "actions"
        for b in block["elements"]
    ]


def click(
    bot: BotServer, slack: FakeSlack, action_id: str, value: str, name: str, **who: str
) -> dict[str, Any]:
    """Click and return the last reply once the answer is in (a sync replaces its progress)."""
    acked = bot.click(action_id, value, response_url=slack.response_url(name), **who)
    assert acked.status == 200

    def done() -> bool:
        replies = slack.replies_to(name)
        return bool(replies) and ":hourglass_flowing_sand:" not in all_text(replies[-1])

    assert slack.wait(done, DEADLINE), slack.replies_to(name)
    reply = slack.replies_to(name)[-1]
    check_message(reply)
    return reply


# -- one operation: nothing changes --------------------------------------------------------------


def test_with_one_operation_nothing_changes(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot.introduce(slack)
    answer = final_answer(bot, slack, "1234", "one")
    assert header(answer) == "Connector 1234 · 3 templates"
    assert "default" not in all_text(answer)  # the operation is never named
    [refresh] = [b for b in buttons(answer).values() if b["action_id"] == action_ids.ACTION_REFRESH]
    assert json.loads(refresh["value"])["c"] == "default:1234"  # inside, the key
    assert wolkvox.calls == ["1234"]
    help_text = all_text(ask(bot, slack, "help", "help"))
    assert "*Operations*" not in help_text and "/wolkvox-sync use" not in help_text
    assert "One Wolkvox operation is set up, `default`" in said(bot, slack, "use", "use")
    # a button made before operations existed (a bare id) is the environment operation's
    old = click(bot, slack, action_ids.ACTION_REFRESH, encode_view(ViewRef("1234")), "old")
    assert header(old) == "Connector 1234 · 3 templates"


# -- several: which operation? ---------------------------------------------------------------------


def test_a_bare_id_asks_which_operation_and_calls_nothing(
    several: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    question = ask(several, slack, "1234 lang:es", "q")
    text = all_text(question)
    assert "Several Wolkvox operations are set up: which one is connector *1234* in?" in text
    assert "`cliente_a:1234`" in text and "`/wolkvox-sync use cliente_a`" in text
    shown = question_buttons(question)
    assert [(action_id, name) for action_id, name, _ in shown] == [
        ("wolkvox_operation_0", "cliente_a"),
        ("wolkvox_operation_1", "cliente_b"),
    ]
    for _, name, value in shown:
        assert json.loads(value) == {"o": name, "x": "1234 lang:es"}
    assert wolkvox.calls == []  # nothing was synced
    # clicking answers for that operation, as the command would, filters kept
    answer = click(several, slack, shown[1][0], shown[1][2], "b", user_id="U0USER1")
    assert header(answer) == "Connector 1234 · cliente_b · 2 of 2 templates match"
    assert "promo_b" in all_text(answer) and "promo_a" not in all_text(answer)
    assert wolkvox.server_calls == [("0002", "1234")]  # with cliente_b's own token
    assert json.loads(buttons(answer)["wolkvox_refresh"]["value"])["c"] == "cliente_b:1234"


def test_use_makes_an_operation_the_channels_default(
    several: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    said_use = said(several, slack, "use", "use-0")
    assert "This channel has no default operation" in said_use
    assert "`cliente_a`, `cliente_b`" in said_use
    set_to = said(several, slack, "use cliente_a", "use-a")
    assert "a connector id alone now means operation `cliente_a`'s" in set_to
    answer = final_answer(several, slack, "1234", "a")
    assert header(answer) == "Connector 1234 · cliente_a · 3 templates"
    assert wolkvox.server_calls == [("0032", "1234")]
    assert "means operation `cliente_a`'s" in said(several, slack, "use", "use-1")
    # another channel still asks
    other = ask(several, slack, "1234", "other", channel_id="C0OTHER")
    assert len(question_buttons(other)) == 2
    # `use none` forgets it: the channel asks again
    assert "no default operation now" in said(several, slack, "use none", "use-none")
    assert len(question_buttons(ask(several, slack, "1234", "again"))) == 2
    assert wolkvox.server_calls == [("0032", "1234")]


def test_use_in_spanish_and_portuguese(
    several: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    slack.locales.update({"U0ES": "es-LA", "U0PT": "pt-BR"})
    spanish = said(several, slack, "usar cliente_b", "es-1", user_id="U0ES", channel_id="C0ES")
    assert "un ID de conector solo ahora es de la operación `cliente_b`" in spanish
    assert "En este canal, un ID de conector solo es de la operación `cliente_b`" in said(
        several, slack, "usar", "es-2", user_id="U0ES", channel_id="C0ES"
    )
    answer = final_answer(several, slack, "1234", "es-3", user_id="U0ES", channel_id="C0ES")
    assert header(answer) == "Conector 1234 · cliente_b · 2 plantillas"
    assert "ya no tiene operación predeterminada" in said(
        several, slack, "usar ninguna", "es-4", user_id="U0ES", channel_id="C0ES"
    )
    question = ask(several, slack, "1234", "es-5", user_id="U0ES", channel_id="C0ES")
    assert "¿en cuál está el conector *1234*?" in all_text(question)
    portuguese = said(several, slack, "usar cliente_a", "pt-1", user_id="U0PT", channel_id="C0PT")
    assert "um ID de conector sozinho agora é da operação `cliente_a`" in portuguese
    assert "não tem mais operação padrão" in said(
        several, slack, "usar nenhuma", "pt-2", user_id="U0PT", channel_id="C0PT"
    )
    question = ask(several, slack, "1234", "pt-3", user_id="U0PT", channel_id="C0PT")
    assert "em qual delas está o conector *1234*?" in all_text(question)


def test_a_key_and_an_alias_name_their_operation(
    several: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    answer = final_answer(several, slack, "Cliente_A:01234", "key")
    assert header(answer) == "Connector 1234 · cliente_a · 3 templates"
    alias = final_answer(several, slack, "ventas", "alias")
    assert header(alias) == "Connector 5678 · cliente_b · 1 template"
    assert "ventas_b" in all_text(alias)
    assert wolkvox.server_calls == [("0032", "1234"), ("0002", "5678")]
    help_text = all_text(ask(several, slack, "help", "help"))
    assert "`ventas` (5678 · cliente_b)" in help_text
    assert "`/wolkvox-sync use cliente_a`" in help_text and "`cliente_a`, `cliente_b`" in help_text
    history = said(several, slack, "cliente_b:5678 history", "history")
    assert "Connector 5678 · cliente_b · last sync" in history


def test_compare_across_two_operations(
    several: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    answer = final_answer(several, slack, "compare cliente_a:1234 cliente_b:1234", "cmp")
    assert header(answer) == "Connectors 1234 · cliente_a and 1234 · cliente_b compared"
    assert "*Only in 1234 · cliente_a*" in all_text(answer)
    assert sorted(wolkvox.server_calls) == [("0002", "1234"), ("0032", "1234")]
    # a bare side asks; the answer compares it in the operation chosen
    question = ask(several, slack, "compare 1234 cliente_b:5678", "cmp-q")
    [(first, name, value), _] = question_buttons(question)
    assert name == "cliente_a"
    again = click(several, slack, first, value, "cmp-a", user_id="U0USER1")
    assert header(again) == "Connectors 1234 · cliente_a and 5678 · cliente_b compared"
    # both sides the same connector once resolved
    said_use = said(several, slack, "use cliente_a", "use")
    assert "cliente_a" in said_use
    same = all_text(ask(several, slack, "compare cliente_a:1234 1234", "same"))
    assert "Both sides are connector `cliente_a:1234`" in same


def test_an_unknown_operation_is_named_with_the_known_ones(
    several: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    text = all_text(ask(several, slack, "nadie:1234", "unknown"))
    assert "There is no Wolkvox operation named `nadie`" in text
    assert "The operations are `cliente_a`, `cliente_b`." in text
    assert "There is no Wolkvox operation named `nadie`" in said(several, slack, "use nadie", "u")
    assert wolkvox.calls == []


def test_with_no_operation_an_admin_is_asked_to_add_one(
    start_bot: StartBot, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_SERVER="", WOLKVOX_TOKEN="")
    assert bot.bot.book.names() == ()
    bot.introduce(slack)
    for i, text in enumerate(("1234", "cliente_a:1234", "compare 1 2", "subscribe 1234", "use")):
        answer = said(bot, slack, text, f"none-{i}")
        assert "No Wolkvox operation is set up yet: an admin adds one in the app's Home tab" in (
            answer
        ), text
        assert "`wolkvox-sync operation add`" in answer
    assert "How to use" in all_text(ask(bot, slack, "help", "help"))
    modal = Modal(bot, slack)
    modal.open()
    [hint] = modal.type(modal_ids.CONNECTOR_MENU, modal_ids.CONNECTOR_BLOCK, "1234")
    assert hint["value"] == modal_ids.HINT_VALUE and "No Wolkvox operation" in hint["text"]["text"]
    assert wolkvox.calls == []


# -- the modal and the workflow steps ----------------------------------------------------------------


def test_the_modal_picker_takes_an_operation_or_offers_each(
    several: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    modal = Modal(several, slack)
    modal.open()
    menu = (modal_ids.CONNECTOR_MENU, modal_ids.CONNECTOR_BLOCK)
    offered = [(o["text"]["text"], o["value"]) for o in modal.type(*menu, "1234")]
    assert offered == [
        ("Connector 1234 · cliente_a", "cliente_a:1234"),
        ("Connector 1234 · cliente_b", "cliente_b:1234"),
    ]
    [option] = modal.type(*menu, "cliente_b:1234")
    assert option["value"] == "cliente_b:1234"
    [alias] = modal.type(*menu, "vent")
    assert (alias["text"]["text"], alias["value"]) == (
        "ventas (5678 · cliente_b)",
        "cliente_b:5678",
    )
    [nobody] = modal.type(*menu, "nadie:1234")
    assert nobody["value"] == modal_ids.HINT_VALUE
    assert wolkvox.calls == []  # typing calls nothing
    view = modal.choose(*menu, option, updates=2)
    assert "Connector *1234 · cliente_b*: 2 templates" in all_text(view)
    assert wolkvox.server_calls == [("0002", "1234")]
    block = modal_ids.template_block("cliente_b:1234")
    names = [o["text"]["text"] for o in modal.type(modal_ids.TEMPLATE_MENU, block, "")]
    assert names == ["promo_b · es", "solo_b · es"]


def test_a_workflow_step_takes_an_operation_or_the_channels_default(
    several: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    ended, outputs = run(several, slack, SYNC_STEP, connector="cliente_a:1234", user_id="U0USER1")
    assert ended == SUCCESS, outputs
    assert outputs["template_count"] == 3
    assert outputs["summary"].startswith("Connector 1234 · cliente_a synced for the first time")
    ended, error = run(several, slack, TEMPLATE_STEP, connector="1234", name="promo_b")
    assert ended == ERROR
    assert "Several Wolkvox operations are set up (cliente_a, cliente_b)" in error
    assert "cliente_a:1234" in error and "*" not in error and "`" not in error
    said(several, slack, "use cliente_b", "use", channel_id="C0STEPS")
    ended, outputs = run(
        several, slack, TEMPLATE_STEP, connector="1234", name="promo_b", channel_id="C0STEPS"
    )
    assert ended == SUCCESS, outputs
    assert outputs["body"] == "Hola B"
    assert sorted(wolkvox.server_calls) == [("0002", "1234"), ("0032", "1234")]


# -- buttons that name an operation --------------------------------------------------------------------


def test_a_button_naming_an_operation_that_is_gone_is_refused(
    several: BotServer, several_env: dict[str, str], slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    question = ask(several, slack, "1234", "q")
    [_, (b_action, b_name, b_value)] = question_buttons(question)
    assert b_name == "cliente_b"
    synced = final_answer(several, slack, "cliente_b:1234", "synced")
    page_value = buttons(synced)["wolkvox_share"]["value"]
    calls = len(wolkvox.calls)
    # forged: an operation that never existed
    forged = encode_choice(ChoiceRef("gone", "1234"))
    assert forged is not None
    refused = click(several, slack, b_action, forged, "forged", user_id="U0USER1")
    assert "There is no Wolkvox operation named `gone`" in all_text(refused)
    # cliente_b removed (by the console, another process): its buttons are refused here
    remove_operation(several_env, "cliente_b")
    deadline = time.monotonic() + DEADLINE
    while several.bot.book.names() != ("cliente_a",):
        assert time.monotonic() < deadline, "the removal was not seen"
        time.sleep(0.05)
    for action_id, value, name in (
        (b_action, b_value, "old-question"),
        (action_ids.ACTION_REFRESH, encode_view(ViewRef("cliente_b:1234")), "old-refresh"),
        (action_ids.ACTION_SHARE, page_value, "old-share"),
    ):
        reply = click(several, slack, action_id, value, name, user_id="U0USER1")
        text = all_text(reply)
        assert "There is no Wolkvox operation named `cliente_b`" in text, name
        assert "The operations are `cliente_a`." in text
        assert "promo_a" not in text and "promo_b" not in text
    assert len(wolkvox.calls) == calls  # never another operation's data, nothing synced
    # one operation left: a bare id is its own, named as before operations existed
    answer = final_answer(several, slack, "1234", "left")
    assert header(answer) == "Connector 1234 · 3 templates"


def test_the_question_fits_slack_and_its_values_are_bounded() -> None:
    t = translator("en")
    names = tuple(f"op{i:02d}" for i in range(30))
    message = operation_question_message(OperationNeeded("1234", names), "1234", t)
    check_message(message)
    shown = question_buttons(message)
    assert len(shown) == MAX_OPERATION_BUTTONS  # the others are typed: op29:1234
    assert len({action_id for action_id, _, _ in shown}) == MAX_OPERATION_BUTTONS
    assert all(action_ids.OPERATION_ACTIONS.fullmatch(a) for a, _, _ in shown)
    # a command too long for a button in bytes: no buttons, the way to write it instead
    long = "1234 " + " ".join(["😀" * 55] * 12)
    assert len(long) < 1000 and len(long.encode()) > MAX_VALUE_BYTES
    assert encode_choice(ChoiceRef("cliente_a", long)) is None
    message = operation_question_message(OperationNeeded("1234", ("cliente_a", "b")), long, t)
    check_message(message)
    assert question_buttons(message) == []
    assert "`cliente_a:1234`" in all_text(message)


def test_subscriptions_and_their_posts_name_the_operation(
    several: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    subscribed = said(several, slack, "subscribe cliente_b:1234", "sub", channel_id="C0SALES")
    assert "now gets what changes in connector *1234 · cliente_b*" in subscribed
    listed = said(several, slack, "subscriptions", "subs", channel_id="C0SALES")
    assert "Connector *1234 · cliente_b*, subscribed by" in listed
    final_answer(several, slack, "cliente_a:1234", "a")  # another operation's 1234: no post
    final_answer(several, slack, "cliente_b:1234", "b")
    [post] = settle(slack, 1)
    assert post["channel"] == "C0SALES"
    assert "Connector *1234 · cliente_b* synced for the first time" in all_text(post)
    gone = said(several, slack, "unsubscribe cliente_b:1234", "unsub", channel_id="C0SALES")
    assert "no longer gets the changes of connector *1234 · cliente_b*" in gone
