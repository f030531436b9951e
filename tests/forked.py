"""`python -m bot ARGS` in a real process of its own, forked from a parent that has imported the
bot once already.

A fresh interpreter spends about a second of CPU importing the bot before a console command
starts, which is most of what a console test costs. A forked child skips that and is
otherwise the process `python -m bot` would be: `bot/__main__.py` runs as `__main__` with its
own working directory, environment, standard streams (files, so not a terminal) and exit
code, and leaves through atexit as the interpreter would. A run whose environment would change
how an interpreter starts (PYTHON*, LANG, LC_*) starts a fresh one instead, and so does a
command that is not `python -m bot` (the installed script, see tests/terminal.py).
"""

from __future__ import annotations

import atexit
import json
import locale
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

# what the console's commands import: the parent imports them once for every child
PRELOAD = [
    "bot.config",
    "bot.console",
    "bot.ops.preflight",
    "bot.assembly",
    "bot.database.migrate",
    "bot.database.store",
    "aiosqlite",
    "asyncpg",
    "httpx",
    "sqlalchemy.dialects.sqlite.aiosqlite",
    "sqlalchemy.dialects.postgresql.asyncpg",
]
STARTUP = ("PYTHON", "LANG", "LC_")  # variables read while an interpreter starts

_PARENT = r"""
import atexit, importlib, json, os, runpy, sys, threading, traceback

for name in sys.argv[1:]:
    importlib.import_module(name)
requests = os.fdopen(os.dup(0), "r")
answers = os.fdopen(os.dup(1), "w", buffering=1)
nothing = os.open(os.devnull, os.O_RDWR)
os.dup2(nothing, 0)
os.dup2(nothing, 1)


def exit_code(stop):
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code
    print(stop.code, file=sys.stderr)
    return 1


def child(request):
    code = 1
    try:
        requests.close()
        answers.close()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if request.get("stdin"):
            source = os.open(request["stdin"], os.O_RDONLY)
            os.dup2(source, 0)
            os.close(source)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        sys.argv = ["-m", *request["args"]]
        try:
            runpy.run_module("bot", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as stop:
            code = exit_code(stop)
        except BaseException:
            traceback.print_exc()
        for thread in threading.enumerate():  # the interpreter's way out: threads, then atexit
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


for line in requests:
    request = json.loads(line)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        child(request)
    answers.write(json.dumps({"pid": pid}) + "\n")
    _, status = os.waitpid(pid, 0)
    answers.write(json.dumps({"code": os.waitstatus_to_exitcode(status)}) + "\n")
"""


class Parent:
    """The process that has imported the bot and forks a child for each run, one at a time."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self.dir = Path(tempfile.mkdtemp(prefix="wolkvox-forked-"))
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _PARENT, *PRELOAD],
            cwd=self.dir,  # `bot` is the installed one, as for `python -m bot` in any directory
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.pending = b""

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        timeout: float,
        stdin: bytes | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        out, err, given = self.dir / "stdout", self.dir / "stderr", self.dir / "stdin"
        given.write_bytes(stdin or b"")
        request = {
            "args": list(args),
            "cwd": str(cwd),
            "env": dict(env),
            "stdin": str(given) if stdin is not None else "",
            "stdout": str(out),
            "stderr": str(err),
        }
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with self.lock:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
            pid = self._answer(60)["pid"]
            try:
                code = self._answer(timeout)["code"]
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                self._answer(10)
                raise subprocess.TimeoutExpired(
                    ["python", "-m", "bot", *args], timeout, out.read_bytes(), err.read_bytes()
                ) from None
            command = [sys.executable, "-m", "bot", *args]
            return subprocess.CompletedProcess(command, code, out.read_bytes(), err.read_bytes())

    def _answer(self, timeout: float) -> dict[str, int]:
        """The parent's next line, read from its pipe as it comes (no buffer to hide one in)."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.pending:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"the forking parent ended ({self.proc.wait()})")
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        answer: dict[str, int] = json.loads(line)
        return answer

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        for name in ("stdin", "stdout", "stderr"):
            (self.dir / name).unlink(missing_ok=True)
        self.dir.rmdir()


_parents: list[Parent] = []  # started on the first run, stopped when the tests end


def run_bot(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """`python -m bot *args` in `cwd` with exactly `env`, its output as bytes; `stdin` is
    its standard input (None: nothing, /dev/null)."""
    if any(name.startswith(STARTUP) for name in env):
        command = [sys.executable, "-m", "bot", *args]
        return subprocess.run(
            command,
            cwd=cwd,
            env=env,
            capture_output=True,
            timeout=timeout,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
        )
    if not _parents or _parents[-1].proc.poll() is not None:
        _parents.append(Parent(env))
    return _parents[-1].run(args, cwd=cwd, env=env, timeout=timeout, stdin=stdin)


def as_text(done: subprocess.CompletedProcess[bytes]) -> subprocess.CompletedProcess[str]:
    """The same run read as `subprocess.run(..., text=True)` reads it (universal newlines)."""
    encoding = locale.getpreferredencoding(False)

    def text(data: bytes) -> str:
        return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")

    return subprocess.CompletedProcess(
        done.args, done.returncode, text(done.stdout), text(done.stderr)
    )


@atexit.register
def _stop_parents() -> None:
    for parent in _parents:
        parent.stop()
