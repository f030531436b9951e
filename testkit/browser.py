"""A real headless Chromium (Debian's package) driven over its DevTools protocol, for the tests
that open the install pages as a person's browser does: navigate, click, follow redirects, read
the page, take a screenshot at a phone's width.

    with Browser.start(language="es") as browser:
        browser.goto("http://127.0.0.1:8000/slack/install")
        browser.click("a.add-to-slack")          # a real mouse click at the button's centre
        browser.text()                            # the page as the person reads it

The protocol runs over a pipe (--remote-debugging-pipe: NUL-terminated JSON on fds 3 and 4),
so no port is opened and nothing but the standard library is needed. Chromium is found at
$CHROMIUM, /usr/bin/chromium or on PATH; `find_chromium(install=True)` installs the Debian
package with apt-get when it is missing and we are root (as ../shared/tools/render_blocks.py
does), one process at a time.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

CHROMIUM = "/usr/bin/chromium"
PHONE_WIDTH = 360  # CSS px: a small Android phone
PHONE_HEIGHT = 740
PATIENCE = 20.0  # seconds for one protocol answer or one page load
_INSTALL_LOCK = os.path.join(tempfile.gettempdir(), "wolkvox-chromium-install.lock")


class BrowserError(RuntimeError):
    """Chromium answered a command with an error, went away, or took too long."""


def find_chromium(*, install: bool = False) -> str | None:
    """The Chromium binary, or None. With `install`, the Debian package is installed first when
    missing and this process may (root, apt-get): the first caller installs, the rest wait; an
    install that fails raises BrowserError (None means only: this machine can't install it)."""
    found = _existing_chromium()
    if found or not install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    with open(_INSTALL_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _existing_chromium()
        if found is None:
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            apt = ["apt-get", "-qq", "-o", "DPkg::Lock::Timeout=300"]
            subprocess.run([*apt, "update"], check=False, env=env, capture_output=True)  # noqa: S603
            installed = subprocess.run(  # noqa: S603
                [*apt, "install", "-y", "--no-install-recommends", "chromium", "fonts-dejavu-core"],
                check=False,
                env=env,
                capture_output=True,
                text=True,
            )
            found = _existing_chromium()
            if found is None:
                raise BrowserError(
                    "apt-get could not install chromium: " + installed.stderr.strip()[-600:]
                )
    return found


def _existing_chromium() -> str | None:
    for candidate in (
        os.environ.get("CHROMIUM"),
        CHROMIUM,
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class Browser:
    """One headless Chromium with one tab, at a phone's size, in one language."""

    def __init__(self, process: subprocess.Popen[bytes], to_chrome: int, from_chrome: int,
                 profile: str) -> None:  # fmt: skip
        self._process = process
        self._to = to_chrome
        self._from = from_chrome
        self._profile = profile
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self._session = ""
        self._metrics: tuple[int, int, float] = (PHONE_WIDTH, PHONE_HEIGHT, 1.0)

    @classmethod
    @contextmanager
    def start(
        cls,
        binary: str | None = None,
        *,
        language: str = "en",
        width: int = PHONE_WIDTH,
        height: int = PHONE_HEIGHT,
        scale: float = 1.0,
    ) -> Iterator[Browser]:
        """A Chromium sending `Accept-Language: language`, its window `width` CSS px wide as a
        phone's (touch, mobile viewport), pixels at `scale`; closed on leaving."""
        chrome = binary or find_chromium()
        if chrome is None:
            raise BrowserError("Chromium is not installed")
        browser = cls._launch(chrome)
        try:
            browser._open_tab(language, width, height, scale)
            yield browser
        finally:
            browser.close()

    @classmethod
    def _launch(cls, chrome: str) -> Browser:
        profile = tempfile.mkdtemp(prefix="wolkvox-chromium-")
        # fds 3 and 4 in the child: it reads commands from 3 and writes answers to 4
        commands_read, commands_write = _high_pipe()
        answers_read, answers_write = _high_pipe()

        def child_fds() -> None:
            os.dup2(commands_read, 3)
            os.dup2(answers_write, 4)

        args = [
            chrome, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
            "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank",
        ]  # fmt: skip
        process = subprocess.Popen(  # noqa: S603
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=child_fds,  # before exec: fds 3 and 4 only
            start_new_session=True,
        )
        os.close(commands_read)
        os.close(answers_write)
        return cls(process, commands_write, answers_read, profile)

    def close(self) -> None:
        """Close Chromium (asked politely, then its process group killed) and its profile."""
        try:
            if self._process.poll() is None:
                self._send("Browser.close", {}, session="", wait=False)
                self._process.wait(timeout=5)
        except (BrowserError, OSError, subprocess.TimeoutExpired):
            pass
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGKILL)  # its own session: only ours
            self._process.wait(timeout=5)
        for fd in (self._to, self._from):
            with suppress(OSError):
                os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)

    # --- what a test does

    def goto(self, url: str) -> None:
        """Open `url` in the tab (following redirects) and wait until it has loaded."""
        self._events.clear()
        answer = self.command("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise BrowserError(f"{url}: {answer['errorText']}")
        self.wait_for_load()

    def click(self, selector: str) -> None:
        """A mouse click at the centre of the first element matching `selector`, then wait for
        the page it leads to (every redirect followed) to load."""
        found = f"document.querySelector({json.dumps(selector)}).getBoundingClientRect()"
        box = self.evaluate(f"(r => [r.left + r.width / 2, r.top + r.height / 2])({found})")
        x, y = float(box[0]), float(box[1])
        self._events.clear()
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.command(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )
        self.wait_for_load()

    def wait_for_load(self) -> None:
        """Until the tab's main frame fires its load event (after the last redirect)."""
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (as JSON)."""
        answer = self.command("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def url(self) -> str:
        return str(self.evaluate("location.href"))

    def text(self) -> str:
        """The page's text as shown (innerText: what a person reads)."""
        return str(self.evaluate("document.body.innerText"))

    def html(self) -> str:
        return str(self.evaluate("document.documentElement.outerHTML"))

    def console(self) -> list[str]:
        """What the page logged so far (CSP refusals, failed loads): the Log domain's entries."""
        return [
            str(event["params"]["entry"].get("text", ""))
            for event in self._events
            if event.get("method") == "Log.entryAdded"
        ]

    def document_headers(self) -> dict[str, str]:
        """The response headers (lower-case names) of the page shown: the last document
        received since the last navigation or click."""
        documents = [
            event["params"]["response"]
            for event in self._events
            if event.get("method") == "Network.responseReceived"
            and event["params"].get("type") == "Document"
        ]
        if not documents:
            raise BrowserError("no document was received")
        return {name.lower(): str(value) for name, value in documents[-1]["headers"].items()}

    def screenshot(self, path: str) -> tuple[int, int]:
        """A PNG of the whole page at the tab's width (as tall as the content): its size."""
        width, height, scale = self._metrics
        full = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
        self._emulate(width, max(height, full), scale)
        try:
            answer = self.command("Page.captureScreenshot", {"format": "png"})
        finally:
            self._emulate(width, height, scale)
        data = base64.b64decode(answer["data"])
        with open(path, "wb") as png:
            png.write(data)
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")

    # --- the protocol

    def command(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one command to the tab and return its result."""
        return self._send(method, params or {}, session=self._session)

    def wait_event(self, method: str, timeout: float = PATIENCE) -> dict[str, Any]:
        """The first `method` event since the last navigation or click (waiting for it)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self._events:
                if event.get("method") == method:
                    self._events.remove(event)
                    return event
            self._read_one(deadline, f"event {method}")

    def _open_tab(self, language: str, width: int, height: int, scale: float) -> None:
        version = self._send("Browser.getVersion", {}, session="")
        targets = self._send("Target.getTargets", {}, session="")["targetInfos"]
        page = next((t for t in targets if t.get("type") == "page"), None)
        if page is None:
            target = self._send("Target.createTarget", {"url": "about:blank"}, session="")
            target_id = target["targetId"]
        else:
            target_id = page["targetId"]
        attached = self._send(
            "Target.attachToTarget", {"targetId": target_id, "flatten": True}, session=""
        )
        self._session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.command(f"{domain}.enable")
        self.command(
            "Emulation.setUserAgentOverride",
            {"userAgent": version["userAgent"], "acceptLanguage": language},
        )
        self._metrics = (width, height, scale)
        self._emulate(width, height, scale)

    def _emulate(self, width: int, height: int, scale: float) -> None:
        self.command(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": True},
        )

    def _send(
        self, method: str, params: dict[str, Any], *, session: str, wait: bool = True
    ) -> dict[str, Any]:
        self._next_id += 1
        ident = self._next_id
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to, data) :]
        if not wait:
            return {}
        deadline = time.monotonic() + PATIENCE
        while True:
            answer = self._read_one(deadline, method)
            if answer.get("id") == ident:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result

    def _read_one(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        """The next message from Chromium; an event is also kept for wait_event/console."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"Chromium did not answer in time ({waiting_for})")
            ready, _, _ = select.select([self._from], [], [], left)
            if ready:
                chunk = os.read(self._from, 1 << 16)
                if not chunk:
                    raise BrowserError(f"Chromium went away ({waiting_for})")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        if "method" in message and (not self._session or message.get("sessionId") == self._session):
            self._events.append(message)
        return message


def _high_pipe() -> tuple[int, int]:
    """A pipe whose ends are numbered above 4, so placing fds 3 and 4 in the child never
    overwrites one of them."""
    read_end, write_end = os.pipe()
    high = (fcntl.fcntl(read_end, fcntl.F_DUPFD_CLOEXEC, 5),
            fcntl.fcntl(write_end, fcntl.F_DUPFD_CLOEXEC, 5))  # fmt: skip
    os.close(read_end)
    os.close(write_end)
    return high
