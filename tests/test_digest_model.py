"""What a filtered subscription hears (bot.templates.digest, pure): only matching changes, a
template moving into the filter added and out of it removed; a period's net change; the
subscription's filters written back canonically (bot.commands.filters.filter_text)."""

from __future__ import annotations

import pytest

from bot.commands.filters import filter_text, parse_query, read_filter_text
from bot.commands.tokens import tokens
from bot.templates.diff import Changes, TemplateChange, diff
from bot.templates.digest import filtered, net_change
from bot.templates.model import Template
from bot.templates.query import Query

PROMO_PT = Template("promo", "pt_BR", "MARKETING", "Oferta de verão")
PROMO_ES = Template("promo", "es", "MARKETING", "Oferta de verano")
OTP_PT = Template("otp", "pt_BR", "AUTHENTICATION", "Seu código é {{1}}")
WELCOME_PT = Template("welcome", "pt_BR", "UTILITY", "Bem-vindo")

BRAZIL_MARKETING = Query(languages=("pt_BR",), categories=("marketing",))


def names(templates: tuple[Template, ...]) -> list[tuple[str, str]]:
    return [t.key for t in templates]


def query(text: str) -> Query:
    return parse_query(tokens(text), "1234")


def test_only_matching_changes_are_kept() -> None:
    changes = diff([PROMO_ES, OTP_PT], [PROMO_PT, PROMO_ES, WELCOME_PT])
    seen = filtered(changes, BRAZIL_MARKETING)
    assert names(seen.added) == [("promo", "pt_BR")]
    assert seen.removed == () and seen.changed == ()


def test_no_filters_keep_everything() -> None:
    changes = diff([PROMO_ES, OTP_PT], [PROMO_PT, PROMO_ES])
    assert filtered(changes, Query()) is changes


@pytest.mark.parametrize(
    ("before", "after", "added", "removed", "changed"),
    [
        # still marketing in pt_BR, body changed: changed
        (PROMO_PT, Template("promo", "pt_BR", "MARKETING", "Nova oferta"), 0, 0, 1),
        # utility became marketing: it moved into the filter, added for this channel
        (Template("promo", "pt_BR", "UTILITY", "x"), PROMO_PT, 1, 0, 0),
        # marketing became utility: it left the filter, removed for this channel
        (PROMO_PT, Template("promo", "pt_BR", "UTILITY", "x"), 0, 1, 0),
        # utility before and after: none of this channel's business
        (WELCOME_PT, Template("welcome", "pt_BR", "UTILITY", "Olá"), 0, 0, 0),
    ],
)
def test_a_template_moving_into_or_out_of_the_filter(
    before: Template, after: Template, added: int, removed: int, changed: int
) -> None:
    seen = filtered(diff([before], [after]), BRAZIL_MARKETING)
    assert (len(seen.added), len(seen.removed), len(seen.changed)) == (added, removed, changed)
    if removed:
        assert seen.removed == (before,)  # as it was when it still matched
    if added:
        assert seen.added == (after,)


def test_words_filter_on_name_and_body_folded() -> None:
    changes = diff([], [PROMO_PT, OTP_PT, WELCOME_PT])
    seen = filtered(changes, query("verao"))  # no accent typed, one in the body
    assert names(seen.added) == [("promo", "pt_BR")]
    seen = filtered(changes, query("lang:pt_BR -codigo"))
    assert names(seen.added) == [("promo", "pt_BR"), ("welcome", "pt_BR")]


def test_a_first_sync_stays_first() -> None:
    assert filtered(diff(None, [PROMO_PT]), BRAZIL_MARKETING) == Changes(first=True)


def test_added_moved_in_and_plain_added_are_sorted_together() -> None:
    a = Template("a_promo", "pt_BR", "MARKETING", "x")
    z_before = Template("z_promo", "pt_BR", "UTILITY", "x")
    z_after = Template("z_promo", "pt_BR", "MARKETING", "x")
    seen = filtered(diff([z_before], [a, z_after]), BRAZIL_MARKETING)
    assert names(seen.added) == [("a_promo", "pt_BR"), ("z_promo", "pt_BR")]


def test_net_change_over_a_period() -> None:
    """Between the period's first and last state: added then removed again is gone, changed
    several times shows once as it is now."""
    start = [PROMO_PT, WELCOME_PT]
    # during the period: a flash template came and went; promo changed twice; otp added
    end = [Template("promo", "pt_BR", "MARKETING", "Oferta final"), WELCOME_PT, OTP_PT]
    change = net_change(start, end, Query(languages=("pt_BR",)), previous_id="s1")
    assert names(change.added) == [("otp", "pt_BR")]
    assert change.removed == ()
    assert change.changed == (TemplateChange(PROMO_PT, end[0]),)
    assert change.previous_id == "s1"
    assert not net_change(start, start, Query()).any
    assert net_change(None, end, Query()).first


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("", ""),
        ("lang:pt-br category:Marketing", "lang:pt_BR category:marketing"),
        (
            "promo -lang:es lang:pt_BR category:marketing",
            "lang:pt_BR -lang:es category:marketing promo",
        ),
        ('"Feliz Navidad" -idioma:en', '-lang:en "feliz navidad"'),
        ("categoría:utilidad lang:es lang:es", "lang:es category:utility"),
        ("Promoção", "promocao"),
    ],
)
def test_filters_are_written_back_canonically(typed: str, canonical: str) -> None:
    written = filter_text(query(typed))
    assert written == canonical
    assert read_filter_text(written) == query(typed)  # reads back the same
    assert filter_text(read_filter_text(written)) == written
