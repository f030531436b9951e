"""What is checked before an operation is saved, and how each refusal reads (pure)."""

from __future__ import annotations

import pytest

from bot.errors import OperationInvalid
from bot.i18n import translator
from bot.i18n.messages import operation_invalid
from bot.operations.model import check_aliases, check_daily_quota, check_name, check_server


@pytest.mark.parametrize("word", ["none", "ninguna", "nenhuma", "NONE"])
def test_the_words_that_clear_a_channels_default_cannot_name_an_operation(word: str) -> None:
    with pytest.raises(OperationInvalid) as raised:
        check_name(word)
    assert (raised.value.field, raised.value.reason) == ("name", "reserved")
    said = operation_invalid(raised.value, translator("es"))
    assert said.startswith(f"{word.lower()} no puede nombrar una operación")


@pytest.mark.parametrize(
    ("check", "raw", "reason"),
    [
        (check_name, "Cliente A", "malformed"),
        (check_name, "x" * 33, "malformed"),
        (check_server, "wv00321", "malformed"),
        (check_daily_quota, "-5", "malformed"),
        (check_aliases, "ventas", "malformed"),
        (check_aliases, "help=1234", "command_word"),
    ],
)
def test_each_wrong_value_is_named_in_one_line(check: object, raw: str, reason: str) -> None:
    with pytest.raises(OperationInvalid) as raised:
        check(raw)  # type: ignore[operator]
    assert raised.value.reason == reason
    for language in ("en", "es", "pt_BR"):
        said = operation_invalid(raised.value, translator(language), console=True)
        assert "\n" not in said and "{" not in said


def test_good_values_are_written_one_way() -> None:
    assert check_name(" Cliente_A ") == "cliente_a"
    assert check_server("wv32") == "0032"
    assert check_daily_quota("5.000") == 5000
    assert check_aliases("ventas=01234,\nsoporte=56", {"otro": "b:1"}) == (
        ("soporte", "56"),
        ("ventas", "1234"),
    )
    with pytest.raises(OperationInvalid):
        check_aliases("otro=1", {"otro": "b:1"})  # an alias names one connector in the bot
