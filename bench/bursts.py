"""`python -m bench.bursts`: bursts of slash commands sent at once, from people the bot knows
(warm) and from people it has never seen (cold).

Starts the Procfile's web process with a fake Wolkvox and a fake Slack on 127.0.0.1.

- warm: `--rounds` bursts of `--burst` commands, each burst for a connector nobody has synced
  while Wolkvox takes `--latency` seconds; one Wolkvox call per burst. Each burst comes
  SETTLE_SECONDS after the one before has been answered (the bot has finished it).
- cold: the same bursts, each command from a person the bot has not seen (their language is
  not cached; Slack takes USERS_INFO_SECONDS to answer users.info, their locales alternate
  Spanish, Portuguese and English); once a burst is answered, as many commands for the same
  connector, now cached, from as many other new people. No acknowledgement waits for
  users.info; every answer is checked to be in its person's language; the users.info calls
  are counted (one a person; tests/test_user_language_flights.py checks that exactly).

Writes bench/bursts.json (`python -m bench` runs both too).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import Counter
from typing import Any

from bench import scenario
from bench.scenario import machine, with_bot
from bench.slash_client import Client, answered_in_ack, pct
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, make_templates, ok

WARM_TARGET_ACK_P99_MS = 100
COLD_TARGET_ACK_P99_MS = 50
USERS_INFO_SECONDS = 0.1  # how long the fake Slack takes to answer users.info
SETTLE_SECONDS = 0.5  # before each burst, the bot finishes answering the one before
TEMPLATES = 300
# each new person's Slack locale, and the word their answer's header has for "templates"
LOCALES = {"es-LA": "plantillas", "pt-BR": "modelos", "en-US": "templates"}


async def warm_up(
    client: Client, slack: FakeSlack, wolkvox: FakeWolkvox, connector: str, user: str = ""
) -> None:
    """A bot that has been running: Bolt's first-request auth.test and the first sync's one-off
    set-up (HTTP pool, lazy imports) are behind it; with `user`, a person it had not seen
    (their language looked up) too."""
    wolkvox.reply(connector, Reply(body=ok(make_templates(10))))
    for who in ("", user) if user else ("",):
        _, name, _, data = await client.command(connector, user=who)
        while not answered_in_ack(data["body"]) and not slack.replies_to(name):
            await asyncio.sleep(0.05)


async def burst(
    url: str, slack: FakeSlack, wolkvox: FakeWolkvox, latency: float, commands: int, rounds: int
) -> dict[str, Any]:
    """`rounds` bursts, each of `commands` commands for a new connector sent at once while
    Wolkvox takes `latency` seconds; percentiles are over every acknowledgement."""
    client = Client(url, slack, connections=commands)
    await warm_up(client, slack, wolkvox, "6999")
    acks: list[float] = []
    acknowledged = answered = 0
    calls: list[int] = []
    last_answers: list[float] = []
    for round_ in range(rounds):
        connector = str(7000 + round_)
        wolkvox.reply(connector, Reply(body=ok(make_templates(TEMPLATES)), delay=latency))
        requests = [client.request(connector) for _ in range(commands)]
        await asyncio.sleep(SETTLE_SECONDS)
        started = time.perf_counter()
        results = await asyncio.gather(*(client.send(*r) for r in requests))
        acks += [r[3]["ack"] * 1000 for r in results]
        acknowledged += sum(1 for r in results if r[2])
        names = [r[1] for r in results]
        deadline = time.monotonic() + latency + 30
        while time.monotonic() < deadline and not all(
            slack.replies_to(n) or answered_in_ack(r[3]["body"])
            for n, r in zip(names, results, strict=True)
        ):
            await asyncio.sleep(0.01)
        answered_at = []
        for name, result in zip(names, results, strict=True):
            if answered_in_ack(result[3]["body"]):
                answered_at.append(result[0] + result[3]["ack"])
            elif slack.replies_to(name):
                answered_at.append(slack.received_at(name))
        answered += len(answered_at)
        if answered_at:
            last_answers.append(max(answered_at) - started)
        calls.append(wolkvox.calls_for(connector))
    await client.aclose()
    return {
        "rounds": rounds,
        "commands": commands,
        "wolkvox_latency_s": latency,
        "acknowledged": acknowledged,
        "ack_p50_ms": round(statistics.median(acks), 1),
        "ack_p99_ms": round(pct(acks, 99), 1),
        "ack_max_ms": round(max(acks), 1),
        "answered": answered,
        "last_answer_s": round(max(last_answers), 2) if last_answers else None,
        "wolkvox_calls_per_burst": calls,
    }


def _header(message: dict[str, Any]) -> str:
    blocks = message.get("blocks") or [{}]
    text = blocks[0].get("text")
    return str(text.get("text", "")) if isinstance(text, dict) else ""


def _answer(
    slack: FakeSlack, name: str, body: dict[str, Any], connector: str
) -> dict[str, Any] | None:
    """A command's answer (its header "Connector 7200 · 300 templates", in any language): the
    acknowledgement itself, or the last post to response_url; None while there is none."""
    shown = f"{connector} · {TEMPLATES} "
    replies = slack.replies_to(name)
    found = [m for m in [body, *replies[-1:]] if shown in _header(m)]
    return found[0] if found else None


async def _cold_round(
    client: Client,
    slack: FakeSlack,
    connector: str,
    people: list[str],
    patience: float,
) -> dict[str, Any]:
    """`people`, each new, send `connector` at once: their acks, and their answers."""
    for i, person in enumerate(people):
        slack.locales[person] = list(LOCALES)[i % len(LOCALES)]
    requests = [client.request(connector, user=person) for person in people]
    await asyncio.sleep(SETTLE_SECONDS)
    results = await asyncio.gather(*(client.send(*r) for r in requests))
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline and not all(
        _answer(slack, r[1], r[3]["body"], connector) for r in results
    ):
        await asyncio.sleep(0.01)
    in_language, answers_ms, in_ack = 0, [], 0
    for person, (started, name, _, data) in zip(people, results, strict=True):
        answer = _answer(slack, name, data["body"], connector)
        if answer is None:
            continue
        if answer is data["body"]:
            in_ack += 1
            answers_ms.append(data["ack"] * 1000)
        else:  # when the last post arrived: the answer, after a "syncing" post or none
            posts = [p for p in slack.responses if p.path == f"/response/{name}"]
            answers_ms.append((posts[-1].at - started) * 1000)
        in_language += _header(answer).endswith(LOCALES[str(slack.locales[person])])
    return {
        "acks_ms": [r[3]["ack"] * 1000 for r in results if r[2]],
        "answers_ms": answers_ms,
        "in_language": in_language,
        "answered_in_ack": in_ack,
    }


async def cold_burst(
    url: str, slack: FakeSlack, wolkvox: FakeWolkvox, latency: float, commands: int, rounds: int
) -> dict[str, Any]:
    """`burst`, each command from a new person, then as many cached commands from as many
    other new people, once the burst is answered."""
    client = Client(url, slack, connections=commands)
    await warm_up(client, slack, wolkvox, "6998", user="U0COLDWARM")
    slack.users_info_delay = USERS_INFO_SECONDS
    asked_before = slack.users_info_asked
    syncs: list[dict[str, Any]] = []
    hits: list[dict[str, Any]] = []
    calls: list[int] = []
    try:
        for round_ in range(rounds):
            connector = str(7200 + round_)
            wolkvox.reply(connector, Reply(body=ok(make_templates(TEMPLATES)), delay=latency))
            people = [f"U0COLD{round_}S{i:03d}" for i in range(commands)]
            syncs.append(await _cold_round(client, slack, connector, people, latency + 30))
            people = [f"U0COLD{round_}C{i:03d}" for i in range(commands)]
            hits.append(await _cold_round(client, slack, connector, people, 30))
            calls.append(wolkvox.calls_for(connector))
    finally:
        slack.users_info_delay = 0.0
    await client.aclose()
    asked = [str(c.body.get("user")) for c in slack.calls("users.info")]
    sync_acks = [ms for r in syncs for ms in r["acks_ms"]]
    hit_acks = [ms for r in hits for ms in r["acks_ms"]]
    acks = sync_acks + hit_acks
    hit_answers = [ms for r in hits for ms in r["answers_ms"]]
    rounds_ = syncs + hits
    return {
        "rounds": rounds,
        "commands": commands,
        "wolkvox_latency_s": latency,
        "users_info_ms": USERS_INFO_SECONDS * 1000,
        "people": 2 * rounds * commands,
        "acknowledged": len(acks),
        "ack_p50_ms": round(statistics.median(acks), 1),
        "ack_p99_ms": round(pct(acks, 99), 1),
        "ack_max_ms": round(max(acks), 1),
        "sync_ack_p99_ms": round(pct(sync_acks, 99), 1),
        "cached_ack_p99_ms": round(pct(hit_acks, 99), 1),
        "answered": sum(len(r["answers_ms"]) for r in rounds_),
        "answered_in_ack": sum(r["answered_in_ack"] for r in rounds_),
        "in_their_language": sum(r["in_language"] for r in rounds_),
        "cached_answer_p50_ms": round(statistics.median(hit_answers), 1) if hit_answers else None,
        "cached_answer_p99_ms": round(pct(hit_answers, 99), 1) if hit_answers else None,
        "last_sync_answer_s": round(max(max(r["answers_ms"], default=0) for r in syncs) / 1000, 2),
        "users_info_calls": slack.users_info_asked - asked_before,
        "people_asked_twice": sum(n > 1 for n in Counter(asked).values()),
        "wolkvox_calls_per_burst": calls,
    }


def checks(warm: dict[str, Any], cold: dict[str, Any]) -> dict[str, bool]:
    """The targets of both bursts, by name."""
    every = cold["people"]
    return {
        f"burst: every command acknowledged, p99 < {WARM_TARGET_ACK_P99_MS} ms": warm[
            "acknowledged"
        ]
        == warm["commands"] * warm["rounds"]
        and warm["ack_p99_ms"] < WARM_TARGET_ACK_P99_MS,
        "burst: every command answered": warm["answered"] == warm["commands"] * warm["rounds"],
        "burst: exactly 1 Wolkvox call per burst": set(warm["wolkvox_calls_per_burst"]) == {1},
        f"cold burst (new people): every command acknowledged, p99 < {COLD_TARGET_ACK_P99_MS} ms": (
            cold["acknowledged"] == every and cold["ack_p99_ms"] < COLD_TARGET_ACK_P99_MS
        ),
        "cold burst: every command answered in its person's language": cold["in_their_language"]
        == every,
        "cold burst: exactly 1 Wolkvox call per burst": set(cold["wolkvox_calls_per_burst"]) == {1},
    }


def rows(warm: dict[str, Any], cold: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The table's rows of both bursts: (what, conditions, measured)."""
    b, c = warm, cold
    return [
        (
            "burst",
            f"{b['rounds']} x {b['commands']} commands, Wolkvox {b['wolkvox_latency_s']} s",
            f"ack p50 {b['ack_p50_ms']} ms, p99 {b['ack_p99_ms']} ms, max {b['ack_max_ms']} ms; "
            f"{b['acknowledged']}/{b['commands'] * b['rounds']} acked, "
            f"{b['answered']}/{b['commands'] * b['rounds']} answered, "
            f"last answer {b['last_answer_s']} s; "
            f"Wolkvox calls per burst {b['wolkvox_calls_per_burst']}",
        ),
        (
            "cold burst",
            f"{c['rounds']} x ({c['commands']} new + {c['commands']} cached), new people, "
            f"users.info {c['users_info_ms']:g} ms",
            f"ack p50 {c['ack_p50_ms']} ms, p99 {c['ack_p99_ms']} ms, max {c['ack_max_ms']} ms "
            f"(syncing p99 {c['sync_ack_p99_ms']}, cached p99 {c['cached_ack_p99_ms']}); "
            f"{c['acknowledged']}/{c['people']} acked, {c['answered']} answered, "
            f"{c['in_their_language']} in their language; cached answer p50 "
            f"{c['cached_answer_p50_ms']} ms, p99 {c['cached_answer_p99_ms']} ms; "
            f"{c['users_info_calls']} users.info calls "
            f"({c['people_asked_twice']} people asked twice); "
            f"Wolkvox calls per burst {c['wolkvox_calls_per_burst']}",
        ),
    ]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async def measure(url: str, slack: FakeSlack, wolkvox: FakeWolkvox) -> dict[str, Any]:
        warm = await burst(url, slack, wolkvox, args.latency, args.burst, args.rounds)
        cold = await cold_burst(url, slack, wolkvox, args.latency, args.burst, args.rounds)
        return {"burst": warm, "cold_burst": cold}

    results = {**machine(), **await with_bot("bursts", measure)}
    results["targets"] = checks(results["burst"], results["cold_burst"])
    results["met"] = all(results["targets"].values())
    return results


def table(r: dict[str, Any]) -> str:
    lines = [f"{a:<10}  {c:<34}  {m}" for a, c, m in rows(r["burst"], r["cold_burst"])]
    lines.append("")
    lines += [f"[{'x' if ok_ else ' '}] {name}" for name, ok_ in r["targets"].items()]
    return "\n".join(lines)


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--latency", type=float, default=2.5, help="Wolkvox latency (s)")
    parser.add_argument("--burst", type=int, default=50, help="commands in a burst")
    parser.add_argument("--rounds", type=int, default=3, help="bursts, each for a new connector")


if __name__ == "__main__":
    sys.exit(scenario.main("bursts", __doc__, run, table, arguments))
