"""`python -m bench.workspaces`: a shared host with many workspaces stays lean.

200 workspaces, each syncing 3 connectors of 1,000 templates (`bench.realistic`: 3 languages,
bodies of 200-600 characters, different content in every connector) from a fake Wolkvox on
127.0.0.1, through the Procfile's web process. Then, in the same run and interleaved, cache
hits spread over every connector of every workspace and the same number of cache hits within
one workspace: the ack p99 of both and their ratio. Also the bot's RSS before and after the
syncs (MB per 1,000 kept templates) and, in this process, the traced bytes of the same
templates kept as the bot keeps them.

Until distribution mode lands, a workspace is simulated as an operation of its own (its
server, its token, its person) in single-workspace mode: connector keys `ws017:2001`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.procfile import bot_env, process, rss_mb, web_command
from bench.realistic import realistic_templates
from bench.scenario import machine, main
from bench.slash_client import Client, answered_in_ack, pct
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN as WOLKVOX_TOKEN
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok

TARGETS = {"ack_p99_ratio": 1.2, "mb_per_1000": 0.6}
SYNCING = ":hourglass_flowing_sand:"


def workspace(i: int) -> tuple[str, str, str]:
    """The i-th workspace's operation name, Wolkvox server and token."""
    return f"ws{i:03d}", f"{1000 + i:04d}", f"bench-token-{i:03d}-{'x' * 20}"


def connector_ids(connectors: int) -> list[str]:
    return [str(2001 + c) for c in range(connectors)]


async def add_operations(env: dict[str, str], count: int) -> None:
    """Store `count` operations in the bot's database, as `wolkvox-sync operation add` does."""
    from bot.config import Settings
    from bot.console.source import open_store, operation_book
    from bot.operations.model import Operation

    settings = Settings.from_env(env)
    store = await open_store(settings)
    try:
        book = operation_book(settings, store)
        await book.load()
        for i in range(count):
            name, server, token = workspace(i)
            await book.save(Operation(name, server, token), who="bench")
    finally:
        await store.aclose()


async def answered(slack: FakeSlack, names: list[str], seconds: float) -> int:
    """How many of `names` got an answer that is not 'syncing' within `seconds` (the fakes
    share this process: each look reads the posts once)."""
    deadline = time.monotonic() + seconds
    waiting = {f"/response/{n}" for n in names}
    while True:
        for post in list(slack.responses):
            if post.path in waiting and SYNCING not in json.dumps(post.body):
                waiting.discard(post.path)
        if not waiting or time.monotonic() > deadline:
            return len(names) - len(waiting)
        await asyncio.sleep(0.5)


async def sync_all(
    client: Client, slack: FakeSlack, wolkvox: FakeWolkvox, args: argparse.Namespace
) -> dict[str, Any]:
    """Every connector of every workspace synced once (each by a person of its workspace)."""
    started = time.perf_counter()
    pending: list[str] = []
    acks: list[float] = []

    async def one(i: int, connector: str) -> None:
        name, server, _ = workspace(i)
        raw = realistic_templates(args.templates, f"{name}c{connector}")
        wolkvox.reply(connector, Reply(body=json.dumps(ok(raw)).encode()), server=server)
        _, reply_name, good, data = await client.command(f"{name}:{connector}", f"U{i:04d}")
        acks.append(data["ack"] * 1000)
        if good and not answered_in_ack(data["body"]):
            pending.append(reply_name)

    # each workspace's first connector, then its second... (a person syncs at most 2 at once)
    jobs = [(i, c) for c in connector_ids(args.connectors) for i in range(args.workspaces)]
    for round_ in range(args.connectors):
        now = jobs[round_ * args.workspaces : (round_ + 1) * args.workspaces]
        for start in range(0, len(now), 16):
            await asyncio.gather(*(one(i, c) for i, c in now[start : start + 16]))
        await answered(slack, pending, 300)
        print(f"synced round {round_ + 1}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    done = await answered(slack, pending, 1)
    unsynced = [
        json.dumps(slack.replies_to(n))[:300]
        for n in pending
        if "templates" not in json.dumps(slack.replies_to(n))
    ]
    for i in range(args.workspaces):  # served: the fake keeps no more copies
        for c in connector_ids(args.connectors):
            wolkvox.server_replies.pop((workspace(i)[1], c), None)
    return {
        "connectors": len(jobs),
        "wolkvox_calls": len(wolkvox.calls),
        "answered": done + (len(jobs) - len(pending)),
        "seconds": round(time.perf_counter() - started, 1),
        "ack_p99_ms": round(pct(acks, 99), 2),
        "not_synced": len(unsynced),
        "not_synced_sample": unsynced[:2],
    }


async def cache_hits(
    client: Client, targets: list[tuple[str, str]], count: int
) -> tuple[list[float], int]:
    """`count` commands for `targets` (text, person), 8 at once: their ack times in ms and how
    many were answered in the acknowledgement (a cache hit)."""
    acks: list[float] = []
    hits = 0
    order = [targets[k % len(targets)] for k in range(count)]

    async def one(text: str, user: str) -> None:
        nonlocal hits
        _, _, good, data = await client.command(text, user)
        if good:
            acks.append(data["ack"] * 1000)
            hits += answered_in_ack(data["body"])

    for start in range(0, len(order), 8):
        await asyncio.gather(*(one(t, u) for t, u in order[start : start + 8]))
    return acks, hits


async def traced_mb_per_1000(templates: int, connectors: int = 10) -> dict[str, float]:
    """MB per 1,000 templates kept as the bot keeps them (parsed, shared, kept), traced here,
    and how the bot's estimate for WOLKVOX_KEEP_MB compares."""
    from bot.sync.kept import KeptSnapshots
    from bot.templates.model import Snapshot, sorted_templates
    from bot.wolkvox.answer import parse_sync_answer

    contents = [
        json.dumps(ok(realistic_templates(templates, f"traced{c}"))).encode()
        for c in range(connectors)
    ]
    kept = KeptSnapshots(4096 * 1024 * 1024)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for c, content in enumerate(contents):
        answer = parse_sync_answer(f"t:{c}", 200, content)
        shared, index = await kept.share(f"t:{c}", sorted_templates(answer.templates))
        kept.keep(Snapshot(f"s{c}", f"t:{c}", shared, 0, datetime.now(UTC), index))
    del answer, shared, index
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    count = templates * connectors
    return {
        "traced_mb_per_1000": round(used / count * 1000 / 1e6, 3),
        "estimate_over_traced": round(kept.size / used, 2),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    wolkvox, slack = FakeWolkvox(), FakeSlack()
    workdir = Path(tempfile.mkdtemp(prefix="wolkvox-bench-workspaces-"))
    from bot.operations.secrets import new_secret_key

    env = {
        **bot_env(wolkvox, slack, workdir),
        "WOLKVOX_BASE_URL": wolkvox.base_url,
        "WOLKVOX_SECRET_KEY": new_secret_key(),
        "WOLKVOX_KEEP_MB": str(args.keep_mb),
        "WOLKVOX_CACHE_TTL": "86400",
        "WOLKVOX_USER_SYNCS_PER_MINUTE": "0",
    }
    wolkvox.add_server("0032", WOLKVOX_TOKEN)  # the environment's operation (unused)
    for i in range(args.workspaces):
        _, server, token = workspace(i)
        wolkvox.add_server(server, token)
    results: dict[str, Any] = {
        **machine(),
        "mode": "single-workspace mode, a workspace simulated as an operation of its own",
        "workspaces": args.workspaces,
        "connectors_each": args.connectors,
        "templates_each": args.templates,
        "keep_mb": args.keep_mb,
    }
    try:
        await add_operations(env, args.workspaces)
        with process(web_command(), env, workdir) as (url, proc):
            client = Client(url, slack, 8)
            await client.command("help")
            await asyncio.sleep(1)
            idle = rss_mb(proc.pid)
            results["syncs"] = await sync_all(client, slack, wolkvox, args)
            await asyncio.sleep(2)
            loaded = rss_mb(proc.pid)
            kept = args.workspaces * args.connectors * args.templates
            results["memory"] = {
                "idle_mb": round(idle, 1),
                "after_syncs_mb": round(loaded, 1),
                "kept_templates": kept,
                "rss_mb_per_1000": round((loaded - idle) / kept * 1000, 3),
            }
            everyone = [
                (f"{workspace(i)[0]}:{c}", f"U{i:04d}")
                for i in range(args.workspaces)
                for c in connector_ids(args.connectors)
            ]
            random.Random(7).shuffle(everyone)
            one = [(f"{workspace(0)[0]}:{c}", "U0000") for c in connector_ids(args.connectors)]
            spread: list[float] = []
            single: list[float] = []
            hits = 0
            rounds = 6
            for r in range(rounds):  # interleaved, so that the box's noise falls on both
                block = everyone[r::rounds]
                for targets, into in ((block, spread), (one, single)):
                    acks, answered_now = await cache_hits(client, targets, args.hits // rounds)
                    into.extend(acks)
                    hits += answered_now
            results["cache_hits"] = {
                "commands_each": len(spread),
                "answered_in_ack": hits,
                "spread_ack_p50_ms": round(statistics.median(spread), 2),
                "spread_ack_p99_ms": round(pct(spread, 99), 2),
                "one_workspace_ack_p50_ms": round(statistics.median(single), 2),
                "one_workspace_ack_p99_ms": round(pct(single, 99), 2),
                "p99_ratio": round(pct(spread, 99) / pct(single, 99), 2),
            }
            results["memory"]["after_hits_mb"] = round(rss_mb(proc.pid), 1)
            await asyncio.sleep(args.hold)
    finally:
        wolkvox.stop()
        slack.stop()
    results["memory"].update(await traced_mb_per_1000(args.templates))
    results["met"] = (
        results["cache_hits"]["p99_ratio"] <= TARGETS["ack_p99_ratio"]
        and results["memory"]["traced_mb_per_1000"] <= TARGETS["mb_per_1000"]
        and results["cache_hits"]["answered_in_ack"] == 2 * results["cache_hits"]["commands_each"]
    )
    return results


def table(r: dict[str, Any]) -> str:
    s, m, h = r["syncs"], r["memory"], r["cache_hits"]
    rows = [
        ("mode", r["mode"]),
        (
            "syncs",
            f"{s['connectors']} connectors x {r['templates_each']} templates in {s['seconds']} s, "
            f"{s['answered']} answered, {s['wolkvox_calls']} Wolkvox calls",
        ),
        (
            "bot RSS",
            f"{m['idle_mb']} MB idle → {m['after_syncs_mb']} MB after the syncs "
            f"({m['after_hits_mb']} after the hits); WOLKVOX_KEEP_MB={r['keep_mb']}",
        ),
        ("MB per 1,000 kept (RSS)", f"{m['rss_mb_per_1000']}"),
        (
            "MB per 1,000 kept (traced)",
            f"{m['traced_mb_per_1000']} (estimate / traced {m['estimate_over_traced']})",
        ),
        (
            "cache hits spread over all",
            f"{h['commands_each']} commands, ack p50 {h['spread_ack_p50_ms']} ms, "
            f"p99 {h['spread_ack_p99_ms']} ms",
        ),
        (
            "cache hits in one workspace",
            f"{h['commands_each']} commands, ack p50 {h['one_workspace_ack_p50_ms']} ms, "
            f"p99 {h['one_workspace_ack_p99_ms']} ms",
        ),
        ("p99 ratio", f"{h['p99_ratio']} (target ≤ {TARGETS['ack_p99_ratio']})"),
        ("met", str(r["met"])),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--connectors", type=int, default=3, help="per workspace")
    parser.add_argument("--templates", type=int, default=1000, help="per connector")
    parser.add_argument("--hits", type=int, default=1200, help="cache hits of each kind")
    parser.add_argument(
        "--hold", type=float, default=0, help="seconds to keep the bot up afterwards (to inspect)"
    )
    parser.add_argument("--keep-mb", type=int, default=1024, help="WOLKVOX_KEEP_MB")


if __name__ == "__main__":
    raise SystemExit(main("workspaces", __doc__, run, table, arguments))
