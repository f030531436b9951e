"""`python -m bench.refreshes`: memory of the Procfile process after 40 refreshes of one
connector with 5,000 templates of about 1 KB (issue 10's figure: 99 MB -> 552 MB before).

Prints the process's RSS before and after, for unchanged content and for content that changes
at every refresh. Speed is not measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.procfile import ROOT, free_port, rss_mb, web_command
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, make_templates, ok
from testkit.slack_requests import command_body, settings_env, sign


def templates(n: int, round_: int, changing: bool) -> list[dict[str, Any]]:
    raw = make_templates(n)
    for t in raw:
        suffix = f" r{round_}" if changing else ""
        t["body_template"] = (t["body_template"] + " ") * 18 + suffix  # about 1 KB
    return raw


def measure(refreshes: int, n: int, changing: bool) -> dict[str, Any]:
    wolkvox, slack = FakeWolkvox(), FakeSlack()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            **settings_env(wolkvox.url, slack.api_url),
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "WOLKVOX_REFRESH_COOLDOWN": "0",
            "WOLKVOX_USER_SYNCS_PER_MINUTE": "0",
            "WOLKVOX_TIMEOUT": "60",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        log = Path(tmp) / "bot.log"
        proc = subprocess.Popen(
            web_command(), cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                if proc.poll() is not None:
                    raise RuntimeError(log.read_text()[-3000:])
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            idle = rss_mb(proc.pid)
            for i in range(refreshes):
                wolkvox.reply("1234", Reply(body=ok(templates(n, i, changing))))
                name = f"r{i}"
                body = command_body("1234 --refresh", response_url=slack.response_url(name))
                httpx.post(f"{url}/slack/events", content=body, headers=sign(body), timeout=10)
                deadline = time.monotonic() + 120
                while not slack.replies_to(name) or "Syncing" in json.dumps(
                    slack.replies_to(name)[-1]
                ):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"refresh {i} got no answer")
                    time.sleep(0.05)
            time.sleep(1)
            return {
                "refreshes": refreshes,
                "templates": n,
                "content": "changes every time" if changing else "unchanged",
                "idle_mb": round(idle, 1),
                "after_mb": round(rss_mb(proc.pid), 1),
            }
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            wolkvox.stop()
            slack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--refreshes", type=int, default=40)
    parser.add_argument("--templates", type=int, default=5000)
    args = parser.parse_args()
    for changing in (False, True):
        print(json.dumps(measure(args.refreshes, args.templates, changing)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
