"""Spanish, Portuguese and English: complete catalogs, numbers and times in each language's
way, every reply within Block Kit's limits in each, and the language of each person and
channel end to end (the fake Slack answers users.info with each person's locale)."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot import commands
from bot.database.store import Subscription, SyncRecord
from bot.errors import (
    BadRequest,
    BadResponse,
    Busy,
    ConnectionFailed,
    ExpiredError,
    Forbidden,
    InputError,
    InvalidToken,
    MissingToken,
    QuotaExceeded,
    SharedStateUnavailable,
    SyncLimitReached,
    TooManyRequests,
    Unavailable,
    WolkvoxRejected,
    WolkvoxTimeout,
)
from bot.i18n import (
    LANGUAGES,
    Translator,
    language_from_slack_locale,
    read_language,
    translator,
)
from bot.i18n.messages import cooldown_note, describe, slack_problem, stale_warning
from bot.i18n.translator import catalog_path
from bot.slack import replies
from bot.slack.views import history, home, template
from bot.slack.views.changes import change_notification, changes_note, subscriber_warning
from bot.slack.views.kit import About, Message, message, plain_fallback, section
from bot.templates.diff import diff
from bot.templates.export import changes_csv, templates_csv
from bot.templates.model import Snapshot, Template, sorted_templates
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import FakeWolkvox, Reply, ok
from testkit.fake_wolkvox import template as wolkvox_template
from tests.blockkit import all_text, check_message, texts
from tests.harness import BotServer

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TRANSLATED = ("es", "pt_BR")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "nformat": (1, 2), "N_": None}

# Words of the bot's English that must not be left in a Spanish or Portuguese reply.
ENGLISH_WORDS = (
    "templates", "template", "Synced", "synced", "Cached", "Refresh", "Next", "Previous",
    "Export", "Share", "by", "of", "the", "and", "with", "Connector", "connector", "asked",
    "shared", "Filters", "match", "Page", "Open", "Body", "Preview", "language", "languages",
    "category", "history", "sync", "changes", "added", "removed", "changed", "first", "found",
    "not", "could", "Try", "again", "minute", "ago", "just", "now", "someone", "Sorry",
    "channel", "This", "subscribed", "Type", "help",
)  # fmt: skip
PORTUGUESE_ONLY = ("modelo", "modelos", "Atualizar", "Compartilhar", "Próxima", "há")
SPANISH_ONLY = ("plantilla", "plantillas", "Actualizar", "Compartir", "Siguiente", "hace")


# --- the catalogs ---


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def source_messages() -> dict[str, tuple[str, ...]]:
    """Every message the code marks for translation: msgid -> (singular[, plural])."""
    found: dict[str, tuple[str, ...]] = {}
    for _, _, text, _, _ in extract_from_dir(str(ROOT / "bot"), keywords=KEYWORDS):
        forms = text if isinstance(text, tuple) else (text,)
        found[forms[0]] = tuple(forms)
    return found


def catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as po:  # type: ignore[arg-type]
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    po = catalog(language)
    problems = []
    for msgid, forms in source_messages().items():
        entry = po.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        if not all(s.strip() for s in strings):
            problems.append(f"empty: {msgid!r}")
        if len(forms) != len(strings):
            problems.append(f"singular/plural differs from the English: {msgid!r}")
    assert problems == [], "run scripts/i18n and translate:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_translation_is_left_over_from_a_message_the_code_no_longer_has(
    language: str,
) -> None:
    used = set(source_messages())
    assert [m.id for m in catalog(language) if m.id and _key(m.id) not in used] == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_are_those_of_the_english(language: str) -> None:
    """Every form names only the English's placeholders; the plural form names them all, and
    a singular form all but {count} ("La única plantilla comparada" says no number)."""
    problems = []
    for entry in catalog(language):
        if not entry.id:
            continue
        english = set().union(*map(placeholders, _forms(entry.id)))
        for form in _forms(entry.string):
            try:
                named = placeholders(form)
            except ValueError as error:  # an unbalanced { or }
                problems.append(f"{_key(entry.id)!r}: {error}")
                continue
            if not named <= english:
                problems.append(f"{_key(entry.id)!r}: {sorted(named - english)} not in English")
        plural = _forms(entry.string)[-1]
        if placeholders(plural) != placeholders(_forms(entry.id)[-1]):
            problems.append(f"{_key(entry.id)!r}: {placeholders(plural)} in {language}")
        for singular in _forms(entry.string)[:-1]:
            dropped = placeholders(_forms(entry.id)[-1]) - placeholders(singular) - {"count"}
            if dropped:
                problems.append(f"{_key(entry.id)!r}: the singular drops {sorted(dropped)}")
    assert problems == []


# Words that must not be in a translation: Spain's Spanish in Latin-American text, English
# left in, the lower-case "id", Portuguese's "alias" (it is "apelido"), a spaced or unspaced
# percent sign against the language's one way (Spanish "50 %", Portuguese "50%").
NOT_IN = {
    "es": (
        r"\b(?:[Pp]ulse|[Pp]ulsar?|[Oo]rdenador|como pronto|[Ff]ichero|[Vv]osotros|[Cc]oger)\b",
        r"\bids?\b", r"Workflow Builder", r"TOKEN LIMIT EXCEEDED", r"PLEASE VALIDATE",
        r"\S%", r"\bworkspace\b",
    ),
    "pt_BR": (
        r"\bids?\b", r"\b[Aa]lias\b", r"\bworkspace\b", r"Workflow Builder", r"aguardando vez",
        r"pedido por", r"TOKEN LIMIT EXCEEDED", r"PLEASE VALIDATE", r" %", r"\bleva\b",
    ),
}  # fmt: skip


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_translation_uses_a_word_the_review_ruled_out(language: str) -> None:
    found = [
        (pattern, form)
        for entry in catalog(language)
        if entry.id
        for form in _forms(entry.string)
        for pattern in NOT_IN[language]
        if re.search(pattern, re.sub(r"\{\w+\}", "", form))  # placeholders are not words
    ]
    assert found == []


def button_labels(t: Translator) -> set[str]:
    """Every button's label in `t`'s language: the messages the views pass to button(), and
    the comparison's jump buttons for a connector of 4 digits."""
    labels = set()
    for path in (ROOT / "bot" / "slack").rglob("*.py"):
        for msgid in re.findall(r'button\(\s*t\._\("([^"]+)"\)', path.read_text()):
            labels.add(t._(msgid))
    for msgid in ("» Only in {connector}", "» Different in both"):
        labels.add(t._(msgid).format(connector="1234"))
    return labels


@pytest.mark.parametrize("language", LANGUAGES)
def test_buttons_fit_without_slack_truncating_them(language: str) -> None:
    """Slack cuts a button's label past about 21 characters on narrow screens."""
    labels = button_labels(translator(language))
    assert {"Actualizar", "Refresh", "Atualizar"} & labels
    assert [x for x in labels if len(x) > 21] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_slack_date_stays_a_date_in_every_language(language: str) -> None:
    shown = translator(language).moment(NOW)
    assert re.fullmatch(
        r"<!date\^1795521600\^\{date_short_pretty\} [^|^<>]+ \{time\}\|2026-11-24 12:00 UTC>",
        shown,
    ), shown


# --- numbers, ages, languages ---


@pytest.mark.parametrize(
    ("language", "five_thousand", "three_minutes", "two_days"),
    [
        ("en", "5,000", "3 min. ago", "2 days ago"),
        ("es", "5.000", "hace 3 min", "hace 2 días"),
        ("pt_BR", "5.000", "há 3 min.", "há 2 dias"),
    ],
)
def test_numbers_and_ages_are_written_the_language_s_way(
    language: str, five_thousand: str, three_minutes: str, two_days: str
) -> None:
    t = translator(language)
    assert t.number(5000) == five_thousand
    assert t.ago(timedelta(minutes=3, seconds=5)) == three_minutes
    assert t.ago(timedelta(days=2)) == two_days
    assert t.ago(timedelta(seconds=10)) == {"en": "just now", "es": "ahora mismo"}.get(
        language, "agora mesmo"
    )


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("es-LA", "es"),
        ("es-ES", "es"),
        ("pt-BR", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("fr-FR", None),
        ("", None),
    ],
)
def test_slack_locales_name_our_languages(locale: str, language: str | None) -> None:
    assert language_from_slack_locale(locale) == language


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("es", "es"),
        ("Español", "es"),
        ("pt", "pt_BR"),
        ("pt-BR", "pt_BR"),
        ("português", "pt_BR"),
        ("EN", "en"),
        ("inglés", "en"),
        ("es_MX", "es"),
        ("fr", None),
        ("klingon", None),
    ],
)
def test_languages_as_people_type_them(typed: str, language: str | None) -> None:
    assert read_language(typed) == language


def test_an_unknown_language_gets_english() -> None:
    assert translator("fr").language == "en"


# --- every reply in every language, within Block Kit's limits ---


def many(n: int, *, name_len: int = 20, body_len: int = 1024) -> list[Template]:
    languages = [f"{chr(97 + i // 26)}{chr(97 + i % 26)}_XX" for i in range(70)]
    categories = ["MARKETING", "UTILITY", "AUTHENTICATION", "ODD_" * 8]
    return [
        Template(
            name=f"t{i:06d}_" + "n" * max(0, name_len - 8),
            language=languages[i % len(languages)],
            category=categories[i % len(categories)],
            body="b {{1}} " * (body_len // 8),
        )
        for i in range(n)
    ]


def snapshot(templates: list[Template], *, skipped: int = 0) -> Snapshot:
    return Snapshot("a1b2c3", "12345678901234567890", sorted_templates(templates), skipped, NOW)


def record(i: int) -> SyncRecord:
    return SyncRecord(
        f"s{i}", "12345678901234567890", NOW - timedelta(hours=i), "slack", "U0MARIA",
        "m" * 100, 5000, 3, i == 9, 1234, 567, 89,
    )  # fmt: skip


def slack_error(reason: str) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": reason},
        headers={},
        status_code=200,
    )
    return SlackApiError(reason, response)


ERRORS = [
    InputError("x"),
    ExpiredError("1234"),
    SyncLimitReached("1234", 5, 42.5),
    SharedStateUnavailable(),
    QuotaExceeded("1234", 403, "403", "FORBIDDEN", "TOKEN LIMIT EXCEEDED " * 20),
    TooManyRequests("1234", 403, "403", "FORBIDDEN", "x"),
    InvalidToken("1234", 403, "403", "FORBIDDEN", "PLEASE VALIDATE TOKEN"),
    MissingToken("1234", 401, "401", "UNAUTHORIZED", "y"),
    Forbidden("1234", 403, "403", "FORBIDDEN", "z"),
    BadRequest("1234", 400, "400", "BAD REQUEST", "w"),
    WolkvoxRejected("1234", 200, "500", "", ""),
    Busy("1234"),
    Unavailable("1234", 503),
    WolkvoxTimeout("1234", 30.0),
    ConnectionFailed("1234", "reset " * 50),
    BadResponse("1234", "JSON roto"),
]


def every_reply(t: Translator) -> Iterator[tuple[str, Message]]:
    """Each kind of reply, with the longest values it can hold."""
    big = snapshot(many(5000, name_len=512), skipped=3)
    about = About(now=NOW, t=t, origin="stale", asked_by="U0MARIA", warning="w" * 300)
    for page in (0, 1, 250):
        yield f"lookup page {page}", replies.lookup_reply(big, about, page=page)
    query = commands.parse("1 lang:aa_XX -category:utility t0", t=t)
    assert isinstance(query, commands.Lookup)
    yield "filtered", replies.lookup_reply(big, about, query=query.query)
    none = commands.parse("1 zzzz", t=t)
    assert isinstance(none, commands.Lookup)
    yield "no match", replies.lookup_reply(big, about, query=none.query)
    yield "empty", replies.lookup_reply(snapshot([]), about)
    shared = About(now=NOW, t=t, shared_by="U0MARIA")
    yield "shared", replies.lookup_reply(big, shared, page=3)
    versions = [Template("promo", f"l{i:02d}_XX", "MARKETING", "{{1}} " * 200) for i in range(70)]
    yield "show", replies.show_reply(snapshot(versions), "promo", about)
    yield "not found", replies.show_reply(big, "t00000", about)
    one = many(1, body_len=4096)[0]
    yield "detail", template.detail_message(big, one, now=NOW, t=t)
    yield "help", replies.help_message(t, {f"alias{i}": str(i) for i in range(20)})
    yield "progress", replies.progress_message("12345678901234567890", t)
    yield "expired", replies.expired_message("1234", describe(ExpiredError("1234"), t), t)
    for chosen, changed in ((False, False), (True, False), (True, True)):
        yield "language", replies.language_message(t, chosen=chosen, changed=changed)
    for error in ERRORS:
        yield type(error).__name__, replies.text_message(describe(error, t))
    yield "stale", replies.text_message(stale_warning(Unavailable("1", 500), t))
    yield "cooldown", replies.text_message(cooldown_note(12.5, 60, t))
    for reason in ("not_in_channel", "channel_not_found", "missing_scope", "ratelimited"):
        failed = t._("I could not upload the CSV here")
        yield reason, replies.text_message(slack_problem(slack_error(reason), failed, t))
    before, after = many(300), many(300, body_len=16)
    changes = diff(before[:150], after[100:])
    for user_name, source in (("m" * 200, "slack"), ("", "scheduler"), ("", "console")):
        post, details = change_notification(
            big, changes, t, user_id="U0MARIA", user_name=user_name, source=source
        )
        assert details is not None
        yield "notification", post
    yield "first", change_notification(big, diff(None, after), t, user_id="", user_name="", source="slack")[0]  # fmt: skip
    yield "note", replies.text_message(changes_note(changes, t))
    yield "warning", subscriber_warning("C0SALES", "1234", "not_in_channel", t)
    records = [record(i) for i in range(10)]
    yield "history", history.history_message("12345678901234567890", records, now=NOW, t=t)
    yield "no history", history.history_message("1234", [], now=NOW, t=t)
    subs = [Subscription("T1", "C0SALES", str(10**19 + i), "U0MARIA", NOW) for i in range(20)]
    yield "subscriptions", history.subscriptions_message("C0SALES", subs, t)
    yield "no subscriptions", history.subscriptions_message("C0SALES", [], t)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reply_stays_within_block_kit_limits(language: str) -> None:
    for kind, reply in every_reply(translator(language)):
        try:
            check_message(reply)
        except AssertionError as error:
            raise AssertionError(f"{kind} in {language}: {error}") from error
        assert not re.search(r"[*`]|:[a-z_]+:", reply["text"]), (kind, reply["text"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_tab_stays_within_its_limits(language: str) -> None:
    t = translator(language)
    records = [record(i % 10) for i in range(20)]
    subs = [Subscription("T1", f"C{i:08d}", str(i), "U0MARIA", NOW) for i in range(200)]
    for view in (
        home.home_view(records, subs, now=NOW, t=t),
        home.home_view([], [], now=NOW, t=t),
        home.channels_home_view([f"C{i:08d}" for i in range(60)], t),
    ):
        assert len(view["blocks"]) <= 100
        for raw in view["blocks"]:  # what slack_sdk checks, and the section limit it doesn't
            assert Block.parse(raw).to_dict() == raw
            assert len(raw.get("text", {}).get("text", "")) <= 3000


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_english_is_left_in_a_translated_reply(language: str) -> None:
    t = translator(language)
    for kind, reply in every_reply(t):
        shown = _without_data(all_text(reply))
        left = [w for w in ENGLISH_WORDS if re.search(rf"(?<![\w/_-]){w}(?![\w_-])", shown)]
        assert left == [], f"{kind} in {language}: {left}\n{shown[:600]}"
        other = SPANISH_ONLY if language == "pt_BR" else PORTUGUESE_ONLY
        assert not [w for w in other if re.search(rf"\b{w}\b", shown)], (kind, shown[:300])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_help_lists_the_language_s_own_command_words(language: str) -> None:
    text = commands.help_text({"ventas": "1234"}, translator(language))
    own = commands.WORDS[language]  # type: ignore[index]
    for word in (own.show, own.history, own.subscribe, own.unsubscribe, own.refresh, own.lang):
        assert word in text
    if language != "en":
        assert "`/wolkvox-sync 1234 history`" not in text and "lang:" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_csv_headers_are_in_the_reader_s_language(language: str) -> None:
    t = translator(language)
    header = templates_csv(many(2), t).splitlines()[0]
    assert header.lstrip("\ufeff") == ",".join(
        t._(x) for x in ("name", "language", "category", "variables", "body")
    )
    rows = changes_csv(diff(many(1), many(2)), t).splitlines()
    assert rows[1].startswith(t._("added") + ",")


def test_the_fallback_text_is_plain() -> None:
    fallback = message(":x: Could not sync connector *3004*: `promo_x` _now_", [section("x")])
    assert fallback["text"] == "Could not sync connector 3004: promo_x now"
    assert plain_fallback("<!date^1^{date_short_pretty}|2026-11-24 12:00 UTC>") == (
        "2026-11-24 12:00 UTC"
    )


# --- end to end: each person's language, from their Slack locale or their choice ---

LOCALES = {
    "U0ESLA": "es-LA",
    "U0ESES": "es-ES",
    "U0PTBR": "pt-BR",
    "U0ENUS": "en-US",
    "U0FAILS": None,  # users.info answers user_not_found
}
EXPECTED = {"U0ESLA": "es", "U0ESES": "es", "U0PTBR": "pt_BR", "U0ENUS": "en", "U0FAILS": "en"}
HEADER = {
    "es": "Conector 1234 · 5.000 plantillas",
    "pt_BR": "Conector 1234 · 5.000 modelos",
    "en": "Connector 1234 · 5,000 templates",
}
Start = Callable[..., BotServer]


def ask(bot: BotServer, slack: FakeSlack, text: str, name: str, user: str, **who: str) -> dict:
    """The answer to a command, in the acknowledgement or through response_url."""
    acked = bot.command(text, response_url=slack.response_url(name), user_id=user, **who)
    assert acked.status == 200
    if acked.body and "Wolkvox…" not in all_text(acked.body):
        return acked.body
    return slack.wait_replies(name, 1)[-1]


@pytest.fixture
def speaking(slack: FakeSlack) -> FakeSlack:
    slack.locales.update(LOCALES)
    return slack


def test_the_same_command_gets_each_person_s_language(
    bot: BotServer, speaking: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(templates=5000))
    for user, language in EXPECTED.items():
        reply = ask(bot, speaking, "1234", user.lower(), user)
        check_message(reply)
        assert reply["blocks"][0]["text"]["text"] == HEADER[language], user
        if language != "en":
            shown = _without_data(all_text(reply))
            left = [w for w in ENGLISH_WORDS if re.search(rf"(?<![\w/_-]){w}(?![\w_-])", shown)]
            assert left == [], (user, left)
    assert len(wolkvox.calls) == 1  # the language changes the words, not the sync


def test_a_person_s_language_is_looked_up_once(
    bot: BotServer, speaking: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(templates=3))
    for i in range(3):
        ask(bot, speaking, "1234", f"a{i}", "U0ESLA")
    [lookup] = speaking.calls("users.info")
    assert lookup.body["user"] == "U0ESLA" and lookup.body["include_locale"] in ("1", "true")


def test_when_slack_fails_the_default_language_is_used_and_the_command_works(
    start_bot: Start, speaking: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_LANGUAGE="es")
    speaking.users_info_fails = True
    wolkvox.reply("1234", Reply(templates=5000))
    reply = ask(bot, speaking, "1234", "x", "U0PTBR")
    assert reply["blocks"][0]["text"]["text"] == HEADER["es"]


def test_a_slow_slack_does_not_hold_the_command(
    bot: BotServer, speaking: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    speaking.users_info_delay = 2.5  # more than the lookup waits (about 1 s)
    wolkvox.reply("1234", Reply(templates=5000))
    reply = ask(bot, speaking, "1234", "x", "U0PTBR")  # acknowledged within Slack's 3 s
    assert reply["blocks"][0]["text"]["text"] == HEADER["en"]


def test_a_chosen_language_wins_over_slack_s_and_is_kept(
    start_bot: Start, speaking: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    wolkvox.reply("1234", Reply(templates=5000))
    bot = start_bot()
    now = all_text(ask(bot, speaking, "idioma", "i0", "U0ESLA"))
    assert "Le respondo en español, el idioma de su Slack" in now
    assert "`/wolkvox-sync idioma pt`" in now
    changed = ask(bot, speaking, "idioma pt", "i1", "U0ESLA")
    assert "A partir de agora, respondo a você em português" in all_text(changed)
    assert (
        ask(bot, speaking, "1234", "l1", "U0ESLA")["blocks"][0]["text"]["text"] == HEADER["pt_BR"]
    )
    bot.stop()
    again = start_bot()  # a new process: the choice comes from the database
    assert (
        ask(again, speaking, "1234", "l2", "U0ESLA")["blocks"][0]["text"]["text"] == HEADER["pt_BR"]
    )
    back = ask(again, speaking, "language auto", "i2", "U0ESLA")
    assert "el idioma de su Slack" in all_text(back)
    assert ask(again, speaking, "1234", "l3", "U0ESLA")["blocks"][0]["text"]["text"] == HEADER["es"]
    bad = all_text(ask(again, speaking, "idioma klingon", "i3", "U0ESLA"))
    assert "`klingon` no es un idioma que yo hable" in bad


def test_a_chosen_language_reaches_every_instance_through_redis(
    start_bot: Start, speaking: FakeSlack, wolkvox: FakeWolkvox, redis_url: str
) -> None:
    wolkvox.reply("1234", Reply(templates=5000))
    one, two = start_bot(REDIS_URL=redis_url), start_bot(REDIS_URL=redis_url)
    assert ask(two, speaking, "1234", "a", "U0ENUS")["blocks"][0]["text"]["text"] == HEADER["en"]
    ask(one, speaking, "idioma es", "b", "U0ENUS")
    assert ask(two, speaking, "1234", "c", "U0ENUS")["blocks"][0]["text"]["text"] == HEADER["es"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("ayuda", "`/wolkvox-sync 1234 historial`"),
        ("AYUDA", "`/wolkvox-sync suscribir 1234`"),
        ("ajuda", "`/wolkvox-sync 1234 historial`"),  # every word is read; help is in hers
        ("1234 historial", "No hay historial del conector 1234"),
        ("1234 Histórico", "No hay historial del conector 1234"),
        ("1234 mostrar promo", "El conector *1234* no tiene ninguna plantilla llamada `promo`"),
        ("1234 ver promo", "El conector *1234* no tiene ninguna plantilla llamada `promo`"),
        ("1234 categoría:marketing idioma:es", "Conector 1234 · coincidencias: 1 de 3 plantillas"),
        # the reader's word for a category finds Meta's, and the reply shows Meta's
        ("1234 categoría:utilidad", "*Filtros:* `category:utility` · 1 resultado"),
        ("1234 categoria:autenticação", "*Filtros:* `category:authentication` · 1 resultado"),
        ("1234 -categoría:Utilidad", "*Filtros:* `-category:utility` · 2 resultados"),
        ("suscripciones", "Este canal no está suscrito a ningún conector"),
        ("assinaturas", "Este canal no está suscrito a ningún conector"),
        ("1234 lang:", "Un valor vacío no es un código de idioma"),
        ("abc", "`abc` no es un ID de conector"),
    ],
)
def test_commands_in_spanish_and_portuguese_words(
    bot: BotServer, speaking: FakeSlack, wolkvox: FakeWolkvox, text: str, says: str
) -> None:
    wolkvox.reply("1234", Reply(templates=3))
    assert says in all_text(ask(bot, speaking, text, "w", "U0ESLA"))


def test_portuguese_help_lists_portuguese_words(bot: BotServer, speaking: FakeSlack) -> None:
    text = all_text(ask(bot, speaking, "ajuda", "h", "U0PTBR"))
    for example in (
        "1234 histórico`",
        "assinar 1234`",
        "1234 ver lembrete_pagamento`",
        "categoria:",
        "`/wolkvox-sync idioma pt` responda em português (`es`, `en`)",  # her own language
        "`/wolkvox-sync cancelar 1234` parar de publicar",
        "*Status do serviço*",
    ):
        assert example in text
    assert "idioma es`" not in text and "Operação" not in text


def test_subscribing_in_spanish_and_portuguese(
    bot: BotServer, speaking: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    es = all_text(ask(bot, speaking, "suscribir 1234", "s1", "U0ESLA", channel_id="C0VENTAS"))
    assert "Este canal recibirá ahora los cambios del conector *1234*" in es and "en español" in es
    pt = all_text(ask(bot, speaking, "assinar 1234", "s2", "U0PTBR", channel_id="C0VENDAS"))
    assert "este canal recebe as alterações do conector *1234*" in pt
    off = all_text(ask(bot, speaking, "desassinar 1234", "s3", "U0PTBR", channel_id="C0VENDAS"))
    assert "Este canal não recebe mais as alterações do conector *1234*" in off
    # a Brazilian's other words: "seguir" and "inscrever" subscribe, "cancelar" unsubscribes
    again = all_text(ask(bot, speaking, "seguir 1234", "s4", "U0PTBR", channel_id="C0VENDAS"))
    assert "este canal recebe as alterações do conector *1234*" in again
    already = all_text(ask(bot, speaking, "inscrever 1234", "s5", "U0PTBR", channel_id="C0VENDAS"))
    assert "Este canal já recebe as alterações do conector *1234*" in already
    off = all_text(ask(bot, speaking, "cancelar 1234", "s6", "U0PTBR", channel_id="C0VENDAS"))
    assert "Este canal não recebe mais as alterações do conector *1234*" in off


def test_each_channel_gets_its_subscriber_s_language(
    start_bot: Start, speaking: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    bot = start_bot(WOLKVOX_NOTIFY_CHANNEL="C0NOTIFY", WOLKVOX_LANGUAGE="pt_BR")
    ask(bot, speaking, "suscribir 1234", "s1", "U0ESLA", channel_id="C0VENTAS")
    ask(bot, speaking, "subscribe 1234", "s2", "U0ENUS", channel_id="C0SALES")
    wolkvox.reply("1234", Reply(body=ok([wolkvox_template("promo", "es", "MARKETING", "Hola")])))
    ask(bot, speaking, "1234 --refresh", "r1", "U0ENUS")
    assert speaking.wait(lambda: len(speaking.calls("chat.postMessage")) == 3)
    posted = {c.body["channel"]: c.body for c in speaking.calls("chat.postMessage")}
    assert "Conector *1234* sincronizado por primera vez por maria" in all_text(posted["C0VENTAS"])
    assert "Connector *1234* synced for the first time by maria" in all_text(posted["C0SALES"])
    assert "Conector *1234* sincronizado pela primeira vez por maria" in all_text(
        posted["C0NOTIFY"]
    )
    for post in posted.values():
        assert "<!date^" in all_text(post)


def test_a_shared_result_is_in_the_channel_s_language(
    bot: BotServer, speaking: FakeSlack, wolkvox: FakeWolkvox
) -> None:
    from bot.slack import action_ids
    from tests.blockkit import buttons

    ask(bot, speaking, "suscribir 1234", "s1", "U0ESLA", channel_id="C0VENTAS")
    wolkvox.reply("1234", Reply(templates=5000))
    reply = ask(bot, speaking, "1234", "r", "U0PTBR", channel_id="C0VENTAS")
    assert reply["blocks"][0]["text"]["text"] == HEADER["pt_BR"]  # the asker's
    share = buttons(reply)[action_ids.ACTION_SHARE]["value"]
    bot.click(
        action_ids.ACTION_SHARE,
        share,
        response_url=speaking.response_url("shared"),
        user_id="U0PTBR",
        channel_id="C0VENTAS",
    )
    [shared] = speaking.wait_replies("shared", 1)
    assert shared["blocks"][0]["text"]["text"] == HEADER["es"]  # the channel's
    assert "compartido por <@U0PTBR>" in all_text(shared)


# --- helpers ---


def _forms(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _key(msgid: Any) -> str:
    return str(_forms(msgid)[0])


def _without_data(text: str) -> str:
    """A reply without what is data, not the bot's words: code spans, template names and
    bodies (quoted), language and category codes, mentions, Slack dates, product names."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"^>.*$", " ", text, flags=re.MULTILINE)
    text = re.sub(r"\bt\d{6}_n*\b|\b[a-z]{2}_XX\b|\b[A-Z_]{4,}\b|\bm{20,}\b|\bw{20,}\b", " ", text)
    for name in ("Wolkvox Manager", "Meta Business Manager", "Wolkvox Sync", "WhatsApp", "Slack"):
        text = text.replace(name, " ")
    return text


def test_the_data_filter_keeps_the_bot_s_words() -> None:
    left = _without_data("Connector `1234` · <@U1> by the t000001_nnn es_XX MARKETING").split()
    assert left == ["Connector", "·", "by", "the"]
    assert "templates" in _without_data(" ".join(texts([{"text": "5 templates"}])))
