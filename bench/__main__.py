"""`python -m bench`: the bot as deployed, measured against the floor of any Bolt app.

Starts the Procfile's web process and a minimal Bolt AsyncApp (bench/floor.py) on 127.0.0.1,
a fake Wolkvox with configurable latency and a fake Slack that records response_url posts,
then sends commands signed as Slack signs them. Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import bursts, slots_held, type_ahead
from bench.procfile import ROOT, bot_env, process, rss_mb, web_command
from bench.slash_client import Client, answered_in_ack, pct
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, make_templates, ok

TARGETS = {
    "cache_rps_ratio": 0.8,
    "cache_ack_p99_ms": 50,
    "render_ms": 50,
    "memory_mb": 50,
}


async def cache_hits(
    url: str, slack: FakeSlack, text: str, seconds: float, connections: int, answer_in_ack: bool
) -> dict[str, Any]:
    client = Client(url, slack, connections)
    await client.command(text)  # warm: the sync (bot) or auth.test (both)
    await asyncio.sleep(0.5)
    acks: list[float] = []
    pending: list[tuple[float, str]] = []
    answers: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop:
            started, name, good, data = await client.command(text)
            if not good:
                continue
            acks.append(data["ack"] * 1000)
            if answer_in_ack and answered_in_ack(data["body"]):
                answers.append(data["ack"] * 1000)
            else:
                pending.append((started, name))

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - began
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(slack.replies_to(n) for _, n in pending):
        await asyncio.sleep(0.02)
    for started, name in pending:
        if slack.replies_to(name):
            answers.append((slack.received_at(name) - started) * 1000)
    await client.aclose()
    return {
        "commands": len(acks),
        "per_second": round(len(acks) / elapsed, 1),
        "ack_p50_ms": round(statistics.median(acks), 2),
        "ack_p99_ms": round(pct(acks, 99), 2),
        "answered": len(answers),
        "answer_p99_ms": round(pct(answers, 99), 2),
    }


def rendering() -> dict[str, Any]:
    from bot.commands import parse_query_text
    from bot.i18n import translator
    from bot.slack import replies
    from bot.slack.views.kit import About
    from bot.templates.model import Snapshot, Template, sorted_templates
    from bot.templates.query import search_index

    raw = make_templates(5000)
    templates = sorted_templates(
        Template(t["name_template"], t["idiom"], t["category"], t["body_template"] + " x" * 400)
        for t in raw
    )
    now = datetime.now(UTC)
    english = translator("en")
    started = time.perf_counter()
    index = search_index(templates)
    index_ms = (time.perf_counter() - started) * 1000
    query = parse_query_text("lang:es category:marketing pedido -listo2")

    def timed(query: Any, *, cold: bool) -> list[float]:
        """Milliseconds per reply; `cold` uses a new snapshot each time (nothing memoized)."""
        snapshot = Snapshot("bench", "1234", templates, 0, now, index)
        runs = []
        for _ in range(30):
            if cold:
                snapshot = Snapshot("bench", "1234", templates, 0, now, index)
            t0 = time.perf_counter()
            replies.lookup_reply(snapshot, About(now=now, t=english), query=query, page=3)
            runs.append((time.perf_counter() - t0) * 1000)
        return runs

    full, lookup = timed(None, cold=True), timed(query, cold=True)
    repeat = timed(query, cold=False)[1:]
    return {
        "templates": 5000,
        "index_ms": round(index_ms, 1),
        "reply_ms_median": round(statistics.median(full), 2),
        "reply_ms_max": round(max(full), 2),
        "lookup_ms_median": round(statistics.median(lookup), 2),
        "lookup_ms_max": round(max(lookup), 2),
        "repeat_ms_median": round(statistics.median(repeat), 3),
    }


async def memory(url: str, pid: int, slack: FakeSlack, wolkvox: FakeWolkvox) -> dict[str, Any]:
    client = Client(url, slack, 2)
    await client.command("help")
    await asyncio.sleep(1)
    idle = rss_mb(pid)
    connectors = [str(8000 + i) for i in range(10)]
    for i, c in enumerate(connectors):
        raw = make_templates(1000, prefix=f"c{i}")
        for t in raw:
            t["body_template"] = (
                t["body_template"] + " "
            ) * 8  # about 500 characters, a typical body
        wolkvox.reply(c, Reply(body=ok(raw)))
    for c in connectors:
        await client.command(c)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(wolkvox.calls_for(c) for c in connectors) < len(
        connectors
    ):
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)
    loaded = rss_mb(pid)
    await client.aclose()
    return {
        "idle_mb": round(idle, 1),
        "cached_10x1000_mb": round(loaded, 1),
        "growth_mb": round(loaded - idle, 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    wolkvox, slack = FakeWolkvox(), FakeSlack()
    workdir = Path(tempfile.mkdtemp(prefix="wolkvox-bench-"))
    env = bot_env(wolkvox, slack, workdir)
    web = web_command()
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        with process(web, env, workdir) as (url, proc):
            results["burst"] = await bursts.burst(
                url, slack, wolkvox, args.latency, args.burst, args.rounds
            )
            results["cold_burst"] = await bursts.cold_burst(
                url, slack, wolkvox, args.latency, args.burst, args.rounds
            )
            wolkvox.reply("7100", Reply(body=ok(make_templates(1000))))
            results["cache_hits_bot"] = await cache_hits(url, slack, "7100", args.seconds, 8, True)
            results["type_ahead_flood"] = await type_ahead.type_ahead_flood(
                url, slack, wolkvox, args.seconds / 2
            )
            results["slots_held"] = await slots_held.slots_held(url, slack, wolkvox, args.latency)
        with process([sys.executable, str(ROOT / "bench" / "floor.py")], env, workdir) as (
            url,
            proc,
        ):
            results["cache_hits_floor"] = await cache_hits(
                url, slack, "7100", args.seconds, 8, False
            )
        with process(web, env, workdir) as (url, proc):
            results["memory"] = await memory(url, proc.pid, slack, wolkvox)
    finally:
        wolkvox.stop()
        slack.stop()
    results["rendering"] = rendering()
    bot, floor = results["cache_hits_bot"], results["cache_hits_floor"]
    results["cache_hits_ratio"] = round(bot["per_second"] / floor["per_second"], 2)
    results["targets"] = check(results)
    return results


def check(r: dict[str, Any]) -> dict[str, bool]:
    return {
        **bursts.checks(r["burst"], r["cold_burst"]),
        "cache hits: >= 80% of the floor's commands/s": r["cache_hits_ratio"]
        >= TARGETS["cache_rps_ratio"],
        "cache hits: ack p99 < 50 ms": r["cache_hits_bot"]["ack_p99_ms"]
        < TARGETS["cache_ack_p99_ms"],
        "rendering 5,000 templates < 50 ms (median of 30)": r["rendering"]["reply_ms_median"]
        < TARGETS["render_ms"],
        "lookup over 5,000 templates < 50 ms (median of 30)": r["rendering"]["lookup_ms_median"]
        < TARGETS["render_ms"],
        "memory 10 x 1,000 templates < 50 MB": r["memory"]["growth_mb"] < TARGETS["memory_mb"],
        "type-ahead flood (1 and 4 typists): a member's ack p99 < 300 ms, nothing fails": all(
            o["failures"] == 0 and o["member_ack_p99_ms"] < type_ahead.TARGET_P99_MS
            for o in r["type_ahead_flood"]
            if o["typists"]
        ),
        slots_held.TARGET: slots_held.met(r["slots_held"]),
    }


def table(r: dict[str, Any]) -> str:
    bot, floor, rend, mem, s = (
        r["cache_hits_bot"],
        r["cache_hits_floor"],
        r["rendering"],
        r["memory"],
        r["slots_held"],
    )
    rows = [
        *bursts.rows(r["burst"], r["cold_burst"]),
        (
            "cache hits (bot)",
            "8 connections, 1,000 templates",
            f"{bot['per_second']} commands/s; ack p99 {bot['ack_p99_ms']} ms; answer p99 {bot['answer_p99_ms']} ms",
        ),
        (
            "cache hits (floor)",
            "plain AsyncApp: ack + respond",
            f"{floor['per_second']} commands/s; ack p99 {floor['ack_p99_ms']} ms; answer p99 {floor['answer_p99_ms']} ms",
        ),
        ("bot / floor", "", f"{r['cache_hits_ratio']:.2f} x the floor's commands/s"),
        *(
            (
                "type-ahead flood" if not o["typists"] else "",
                f"{o['typists']} typists, 50 odd words, 2/s each",
                f"member ack p50 {o['member_ack_p50_ms']} ms, p99 {o['member_ack_p99_ms']} ms, "
                f"max {o['member_ack_max_ms']} ms ({o['member_commands']} cached commands)"
                + (
                    f"; options p99 {o['options_p99_ms']} ms ({o['options_requests']})"
                    if "options_requests" in o
                    else ""
                )
                + f"; failures {o['failures']}",
            )
            for o in r["type_ahead_flood"]
        ),
        (
            "slots held",
            f"A sends {s['a_commands']} new at once, {s['wolkvox_latency_s']} s/call",
            f"B's ack p50 {s['b_ack_p50_ms']} ms, p99 {s['b_ack_p99_ms']} ms, "
            f"max {s['b_ack_max_ms']} ms ({s['b_commands']}, {s['b_failures']} failed); "
            f"B's new connector answered in {s['b_answer_s']} s; "
            f"A: {s['a_refused']} refused (2 at once), {s['a_answered']} answered, "
            f"{s['a_other']} other; Wolkvox {s['wolkvox_calls']} calls, "
            f"max {s['wolkvox_max_in_flight']} in flight, {s['wolkvox_refused']} refused",
        ),
        (
            "rendering",
            "5,000 templates",
            f"reply {rend['reply_ms_median']} ms (max {rend['reply_ms_max']}); lookup {rend['lookup_ms_median']} ms "
            f"(max {rend['lookup_ms_max']}); repeated {rend['repeat_ms_median']} ms; "
            f"search index, once per sync: {rend['index_ms']} ms",
        ),
        (
            "memory",
            "10 connectors x 1,000 templates",
            f"idle {mem['idle_mb']} MB -> {mem['cached_10x1000_mb']} MB (+{mem['growth_mb']} MB)",
        ),
    ]
    width = max(len(a) for a, _, _ in rows)
    lines = [f"{a:<{width}}  {c:<34}  {m}" for a, c, m in rows]
    lines.append("")
    lines += [f"[{'x' if ok_ else ' '}] {name}" for name, ok_ in r["targets"].items()]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--latency", type=float, default=2.5, help="fake Wolkvox latency in the burst (s)"
    )
    parser.add_argument("--burst", type=int, default=50, help="commands in the burst")
    parser.add_argument("--rounds", type=int, default=3, help="bursts, each for a new connector")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each cache-hit run")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "latest.json", help="where to write the JSON"
    )
    args = parser.parse_args()
    results = asyncio.run(run(args))
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nJSON: {args.out}")
    return 0 if all(results["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
