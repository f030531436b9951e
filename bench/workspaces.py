"""`python -m bench.workspaces`: a shared host with many workspaces stays lean.

Distribution mode with installed workspaces: the Procfile's web process runs with
SLACK_CLIENT_ID/SLACK_CLIENT_SECRET and no SLACK_BOT_TOKEN, WOLKVOX_SECRET_KEY set and
SLACK_API_URL at the fake Slack. Before it starts, 200 workspaces are installed through the
bot's own sealed installation store (`bot.slack.oauth.store.SealedInstallationStore`, each with
its own bot token, which the fake Slack knows as that team's) and each stores its own operation
(`OperationTable.for_workspace`, its Wolkvox token sealed, its own server at the fake Wolkvox).
Every workspace names its operation `contact` and its connectors 2001-2003: only the workspace
keeps them apart.

Each workspace syncs 3 connectors of 1,000 templates (`bench.realistic`: 3 languages, bodies of
200-600 characters, different content in every workspace and connector), each command signed
with its workspace's team_id. Then, in the same run and interleaved, cache hits spread over
every connector of every workspace and the same number of cache hits within one workspace: the
ack p99 of both and their ratio. Also the bot's RSS before and after the syncs (MB per 1,000
kept templates), in this process the traced bytes of the same templates kept as the bot keeps
them, and how many installation lookups reached the database (none once warm).
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
from testkit.fake_slack import FakeSlack, Grant, Issued
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok
from testkit.slack_requests import command_body, sign

TARGETS = {"ack_p99_ratio": 1.2, "mb_per_1000": 0.6}
SYNCING = ":hourglass_flowing_sand:"


OPERATION = "contact"  # every workspace's operation has this name


def workspace(i: int) -> tuple[str, str, str]:
    """The i-th workspace's team id, Wolkvox server and Wolkvox token."""
    return f"TB{i:07d}", f"{1000 + i:04d}", f"bench-token-{i:03d}-{'x' * 20}"


def bot_token(i: int) -> str:
    """The i-th workspace's Slack bot token (as the install gave it)."""
    return f"xoxb-{workspace(i)[0]}-bench-{i:04d}"


def seed(i: int, connector: str) -> str:
    """The i-th workspace's connector's templates: their names carry it."""
    return f"w{i:03d}c{connector}"


class TeamClient(Client):
    """The bench client, each command signed as coming from a workspace (`team_id`)."""

    def request(self, text: str, user: str = "", team: str = "T0001") -> tuple[str, bytes]:
        name, _ = super().request(text, user)
        who = {"user_id": user} if user else {}
        body = command_body(text, response_url=self.slack.response_url(name), **who)
        body = body.replace("team_id=T0001&", f"team_id={team}&", 1)
        headers = {
            **sign(body),
            "Host": f"{self.host}:{self.port}",
            "Content-Length": str(len(body)),
            "Connection": "close",
        }
        head = "POST /slack/events HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        return name, (head + "\r\n" + body).encode()

    async def from_team(
        self, team: str, text: str, user: str = ""
    ) -> tuple[float, str, bool, dict[str, Any]]:
        return await self.send(*self.request(text, user, team))


def connector_ids(connectors: int) -> list[str]:
    return [str(2001 + c) for c in range(connectors)]


async def install_workspaces(env: dict[str, str], slack: FakeSlack, count: int) -> float:
    """`count` workspaces installed in the bot's database through its sealed installation store
    (as the install link saves them), each with its operation stored as `wolkvox-sync operation
    add --workspace T…` stores it; the fake Slack knows each bot token as its team's. Seconds
    taken."""
    from slack_sdk.oauth.installation_store import Installation

    from bot.config import Settings
    from bot.console.source import open_store, operation_book
    from bot.operations.model import Operation
    from bot.operations.secrets import SecretBox
    from bot.slack.oauth.store import SealedInstallationStore

    started = time.perf_counter()
    settings = Settings.from_env(env)
    assert settings.distribution, "the bench runs in distribution mode"
    store = await open_store(settings)
    installed = SealedInstallationStore(
        settings.slack_client_id, lambda: store.engine, SecretBox(settings.secret_keys)
    )
    try:
        for i in range(count):
            team, server, token = workspace(i)
            grant = Grant(team_id=team, team_name=f"Bench {i}", installer=f"U{i:04d}")
            slack.issued[bot_token(i)] = Issued(grant)
            await installed.async_save(
                Installation(
                    app_id="A0APP",
                    team_id=team,
                    team_name=grant.team_name,
                    user_id=grant.installer,
                    bot_token=bot_token(i),
                    bot_id="BBOT",
                    bot_user_id="UBOT",
                    bot_scopes="commands,chat:write,users:read",
                )
            )
            book = operation_book(settings, store, team)
            await book.load()
            await book.save(Operation(OPERATION, server, token), who="bench")
    finally:
        await store.aclose()
    return time.perf_counter() - started


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
    client: TeamClient, slack: FakeSlack, wolkvox: FakeWolkvox, args: argparse.Namespace
) -> dict[str, Any]:
    """Every connector of every workspace synced once (each by a person of its workspace),
    `args.at_once` commands at a time."""
    started = time.perf_counter()
    pending: list[str] = []
    acks: list[float] = []

    async def one(i: int, connector: str) -> None:
        team, server, _ = workspace(i)
        raw = realistic_templates(args.templates, seed(i, connector))
        wolkvox.reply(connector, Reply(body=json.dumps(ok(raw)).encode()), server=server)
        _, reply_name, good, data = await client.from_team(
            team, f"{OPERATION}:{connector}", f"U{i:04d}"
        )
        acks.append(data["ack"] * 1000)
        if good and not answered_in_ack(data["body"]):
            pending.append(reply_name)

    # each workspace's first connector, then its second... (a person syncs at most 2 at once)
    jobs = [(i, c) for c in connector_ids(args.connectors) for i in range(args.workspaces)]
    for round_ in range(args.connectors):
        now = jobs[round_ * args.workspaces : (round_ + 1) * args.workspaces]
        for start in range(0, len(now), args.at_once):
            await asyncio.gather(*(one(i, c) for i, c in now[start : start + args.at_once]))
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
        "at_once": args.at_once,
        "wolkvox_calls": len(wolkvox.calls),
        "answered": done + (len(jobs) - len(pending)),
        "seconds": round(time.perf_counter() - started, 1),
        "ack_p99_ms": round(pct(acks, 99), 2),
        "not_synced": len(unsynced),
        "not_synced_sample": unsynced[:2],
    }


Target = tuple[int, str]  # (workspace, connector)


async def cache_hits(
    client: TeamClient, targets: list[Target], count: int
) -> tuple[list[float], int, int]:
    """`count` commands for `targets`, each from a person of its workspace, 8 at once: their
    ack times in ms, how many were answered in the acknowledgement (a cache hit) and how many
    of those showed the workspace's own templates."""
    acks: list[float] = []
    hits = own = 0
    order = [targets[k % len(targets)] for k in range(count)]

    async def one(i: int, connector: str) -> None:
        nonlocal hits, own
        _, _, good, data = await client.from_team(
            workspace(i)[0], f"{OPERATION}:{connector}", f"U{i:04d}"
        )
        if good:
            acks.append(data["ack"] * 1000)
            hit = answered_in_ack(data["body"])
            hits += hit
            own += hit and f"_{seed(i, connector)}_" in json.dumps(data["body"])

    for start in range(0, len(order), 8):
        await asyncio.gather(*(one(i, c) for i, c in order[start : start + 8]))
    return acks, hits, own


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

    single = ("SLACK_BOT_TOKEN", "WOLKVOX_SERVER", "WOLKVOX_TOKEN")
    env = {
        **{k: v for k, v in bot_env(wolkvox, slack, workdir).items() if k not in single},
        "SLACK_CLIENT_ID": slack.client_id,
        "SLACK_CLIENT_SECRET": slack.client_secret,
        "WOLKVOX_BASE_URL": wolkvox.base_url,
        "WOLKVOX_SECRET_KEY": new_secret_key(),
        "WOLKVOX_KEEP_MB": str(args.keep_mb),
        "WOLKVOX_CACHE_TTL": "86400",
        "WOLKVOX_USER_SYNCS_PER_MINUTE": "0",
    }
    for i in range(args.workspaces):
        _, server, token = workspace(i)
        wolkvox.add_server(server, token)
    results: dict[str, Any] = {
        **machine(),
        "mode": "distribution mode, installed workspaces (each its own bot token and operation)",
        "workspaces": args.workspaces,
        "connectors_each": args.connectors,
        "templates_each": args.templates,
        "keep_mb": args.keep_mb,
    }
    started = time.perf_counter()
    try:
        results["install_seconds"] = round(await install_workspaces(env, slack, args.workspaces), 1)
        with process(web_command(), env, workdir) as (url, proc):
            client = TeamClient(url, slack, 8)
            await client.from_team(workspace(0)[0], "help")
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
                (i, c) for i in range(args.workspaces) for c in connector_ids(args.connectors)
            ]
            random.Random(7).shuffle(everyone)
            one = [(0, c) for c in connector_ids(args.connectors)]
            spread: list[float] = []
            within: list[float] = []
            hits = own = 0
            rounds = 6
            for r in range(rounds):  # interleaved, so that the box's noise falls on both
                block = everyone[r::rounds]
                for targets, into in ((block, spread), (one, within)):
                    acks, answered_now, own_now = await cache_hits(
                        client, targets, args.hits // rounds
                    )
                    into.extend(acks)
                    hits += answered_now
                    own += own_now
            results["cache_hits"] = {
                "commands_each": len(spread),
                "answered_in_ack": hits,
                "own_templates_shown": own,
                "spread_ack_p50_ms": round(statistics.median(spread), 2),
                "spread_ack_p99_ms": round(pct(spread, 99), 2),
                "one_workspace_ack_p50_ms": round(statistics.median(within), 2),
                "one_workspace_ack_p99_ms": round(pct(within, 99), 2),
                "p99_ratio": round(pct(spread, 99) / pct(within, 99), 2),
            }
            results["memory"]["after_hits_mb"] = round(rss_mb(proc.pid), 1)
            results["slack"] = slack_tokens_used(slack, args.workspaces)
            await asyncio.sleep(args.hold)
    finally:
        wolkvox.stop()
        slack.stop()
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["memory"].update(await traced_mb_per_1000(args.templates))
    h = results["cache_hits"]
    results["met"] = (
        h["p99_ratio"] <= TARGETS["ack_p99_ratio"]
        and results["memory"]["traced_mb_per_1000"] <= TARGETS["mb_per_1000"]
        and h["answered_in_ack"] == h["own_templates_shown"] == 2 * h["commands_each"]
        and results["slack"]["other_tokens"] == 0
    )
    return results


def slack_tokens_used(slack: FakeSlack, count: int) -> dict[str, int]:
    """The Web API calls the bot made, by whose bot token: each workspace's own, or another."""
    ours = {bot_token(i) for i in range(count)}
    tokens = [c.token for c in slack.api_calls if c.path != "/api/oauth.v2.access"]
    return {
        "web_api_calls": len(tokens),
        "workspaces_tokens_used": len(set(tokens) & ours),
        "other_tokens": sum(t not in ours for t in tokens),
    }


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
    parser.add_argument("--at-once", type=int, default=16, help="sync commands sent at once")


if __name__ == "__main__":
    raise SystemExit(main("workspaces", __doc__, run, table, arguments))
