"""`python -m bench.options`: the "Find a WhatsApp template" menu's options request, end to end.

Starts the Procfile's web process with a fake Wolkvox and a fake Slack on 127.0.0.1, syncs a
connector of 5,000 templates (varied names in 5 languages, bodies of about 300 characters) with
the slash command, then sends signed `block_suggestion` requests as Slack does while someone
types in the modal's template menu: typical queries (prefixes, words, accents, a typo, nothing
that matches), one request at a time, each timed from the first byte sent to the last byte of
the answer. Slack gives an options request 3 s. Prints a table and writes bench/options.json.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from typing import Any

from bench import scenario
from bench.scenario import machine, with_bot
from bench.slash_client import Client, pct
from bot.i18n import translator
from bot.slack.modal import ids
from bot.slack.modal.state import Chosen
from bot.slack.modal.views import Found, find_view
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import Reply, ok
from testkit.modal_requests import as_shown, selected, suggestion_body
from testkit.slack_requests import sign

CONNECTOR = "7300"
TEMPLATES = 5000
TARGET_P99_MS = 300  # well inside Slack's 3 s for an options request
QUERIES = [
    "",  # the menu opened, nothing typed yet
    "r",
    "rec",
    "recordatorio",
    "recordatorio pago",
    "pedido listo",
    "promoción",  # an accent the names don't have
    "NAVIDAD",
    "verificasion",  # a typo: look-alike names
    "factura 12",
    "xyzzy",  # nothing matches: the look-alike search over every name
]
_WORDS = [
    *("promo", "recordatorio", "pago", "pedido", "envio", "bienvenida", "codigo"),
    *("verificacion", "factura", "cita", "encuesta", "navidad", "verano", "descuento"),
    *("cuenta", "saldo", "entrega", "devolucion", "reserva", "confirmacion", "alerta"),
]
_LANGUAGES = ["es_MX", "es_CO", "pt_BR", "en_US", "es"]
_CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"]


def catalog(n: int, seed: int = 13) -> list[dict[str, Any]]:
    """`n` templates with names made of 2 or 3 domain words and a number, in 5 languages."""
    rng = random.Random(seed)
    names: list[str] = []
    while len(names) * len(_LANGUAGES) < n:
        words = rng.sample(_WORDS, rng.choice((2, 3)))
        names.append(f"{'_'.join(words)}_{rng.randrange(100)}")
    body = (
        "Hola {{1}}, le escribimos de parte de Tienda Ejemplo: su pedido {{2}} está en camino y "
        "llegará el {{3}}. Si necesita cambiar la dirección de entrega, responda a este mensaje. "
        "Recuerde que puede consultar el estado en cualquier momento en nuestra página. "
        "¡Gracias por su compra, {{1}}!"
    )
    return [
        {
            "name_template": names[i // len(_LANGUAGES)],
            "body_template": body,
            "idiom": _LANGUAGES[i % len(_LANGUAGES)],
            "category": _CATEGORIES[i % len(_CATEGORIES)],
        }
        for i in range(n)
    ]


def options_request(client: Client, view: dict[str, Any], typed: str) -> tuple[str, bytes]:
    """A signed block_suggestion request as raw HTTP/1.1, built before its clock starts."""
    body = suggestion_body(
        view, action_id=ids.TEMPLATE_MENU, block_id=ids.template_block(CONNECTOR), typed=typed
    )
    headers = {
        **sign(body),
        "Host": f"{client.host}:{client.port}",
        "Content-Length": str(len(body)),
        "Connection": "close",
    }
    head = "POST /slack/events HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return typed, (head + "\r\n" + body).encode()


async def measure(url: str, slack: FakeSlack, rounds: int) -> dict[str, Any]:
    client = Client(url, slack, connections=1)
    _, name, _, answer = await client.command(CONNECTOR)  # the sync the modal reads from
    deadline = time.monotonic() + 60
    while not slack.replies_to(name) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    if not slack.replies_to(name):
        raise RuntimeError(f"connector {CONNECTOR} did not sync: {answer}")
    chosen = Chosen(CONNECTOR, f"Connector {CONNECTOR}")
    view = as_shown(
        find_view(Found(chosen), translator("en")),
        {ids.CONNECTOR_BLOCK: {ids.CONNECTOR_MENU: selected(CONNECTOR, chosen.label)}},
    )
    first = await client.send(*options_request(client, view, "rec"))
    per_query: dict[str, list[float]] = {q: [] for q in QUERIES}
    counts: dict[str, int] = {}
    failures = 0
    for _ in range(rounds):
        for typed in QUERIES:
            _, _, good, data = await client.send(*options_request(client, view, typed))
            options = data["body"].get("options") if good else None
            if not isinstance(options, list) or len(options) > 100:
                failures += 1
                continue
            per_query[typed].append(data["ack"] * 1000)
            counts[typed] = len(options)
    every = [ms for values in per_query.values() for ms in values]
    return {
        "connector_templates": TEMPLATES,
        "requests": len(every),
        "failures": failures,
        "first_request_ms": round(first[3]["ack"] * 1000, 1),
        "p50_ms": round(statistics.median(every), 1),
        "p99_ms": round(pct(every, 99), 1),
        "max_ms": round(max(every), 1),
        "queries": {
            q or "(nothing typed)": {
                "options": counts.get(q, 0),
                "p50_ms": round(statistics.median(v), 1) if v else None,
                "p99_ms": round(pct(v, 99), 1) if v else None,
            }
            for q, v in per_query.items()
        },
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    result = await with_bot(
        "options",
        lambda url, slack, _: measure(url, slack, args.rounds),
        prepare=lambda wolkvox: wolkvox.reply(CONNECTOR, Reply(body=ok(catalog(TEMPLATES)))),
    )
    return {
        **machine(),
        "options_request": result,
        "target": f"p99 < {TARGET_P99_MS} ms, every request answered",
        "met": result["failures"] == 0 and result["p99_ms"] < TARGET_P99_MS,
    }


def table(r: dict[str, Any]) -> str:
    o = r["options_request"]
    lines = [
        f"options request, {o['connector_templates']:,} cached templates, "
        f"{o['requests']} requests one at a time",
        f"  p50 {o['p50_ms']} ms, p99 {o['p99_ms']} ms, max {o['max_ms']} ms; "
        f"first request (builds the name index) {o['first_request_ms']} ms; "
        f"failures {o['failures']}",
        "",
    ]
    width = max(len(q) for q in o["queries"])
    for query, q in o["queries"].items():
        lines.append(
            f"  {query:<{width}}  {q['options']:>3} options  p50 {q['p50_ms']} ms  "
            f"p99 {q['p99_ms']} ms"
        )
    lines += ["", f"[{'x' if r['met'] else ' '}] {r['target']}"]
    return "\n".join(lines)


def main() -> int:
    def arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--rounds", type=int, default=40, help="times each query is sent")

    return scenario.main("options", __doc__, run, table, arguments)


if __name__ == "__main__":
    sys.exit(main())
