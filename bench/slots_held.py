"""`python -m bench.slots_held`: a member's sync while another tries to hold the Wolkvox slots.

Starts the Procfile's web process with a fake Wolkvox and a fake Slack on 127.0.0.1. Wolkvox
takes `--latency` seconds (2.5) to answer each call. Member A sends 20 slash commands for 20
different connectors nobody has synced, all at once (within A's 20 syncs a minute); once they
are acknowledged, member B sends a command for another new connector, then cached commands one
after another until every answer has arrived.

Reports B's ack p50/p99/max (every acknowledgement, the sync's included), the time from B's
sync command until its answer reaches the response_url, how A's commands ended (answered, or
refused as "already have 2 syncs running or waiting") and the most calls Wolkvox had in flight.
One person holds at most one of the 2 Wolkvox slots, so B's answer takes about one Wolkvox
call. Writes bench/slots_held.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from typing import Any

from bench import scenario
from bench.scenario import machine, with_bot
from bench.slash_client import Client, answered_in_ack, pct
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, make_templates, ok

CACHED, NEW = "7500", "7501"  # B's cached connector, B's new one
FLOODED = [str(7510 + i) for i in range(20)]  # A's new connectors
MEMBER_A, MEMBER_B = "U0SLOTSA", "U0SLOTSB"
TARGET_ACK_P99_MS = 300
TARGET_CALLS = 2  # B's answer within this many Wolkvox calls' time
REFUSED = "already have"  # ":hand: You already have 2 syncs running or waiting for Wolkvox…"


def _text(replies: list[dict[str, Any]]) -> str:
    return json.dumps(replies, ensure_ascii=False)


async def slots_held(
    url: str, slack: FakeSlack, wolkvox: FakeWolkvox, latency: float
) -> dict[str, Any]:
    """A floods 20 new connectors, then B syncs one and sends cached commands meanwhile."""
    wolkvox.reply(CACHED, Reply(body=ok(make_templates(20, prefix="aviso"))))
    for connector in [NEW, *FLOODED]:
        wolkvox.reply(connector, Reply(body=ok(make_templates(50)), delay=latency))
    member_a = Client(url, slack, connections=len(FLOODED))
    member_b = Client(url, slack, connections=1)
    _, warm, _, data = await member_b.command(CACHED, user=MEMBER_B)  # B's cached connector
    deadline = time.monotonic() + 60
    while not answered_in_ack(data["body"]) and not slack.replies_to(warm):
        if time.monotonic() > deadline:
            raise RuntimeError(f"connector {CACHED} did not sync")
        await asyncio.sleep(0.05)
    while wolkvox.in_flight:  # nothing of an earlier scenario still at Wolkvox
        await asyncio.sleep(0.05)
    wolkvox.max_in_flight = 0
    calls_before, refused_before = len(wolkvox.calls), wolkvox.refused

    flood = [member_a.request(connector, user=MEMBER_A) for connector in FLOODED]
    flood_started = time.perf_counter()
    sent = await asyncio.gather(*(member_a.send(*request) for request in flood))
    flood_s = time.perf_counter() - flood_started
    a_names = [name for _, name, _, _ in sent]

    b_started, b_name, b_good, b_data = await member_b.command(NEW, user=MEMBER_B)
    acks = [b_data["ack"] * 1000] if b_good else []
    failures = 0 if b_good else 1
    waiting_until = time.monotonic() + latency * (len(FLOODED) + 2) + 10  # even served in a row
    while time.monotonic() < waiting_until and not (
        slack.replies_to(b_name) and all(slack.replies_to(n) for n in a_names)
    ):
        _, _, good, data = await member_b.command(CACHED, user=MEMBER_B)
        if good and answered_in_ack(data["body"]):
            acks.append(data["ack"] * 1000)
        else:
            failures += 1
        await asyncio.sleep(0.02)

    b_replies = slack.replies_to(b_name)
    b_answered = bool(b_replies) and answered_in_ack(b_replies[-1])
    a_replies = [slack.replies_to(n) for n in a_names]
    refused = sum(1 for r in a_replies if REFUSED in _text(r))
    answered = sum(1 for r in a_replies if r and answered_in_ack(r[-1]))
    await member_a.aclose()
    await member_b.aclose()
    return {
        "wolkvox_latency_s": latency,
        "a_commands": len(FLOODED),
        "a_flood_s": round(flood_s, 2),
        "a_acknowledged": sum(1 for _, _, good, _ in sent if good),
        "a_refused": refused,
        "a_answered": answered,
        "a_other": len(FLOODED) - refused - answered,
        "b_commands": len(acks),
        "b_ack_p50_ms": round(statistics.median(acks), 1) if acks else None,
        "b_ack_p99_ms": round(pct(acks, 99), 1) if acks else None,
        "b_ack_max_ms": round(max(acks), 1) if acks else None,
        "b_failures": failures,
        "b_answered": b_answered,
        "b_answer_s": (round(slack.received_at(b_name) - b_started, 2) if b_replies else None),
        "wolkvox_calls": len(wolkvox.calls) - calls_before,
        "wolkvox_max_in_flight": wolkvox.max_in_flight,
        "wolkvox_refused": wolkvox.refused - refused_before,
    }


def met(s: dict[str, Any]) -> bool:
    """B answered within TARGET_CALLS Wolkvox calls' time, B's acks fast, Wolkvox's limit kept."""
    return (
        s["b_answered"]
        and s["b_answer_s"] is not None
        and s["b_answer_s"] < TARGET_CALLS * s["wolkvox_latency_s"]
        and s["b_failures"] == 0
        and s["b_ack_p99_ms"] is not None
        and s["b_ack_p99_ms"] < TARGET_ACK_P99_MS
        and s["wolkvox_max_in_flight"] <= 2
        and s["wolkvox_refused"] == 0
    )


TARGET = (
    f"slots held: B's sync answered within {TARGET_CALLS} Wolkvox calls' time, "
    f"B's ack p99 < {TARGET_ACK_P99_MS} ms, at most 2 calls in flight"
)


def summary(s: dict[str, Any]) -> str:
    return (
        f"B's ack p50 {s['b_ack_p50_ms']} ms, p99 {s['b_ack_p99_ms']} ms, max {s['b_ack_max_ms']} ms "
        f"({s['b_commands']} commands, {s['b_failures']} failed); B's answer {s['b_answer_s']} s; "
        f"A: {s['a_refused']} refused, {s['a_answered']} answered, {s['a_other']} other; "
        f"Wolkvox {s['wolkvox_calls']} calls, max {s['wolkvox_max_in_flight']} in flight, "
        f"{s['wolkvox_refused']} refused"
    )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    result = await with_bot(
        "slots", lambda url, slack, wolkvox: slots_held(url, slack, wolkvox, args.latency)
    )
    return {**machine(), "slots_held": result, "target": TARGET, "met": met(result)}


def table(r: dict[str, Any]) -> str:
    s = r["slots_held"]
    return "\n".join(
        [
            f"member A sends {s['a_commands']} new connectors at once, then member B syncs one "
            f"(Wolkvox {s['wolkvox_latency_s']} s a call)",
            f"  {summary(s)}",
            "",
            f"[{'x' if r['met'] else ' '}] {r['target']}",
        ]
    )


def main() -> int:
    def arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--latency", type=float, default=2.5, help="fake Wolkvox latency (s)")

    return scenario.main("slots_held", __doc__, run, table, arguments)


if __name__ == "__main__":
    sys.exit(main())
