"""What each benchmark scenario run on its own (`python -m bench.options`, `bench.type_ahead`,
`bench.slots_held`) shares: the Procfile process wired to fresh fakes, the machine it ran on,
and the command line that writes the JSON and prints the table."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bench.procfile import ROOT, bot_env, process, web_command
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox

T = TypeVar("T")
Measure = Callable[[str, FakeSlack, FakeWolkvox], Awaitable[T]]


def machine() -> dict[str, Any]:
    """Where and when a result was measured."""
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


async def with_bot(
    name: str, measure: Measure[T], prepare: Callable[[FakeWolkvox], None] | None = None
) -> T:
    """`measure(url, slack, wolkvox)` against the Procfile process and fresh fakes (`prepare`d
    first), all stopped afterwards."""
    wolkvox, slack = FakeWolkvox(), FakeSlack()
    if prepare is not None:
        prepare(wolkvox)
    workdir = Path(tempfile.mkdtemp(prefix=f"wolkvox-bench-{name}-"))
    try:
        with process(web_command(), bot_env(wolkvox, slack, workdir), workdir) as (url, _):
            return await measure(url, slack, wolkvox)
    finally:
        wolkvox.stop()
        slack.stop()


def main(
    name: str,
    doc: str | None,
    run: Callable[[argparse.Namespace], Awaitable[dict[str, Any]]],
    table: Callable[[dict[str, Any]], str],
    arguments: Callable[[argparse.ArgumentParser], None],
) -> int:
    """`python -m bench.<name>`: run, write bench/<name>.json, print the table; exit 1 when a
    target was missed."""
    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}", description=doc)
    arguments(parser)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / f"{name}.json", help="where to write JSON"
    )
    args = parser.parse_args()
    results = asyncio.run(run(args))
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(table(results))
    print(f"\nJSON: {args.out}")
    return 0 if results["met"] else 1
