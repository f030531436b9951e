"""What changed between two syncs (bot.templates.diff; pure): added, removed, a changed body or
category, each per (name, language)."""

from __future__ import annotations

from bot.templates.diff import diff
from bot.templates.model import Template

A = Template("promo", "es_MX", "MARKETING", "Hola")
A_PT = Template("promo", "pt_BR", "MARKETING", "Olá")
B = Template("aviso", "es", "UTILITY", "Aviso")


def test_first_sync_has_nothing_to_compare() -> None:
    changes = diff(None, [A])
    assert changes.first and not changes.any


def test_no_change() -> None:
    changes = diff([A, B], [B, A], "prev")
    assert not changes.any and not changes.first and changes.previous_id == "prev"


def test_added_and_removed() -> None:
    changes = diff([A, B], [A, A_PT])
    assert changes.added == (A_PT,)
    assert changes.removed == (B,)
    assert changes.changed == ()
    assert changes.total == 2


def test_same_name_in_two_languages_are_two_templates() -> None:
    changes = diff([A], [A, A_PT])
    assert changes.added == (A_PT,) and not changes.removed and not changes.changed


def test_changed_body() -> None:
    edited = Template("promo", "es_MX", "MARKETING", "Hola {{1}}")
    [change] = diff([A], [edited]).changed
    assert change.fields == ("body",) and change.before is A and change.after is edited


def test_changed_category() -> None:
    moved = Template("promo", "es_MX", "UTILITY", "Hola")
    [change] = diff([A], [moved]).changed
    assert change.fields == ("category",)


def test_changed_body_and_category_in_one_language_only() -> None:
    both = Template("promo", "pt_BR", "UTILITY", "Oi")
    changes = diff([A, A_PT], [A, both])
    [change] = changes.changed
    assert change.fields == ("body", "category") and change.after.language == "pt_BR"
