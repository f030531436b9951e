"""`wolkvox-sync templates | coverage | compare` as a terminal runs them: a real process, the
fake Wolkvox over HTTP, a real SQLite file. The last stored sync is read; --refresh, or a
connector never synced, asks Wolkvox (once)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.database.store import Store
from bot.templates.connectors import qualify
from bot.templates.diff import diff
from bot.templates.model import Template, sorted_templates
from testkit.fake_slack import FakeSlack
from testkit.fake_wolkvox import TOKEN, FakeWolkvox, Reply, ok
from tests.blockkit import all_text
from tests.terminal import SCRIPT, run, run_bytes, subscribe, write_env

STORED_AT = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
ENVIRONMENT = "default"  # the operation WOLKVOX_SERVER and WOLKVOX_TOKEN define
FORMULA = '=HYPERLINK("http://evil.example","feliz navidad")'
SALES = [  # connector 1234, alias ventas
    Template("bienvenida", "es", "MARKETING", "Hola {{1}}, bienvenido"),
    Template("bienvenida", "es_MX", "MARKETING", "Hola {{1}}, bienvenido"),
    Template("bienvenida", "pt_BR", "MARKETING", "Olá {{1}}, bem-vindo"),
    Template("codigo", "es", "AUTHENTICATION", "Su código es {{1}}"),
    Template("promo_navidad", "es_MX", "MARKETING", FORMULA),
    Template("recordatorio_pago", "es", "UTILITY", "Su pago de {{1}} vence el {{2}}"),
    Template("recordatorio_pago", "pt_BR", "UTILITY", "Seu pagamento de {{1}} vence em {{2}}"),
]
SUPPORT = [  # connector 5678
    Template("bienvenida", "es", "UTILITY", "Hola {{1}}, bienvenida"),
    Template("codigo", "es", "AUTHENTICATION", "Su código es {{1}}"),
    Template("encuesta", "es", "MARKETING", "¿Cómo le fue?"),
]


def wolkvox_data(templates: list[Template]) -> dict[str, Any]:
    return ok(
        [
            {"name_template": t.name, "idiom": t.language, "category": t.category,
             "body_template": t.body}
            for t in templates
        ]
    )  # fmt: skip


@pytest.fixture
def workdir(tmp_path: Path, wolkvox: FakeWolkvox, slack: FakeSlack) -> Path:
    wolkvox.reply("1234", Reply(body=wolkvox_data(SALES)))
    wolkvox.reply("5678", Reply(body=wolkvox_data(SUPPORT)))
    write_env(tmp_path, wolkvox, slack)
    return tmp_path


def store_sync(workdir: Path, connector: str, templates: list[Template]) -> None:
    """A sync stored earlier (at STORED_AT), as the bot would have recorded it."""

    async def record() -> None:
        store = await Store.open(f"sqlite:///{workdir}/wolkvox.db")
        try:
            await store.record_sync(
                snapshot_id=f"stored-{connector}",
                connector=qualify(ENVIRONMENT, connector),
                synced_at=STORED_AT,
                templates=sorted_templates(templates),
                skipped=0,
                source="slack",
                user_id="U1",
                user_name="ana",
                command=f"/wolkvox-sync {connector}",
                changes=diff(None, templates),
            )
        finally:
            await store.aclose()

    asyncio.run(record())


def stored_syncs(workdir: Path, connector: str) -> list[str]:
    """The sources of the connector's stored syncs, newest first."""

    async def read() -> list[str]:
        store = await Store.open(f"sqlite:///{workdir}/wolkvox.db")
        try:
            key = qualify(ENVIRONMENT, connector)
            return [record.source for record in await store.history(key)]
        finally:
            await store.aclose()

    return asyncio.run(read())


def ok_run(workdir: Path, *args: str) -> str:
    result = run(workdir, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- where the data comes from ---


def test_templates_read_the_last_stored_sync_without_calling_wolkvox(
    workdir: Path, wolkvox: FakeWolkvox
) -> None:
    store_sync(workdir, "1234", SALES[:3])
    out = ok_run(workdir, "templates", "1234")
    assert wolkvox.calls == []
    lines = out.splitlines()
    assert (
        lines[0]
        == "Connector 1234 · 3 templates · synced 2025-01-02 03:04 UTC ("
        + (lines[0].split("(", 1)[1])
    )
    assert "ago" in lines[0]
    assert lines[2:] == [
        "bienvenida  es     MARKETING  Hola {{1}}, bienvenido",
        "bienvenida  es_MX  MARKETING  Hola {{1}}, bienvenido",
        "bienvenida  pt_BR  MARKETING  Olá {{1}}, bem-vindo",
    ]


def test_nothing_stored_syncs_once_and_stores_it(workdir: Path, wolkvox: FakeWolkvox) -> None:
    first = ok_run(workdir, "templates", "ventas")
    assert wolkvox.calls == ["1234"]
    assert first.startswith("Connector 1234 · 7 templates · synced ")
    assert "(just now)" in first.splitlines()[0]
    assert stored_syncs(workdir, "1234") == ["console"]  # history, as `sync` keeps it
    again = ok_run(workdir, "templates", "ventas")
    assert wolkvox.calls == ["1234"]  # read from the database this time
    assert again.splitlines()[2:] == first.splitlines()[2:]


def test_refresh_asks_wolkvox_and_records_the_sync(workdir: Path, wolkvox: FakeWolkvox) -> None:
    store_sync(workdir, "1234", SALES[:1])
    out = ok_run(workdir, "templates", "1234", "--refresh", "--json")
    assert wolkvox.calls == ["1234"]
    answer = json.loads(out)
    assert answer["origin"] == "wolkvox" and answer["count"] == 7
    assert stored_syncs(workdir, "1234") == ["console", "slack"]
    ok_run(workdir, "coverage", "1234", "--actualizar")  # the Spanish word works too
    assert wolkvox.calls == ["1234", "1234"]


def test_compare_with_nothing_stored_calls_wolkvox_once_per_connector(
    workdir: Path, wolkvox: FakeWolkvox
) -> None:
    ok_run(workdir, "compare", "ventas", "5678")
    assert sorted(wolkvox.calls) == ["1234", "5678"]
    ok_run(workdir, "compare", "1234", "soporte")
    assert sorted(wolkvox.calls) == ["1234", "5678"]


def test_only_the_connector_never_synced_is_synced(workdir: Path, wolkvox: FakeWolkvox) -> None:
    store_sync(workdir, "1234", SALES)
    answer = json.loads(ok_run(workdir, "compare", "1234", "5678", "--json"))
    assert wolkvox.calls == ["5678"]
    assert answer["left"]["origin"] == "history" and answer["right"]["origin"] == "wolkvox"
    assert answer["left"]["synced_at"] == "2025-01-02T03:04:00+00:00"


def test_a_failed_sync_exits_1_and_says_why(workdir: Path, wolkvox: FakeWolkvox) -> None:
    wolkvox.reply("9", Reply(status=503, body="down"))
    result = run(workdir, "coverage", "9")
    assert result.returncode == 1 and result.stdout == ""
    assert "connector 9: FAILED: Wolkvox is not available right now (HTTP 503" in result.stderr
    store_sync(workdir, "1234", SALES)
    wolkvox.reply("1234", Reply(status=503, body="down"))
    refreshed = run(workdir, "templates", "1234", "--refresh")
    assert refreshed.returncode == 1 and refreshed.stdout == ""
    assert "connector 1234: FAILED" in refreshed.stderr
    assert TOKEN not in result.stderr + refreshed.stderr


# --- templates ---


def test_templates_filters_as_in_slack(workdir: Path) -> None:
    store_sync(workdir, "1234", SALES)
    out = ok_run(workdir, "templates", "ventas", "lang:es", "-category:marketing", "-lang:es_MX")
    lines = out.splitlines()
    assert lines[0].startswith("Connector 1234 · 2 of 7 templates match · synced ")
    assert lines[1] == "Filters: lang:es -lang:es_MX -category:marketing"
    assert [line.split()[0:2] for line in lines[3:]] == [
        ["codigo", "es"],
        ["recordatorio_pago", "es"],
    ]
    phrase = ok_run(workdir, "templates", "1234", "vence el", "--json")
    assert [t["language"] for t in json.loads(phrase)["matches"]] == ["es"]
    excluded = ok_run(workdir, "templates", "1234", "-vence el", "lang:es", "--json")
    assert [t["name"] for t in json.loads(excluded)["matches"]] == [
        "bienvenida",
        "bienvenida",
        "codigo",
        "promo_navidad",
    ]


def test_templates_json(workdir: Path) -> None:
    store_sync(workdir, "1234", SALES)
    answer = json.loads(ok_run(workdir, "templates", "1234", "categoría:utility", "--json"))
    assert answer == {
        "connector": "1234",
        "operation": "default",
        "snapshot_id": "stored-1234",
        "synced_at": "2025-01-02T03:04:00+00:00",
        "origin": "history",
        "templates": 7,
        "skipped": 0,
        "query": "category:utility",
        "count": 2,
        "matches": [
            {
                "name": "recordatorio_pago",
                "language": "es",
                "category": "UTILITY",
                "variables": ["1", "2"],
                "body": "Su pago de {{1}} vence el {{2}}",
            },
            {
                "name": "recordatorio_pago",
                "language": "pt_BR",
                "category": "UTILITY",
                "variables": ["1", "2"],
                "body": "Seu pagamento de {{1}} vence em {{2}}",
            },
        ],
    }


def test_templates_csv_is_slacks_export_and_formula_safe(workdir: Path) -> None:
    store_sync(workdir, "1234", SALES)
    result = run_bytes(workdir, "templates", "1234", "lang:es_MX", "--csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"\xef\xbb\xbfname,language,category,variables,body\r\n")
    rows = result.stdout.decode("utf-8-sig").split("\r\n")
    assert rows[1] == 'bienvenida,es_MX,MARKETING,1,"Hola {{1}}, bienvenido"'
    assert (
        rows[2]
        == 'promo_navidad,es_MX,MARKETING,0,"\'=HYPERLINK(""http://evil.example"",""feliz navidad"")"'
    )


def test_no_match_suggests_what_to_drop(workdir: Path) -> None:
    store_sync(workdir, "1234", SALES)
    out = ok_run(workdir, "templates", "1234", "lang:pt", "codigo")
    assert "No template matches these filters." in out
    assert "Without codigo, 2 match: wolkvox-sync templates 1234 lang:pt" in out


def test_untrusted_text_cannot_drive_the_terminal(workdir: Path, wolkvox: FakeWolkvox) -> None:
    hostile = [Template("x\x1b]0;owned\x07\x1b[2J", "es", "MARKETING\u202e", "a\x9b31m\nb")]
    wolkvox.reply("77", Reply(body=wolkvox_data(hostile)))
    for command in ("templates", "coverage"):
        out = ok_run(workdir, command, "77")
        assert not any(c in out for c in "\x1b\x07\x9b\u202e"), out
    assert "a\ufffd31m b" in ok_run(workdir, "templates", "77")


# --- coverage ---


def test_coverage_text_incomplete_first(workdir: Path) -> None:
    store_sync(workdir, "1234", SALES)
    out = ok_run(workdir, "coverage", "ventas")
    assert out.splitlines() == [
        out.splitlines()[0],
        "In every language: 1 of 4 templates.",
        "Languages missing the most: es_MX (2), pt_BR (2), es (1)",
        "",
        "name               es  es_MX  pt_BR",
        "codigo             ✓   ✗      ✗",
        "promo_navidad      ✗   ✓      ✗",
        "recordatorio_pago  ✓   ✗      ✓",
        "bienvenida         ✓   ✓      ✓",
    ]
    assert out.startswith("Connector 1234 · coverage by language · synced 2025-01-02 03:04 UTC (")


def test_coverage_columns_from_lang_filters(workdir: Path) -> None:
    store_sync(workdir, "1234", SALES)
    answer = json.loads(ok_run(workdir, "coverage", "1234", "lang:pt_BR", "lang:es", "--json"))
    assert answer["languages"] == ["pt_BR", "es", "es_MX"]
    assert answer["query"] == "lang:pt_BR lang:es"
    assert answer["count"] == 4 and answer["complete"] == 1
    assert answer["missing_by_language"] == [
        {"language": "pt_BR", "missing": 2},
        {"language": "es_MX", "missing": 2},
        {"language": "es", "missing": 1},
    ]
    assert answer["rows"][0] == {
        "name": "codigo",
        "complete": False,
        "present": ["es"],
        "missing": ["pt_BR", "es_MX"],
    }
    assert answer["rows"][-1]["name"] == "bienvenida" and answer["rows"][-1]["complete"]


def test_coverage_csv(workdir: Path) -> None:
    store_sync(workdir, "1234", SALES)
    result = run_bytes(workdir, "coverage", "1234", "--csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8-sig").split("\r\n") == [
        "name,es,es_MX,pt_BR",
        "codigo,yes,,",
        "promo_navidad,,yes,",
        "recordatorio_pago,yes,,yes",
        "bienvenida,yes,yes,yes",
        "",
    ]


# --- compare ---


def test_compare_text_has_three_sections(workdir: Path) -> None:
    store_sync(workdir, "1234", SALES)
    store_sync(workdir, "5678", SUPPORT)
    out = ok_run(workdir, "compare", "1234", "5678", "lang:es")
    lines = out.splitlines()
    assert lines[0] == "Connector 1234 compared with connector 5678"
    assert lines[1].startswith("  1234: synced 2025-01-02 03:04 UTC (")
    assert lines[2].startswith("  5678: synced 2025-01-02 03:04 UTC (")
    assert lines[3:] == [
        "Filters: lang:es",
        "1 template is the same on both sides.",
        "",
        "Only in 1234 (3):",
        "  bienvenida         es_MX  MARKETING  Hola {{1}}, bienvenido",
        "  promo_navidad      es_MX  MARKETING  " + FORMULA,
        "  recordatorio_pago  es     UTILITY    Su pago de {{1}} vence el {{2}}",
        "",
        "Only in 5678 (1):",
        "  encuesta  es  MARKETING  ¿Cómo le fue?",
        "",
        "In both, but different (1):",
        "  bienvenida  es  category MARKETING → UTILITY, body differs",
    ]


def test_compare_json_and_csv(workdir: Path) -> None:
    store_sync(workdir, "1234", SALES)
    store_sync(workdir, "5678", SUPPORT)
    answer = json.loads(ok_run(workdir, "compare", "1234", "5678", "category:marketing", "--json"))
    assert set(answer) == {"left", "right", "query", "same", "only_left", "only_right", "differing"}
    assert [t["name"] for t in answer["only_left"]] == ["bienvenida", "bienvenida", "promo_navidad"]
    assert [t["name"] for t in answer["only_right"]] == ["encuesta"]
    assert answer["differing"] == [
        {
            "name": "bienvenida",
            "language": "es",
            "fields": ["body", "category"],
            "left": {"category": "MARKETING", "body": "Hola {{1}}, bienvenido"},
            "right": {"category": "UTILITY", "body": "Hola {{1}}, bienvenida"},
        }
    ]
    result = run_bytes(workdir, "compare", "1234", "5678", "category:marketing", "--csv")
    assert result.returncode == 0, result.stderr
    rows = result.stdout.decode("utf-8-sig").split("\r\n")
    assert rows[0] == (
        "difference,name,language,category in 1234,category in 5678,body in 1234,body in 5678,"
        "what differs"
    )
    assert "only in 1234,promo_navidad,es_MX,MARKETING,,\"'=HYPERLINK(" in rows[3]
    assert rows[-2].startswith("different,bienvenida,es,MARKETING,UTILITY,")


def test_identical_connectors_say_so(workdir: Path) -> None:
    store_sync(workdir, "1234", SUPPORT)
    store_sync(workdir, "5678", SUPPORT)
    out = ok_run(workdir, "compare", "1234", "5678")
    assert out.splitlines()[-2:] == ["3 templates are the same on both sides.", "Nothing differs."]


# --- bad arguments: exit 2, nothing asked of Wolkvox ---


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["coverage", "1" * 30], "1 to 20 digits; that one has 30"),
        (["templates", "1234", "color:red"], "color: is not a filter I know"),
        (["coverage", "1234", "lang:!!"], "!! is not a language code"),
        (["templates", "1234", "category:"], "An empty value is not a category"),
        (["compare", "ventas", "1234"], "Both sides are connector 1234"),
        (["compare", "1234"], "the following arguments are required"),
        (["templates"], "the following arguments are required"),
        (["templates", "1234", "--bogus"], "unrecognized arguments: --bogus"),
        (["templates", "1234", "--json", "--csv"], "not allowed with argument"),
        (["templates", "1234", "x\u200by"], "control or invisible characters"),
    ],
)
def test_bad_arguments_exit_2_before_any_call(
    workdir: Path, wolkvox: FakeWolkvox, args: list[str], says: str
) -> None:
    result = run(workdir, *args)
    assert result.returncode == 2, result.stderr
    assert says in result.stderr and result.stdout == ""
    assert wolkvox.calls == []
    assert not (workdir / "wolkvox.db").exists()


def test_a_word_no_operation_knows_exits_2_before_any_call(
    workdir: Path, wolkvox: FakeWolkvox
) -> None:
    """A word shaped like an alias may be one stored with an operation: the database is read
    (created when missing) before it is refused."""
    result = run(workdir, "templates", "abc")
    assert result.returncode == 2, result.stderr
    assert "abc is not a connector id or a known alias" in result.stderr
    assert result.stdout == "" and wolkvox.calls == []


def test_help_and_negative_words(workdir: Path) -> None:
    assert "from the last stored sync" in ok_run(workdir, "coverage", "-h")
    store_sync(workdir, "1234", SALES)
    answer = json.loads(ok_run(workdir, "templates", "1234", "-hola", "lang:es", "--json"))
    assert [t["name"] for t in answer["matches"]] == [
        "codigo",
        "promo_navidad",
        "recordatorio_pago",
    ]


# --- Spanish ---


def test_spanish_output(workdir: Path, wolkvox: FakeWolkvox, slack: FakeSlack) -> None:
    write_env(workdir, wolkvox, slack, "WOLKVOX_LANGUAGE=es")
    store_sync(workdir, "1234", SALES)
    store_sync(workdir, "5678", SUPPORT)
    templates = ok_run(workdir, "templates", "ventas", "idioma:pt")
    assert templates.startswith(
        "Conector 1234 · coincidencias: 2 de 7 plantillas · sincronizado el 2025-01-02 03:04 UTC "
        "(hace "
    )
    coverage = ok_run(workdir, "coverage", "1234")
    assert "En todos los idiomas: 1 de 4 plantillas." in coverage
    assert "nombre             es  es_MX  pt_BR" in coverage
    compare = ok_run(workdir, "compare", "1234", "5678")
    assert "Solo en 5678 (1):" in compare and "el cuerpo es distinto" in compare
    csv = run_bytes(workdir, "templates", "1234", "--csv").stdout.decode("utf-8-sig")
    assert csv.startswith("nombre,idioma,categoría,variables,cuerpo\r\n")
    bad = run(workdir, "templates", "1234", "color:red")
    assert bad.returncode == 2 and "no es un filtro que conozca" in bad.stderr


# --- the same service as `sync` ---


def test_a_sync_made_by_a_lookup_notifies_subscribers(workdir: Path, slack: FakeSlack) -> None:
    subscribe(workdir)
    ok_run(workdir, "coverage", "ventas")
    [post] = slack.calls("chat.postMessage")
    assert post.body["channel"] == "C0SALES"
    assert "synced for the first time by the console" in all_text(post.body)
    ok_run(workdir, "coverage", "ventas")  # read from history: no sync, no notification
    assert len(slack.calls("chat.postMessage")) == 1


def test_the_console_script_answers_too(workdir: Path) -> None:
    store_sync(workdir, "1234", SALES)
    result = run(workdir, "coverage", "ventas", "--json", program=[str(SCRIPT)])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["complete"] == 1
