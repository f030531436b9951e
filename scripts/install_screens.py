"""Draw the install pages as a phone shows them: docs/screens/install-<lang>.png (Add to
Slack), installed-<lang>.png (what to do next) and install-failed-<lang>.png (an expired link),
from bot/slack/oauth/pages.py, in headless Chromium 360 px wide (testkit/browser.py).

    .venv/bin/python scripts/install_screens.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.i18n import LANGUAGES  # noqa: E402
from bot.slack.oauth.pages import failure_page, install_page, success_page  # noqa: E402
from testkit.browser import Browser, find_chromium  # noqa: E402

OUT = ROOT / "docs" / "screens"
INSTALL_URL = "https://slack.com/oauth/v2/authorize?client_id=0000.0000&scope=commands&state=s"
TEAM = "Contact Center Norte"


def main() -> int:
    chromium = find_chromium(install=True)
    if chromium is None:
        sys.exit("install_screens: Chromium not found (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as work, Browser.start(chromium) as browser:
        for language in LANGUAGES:
            shown = {
                "install": install_page(language, INSTALL_URL),
                "installed": success_page(language, TEAM),
                "install-failed": failure_page(language, "expired"),
            }
            for name, page in shown.items():
                source = Path(work) / f"{name}-{language}.html"
                source.write_text(page, encoding="utf-8")
                browser.goto(source.as_uri())
                png = OUT / f"{name}-{language}.png"
                width, height = browser.screenshot(str(png))
                print(f"{png.relative_to(ROOT)}  {width}x{height}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
