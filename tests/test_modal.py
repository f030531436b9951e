"""The "Find a WhatsApp template" modal end to end over HTTP: the shortcut, the options
requests (type-ahead), choosing a connector and a template, Share; and its pure parts."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.views import View

from bot.i18n import translator
from bot.slack.modal import ids
from bot.slack.modal.search import find
from bot.slack.modal.state import Chosen, metadata, read_metadata, read_template_value
from bot.slack.modal.views import (
    Found,
    connector_options,
    find_view,
    template_label,
    template_options,
)
from bot.slack.values import TemplateRef
from bot.templates.model import Snapshot, Template, sorted_templates
from bot.templates.query import search_index
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import CAMPAIGN, FakeWolkvox, Reply, make_templates, ok, template
from testkit.modal_requests import (
    as_shown,
    choice_body,
    selected,
    shortcut_body,
    submission_body,
    suggestion_body,
)
from testkit.slack_requests import sign
from tests.blockkit import all_text, check_message, live_markup, mrkdwn_texts
from tests.harness import Acked, BotServer

Start = Callable[..., BotServer]
EN = translator("en")
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
HOSTILE = "<!channel> <@U0BOSS> <https://evil.example|click> *x* & `y`"


def snapshot(templates: list[Template], snapshot_id: str = "abc123") -> Snapshot:
    ordered = sorted_templates(templates)
    return Snapshot(snapshot_id, "1234", ordered, 0, NOW, search_index(ordered))


def campaign_snapshot() -> Snapshot:
    return snapshot(
        [
            Template(t["name_template"], t["idiom"], t["category"], t["body_template"])
            for t in CAMPAIGN
        ]
    )


def names(snap: Snapshot, positions: list[int]) -> list[str]:
    return [f"{snap.templates[p].name}/{snap.templates[p].language}" for p in positions]


# -- the pure parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # exact name first, then names starting with it, then containing it, then bodies
        ("promo_natal", ["promo_natal/pt_BR"]),  # look-alikes only when nothing matches
        (
            "PROMO",
            [
                "promo_natal/pt_BR",
                "promo_navidad/es_CO",
                "promo_navidad/es_MX",
                "promocion_verano/es_MX",
            ],
        ),
        # accents and capitals don't matter, in the name or the body
        ("Promoción", ["promocion_verano/es_MX"]),
        ("navidád", ["aviso_navidad_horario/es_MX", "promo_navidad/es_CO", "promo_navidad/es_MX"]),
        # a space for an underscore
        ("recordatorio pago", ["recordatorio_pago/es_MX", "recordatorio_pago/pt_BR"]),
        # body words, all of them
        ("feliz envío", ["promo_navidad/es_CO"]),
        # a typo: close names
        ("recordatoro_pago", ["recordatorio_pago/es_MX", "recordatorio_pago/pt_BR"]),
        ("verificasion", ["codigo_verificacion/es"]),
    ],
)
def test_type_ahead_ranks_what_someone_half_remembers(typed: str, expected: list[str]) -> None:
    snap = campaign_snapshot()
    assert names(snap, find(snap, typed)) == expected


def test_type_ahead_ranks_prefix_before_substring_before_body() -> None:
    snap = snapshot(
        [
            Template("aviso_pedido", "es", "UTILITY", "x"),
            Template("pedido_listo", "es", "UTILITY", "x"),
            Template("estado", "es", "UTILITY", "Su pedido llegó"),
            Template("pedido", "es", "UTILITY", "x"),
        ]
    )
    assert names(snap, find(snap, "pedido")) == [
        "pedido/es",
        "pedido_listo/es",
        "aviso_pedido/es",
        "estado/es",
    ]


def test_type_ahead_gives_at_most_100_and_the_first_ones_for_no_text() -> None:
    snap = snapshot(
        [
            Template(t["name_template"], t["idiom"], t["category"], t["body_template"])
            for t in make_templates(5000)
        ]
    )
    assert len(find(snap, "plantilla")) == 100
    assert find(snap, "") == list(range(100))
    assert names(snap, find(snap, "plantilla_04321")) == ["plantilla_04321/es_CO"]
    assert find(snap, "zzzz qqqq") == []


def test_options_fit_slack_and_point_back_at_their_template() -> None:
    long_name = "n" * 512
    snap = snapshot([Template(long_name, "es_MX" * 10, "MARKETING", "x")], "f" * 32)
    [option] = template_options(snap, [0])
    assert len(option["text"]["text"]) <= 75 and option["text"]["emoji"] is False
    assert option["text"]["text"].endswith("…")
    assert len(option["value"]) <= 150
    assert read_template_value(option["value"]) == TemplateRef("1234", "f" * 32, 0)
    assert (
        template_label(Template("promo_natal", "pt_BR", "MARKETING", "")) == "promo_natal · pt_BR"
    )


@pytest.mark.parametrize(
    "value",
    ["", "x", "1234.abc", "1234.ABC.1", "12a.abc.1", "1234.abc.-1", "1234.abc.1.2", None, 5],
)
def test_unreadable_option_values_choose_nothing(value: object) -> None:
    assert read_template_value(value) is None


def test_private_metadata_round_trips_and_junk_reads_as_nothing() -> None:
    chosen = Chosen("1234", "ventas (1234)", TemplateRef("1234", "abc", 7))
    assert read_metadata({"private_metadata": metadata(chosen)}) == chosen
    for junk in ["", "[]", "{", '{"c": "x"}', "[" * 5000, '{"c": "1", "t": "2.ab.1"}']:
        assert read_metadata({"private_metadata": junk}).template is None


def test_connector_menu_offers_a_typed_id_then_aliases_then_recent_syncs() -> None:
    aliases = {"ventas": "1234", "soporte": "0567"}

    def texts(typed: str, recent: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        options = connector_options(typed, aliases, recent, EN, ("default",))
        return [(o["text"]["text"], o["value"]) for o in options]

    # each option's value is the connector's key; with one operation its label is the id alone
    assert texts("") == [("soporte (567)", "default:567"), ("ventas (1234)", "default:1234")]
    assert texts("VEN") == [("ventas (1234)", "default:1234")]
    recent = ("default:4200", "default:999")
    assert texts("0042", recent) == [
        ("Connector 42", "default:42"),
        ("Connector 4200", "default:4200"),
    ]
    assert texts("1234") == [("ventas (1234)", "default:1234")]
    [(hint, value)] = texts("nada")
    assert value == ids.HINT_VALUE and "digits" in hint


def test_the_modal_stays_within_block_kit_limits_for_any_template() -> None:
    body = "{{1}} " * 170 + "x" * 4000
    snap = snapshot([Template(HOSTILE * 10, HOSTILE, HOSTILE, body)])
    ref = TemplateRef("1234", snap.id, 0)
    view = find_view(Found(Chosen("1234", HOSTILE, ref), "status", snap.templates[0]), EN)
    check_view(view)


@pytest.mark.parametrize(
    "module", ["bot.slack.modal", "bot.slack.modal.listeners", "bench.options"]
)
def test_the_modal_imports_first_without_a_cycle(module: str) -> None:
    """bot.slack.listeners registers the modal, whose listeners use its helpers."""
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)


# -- over HTTP --------------------------------------------------------------------------------


def check_view(view: dict[str, Any]) -> None:
    """Raise AssertionError where Slack would refuse `view` (views.open / views.update)."""
    assert View(**view).to_dict() == view  # slack_sdk validates what it knows of views
    assert len(view["blocks"]) <= 100
    assert len(view["title"]["text"]) <= 24
    assert len(view.get("private_metadata", "")) <= 3000
    check_message({"text": "x", "blocks": view["blocks"][:50]})
    check_message({"text": "x", "blocks": view["blocks"][50:] or [{"type": "divider"}]})
    assert not live_markup({"blocks": view["blocks"]}), live_markup({"blocks": view["blocks"]})


class Modal:
    """The modal as one person sees it: the last view the bot sent, and the choices made."""

    def __init__(self, bot: BotServer, slack: FakeSlack, user_id: str = "U0USER1") -> None:
        self.bot, self.slack, self.user_id = bot, slack, user_id
        self.values: dict[str, dict[str, dict[str, Any]]] = {}
        self.seen = 0  # views.open and views.update calls read so far

    def post(self, body: str) -> Acked:
        return self.bot.post(body, sign(body))

    def open(self) -> dict[str, Any]:
        acked = self.post(shortcut_body(ids.SHORTCUT, user_id=self.user_id))
        assert acked.status == 200
        assert self.slack.wait(lambda: self.slack.calls("views.open"))
        [opened] = self.slack.calls("views.open")
        assert opened.body["trigger_id"] == "9.8.7"
        return self.read(opened.body["view"])

    def read(self, view: dict[str, Any]) -> dict[str, Any]:
        check_view(view)
        self.view = view
        return view

    def shown(self) -> dict[str, Any]:
        return as_shown(self.view, self.values, hash=f"h{self.seen}")

    def type(self, action_id: str, block_id: str, typed: str) -> list[dict[str, Any]]:
        body = suggestion_body(
            self.shown(), action_id=action_id, block_id=block_id, typed=typed, user_id=self.user_id
        )
        acked = self.post(body)
        assert acked.status == 200, acked
        options: list[dict[str, Any]] = acked.body["options"]
        assert len(options) <= 100
        for option in options:
            assert len(option["text"]["text"]) <= 75 and len(option["value"]) <= 150
        return options

    def choose(
        self, action_id: str, block_id: str, option: dict[str, Any], updates: int = 1
    ) -> dict[str, Any]:
        """Choose `option`; wait for the bot's `updates` views.update calls; the last view."""
        self.values[block_id] = {action_id: selected(option["value"], option["text"]["text"])}
        before = len(self.slack.calls("views.update"))
        body = choice_body(
            self.shown(),
            action_id=action_id,
            block_id=block_id,
            value=option["value"],
            text=option["text"]["text"],
            user_id=self.user_id,
        )
        assert self.post(body).status == 200
        assert self.slack.wait(lambda: len(self.slack.calls("views.update")) >= before + updates)
        first = self.slack.calls("views.update")[before]
        assert first.body["view_id"] == "V0MODAL1" and first.body.get("hash") == f"h{self.seen}"
        update = self.slack.calls("views.update")[before + updates - 1]
        self.seen += 1
        return self.read(update.body["view"])

    def connector(self, typed: str) -> dict[str, Any]:
        [option, *_] = self.type(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, typed)
        return option

    def share(self, channel: str) -> Acked:
        self.values[ids.CHANNEL_BLOCK] = {
            ids.CHANNEL_MENU: {"type": "conversations_select", "selected_conversation": channel}
        }
        return self.post(submission_body(self.shown(), user_id=self.user_id))


def cache(bot: BotServer, slack: FakeSlack, connector: str) -> None:
    """Sync `connector` with the slash command, as someone did before opening the modal."""
    acked = bot.command(connector, response_url=slack.response_url(f"sync-{connector}"))
    assert acked.status == 200
    if not acked.body or ":hourglass_flowing_sand:" in all_text(acked.body):  # syncing
        slack.wait_replies(f"sync-{connector}", 1)


@pytest.fixture
def campaign(wolkvox: FakeWolkvox) -> FakeWolkvox:
    wolkvox.reply("1234", Reply(body=ok(CAMPAIGN)))
    return wolkvox


def template_block(view: dict[str, Any]) -> str:
    [block_id] = [
        b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("find_template:")
    ]
    return block_id


def test_the_shortcut_opens_the_modal(bot: BotServer, slack: FakeSlack) -> None:
    view = Modal(bot, slack).open()
    assert view["type"] == "modal" and view["callback_id"] == ids.MODAL
    assert view["title"]["text"] == "Find a template" and "submit" not in view
    assert "Choose an alias, or type a connector's id (digits)." in all_text(view)


def test_someone_finds_a_template_they_half_remember_and_shares_it(
    start_bot: Start, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_CONNECTORS="ventas=1234")
    cache(bot, slack, "1234")
    modal = Modal(bot, slack)
    modal.open()
    ventas = modal.connector("ven")
    assert (ventas["text"]["text"], ventas["value"]) == ("ventas (1234)", "default:1234")
    view = modal.choose(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, ventas)
    assert "Connector *1234*: 10 templates · :package: Cached, synced" in all_text(view)
    block = template_block(view)
    options = modal.type(ids.TEMPLATE_MENU, block, "recordatório PAGO")
    assert [o["text"]["text"] for o in options] == [
        "recordatorio_pago · es_MX",
        "recordatorio_pago · pt_BR",
    ]
    view = modal.choose(ids.TEMPLATE_MENU, block, options[1])
    text = all_text(view)
    assert "Olá `{{1}}`, seu pagamento de `{{2}}` vence em `{{3}}`." in text  # variables marked
    assert "Olá María, seu pagamento de 4821 vence em 25/12/2026." in text  # sample values
    assert "`recordatorio_pago`* · pt_BR · UTILITY" in text
    assert view["submit"]["text"] == "Share"
    [picker] = [b for b in view["blocks"] if b.get("block_id") == ids.CHANNEL_BLOCK]
    assert picker["element"]["type"] == "conversations_select"
    acked = modal.share("C0CAMPAIGN")
    assert acked.status == 200 and acked.body == {}  # closes the modal
    [post] = slack.calls("chat.postMessage")
    assert post.body["channel"] == "C0CAMPAIGN"
    blocks = (
        json.loads(post.body["blocks"])
        if isinstance(post.body["blocks"], str)
        else post.body["blocks"]
    )
    shared = {"text": post.body["text"], "blocks": blocks}
    check_message(shared)
    assert "shared by <@U0USER1>" in all_text(shared)
    assert post.body["text"].startswith("<@U0USER1> shared the template recordatorio_pago")
    assert "Olá María, seu pagamento de 4821 vence em 25/12/2026." in all_text(shared)


def test_the_options_request_answers_from_the_cache_without_calling_wolkvox(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("777", Reply(body=ok(make_templates(5000))))
    cache(bot, slack, "777")
    modal = Modal(bot, slack)
    modal.open()
    modal.choose(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, modal.connector("777"))
    block = template_block(modal.view)
    options = modal.type(ids.TEMPLATE_MENU, block, "PLANTÍLLA")
    assert len(options) == 100
    assert options[0]["text"]["text"] == "plantilla_00000 · es_MX"
    [exact] = modal.type(ids.TEMPLATE_MENU, block, "plantilla_04999")
    assert exact["text"]["text"] == "plantilla_04999 · es"
    assert wolkvox.calls_for("777") == 1  # the command's sync only


def test_the_options_request_reads_the_connector_from_the_view_state(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    """Slack sends the view's state with each options request: the connector chosen there
    wins over the one the modal last showed."""
    cache(bot, slack, "1234")
    modal = Modal(bot, slack)
    view = modal.open()
    modal.values[ids.CONNECTOR_BLOCK] = {ids.CONNECTOR_MENU: selected("1234", "Connector 1234")}
    options = modal.type(ids.TEMPLATE_MENU, "find_template:1234", "bem-vindo")
    assert [o["text"]["text"] for o in options] == ["boas_vindas · pt_BR"]
    assert view["private_metadata"] == json.dumps({"c": "", "l": ""}, separators=(",", ":"))


def test_a_connector_not_synced_yet_is_synced_in_the_background(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("555", Reply(body=ok(CAMPAIGN), delay=0.5))
    modal = Modal(bot, slack)
    modal.open()
    modal.values[ids.CONNECTOR_BLOCK] = {ids.CONNECTOR_MENU: selected("555", "Connector 555")}
    hints = [modal.type(ids.TEMPLATE_MENU, "find_template:555", "promo") for _ in range(3)]
    for options in hints:
        [hint] = options
        assert hint["value"] == ids.HINT_VALUE and "Syncing 555" in hint["text"]["text"]
    for _ in range(200):  # the sync lands in the background: the menu then offers templates
        options = modal.type(ids.TEMPLATE_MENU, "find_template:555", "promo")
        if options and options[0]["value"] != ids.HINT_VALUE:
            break
        slack.wait(lambda: False, timeout=0.05)
    assert [o["text"]["text"] for o in options][:2] == [
        "promo_natal · pt_BR",
        "promo_navidad · es_CO",
    ]
    assert wolkvox.calls_for("555") == 1  # one sync, however many keystrokes


def test_choosing_a_connector_not_synced_yet_says_so_then_shows_its_templates(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    modal = Modal(bot, slack)
    modal.open()
    # Slack answers views.update with the view's new hash: the next update must carry it
    slack.scripted["views.update"] = [
        (200, {"ok": True, "view": {"id": "V0MODAL1", "hash": "h-new"}})
    ]
    option = modal.connector("01234")
    assert (option["text"]["text"], option["value"]) == ("Connector 1234", "default:1234")
    modal.choose(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, option, updates=2)
    first, last = slack.calls("views.update")
    assert "Syncing connector *1234* with Wolkvox" in all_text(first.body["view"])
    assert "Connector *1234*: 10 templates · :white_check_mark: Synced just now" in all_text(
        last.body["view"]
    )
    assert last.body["hash"] == "h-new"
    assert template_block(modal.view) == "find_template:default:1234"


def test_a_late_sync_never_overwrites_a_newer_choice(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    """The person chose again while the sync ran: Slack refuses the stale hash, and the bot
    leaves the newer view alone."""
    modal = Modal(bot, slack)
    modal.open()
    slack.scripted["views.update"] = [
        (200, {"ok": True, "view": {"id": "V0MODAL1", "hash": "h-syncing"}}),
        (200, {"ok": False, "error": "hash_conflict"}),
    ]
    modal.choose(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, modal.connector("1234"), updates=2)
    _syncing, done = slack.calls("views.update")
    assert done.body["hash"] == "h-syncing"
    assert len(slack.calls("views.update")) == 2  # no retry without the hash


def test_a_failed_sync_is_told_in_the_modal(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply(
        "999",
        Reply(status=403, body={"code": 403, "error": "FORBIDDEN", "msg": "PLEASE VALIDATE TOKEN"}),
    )
    modal = Modal(bot, slack)
    modal.open()
    modal.choose(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, modal.connector("999"), updates=2)
    assert ":x: Could not sync connector *999*" in all_text(modal.view)


def test_share_says_why_not_under_the_channel_picker(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    cache(bot, slack, "1234")
    modal = Modal(bot, slack)
    modal.open()
    modal.choose(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, modal.connector("1234"))
    block = template_block(modal.view)
    modal.choose(ids.TEMPLATE_MENU, block, modal.type(ids.TEMPLATE_MENU, block, "promo_natal")[0])
    slack.scripted["chat.postMessage"] = [(200, {"ok": False, "error": "not_in_channel"})]
    acked = modal.share("G0PRIVATE")
    assert acked.status == 200 and acked.body["response_action"] == "errors"
    error = acked.body["errors"][ids.CHANNEL_BLOCK]
    assert "I could not share it there: I am not a member of this conversation" in error
    assert "/invite @Wolkvox Sync" in error and "`" not in error and ":x:" not in error
    acked = modal.share("D0DIRECT")  # not a channel
    assert acked.body["errors"][ids.CHANNEL_BLOCK] == "Choose a channel."
    assert len(slack.calls("chat.postMessage")) == 1


def test_share_of_a_template_no_longer_kept_asks_to_choose_again(
    bot: BotServer, slack: FakeSlack
) -> None:
    modal = Modal(bot, slack)
    modal.view = find_view(Found(Chosen("1234", "1234", TemplateRef("1234", "dead", 0))), EN)
    acked = modal.share("C0CAMPAIGN")
    assert "no longer kept" in acked.body["errors"][ids.CHANNEL_BLOCK]
    assert not slack.calls("chat.postMessage")


def test_the_modal_speaks_the_persons_language(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    slack.locales["U0USER1"] = "es-LA"
    view = Modal(bot, slack).open()
    assert view["title"]["text"] == "Buscar una plantilla"
    assert "Elija un alias o escriba el ID de un conector (dígitos)." in all_text(view)


def test_share_posts_in_the_channels_language(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    """The channel was subscribed by someone who reads Spanish: the shared post is in Spanish,
    while the modal spoke the sharer's Portuguese."""
    slack.locales.update({"U0ES": "es-LA", "U0USER1": "pt-BR"})
    subscribed = bot.command(
        "subscribe 1234", response_url=slack.response_url("sub"), user_id="U0ES", channel_id="C0ES"
    )
    assert subscribed.status == 200 and slack.wait_replies("sub", 1)
    cache(bot, slack, "1234")
    modal = Modal(bot, slack)
    assert modal.open()["title"]["text"] == "Buscar um modelo"
    modal.choose(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, modal.connector("1234"))
    block = template_block(modal.view)
    view = modal.choose(ids.TEMPLATE_MENU, block, modal.type(ids.TEMPLATE_MENU, block, "natal")[0])
    assert view["submit"]["text"] == "Compartilhar" and "Prévia com valores de exemplo" in all_text(
        view
    )
    assert modal.share("C0ES").body == {}
    [post] = [p for p in slack.calls("chat.postMessage") if "promo_natal" in p.body["text"]]
    text = all_text({"text": post.body["text"], "blocks": post.body["blocks"]})
    assert "Vista previa con valores de ejemplo" in text
    assert "<@U0USER1> compartió la plantilla promo_natal" in text


@pytest.mark.parametrize(
    "limits",
    [{"WOLKVOX_ALLOWED_USERS": "U0SOMEONE"}, {"WOLKVOX_ALLOWED_CHANNELS": "C0CAMPAIGN"}],
)
def test_people_not_allowed_get_a_refusal_and_no_templates(
    start_bot: Start, slack: FakeSlack, campaign: FakeWolkvox, limits: dict[str, str]
) -> None:
    bot = start_bot(**limits)
    modal = Modal(bot, slack)
    view = modal.open()
    assert "this bot is limited to certain people and channels" in all_text(view)
    assert [b["type"] for b in view["blocks"]] == ["section"]
    modal.values[ids.CONNECTOR_BLOCK] = {ids.CONNECTOR_MENU: selected("1234", "Connector 1234")}
    assert modal.type(ids.TEMPLATE_MENU, "find_template:1234", "promo") == []
    assert modal.type(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, "1234") == []
    assert campaign.calls_for("1234") == 0


def test_hostile_template_text_stays_inert_in_the_modal_and_the_shared_post(
    bot: BotServer, slack: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("666", Reply(body=ok([template(HOSTILE, "es", HOSTILE, HOSTILE + " {{1}}")])))
    cache(bot, slack, "666")
    modal = Modal(bot, slack)
    modal.open()
    modal.choose(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, modal.connector("666"))
    block = template_block(modal.view)
    [option] = modal.type(ids.TEMPLATE_MENU, block, "channel")
    assert option["text"]["emoji"] is False
    view = modal.choose(ids.TEMPLATE_MENU, block, option)  # check_view: no live markup
    assert "&lt;!channel&gt;" in all_text(view)
    assert modal.share("C0CAMPAIGN").body == {}
    [post] = slack.calls("chat.postMessage")
    blocks = (
        json.loads(post.body["blocks"])
        if isinstance(post.body["blocks"], str)
        else post.body["blocks"]
    )
    shared = {"text": post.body["text"], "blocks": blocks}
    # the one mention is of who shared it, on purpose
    assert [t for t in mrkdwn_texts(shared) if "<!" in t or "<https" in t or "<@U0BOSS" in t] == []


def test_junk_in_the_modal_requests_changes_nothing(bot: BotServer, slack: FakeSlack) -> None:
    modal = Modal(bot, slack)
    modal.open()
    modal.view = {**modal.view, "private_metadata": "[" * 3000}
    modal.values[ids.CONNECTOR_BLOCK] = {
        ids.CONNECTOR_MENU: {"selected_option": {"value": "<!channel>"}}
    }
    [hint] = modal.type(ids.TEMPLATE_MENU, "find_template:x", "promo")
    assert hint["value"] == ids.HINT_VALUE and hint["text"]["text"] == "Choose a connector first"
    body = choice_body(
        modal.shown(), action_id=ids.TEMPLATE_MENU, block_id="b", value="1.zz.1", text="x"
    )
    assert modal.post(body).status == 200
    body = choice_body(
        modal.shown(), action_id=ids.CONNECTOR_MENU, block_id="b", value=ids.HINT_VALUE, text="x"
    )
    assert modal.post(body).status == 200
    assert not slack.wait(lambda: slack.calls("views.update"), timeout=0.5)


def test_share_posts_only_where_the_sharer_is_a_member(
    bot: BotServer, slack: FakeSlack, campaign: FakeWolkvox
) -> None:
    """Slack's channel picker lists public channels the person has not joined, and the bot
    may post in any public channel: Share asks Slack who is in the channel first."""
    cache(bot, slack, "1234")
    crowd = [f"U0CROWD{i:05d}" for i in range(2500)]
    slack.members.update(
        {
            "C0OUTSIDE": [*crowd, "U0OTHER"],
            "C0CROWDED": [*crowd, "U0USER1"],  # the third page of 1,000
            "C0HUGE": [*crowd, *crowd, *crowd, "U0USER1"],  # past the pages read
            "G0SECRET": None,  # a private channel the bot is not in
        }
    )
    modal = Modal(bot, slack)
    modal.open()
    modal.choose(ids.CONNECTOR_MENU, ids.CONNECTOR_BLOCK, modal.connector("1234"))
    block = template_block(modal.view)
    modal.choose(ids.TEMPLATE_MENU, block, modal.type(ids.TEMPLATE_MENU, block, "promo_natal")[0])

    def refused(channel: str) -> str:
        acked = modal.share(channel)
        assert acked.status == 200 and acked.body["response_action"] == "errors", acked
        error: str = acked.body["errors"][ids.CHANNEL_BLOCK]
        return error

    assert refused("C0OUTSIDE") == (
        "You are not in that channel: join it first, or choose another one."
    )
    assert "I could not confirm that you are in that channel" in refused("C0HUGE")
    assert "I can't reach this conversation" in refused("G0SECRET")
    assert not slack.calls("chat.postMessage")
    calls = slack.calls("conversations.members")
    assert {(c.verb, c.body["limit"]) for c in calls} == {("GET", "1000")}  # as slack_sdk asks
    asked = [c.body["channel"] for c in calls]
    assert asked.count("C0HUGE") == 5 and asked.count("C0OUTSIDE") == 3  # pages, bounded
    assert modal.share("C0CROWDED").body == {}
    [post] = slack.calls("chat.postMessage")
    assert post.body["channel"] == "C0CROWDED"
