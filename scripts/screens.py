"""Draw the screens in docs/screens/: replies as people see them, from the bot's own views.

Each screen is one message (or modal) built by the pure views the bot answers with
(bot.slack.replies, bot.slack.views, bot.slack.modal.views) over sample data made here, on a
fixed clock, in one of the bot's languages. It is written as Block Kit JSON
(docs/screens/json/<name>-<lang>.json: a rerun writes the same bytes) and drawn as
docs/screens/<name>-<lang>.png by the workplace's renderer (../shared/tools/render_blocks.py,
or $RENDER_BLOCKS), whose checks (what Slack would refuse, live mentions) are printed too.

    scripts/screens                  every screen in SCREENS: JSON and PNG
    scripts/screens sync status-es   only these (a name for its languages, or name-lang)
    scripts/screens --json           only the JSON (no Chromium needed)
    scripts/screens --list           the screens and their languages

Any screen can be drawn in any language (`scripts/screens check_unknown-pt_BR`); a run without
names draws the documented set. Times show as UTC (the renderer writes a <!date> as its
fallback); Slack shows each reader their own time zone.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from bot.database.records import LastSync, Subscription, SyncRecord
from bot.errors import WolkvoxTimeout
from bot.i18n import LANGUAGES, Translator, translator
from bot.i18n.messages import describe
from bot.operations.model import OperationChange
from bot.ops.health import PartHealth
from bot.ops.status import OperationsFacts, OperationUsage, StatusFacts
from bot.slack import replies
from bot.slack.admin.form import Target
from bot.slack.admin.views import OperationsPanel, Shown, form_view, saved_view
from bot.slack.modal.state import Chosen
from bot.slack.modal.views import Found, find_view, ready_status, shared_message
from bot.slack.values import TemplateRef
from bot.slack.views.changes import change_notification, changes_note
from bot.slack.views.compare import Sides
from bot.slack.views.home import home_view
from bot.slack.views.kit import About, Message
from bot.slack.views.status import quota_warning
from bot.templates.compare import compare, comparison_page
from bot.templates.diff import diff
from bot.templates.model import Snapshot, Template, sorted_templates
from bot.templates.query import Query, search_index

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screens"
RENDERER = ROOT.parent / "shared" / "tools" / "render_blocks.py"

NOW = datetime(2026, 11, 25, 15, 4, tzinfo=UTC)  # the fixed clock: every screen's "now"
TIME_LABEL = "3:04 PM"  # NOW as the renderer shows it next to the bot's name
ASKER = "U0MARIA"  # who asked (a user id, as Slack sends it)
ASKER_NAME = "maria"
CHANNEL = "C0VENTAS"  # where channel posts go
ALIASES = {"ventas": "3004", "cobranza": "1234"}
QUOTA, CALLS_TODAY = 1000, 842  # past 80 %: replies after a sync carry the quota warning


# sample data: deterministic (no random, no clock)


def _pick(*key: object) -> int:
    """A number in 0..999 that depends only on `key`: "random" choices that never change."""
    digest = hashlib.sha256(repr(key).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 1000


def _snapshot(
    connector: str, templates: Sequence[Template], synced_at: datetime, snapshot_id: str
) -> Snapshot:
    ordered = sorted_templates(templates)
    return Snapshot(snapshot_id, connector, ordered, 0, synced_at, search_index(ordered))


# connector 3004 ("ventas"): a large account, 5,000 templates, synced just now with changes

SALES_LANGUAGES = ("es_MX", "es_CO", "pt_BR", "en_US", "es")
SALES_CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
SALES_BODIES = {
    "es": "Hola {{1}}, su pedido %d ya está listo. Código {{2}}.",
    "pt": "Olá {{1}}, seu pedido %d já está pronto. Código {{2}}.",
    "en": "Hi {{1}}, your order %d is ready. Code {{2}}.",
}


def _sales_template(i: int, edited: bool = False) -> Template:
    language = SALES_LANGUAGES[i % len(SALES_LANGUAGES)]
    body = SALES_BODIES[language[:2]] % i
    if edited:
        body = body.replace("{{2}}.", "{{2}}. ¡Gracias!" if language[:2] == "es" else "{{2}}!")
    category = SALES_CATEGORIES[i % len(SALES_CATEGORIES)]
    return Template(f"plantilla_{i:05d}", language, category, body)


def sales_sync() -> tuple[Snapshot, list[Template]]:
    """Connector 3004 now (5,000 templates) and as its previous sync saw it: 7 added since,
    3 removed, 3 bodies edited."""
    now = [_sales_template(i, edited=4990 <= i <= 4992) for i in range(5000)]
    before = [_sales_template(i) for i in range(4993)]
    before += [
        Template("promo_hot_sale_2025", "es_MX", "MARKETING", "¡Hot Sale! 30% en todo, {{1}}."),
        Template("promo_cyber_2025", "es_CO", "MARKETING", "Cyber Lunes: envío gratis, {{1}}."),
        Template("promo_black_friday_2025", "pt_BR", "MARKETING", "Black Friday: 40% off, {{1}}!"),
    ]
    return _snapshot("3004", now, NOW, "5a1e5000a1"), before


# connector 1234 ("cobranza"): 600 template names in 6 languages, some missing; 5678 its copy

CAMPAIGN_LANGUAGES = ("en_GB", "en_US", "es", "es_CO", "es_MX", "pt_BR")
FAMILIES = {  # name: (category, Spanish, Portuguese, English body)
    "bienvenida": (
        "MARKETING",
        "¡Hola {{1}}! Gracias por elegirnos; escríbanos aquí cuando nos necesite.",
        "Olá {{1}}! Obrigado por nos escolher; escreva para nós aqui quando precisar.",
        "Hi {{1}}! Thanks for choosing us; write to us here whenever you need.",
    ),
    "confirmacion_cita": (
        "UTILITY",
        "Hola {{1}}, su cita quedó confirmada para el {{2}} a las {{3}}.",
        "Olá {{1}}, sua consulta está confirmada para {{2}} às {{3}}.",
        "Hi {{1}}, your appointment is confirmed for {{2}} at {{3}}.",
    ),
    "codigo_acceso": (
        "AUTHENTICATION",
        "Su código de acceso es {{1}}. No lo comparta con nadie.",
        "Seu código de acesso é {{1}}. Não o compartilhe com ninguém.",
        "Your access code is {{1}}. Do not share it with anyone.",
    ),
    "encuesta": (
        "MARKETING",
        "{{1}}, ¿cómo fue su experiencia? Responda del 1 al 5.",
        "{{1}}, como foi sua experiência? Responda de 1 a 5.",
        "{{1}}, how was your experience? Reply from 1 to 5.",
    ),
    "recordatorio_pago": (
        "UTILITY",
        "Hola {{1}}, le recordamos que su pago de {{2}} vence el {{3}}. Responda PAGAR para "
        "recibir el enlace.",
        "Olá {{1}}, lembramos que seu pagamento de {{2}} vence em {{3}}. Responda PAGAR para "
        "receber o link.",
        "Hi {{1}}, a reminder that your payment of {{2}} is due on {{3}}. Reply PAY to get "
        "the link.",
    ),
}
CHECKED = "recordatorio_pago_009"  # the name `check` shows: two things to fix
CHECK_UNKNOWN = "recordatorio_pagos"  # a name that is not there: the closest names
MODAL_TEMPLATE = "recordatorio_pago_014"  # what the modal shows and Share posts, in the
MODAL_LANGUAGE = {"en": "en_US", "es": "es_MX", "pt_BR": "pt_BR"}  # reader's language
LONG_BODY = (  # CHECKED in es_MX: one variable where the others have three, near the limit
    "Hola {{1}}, le recordamos que su pago vence pronto. Puede pagar en línea con tarjeta de "
    "crédito o débito, por transferencia bancaria, en cualquier sucursal de nuestros bancos "
    "aliados o en los puntos de pago autorizados de todo el país. Si paga en efectivo, "
    "conserve el comprobante hasta que el pago se vea reflejado en su cuenta. Los pagos "
    "hechos después de las 6 p. m. se reflejan al día hábil siguiente, y los de fines de "
    "semana o días festivos, el primer día hábil después. Si ya realizó el pago, ignore este "
    "mensaje. Si tiene dudas sobre el valor, la fecha o los medios de pago, responda AYUDA y "
    "un asesor le escribirá en horario de oficina, de lunes a viernes de 8 a. m. a 6 p. m. "
    "Recuerde que nunca le pediremos contraseñas ni códigos por este medio. Para dejar de "
    "recibir estos recordatorios, responda SALIR; puede volver a activarlos cuando quiera "
    "desde su cuenta en nuestro sitio web o llamando a nuestra línea de atención al cliente."
)


def _campaign_body(family: str, language: str) -> str:
    _, spanish, portuguese, english = FAMILIES[family]
    return {"es": spanish, "pt": portuguese, "en": english}[language[:2]]


def _campaign_templates() -> list[Template]:
    families = list(FAMILIES)
    templates = []
    for i in range(600):
        family = families[i % len(families)]
        name = f"{family}_{i:03d}"
        category = FAMILIES[family][0]
        for language in CAMPAIGN_LANGUAGES:
            if name not in (CHECKED, MODAL_TEMPLATE) and _pick(name, language) < 130:
                continue  # about 13 % of the grid is missing
            body = _campaign_body(family, language)
            if name == CHECKED and language == "es_MX":
                body = LONG_BODY
            templates.append(Template(name, language, category, body))
    names = {x.name for x in templates}
    assert CHECKED in names and MODAL_TEMPLATE in names
    return templates


def campaign() -> Snapshot:
    """Connector 1234, cached, synced 4 minutes before NOW."""
    synced = NOW - timedelta(minutes=4)
    return _snapshot("1234", _campaign_templates(), synced, "c0ffee1234")


def campaign_copy(original: Snapshot) -> Snapshot:
    """Connector 5678, cached 12 minutes before NOW: 1234 with some templates missing, a few
    of its own, and some bodies and categories edited."""
    templates = []
    for x in original.templates:
        roll = _pick("5678", x.name, x.language)
        if roll < 45:
            continue  # only in 1234
        if roll < 95:
            x = Template(x.name, x.language, x.category, x.body + " 🙂")
        elif roll < 105 and x.category == "UTILITY":
            x = Template(x.name, x.language, "MARKETING", x.body)
        templates.append(x)
    for i in range(12):
        language = CAMPAIGN_LANGUAGES[i % len(CAMPAIGN_LANGUAGES)]
        body = _campaign_body("encuesta", language)
        templates.append(Template(f"encuesta_navidad_{i:02d}", language, "MARKETING", body))
    return _snapshot("5678", templates, NOW - timedelta(minutes=12), "c0ffee5678")


# the screens


def asked(t: Translator, origin: str = "cache", note: str = "") -> About:
    return About(now=NOW, t=t, origin=origin, asked_by=ASKER, note=note)


def sync_screen(t: Translator) -> Message:
    """`/wolkvox-sync ventas`, synced just now: what changed, the quota note, page 1."""
    snapshot, before = sales_sync()
    changes = diff(before, snapshot.templates, "5a1e4999b0")
    note = changes_note(changes, t) + "\n" + quota_warning(CALLS_TODAY, QUOTA, t, NOW)
    return replies.lookup_reply(snapshot, asked(t, "wolkvox", note))


def error_screen(t: Translator) -> Message:
    """A sync that timed out."""
    return replies.text_message(describe(WolkvoxTimeout("3004", 30), t))


def help_screen(t: Translator) -> Message:
    return replies.help_message(t, ALIASES)


def notification_screen(t: Translator) -> Message:
    """The post in a subscribed channel after the sync of `sync_screen`."""
    snapshot, before = sales_sync()
    changes = diff(before, snapshot.templates, "5a1e4999b0")
    message, _ = change_notification(
        snapshot, changes, t, user_id=ASKER, user_name=ASKER_NAME, source="slack"
    )
    return {"channel": CHANNEL, **message}


def coverage_screen(t: Translator) -> Message:
    return replies.coverage_reply(campaign(), asked(t))


def check_screen(t: Translator) -> Message:
    return replies.check_reply(campaign(), CHECKED, asked(t))


def check_unknown_screen(t: Translator) -> Message:
    return replies.check_reply(campaign(), CHECK_UNKNOWN, asked(t))


def _compared(t: Translator, last: bool) -> Message:
    left = campaign()
    right = campaign_copy(left)
    pages = comparison_page(compare(left, right, Query()), 0).pages
    about = About(now=NOW, t=t, asked_by=ASKER)
    sides = Sides(left="wolkvox", right="cache")
    page = pages - 1 if last else 0
    return replies.compare_reply(left, right, about, page=page, sides=sides)


def compare_screen(t: Translator) -> Message:
    """1234 synced just now, 5678 from the cache: the first page of differences."""
    return _compared(t, last=False)


def compare_last_screen(t: Translator) -> Message:
    """The same comparison's last page."""
    return _compared(t, last=True)


def _modal_template(snapshot: Snapshot, t: Translator) -> tuple[int, Template]:
    key = (MODAL_TEMPLATE, MODAL_LANGUAGE[t.language])
    return next((i, x) for i, x in enumerate(snapshot.templates) if x.key == key)


def find_template_modal_screen(t: Translator) -> dict[str, Any]:
    """The "Find a template" modal once a connector and a template are chosen."""
    snapshot = campaign()
    index, template = _modal_template(snapshot, t)
    chosen = Chosen(
        connector="1234",
        label="cobranza (1234)",
        template=TemplateRef(snapshot.connector, snapshot.id, index),
    )
    status = ready_status(snapshot, "cache", NOW, t)
    return find_view(Found(chosen=chosen, status=status, template=template), t)


def find_template_shared_screen(t: Translator) -> Message:
    """What Share posts in the channel."""
    snapshot = campaign()
    _, template = _modal_template(snapshot, t)
    message = shared_message(snapshot, template, user_id=ASKER, now=NOW, t=t)
    return {"channel": CHANNEL, **message}


def status_screen(t: Translator) -> Message:
    """`/wolkvox-sync status` at the moment of the other screens: quota past 80 %, the
    schedule's connector syncing again and one sync waiting, Redis down."""
    collections = campaign()
    sales, _ = sales_sync()
    copy = campaign_copy(collections)
    facts = StatusFacts(
        calls_today=CALLS_TODAY,
        daily_quota=QUOTA,
        quota_state="warn",
        syncing=["9012"],
        waiting=1,
        cached=["1234", "3004", "5678"],
        last_syncs=[
            LastSync("3004", sales.synced_at, "slack", ASKER_NAME, sales.count),
            LastSync("1234", collections.synced_at, "slack", ASKER_NAME, collections.count),
            LastSync("5678", copy.synced_at, "console", "", copy.count),
            LastSync("9012", NOW - timedelta(hours=2), "scheduler", "", 412),
        ],
        database=PartHealth("database", "ok"),
        redis=PartHealth("redis", "down", "connection refused"),
        operations=operations(),
    )
    return replies.status_reply(facts, t, now=NOW)


# the operations (issue 20): a BPO serving two clients besides the deployment's own

ADMIN = "U0ADMIN"


def operations() -> OperationsFacts:
    """Three operations and the last changes to them (never a token: only its last 4)."""
    usage = [
        OperationUsage("default", "0032", "6789", True, CALLS_TODAY, QUOTA, "warn", 3),
        OperationUsage("cliente_a", "0077", "7Q9Z", False, 120, 5000, "ok", 2),
        OperationUsage("cliente_b", "0104", "k2Lm", False, 0, 0, "ok", 0),
    ]
    changes = [
        OperationChange(NOW - timedelta(minutes=3), ADMIN, "cliente_b", "added",
                        ("server", "token", "daily_quota", "aliases")),
        OperationChange(NOW - timedelta(hours=2), ADMIN, "cliente_a", "edited",
                        ("token", "daily_quota")),
        OperationChange(NOW - timedelta(days=1), "console", "cliente_a", "added",
                        ("server", "token", "daily_quota", "aliases")),
    ]  # fmt: skip
    return OperationsFacts(usage, changes)


def _record(connector: str, minutes: int, count: int, changed: int) -> SyncRecord:
    at = NOW - timedelta(minutes=minutes)
    return SyncRecord(
        f"r{minutes}", connector, at, "slack", ASKER, ASKER_NAME, count, 0, False, 0, 0, changed
    )


def home_operations_screen(t: Translator) -> dict[str, Any]:
    """The App Home as an admin sees it: the operations with Add, Edit and Remove (the
    environment's without), the last changes, recent syncs, subscriptions."""
    t = t.with_operations(True)
    panel = OperationsPanel(operations(), admin=True)
    recent = [
        _record("default:3004", 1, 5000, 3),
        _record("cliente_a:1234", 4, 600, 0),
        _record("default:5678", 12, 588, 2),
    ]
    subs = [Subscription("T0001", CHANNEL, "default:3004", ASKER, NOW - timedelta(days=3))]
    return home_view(recent, subs, now=NOW, t=t, operations=panel)


def home_member_screen(t: Translator) -> dict[str, Any]:
    """The same Home for someone who is not an admin: no buttons."""
    t = t.with_operations(True)
    panel = OperationsPanel(operations(), admin=False)
    return home_view([], [], now=NOW, t=t, operations=panel)


def operation_modal_screen(t: Translator) -> dict[str, Any]:
    """Edit cliente_a: its fields filled, the token never (left empty, it is kept)."""
    shown = Shown(
        name="cliente_a",
        server="0077",
        daily_quota="5000",
        aliases="ventas=1234, soporte=5678",
        test_connector="1234",
        token_tail="7Q9Z",  # noqa: S106 (a token's last 4 characters)
    )
    return form_view(Target("cliente_a"), shown, t)


def operation_saved_screen(t: Translator) -> dict[str, Any]:
    """Saved after the test sync: Wolkvox's answer in the modal."""
    return saved_view("cliente_b", t, connector="1234", templates=600)


@dataclass(frozen=True, slots=True)
class Screen:
    name: str
    make: Callable[[Translator], dict[str, Any]]
    languages: tuple[str, ...]  # the ones docs/screens keeps


EVERY = tuple(LANGUAGES)
SCREENS = (
    Screen("sync", sync_screen, EVERY),
    Screen("error", error_screen, EVERY),
    Screen("help", help_screen, EVERY),
    Screen("notification", notification_screen, EVERY),
    Screen("coverage", coverage_screen, EVERY),
    Screen("check", check_screen, EVERY),
    Screen("check_unknown", check_unknown_screen, ("en",)),
    Screen("compare", compare_screen, EVERY),
    Screen("compare_last", compare_last_screen, ("en",)),
    Screen("find-template-modal", find_template_modal_screen, EVERY),
    Screen("find-template-shared", find_template_shared_screen, EVERY),
    Screen("status", status_screen, EVERY),
    Screen("home-operations", home_operations_screen, EVERY),
    Screen("home-member", home_member_screen, ("en",)),
    Screen("operation-modal", operation_modal_screen, EVERY),
    Screen("operation-saved", operation_saved_screen, EVERY),
)


# writing and drawing


def chosen(selectors: Sequence[str]) -> list[tuple[Screen, str]]:
    """The (screen, language) pairs `selectors` name: "sync" (its documented languages),
    "sync-es" (one, documented or not); all documented ones when there are none."""
    if not selectors:
        return [(s, language) for s in SCREENS for language in s.languages]
    by_name = {s.name: s for s in SCREENS}
    pairs = []
    for selector in selectors:
        if selector in by_name:
            pairs += [(by_name[selector], x) for x in by_name[selector].languages]
            continue
        name, _, language = selector.rpartition("-")
        if name not in by_name or language not in LANGUAGES:
            known = ", ".join(by_name)
            raise SystemExit(f"no screen {selector!r}: a name ({known}), or name-language")
        pairs.append((by_name[name], language))
    return pairs


def write_json(message: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(message, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load_renderer(path: Path) -> ModuleType:
    """render_blocks.py as a module, for its checks (problems, notices)."""
    spec = importlib.util.spec_from_file_location("render_blocks", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def draw(renderer: Path, source: Path, png: Path) -> None:
    command = [sys.executable, str(renderer), str(source), str(png), "--time", TIME_LABEL]
    env = {**os.environ, "TZ": "UTC"}
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)  # noqa: S603


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("screens", nargs="*", help="name or name-language (default: all)")
    parser.add_argument("--json", action="store_true", help="write the JSON only, no PNG")
    parser.add_argument("--list", action="store_true", help="list the screens and stop")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (docs/screens)")
    args = parser.parse_args(argv)
    if args.list:
        for s in SCREENS:
            print(f"{s.name:22} {' '.join(s.languages)}")
        return 0
    renderer = Path(os.environ.get("RENDER_BLOCKS", RENDERER))
    if not renderer.is_file():
        raise SystemExit(f"no renderer at {renderer} (set RENDER_BLOCKS)")
    checks = load_renderer(renderer)
    refused = 0
    for screen, language in chosen(args.screens):
        stem = f"{screen.name}-{language}"
        message = screen.make(translator(language))
        source = args.out / "json" / f"{stem}.json"
        write_json(message, source)
        problems = checks.problems(message)
        refused += bool(problems)
        for line in problems:
            print(f"{stem}: REFUSED {line}")
        for line in checks.notices(message):
            print(f"{stem}: live markup: {line}")
        if not args.json:
            draw(renderer, source, args.out / f"{stem}.png")
        print(f"{stem}: {source.relative_to(ROOT) if source.is_relative_to(ROOT) else source}")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
