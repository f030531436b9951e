"""The pages people see while installing the app: in their browser's language, every untrusted
word escaped, nothing fetched, no script, readable on a phone; opened in a real headless
Chromium (Debian's package), on their own and through the install flow against the fake Slack."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.fernet import Fernet

from bot.slack.oauth import pages
from bot.slack.oauth.pages import (
    CONTENT_SECURITY_POLICY,
    HEADERS,
    PRODUCT,
    REASONS,
    failure_page,
    failure_reason,
    install_page,
    language_from_accept_language,
    success_page,
)
from testkit.browser import PHONE_WIDTH, Browser, find_chromium
from testkit.fake_slack import FakeSlack, Grant
from tests.harness import BotServer

LANGUAGES = ("en", "es", "pt_BR")
HTML_LANG = {"en": "en", "es": "es", "pt_BR": "pt-BR"}
INSTALL_URL = "https://slack.com/oauth/v2/authorize?client_id=1.2&scope=commands,chat:write&state=s"
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> "Ventas"'

# English words of these pages that must not be left in a Spanish or Portuguese one ("link"
# is Brazilian Portuguese too).
ENGLISH_WORDS = (
    "Add", "to", "the", "and", "your", "from", "will", "ask", "which", "workspace", "Then",
    "admin", "connects", "operation", "Home", "tab", "Open", "go", "its", "Admins", "there",
    "server", "type", "any", "channel", "installed", "What", "next", "You", "can", "close",
    "this", "page", "cancelled", "installation", "Nothing", "was", "added", "expired",
    "already", "used", "works", "once", "minutes", "Start", "again", "get", "new", "did",
    "not", "through", "Error", "code", "help", "Look", "up", "sync", "share", "templates",
)  # fmt: skip
NAMES = (PRODUCT, "Wolkvox", "WhatsApp", "Slack")  # the same in every language


def every_page(language: str) -> dict[str, str]:
    """Each page the install shows, by name, in `language`."""
    shown = {
        "install": install_page(language, INSTALL_URL),
        "installed": success_page(language, "Contact Center Norte"),
    }
    for reason in REASONS:
        shown[f"failed-{reason}"] = failure_page(language, reason, code="invalid_code")
    shown["failed-long-code"] = failure_page(language, "refused", code="no_" * 40)
    return shown


def visible_text(page: str) -> str:
    """A page's words as read: the body without tags, entities decoded."""
    body = page.split("<body>", 1)[1]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


# --- which language


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("es", "es"),
        ("es-CO,es;q=0.9,en;q=0.8", "es"),
        ("es-419", "es"),
        ("pt", "pt_BR"),
        ("pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("pt_br", "pt_BR"),
        ("en-US,en;q=0.9", "en"),
        ("en-US,es;q=0.9", "en"),
        ("fr-FR,fr;q=0.9,es;q=0.8,en;q=0.7", "es"),  # the first we speak, by preference
        ("en;q=0.5, pt-BR;q=0.8", "pt_BR"),  # q-values, not order, decide
        ("es;q=0.8, pt;q=0.8", "es"),  # a tie: the header's order
        ("es;q=0, en", "en"),  # q=0: not acceptable
        ("ES-mx;Q=1.0", "es"),
        ("es;q=abc, pt", "pt_BR"),  # a malformed q-value counts as none
        ("de-DE,fr;q=0.9", "en"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        (" , ;q=1, es ", "es"),
    ],
)
def test_the_language_is_the_browsers_most_preferred_one_we_speak(
    header: str | None, language: str
) -> None:
    assert language_from_accept_language(header) == language


def test_an_unknown_language_is_shown_in_english() -> None:
    assert install_page("fr", INSTALL_URL) == install_page("en", INSTALL_URL)


# --- what every page is


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_a_whole_document_in_its_language_made_for_a_phone(language: str) -> None:
    for name, page in every_page(language).items():
        assert page.startswith("<!DOCTYPE html>"), name
        assert f'<html lang="{HTML_LANG[language]}">' in page, name
        assert '<meta charset="utf-8">' in page, name
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert re.search(r"<title>[^<]+</title>", page), name
        assert PRODUCT in visible_text(page), name


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_runs_a_script_or_fetches_anything(language: str) -> None:
    for name, page in every_page(language).items():
        lowered = page.lower()
        assert "<script" not in lowered, name
        assert not re.search(r"<[^>]+\son\w+=", lowered), name  # no event handler attributes
        assert not re.search(r"<(img|link|iframe|object|embed|source|video|audio)\b", lowered)
        assert "@import" not in lowered and "url(" not in lowered, name
        assert " style=" not in lowered, name  # every style is in the one hashed stylesheet
        # the only addresses are links to follow, and the SVG's namespace
        addresses = re.findall(r"(?:href|src)=\"([^\"]*)\"", page)
        assert all(not a.startswith("//") for a in addresses), name


def test_the_stylesheet_is_the_one_the_content_security_policy_allows() -> None:
    [css] = re.findall(r"<style>(.*?)</style>", install_page("en", INSTALL_URL), re.S)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src" not in CONTENT_SECURITY_POLICY  # default-src 'none': no script at all
    assert HEADERS["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert HEADERS["Content-Type"] == "text/html; charset=utf-8"
    for language in LANGUAGES:  # every page carries that same stylesheet
        for page in every_page(language).values():
            assert re.findall(r"<style>(.*?)</style>", page, re.S) == [css]


# --- the install page


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_install_page_links_add_to_slack_to_the_install_url(language: str) -> None:
    page = install_page(language, INSTALL_URL)
    [link] = re.findall(r'<a class="add-to-slack" href="([^"]*)">', page)
    assert html.unescape(link) == INSTALL_URL
    assert "<svg" in page  # Slack's mark drawn inline, not fetched


def test_the_install_url_cannot_break_out_of_its_attribute() -> None:
    page = install_page("en", 'https://slack.com/x?a=1&b="><script>alert(1)</script>')
    assert "<script>" not in page
    assert 'href="https://slack.com/x?a=1&amp;b=&quot;&gt;&lt;script&gt;' in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Add to Slack", "Add Wolkvox Sync to Slack"]),
        ("es", ["Agregar a Slack", "Agregar Wolkvox Sync a Slack", "pestaña Inicio"]),
        ("pt_BR", ["Adicionar ao Slack", "Adicionar o Wolkvox Sync ao Slack", "aba Início"]),
    ],
)
def test_the_install_page_speaks_the_language(language: str, words: list[str]) -> None:
    text = visible_text(install_page(language, INSTALL_URL))
    for word in words:
        assert word in text


# --- the installed page


@pytest.mark.parametrize(
    ("language", "command", "home"),
    [
        ("en", "/wolkvox-sync help", "Home tab"),
        ("es", "/wolkvox-sync ayuda", "pestaña Inicio"),
        ("pt_BR", "/wolkvox-sync ajuda", "aba Início"),
    ],
)
def test_the_installed_page_says_what_to_do_next(language: str, command: str, home: str) -> None:
    page = success_page(language, "Contact Center Norte")
    text = visible_text(page)
    assert "Contact Center Norte" in text
    assert home in text  # 1. open the app's Home tab
    assert "Wolkvox" in text.split(home, 1)[1]  # 2. admins add a Wolkvox operation there
    assert f"<code>{command}</code>" in page  # 3. try help, in the reader's words
    assert page.index("<ol>") < page.index(home) < page.index(command)


def test_a_team_name_is_shown_as_text_never_as_markup() -> None:
    for language in LANGUAGES:
        page = success_page(language, HOSTILE)
        assert "<script>" not in page and "<img" not in page
        assert html.escape(HOSTILE) in page
        assert HOSTILE in visible_text(page)


def test_a_team_name_with_braces_is_not_read_as_a_placeholder() -> None:
    assert "{product} {workspace} {0}" in visible_text(
        success_page("es", "{product} {workspace} {0}")
    )


def test_without_a_team_name_the_page_still_says_it_is_installed() -> None:
    assert "Wolkvox Sync is installed" in visible_text(success_page("en", "  "))
    assert "Se instaló Wolkvox Sync" in visible_text(success_page("es", ""))


def test_the_installed_page_can_open_the_apps_home_tab() -> None:
    link = pages.app_home_link("T0123ABCD", "A0APP")
    assert link == "slack://app?team=T0123ABCD&id=A0APP&tab=home"
    page = success_page("pt_BR", "Acme", home_url=link)
    assert 'href="slack://app?team=T0123ABCD&amp;id=A0APP&amp;tab=home"' in page
    assert "Abrir a aba Início" in visible_text(page)
    assert "slack://" not in success_page("pt_BR", "Acme")  # no link without one


# --- the failure pages


@pytest.mark.parametrize(
    ("reason", "language", "says"),
    [
        ("cancelled", "en", "You cancelled the installation"),
        ("cancelled", "es", "Canceló la instalación"),
        ("cancelled", "pt_BR", "Você cancelou a instalação"),
        ("expired", "en", "has expired or was already used"),
        ("expired", "es", "venció o ya se usó"),
        ("expired", "pt_BR", "expirou ou já foi usado"),
        ("refused", "en", "did not go through"),
        ("refused", "es", "no se completó"),
        ("refused", "pt_BR", "não foi concluída"),
    ],
)
def test_each_failure_says_what_happened_and_links_to_start_again(
    reason: pages.Reason, language: str, says: str
) -> None:
    page = failure_page(language, reason)
    assert says in visible_text(page)
    assert re.findall(r'<a class="button" href="([^"]*)">', page) == ["/slack/install"]
    other = failure_page(language, reason, start_url="https://bot.example.com/slack/install")
    assert 'href="https://bot.example.com/slack/install"' in other


def test_only_a_refusal_shows_slacks_error_code_and_it_is_escaped() -> None:
    page = failure_page("en", "refused", code="invalid_code")
    assert "Error code: <code>invalid_code</code>" in page
    hostile = failure_page("es", "refused", code="<b>bad</b>&" + "x" * 500)
    assert "<b>" not in hostile and "&lt;b&gt;bad&lt;/b&gt;&amp;" in hostile
    assert "Código de error" in visible_text(hostile)
    assert "x" * (pages.MAX_CODE + 1) not in hostile  # a long one is cut
    for reason in ("cancelled", "expired"):
        assert "invalid_code" not in failure_page("en", reason, code="invalid_code")
    assert "Error code" not in visible_text(failure_page("en", "refused"))


@pytest.mark.parametrize(
    ("bolt_reason", "reason", "code"),
    [
        ("access_denied", "cancelled", ""),
        ("invalid_state", "expired", ""),
        ("invalid_browser", "expired", ""),
        ("missing_state", "expired", ""),
        ("invalid_code", "refused", "invalid_code"),
        ("missing_code", "refused", "missing_code"),
        ("storage_error", "refused", "storage_error"),
        ("invalid_team_for_non_distributed_app", "refused", "invalid_team_for_non_distributed_app"),
    ],
)
def test_bolts_failure_reasons_become_the_pages_reasons(
    bolt_reason: str, reason: str, code: str
) -> None:
    assert failure_reason(bolt_reason) == (reason, code)


# --- no English left


@pytest.mark.parametrize("language", ["es", "pt_BR"])
def test_no_english_is_left_in_a_spanish_or_portuguese_page(language: str) -> None:
    for name, page in every_page(language).items():
        text = visible_text(page)
        for kept in (*NAMES, "invalid_code", "/wolkvox-sync"):
            text = text.replace(kept, " ")
        left = sorted(set(re.findall(r"[\w']+", text)) & set(ENGLISH_WORDS))
        assert left == [], f"{name} in {language}: {left}"


# --- in a real browser


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium(install=True)
    if binary is None:
        pytest.skip(
            "Chromium is not installed and can't be here: the Debian package 'chromium' "
            "needs root and apt-get (CHROMIUM=/path/to/chromium names another binary)"
        )
    return binary


class _PageServer(BaseHTTPRequestHandler):
    """Serves the pages as the bot does: chosen by Accept-Language, with the pages' headers."""

    def do_GET(self) -> None:
        language = language_from_accept_language(self.headers.get("Accept-Language"))
        name = self.path.strip("/")
        shown = every_page(language)
        shown["hostile"] = success_page(language, HOSTILE)
        if name not in shown:
            self.send_error(404)
            return
        body = shown[name].encode()
        self.send_response(200)
        for header, value in HEADERS.items():
            self.send_header(header, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def page_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_in_chromium_each_page_fits_a_phone_obeys_its_policy_and_reads_right(
    chromium: str, page_server: str, language: str
) -> None:
    header = {"en": "en-US,en;q=0.9", "es": "es-CO,es;q=0.9", "pt_BR": "pt-BR,pt;q=0.9"}
    with Browser.start(chromium, language=header[language]) as browser:
        for name, page in every_page(language).items():
            browser.goto(f"{page_server}/{name}")
            assert browser.evaluate("document.documentElement.lang") == HTML_LANG[language]
            # the stylesheet applied (its hash allowed), nothing refused, nothing fetched
            assert browser.console() == [], name
            assert browser.evaluate("getComputedStyle(document.body).margin") == "0px", name
            assert browser.evaluate("document.querySelectorAll('script').length") == 0
            # 360 px wide: nothing wider than the screen, no sideways scrolling
            assert browser.evaluate("window.innerWidth") == PHONE_WIDTH
            assert browser.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, name
            shown = browser.text()
            assert PRODUCT in shown, name
            for line in re.findall(r"<h1>(.*?)</h1>", page):
                assert html.unescape(line) in shown, name
        browser.goto(f"{page_server}/install")
        button = browser.evaluate(
            "(b => [b.getBoundingClientRect().height, b.getBoundingClientRect().right,"
            " getComputedStyle(b).borderRadius])(document.querySelector('a.add-to-slack'))"
        )
        assert button[0] >= 44 and button[1] <= PHONE_WIDTH  # big enough to tap, on screen
        assert button[2] == "6px"


def test_in_chromium_a_hostile_team_name_is_only_text(chromium: str, page_server: str) -> None:
    with Browser.start(chromium, language="es") as browser:
        browser.goto(f"{page_server}/hostile")
        assert HOSTILE in browser.text()
        assert browser.evaluate("document.querySelectorAll('script, img').length") == 0
        assert browser.console() == []


# --- through the install flow, in Chromium, against the fake Slack


@pytest.fixture
def distributed(env: dict[str, str], slack: FakeSlack) -> Iterator[Callable[[], BotServer]]:
    """A bot in distribution mode (the app's client id and secret, no bot token) whose install
    link leads to the fake Slack's authorize page, which sends the browser back to it."""
    servers: list[BotServer] = []
    settings = {k: v for k, v in env.items() if k not in ("SLACK_BOT_TOKEN", "WOLKVOX_TOKEN")}
    settings.pop("WOLKVOX_SERVER", None)
    settings.update(
        SLACK_CLIENT_ID=slack.client_id,
        SLACK_CLIENT_SECRET=slack.client_secret,
        WOLKVOX_SECRET_KEY=Fernet.generate_key().decode(),
    )

    def start() -> BotServer:
        bot = BotServer(settings)
        servers.append(bot)
        slack.redirect_url = f"{bot.url}/slack/oauth_redirect"  # the app's Redirect URL
        return bot

    yield start
    for bot in servers:
        bot.stop()


def test_in_chromium_a_spanish_speaker_installs_the_app_from_its_link(
    chromium: str, slack: FakeSlack, distributed: Callable[[], BotServer]
) -> None:
    bot = distributed()
    slack.grant = Grant(team_id="T0NORTE", team_name="Contact Center <Norte> & Cía")
    with Browser.start(chromium, language="es-CO,es;q=0.9,en;q=0.5") as browser:
        browser.goto(f"{bot.url}/slack/install")
        assert browser.evaluate("document.documentElement.lang") == "es"
        assert "Agregar a Slack" in browser.text()
        assert browser.document_headers()["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert browser.console() == []
        link = str(browser.evaluate("document.querySelector('a.add-to-slack').href"))
        assert link.startswith(f"{slack.url}/oauth/v2/authorize?")

        browser.click("a.add-to-slack")  # Slack's page (the fake agrees at once), then back

        assert browser.url().startswith(f"{bot.url}/slack/oauth_redirect?code=")
        shown = browser.text()
        assert "Se instaló Wolkvox Sync en Contact Center <Norte> & Cía" in shown
        assert "pestaña Inicio" in shown and "/wolkvox-sync ayuda" in shown
        assert browser.evaluate("document.querySelectorAll('script').length") == 0
        assert browser.console() == []  # its stylesheet allowed by the CSP it came with
        headers = browser.document_headers()
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["cache-control"] == "no-store"
        assert browser.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
        assert slack.tokens_of("T0NORTE"), "the installation's bot token was issued"

        # the same link again: its state was used once, so the page says to start again
        browser.goto(browser.url())
        assert "venció o ya se usó" in browser.text()
        assert browser.evaluate("document.querySelector('a.button').pathname") == ("/slack/install")


def test_in_chromium_cancelling_on_slacks_page_says_so_and_offers_to_start_again(
    chromium: str, slack: FakeSlack, distributed: Callable[[], BotServer]
) -> None:
    bot = distributed()
    slack.grant = Grant(team_id="T0SUR", deny=True)  # the person clicks Cancel on Slack's page
    with Browser.start(chromium, language="pt-BR") as browser:
        browser.goto(f"{bot.url}/slack/install")
        browser.click("a.add-to-slack")
        assert "error=access_denied" in browser.url()
        assert browser.evaluate("document.documentElement.lang") == "pt-BR"
        assert "Você cancelou a instalação" in browser.text()
        assert browser.document_headers()["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert browser.console() == []
        browser.click("a.button")  # Começar de novo: the install page again
        assert browser.url() == f"{bot.url}/slack/install"
        assert "Adicionar ao Slack" in browser.text()
    assert slack.tokens_of("T0SUR") == []
