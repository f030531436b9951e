"""The pages people open in their browser while installing the app (pure: language -> HTML).

    install_page(language, install_url)          "Add to Slack"
    success_page(language, team_name)            installed: what to do next
    failure_page(language, reason, code=...)     cancelled, expired link, or Slack said no

Every word comes from the catalogs; everything from outside (a team's name, Slack's error code,
a URL) is HTML-escaped. A page is one self-contained document: its CSS inline in one <style>
(allowed by `CONTENT_SECURITY_POLICY`'s hash), the Slack mark an inline SVG, no script, no font
or image fetched from anywhere, readable on a phone 360 px wide.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Literal
from urllib.parse import urlencode

from bot.i18n import LANGUAGES, Language, Translator, translator
from bot.i18n.command_words import COMMAND, WORDS

PRODUCT = "Wolkvox Sync"
INSTALL_PATH = "/slack/install"

Reason = Literal["cancelled", "expired", "refused"]
REASONS: tuple[Reason, ...] = ("cancelled", "expired", "refused")
MAX_CODE = 100  # characters of Slack's error code shown (it is a short snake_case word)

# Bolt's failure reasons (AsyncFailureArgs.reason) that are not "Slack said no".
_CANCELLED = {"access_denied"}  # the person clicked Cancel on Slack's page
_EXPIRED = {"invalid_state", "invalid_browser", "missing_state"}  # link old, used, or elsewhere

_CSS = """\
:root{color-scheme:light}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#f4f5f7;color:#1d1c1d;font:16px/1.5 system-ui,-apple-system,\
"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
main{max-width:32rem;margin:0 auto;padding:2rem 1rem}
.card{background:#fff;border:1px solid #dddde0;border-radius:12px;padding:1.5rem 1.25rem}
.brand{margin:0 0 1rem;font-size:.875rem;font-weight:700;letter-spacing:.04em;color:#4a154b;\
text-transform:uppercase}
h1{margin:0 0 .75rem;font-size:1.5rem;line-height:1.25;overflow-wrap:anywhere}
p,li{margin:0 0 .75rem;overflow-wrap:anywhere}
ol{margin:0 0 .75rem;padding-left:1.4rem}
li{padding-left:.2rem}
code{font:.9em/1.4 ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace;\
background:#f0f0f2;border-radius:4px;padding:.1em .35em;white-space:nowrap}
.note code{white-space:normal}
.note{color:#616061;font-size:.875rem}
.actions{margin:1.25rem 0 .5rem}
.add-to-slack{display:inline-flex;align-items:center;justify-content:center;gap:12px;\
min-height:48px;padding:0 24px;max-width:100%;background:#fff;color:#1d1c1d;\
border:1px solid #bbbabb;border-radius:6px;font-size:1rem;font-weight:700;text-decoration:none}
.add-to-slack:hover,.add-to-slack:focus-visible{border-color:#1d1c1d;\
box-shadow:0 1px 4px rgba(0,0,0,.15)}
.add-to-slack svg{width:20px;height:20px;flex:none}
.button{display:inline-block;min-height:44px;padding:.6rem 1.25rem;background:#007a5a;color:#fff;\
border-radius:6px;font-weight:700;text-decoration:none}
.button:hover,.button:focus-visible{background:#148567}
.ok h1{color:#007a5a}
.failed h1{color:#b0103a}
a{color:#1264a3}
"""

# Content-Security-Policy for these pages: nothing but this exact stylesheet (no script, no
# fetch, no form, not framed). Send it with every page as a header.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS: dict[str, str] = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

# Slack's four-colour mark, as on Slack's own "Add to Slack" button.
_SLACK_MARK = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 122.8 122.8" aria-hidden="true">'
    '<path fill="#e01e5a" d="M25.8 77.6c0 7.1-5.8 12.9-12.9 12.9S0 84.7 0 77.6s5.8-12.9 '
    "12.9-12.9h12.9v12.9zm6.5 0c0-7.1 5.8-12.9 12.9-12.9s12.9 5.8 12.9 12.9v32.3c0 7.1-5.8 "
    '12.9-12.9 12.9s-12.9-5.8-12.9-12.9V77.6z"/>'
    '<path fill="#36c5f0" d="M45.2 25.8c-7.1 0-12.9-5.8-12.9-12.9S38.1 0 45.2 0s12.9 5.8 12.9 '
    "12.9v12.9H45.2zm0 6.5c7.1 0 12.9 5.8 12.9 12.9s-5.8 12.9-12.9 12.9H12.9C5.8 58.1 0 52.3 "
    '0 45.2s5.8-12.9 12.9-12.9h32.3z"/>'
    '<path fill="#2eb67d" d="M97 45.2c0-7.1 5.8-12.9 12.9-12.9s12.9 5.8 12.9 12.9-5.8 '
    "12.9-12.9 12.9H97V45.2zm-6.5 0c0 7.1-5.8 12.9-12.9 12.9s-12.9-5.8-12.9-12.9V12.9C64.7 5.8 "
    '70.5 0 77.6 0s12.9 5.8 12.9 12.9v32.3z"/>'
    '<path fill="#ecb22e" d="M77.6 97c7.1 0 12.9 5.8 12.9 12.9s-5.8 12.9-12.9 '
    "12.9-12.9-5.8-12.9-12.9V97h12.9zm0-6.5c-7.1 0-12.9-5.8-12.9-12.9s5.8-12.9 "
    '12.9-12.9h32.3c7.1 0 12.9 5.8 12.9 12.9s-5.8 12.9-12.9 12.9H77.6z"/>'
    "</svg>"
)

_BASE_LANGUAGES: dict[str, Language] = {"es": "es", "pt": "pt_BR", "en": "en"}
_HTML_LANG: dict[Language, str] = {"en": "en", "es": "es", "pt_BR": "pt-BR"}


def language_from_accept_language(header: str | None) -> Language:
    """The language of these pages for a browser's Accept-Language ("es-CO,es;q=0.9,en;q=0.8"):
    the most preferred we speak (q-values honoured, ties in the header's order); any Spanish is
    "es", any Portuguese "pt_BR", anything else English."""
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if not tag or quality <= 0:
            continue
        base = tag.replace("_", "-").split("-")[0].lower()
        language = _BASE_LANGUAGES.get(base)
        if language is None:
            continue
        candidate = (-quality, position, language)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best else "en"


def failure_reason(bolt_reason: str) -> tuple[Reason, str]:
    """Bolt's failure reason (AsyncFailureArgs.reason) as one of these pages' reasons, with the
    code to show when it is not the person's doing ("invalid_code", "storage_error", ...)."""
    if bolt_reason in _CANCELLED:
        return "cancelled", ""
    if bolt_reason in _EXPIRED:
        return "expired", ""
    return "refused", bolt_reason


def app_home_link(team_id: str, app_id: str) -> str:
    """Slack's link that opens an app's Home tab in the desktop or mobile app."""
    return "slack://app?" + urlencode({"team": team_id, "id": app_id, "tab": "home"})


def install_page(language: str, install_url: str) -> str:
    """The page behind the published install link: what the app does and "Add to Slack"."""
    t = _translator(language)
    title = t._("Add {product} to Slack").format(product=PRODUCT)
    what = t._("Look up, sync and share your Wolkvox WhatsApp templates from Slack.")
    button = t._("Add to Slack")
    note = t._(
        "Slack will ask you which workspace to add it to and what it may do there. "
        "Then an admin connects a Wolkvox operation in the app's Home tab."
    )
    body = (
        f"<h1>{_e(title)}</h1><p>{_e(what)}</p>"
        f'<p class="actions"><a class="add-to-slack" href="{_e(install_url)}">'
        f"{_SLACK_MARK}<span>{_e(button)}</span></a></p>"
        f'<p class="note">{_e(note)}</p>'
    )
    return _page(t, title, "install", body)


def success_page(language: str, team_name: str, *, home_url: str | None = None) -> str:
    """The page after a finished install: installed where, and what to do next. `home_url`
    (app_home_link) adds a button that opens the app's Home tab."""
    t = _translator(language)
    workspace = team_name.strip()
    title = t._("{product} is installed").format(product=PRODUCT)
    heading = (
        t._("{product} is installed in {workspace}").format(product=PRODUCT, workspace=workspace)
        if workspace
        else title
    )
    command = f"<code>{_e(f'{COMMAND} {WORDS[t.language].help}')}</code>"
    steps = [
        _e(t._("Open {product} in Slack and go to its Home tab.").format(product=PRODUCT)),
        _e(t._("Admins: add a Wolkvox operation there (its server and token).")),
        _e(t._("Then type {command} in any channel.")).format(command=command),
    ]
    next_steps = t._("What to do next:")
    open_home = t._("Open the Home tab")
    close = t._("You can close this page.")
    button = (
        f'<p class="actions"><a class="button" href="{_e(home_url)}">{_e(open_home)}</a></p>'
        if home_url
        else ""
    )
    body = (
        f"<h1>{_e(heading)}</h1><p>{_e(next_steps)}</p>"
        "<ol>" + "".join(f"<li>{step}</li>" for step in steps) + "</ol>"
        f'{button}<p class="note">{_e(close)}</p>'
    )
    return _page(t, title, "ok", body)


def failure_page(
    language: str, reason: Reason, *, code: str = "", start_url: str = INSTALL_PATH
) -> str:
    """The page after an install that did not finish, with a link to start again: the person
    cancelled, the link expired (or was used), or it was refused (`code`: Slack's error)."""
    t = _translator(language)
    if reason == "cancelled":
        lines = [t._("You cancelled the installation. Nothing was added to your workspace.")]
    elif reason == "expired":
        lines = [
            t._("This installation link has expired or was already used."),
            t._("A link works once, for 10 minutes. Start again to get a new one."),
        ]
    else:
        lines = [t._("The installation did not go through. Nothing was added to your workspace.")]
    paragraphs = "".join(f"<p>{_e(line)}</p>" for line in lines)
    if reason == "refused" and code:
        shown = f"<code>{_e(code.strip()[:MAX_CODE])}</code>"
        error_code = t._("Error code: {code}")
        paragraphs += f'<p class="note">{_e(error_code).format(code=shown)}</p>'
    title = t._("{product} was not installed").format(product=PRODUCT)
    again = t._("Start again")
    body = (
        f"<h1>{_e(title)}</h1>{paragraphs}"
        f'<p class="actions"><a class="button" href="{_e(start_url)}">{_e(again)}</a></p>'
    )
    return _page(t, title, "failed", body)


def _translator(language: str) -> Translator:
    return translator(language if language in LANGUAGES else "en")


def _e(text: str) -> str:
    """Text (or an attribute value) made safe for HTML."""
    return escape(text, quote=True)


def _page(t: Translator, title: str, kind: str, body: str) -> str:
    return (
        "<!DOCTYPE html>"
        f'<html lang="{_HTML_LANG[t.language]}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
        f'<body><main class="{kind}"><div class="card">'
        f'<p class="brand">{_e(PRODUCT)}</p>{body}</div></main></body></html>'
    )
