"""The Slack views as Block Kit (bot.slack.views, bot.slack.replies; pure): every page of a
template list, `show`, a shared result, a change notification and the short replies stay
within Slack's limits; headers, counts, paging buttons, sync times and stale warnings; untrusted
template text escaped and long names clipped; renderings reused, never across snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.i18n import translator
from bot.slack import action_ids, replies, values
from bot.slack.views import changes, kit, results, template
from bot.slack.views.changes import change_notification
from bot.slack.views.kit import About
from bot.templates import lookup
from bot.templates.diff import diff
from bot.templates.model import Snapshot, Template, sorted_templates
from tests.blockkit import all_text, buttons, check_message, live_markup

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
EN = translator("en")


def lookup_reply(
    snap: Snapshot, *, query: Any = None, page: int = 0, **about: Any
) -> dict[str, Any]:
    return replies.lookup_reply(snap, About(**{"t": EN, **about}), query=query, page=page)


def show_reply(snap: Snapshot, name: str, **about: Any) -> dict[str, Any]:
    return replies.show_reply(snap, name, About(**{"t": EN, **about}))


def snapshot(
    templates: list[Template], *, skipped: int = 0, age: timedelta = timedelta()
) -> Snapshot:
    return Snapshot("a1b2c3", "1234", sorted_templates(templates), skipped, NOW - age)


def many(n: int, *, name_len: int = 20, body_len: int = 1024) -> list[Template]:
    languages = [f"{chr(97 + i // 26)}{chr(97 + i % 26)}_XX" for i in range(70)]
    categories = ["MARKETING", "UTILITY", "AUTHENTICATION", "FLOW"] + [
        f"ODD_{i}" * 5 for i in range(30)
    ]
    return [
        Template(
            name=f"t{i:06d}_" + "n" * max(0, name_len - 8),
            language=languages[i % len(languages)],
            category=categories[i % len(categories)],
            body="b" * body_len,
        )
        for i in range(n)
    ]


ALWAYS = {
    action_ids.ACTION_REFRESH,
    action_ids.ACTION_SHARE,
    action_ids.ACTION_EXPORT,
    action_ids.ACTION_OPEN,
}


@pytest.mark.parametrize("count", [0, 1, 19, 20, 21, 50, 600, 5000])
def test_every_page_stays_within_slack_limits(count: int) -> None:
    snap = snapshot(many(count, name_len=512), skipped=3)
    pages = max(1, -(-count // lookup.PAGE_SIZE))
    for page in {0, 1, pages // 2, pages - 1, pages}:
        message = lookup_reply(snap, now=NOW, page=page, asked_by="U123")
        check_message(message)


def test_header_and_counts() -> None:
    snap = snapshot(
        [
            Template("recordatorio_pago", "es_MX", "UTILITY", "Hola {{1}}"),
            Template("promo_navidad", "es_MX", "MARKETING", "Feliz navidad"),
            Template("promo_navidad", "pt_BR", "MARKETING", "Feliz natal"),
        ]
    )
    message = lookup_reply(snap, now=NOW, asked_by="U0USER1")
    text = all_text(message)
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Connector 1234 · 3 templates", "emoji": True},
    }
    assert "MARKETING · 2" in text and "UTILITY · 1" in text
    assert "es_MX · 2" in text and "pt_BR · 1" in text
    assert "`promo_navidad`  pt_BR · MARKETING" in text
    assert "Synced just now · asked by <@U0USER1>" in text
    assert message["text"] == "Connector 1234: 3 templates"


def test_paging_buttons_point_to_the_neighbouring_pages() -> None:
    snap = snapshot(many(45))
    first = buttons(lookup_reply(snap, now=NOW, page=0))
    assert set(first) == {action_ids.ACTION_NEXT, *ALWAYS}
    assert values.decode_view(first[action_ids.ACTION_NEXT]["value"]) == values.ViewRef(
        "1234", "a1b2c3", 1
    )
    middle = buttons(lookup_reply(snap, now=NOW, page=1))
    assert set(middle) == {action_ids.ACTION_PREVIOUS, action_ids.ACTION_NEXT, *ALWAYS}
    last = lookup_reply(snap, now=NOW, page=2)
    assert set(buttons(last)) == {action_ids.ACTION_PREVIOUS, *ALWAYS}
    assert "Templates 41–45 of 45" in all_text(last)
    assert "Page 3 of 3" in all_text(last)


def test_page_past_the_end_shows_the_last_page() -> None:
    message = lookup_reply(snapshot(many(45)), now=NOW, page=99)
    assert "Templates 41–45 of 45" in all_text(message)


def test_zero_templates_is_said_plainly() -> None:
    message = lookup_reply(snapshot([]), now=NOW)
    check_message(message)
    assert "Connector 1234 · 0 templates" in all_text(message)
    assert "no templates" in all_text(message)
    assert set(buttons(message)) == {action_ids.ACTION_REFRESH}


@pytest.mark.parametrize(
    ("skipped", "says"),
    [
        (1, "1 entry from Wolkvox could not be read and is not"),
        (2, "2 entries from Wolkvox could not be read and are not"),
    ],
)
def test_unreadable_entries_are_counted(skipped: int, says: str) -> None:
    assert says in all_text(lookup_reply(snapshot(many(2), skipped=skipped), now=NOW))


HOSTILE = [
    "promo_<!channel>",
    "<!here>",
    "<@U024BE7LH>",
    "<#C024BE7LR>",
    "<https://evil.example|bank.example>",
    "a&b>c",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_untrusted_template_text_is_escaped_everywhere(hostile: str) -> None:
    snap = snapshot([Template(hostile, hostile, hostile, hostile)], skipped=0)
    for message in (
        lookup_reply(snap, now=NOW),
        change_notification(
            snap, diff([], snap.templates), EN, user_id="", user_name=hostile, source="slack"
        )[0],
        change_notification(
            snap, diff(None, snap.templates), EN, user_id="", user_name=hostile, source="slack"
        )[0],
    ):
        check_message(message)
        assert live_markup(message) == []
        assert hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")[
            :16
        ] in all_text(message)


def test_backticks_and_newlines_cannot_break_the_list() -> None:
    snap = snapshot([Template("a`b\n*c*", "es\nX", "MARK\rETING", "")])
    text = all_text(lookup_reply(snap, now=NOW))
    assert "• `a'b *c*`  es X · MARK ETING" in text


def test_long_names_are_clipped_in_the_list() -> None:
    snap = snapshot([Template("x" * 512, "es", "UTILITY", "")])
    message = lookup_reply(snap, now=NOW)
    [listing] = [
        b["text"]["text"]
        for b in message["blocks"]
        if "Templates 1–1" in b.get("text", {}).get("text", "")
    ]
    assert "x" * (kit.LISTED.name - 1) + "…" in listing
    assert "x" * kit.LISTED.name not in listing
    [menu] = [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "static_select"
    ]
    assert len(menu["options"][0]["text"]["text"]) == results.MAX_OPTION_TEXT


def test_many_languages_are_summarised() -> None:
    text = all_text(lookup_reply(snapshot(many(700)), now=NOW))
    assert f"_{70 - results.MAX_COUNT_ROWS} more (" in text


@pytest.mark.parametrize(
    ("origin", "age", "says"),
    [
        ("wolkvox", timedelta(), "Synced just now"),
        ("shared", timedelta(), "Synced just now"),
        ("cache", timedelta(seconds=20), "Cached, synced just now"),
        ("cache", timedelta(minutes=4, seconds=10), "Cached, synced 4 min. ago"),
        ("cache", timedelta(hours=3), "Cached, synced 3 hr. ago"),
        ("stale", timedelta(days=2), "Showing the last good sync, from 2 days ago"),
    ],
)
def test_says_when_the_data_was_synced(origin: str, age: timedelta, says: str) -> None:
    message = lookup_reply(snapshot(many(1), age=age), now=NOW, origin=origin)
    assert says in all_text(message)


def test_warning_is_shown_above_a_stale_copy() -> None:
    message = lookup_reply(snapshot(many(1)), now=NOW, origin="stale", warning="It failed.")
    assert ":warning: It failed." in all_text(message)


def test_notification_names_connector_count_and_who() -> None:
    snap = snapshot(many(5))
    first, details = change_notification(
        snap, diff(None, snap.templates), EN, user_id="U0USER1", user_name="maria", source="slack"
    )
    check_message(first)
    assert details is None
    assert "Connector *1234* synced for the first time by maria: *5 templates* found" in all_text(
        first
    )
    no_name, _ = change_notification(
        snap, diff(None, snap.templates), EN, user_id="U0USER1", user_name="", source="slack"
    )
    assert "by <@U0USER1>" in all_text(no_name)
    scheduled, _ = change_notification(
        snap, diff(None, snap.templates), EN, user_id="", user_name="", source="scheduler"
    )
    assert "by the schedule" in all_text(scheduled)


def test_a_workflow_is_named_not_mentioned_in_channel_posts() -> None:
    assert changes.who(translator("en"), "U0MAPPED", "", "workflow") == "a workflow"
    assert changes.who(translator("es"), "U0MAPPED", "", "workflow") == "un flujo de trabajo"


@pytest.mark.parametrize(
    "message",
    [
        replies.help_message(EN),
        replies.progress_message("1234", EN),
        replies.text_message("x"),
        replies.expired_message("1234", "gone", EN),
    ],
)
def test_other_messages_are_valid(message: dict) -> None:
    check_message(message)


def test_show_with_many_languages_stays_within_limits() -> None:
    versions = [
        Template("promo", f"l{i:02d}_XX", "MARKETING", "{{1}} " + "b" * 1018) for i in range(70)
    ]
    message = show_reply(snapshot(versions), "promo", now=NOW)
    check_message(message)
    text = all_text(message)
    assert "promo · 70 languages" in text
    assert "more languages not shown here" in text
    assert "list them with `/wolkvox-sync 1234 promo`" in text


def test_show_marks_variables_and_fills_a_preview() -> None:
    t = Template(
        "cita",
        "es",
        "UTILITY",
        "Hola {{first_name}}, tu cita es el {{date}} a las {{ 3 }}. {{first_name}}",
    )
    text = all_text(show_reply(snapshot([t]), "CITA", now=NOW))
    assert "3 variables: `{{first_name}}`, `{{date}}`, `{{3}}`" in text
    assert "Hola `{{first_name}}`, tu cita es el `{{date}}` a las `{{ 3 }}`." in text
    assert "Hola María, tu cita es el 25/12/2026 a las 25/12/2026. María" in text


def test_detail_of_an_oversized_body_is_clipped() -> None:
    t = Template("x", "es", "UTILITY", "a" * 4096)
    check_message(template.detail_message(snapshot([t]), t, now=NOW, t=EN))


@pytest.mark.parametrize(
    "query_text", ["lang:ab_XX", "category:marketing t0", "-lang:ab_XX nnn", "zzz"]
)
def test_lookups_over_5000_templates_stay_within_limits(query_text: str) -> None:
    from bot.commands import parse_query_text
    from bot.templates.query import search_index

    templates = sorted_templates(many(5000, name_len=512))
    snap = Snapshot("a1b2c3", "1234", templates, 0, NOW, search_index(templates))
    for page in (0, 3, 999):
        check_message(lookup_reply(snap, now=NOW, query=parse_query_text(query_text), page=page))


def test_shared_result_has_no_buttons_and_says_who_shared() -> None:
    message = lookup_reply(snapshot(many(30)), now=NOW, shared_by="U0SHARER")
    check_message(message)
    assert not any(b["type"] == "actions" for b in message["blocks"])
    assert "shared by <@U0SHARER>" in all_text(message)


def test_the_per_request_context_matches_the_model() -> None:
    from bot.slack.views.kit import context, context_json

    for text in ("x", "a · b <@U1>", "y" * 5000):
        assert context_json(text) == context(text).to_dict()


def test_repeated_renderings_are_reused_but_never_across_snapshots() -> None:
    snap = snapshot(many(30))
    first = lookup_reply(snap, now=NOW, asked_by="U1")
    again = lookup_reply(snap, now=NOW, asked_by="U2")
    assert first["blocks"][2:] == again["blocks"][2:] and first["blocks"][1] != again["blocks"][1]
    other = snapshot(many(5))  # the same id, another sync: must not reuse the first's rendering
    assert "5 templates" in all_text(lookup_reply(other, now=NOW))
