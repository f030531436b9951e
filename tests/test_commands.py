from __future__ import annotations

import pytest

from bot import commands
from bot.commands import Help, Sync
from bot.errors import InputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("   ", Help()),
        ("help", Help()),
        ("  HELP ", Help()),
        ("--help", Help()),
        ("1234", Sync("1234")),
        ("  1234   ", Sync("1234")),
        ("0032", Sync("0032")),
        ("1" * 20, Sync("1" * 20)),
        ("1234 --refresh", Sync("1234", refresh=True)),
        ("1234 --REFRESH", Sync("1234", refresh=True)),
        ("1234\t-r", Sync("1234", refresh=True)),
    ],
)
def test_reads_valid_commands(text: str, expected: commands.Command) -> None:
    assert commands.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("abc", "`abc` is not a connector id: connector ids are digits only"),
        ("12a4", "`12a4` is not a connector id"),
        ("../../etc/passwd", "`../../etc/passwd` is not a connector id"),
        ("1234;rm", "`1234;rm` is not a connector id"),
        ("$(reboot)", "`$(reboot)` is not a connector id"),
        ("-5", "`-5` is not a connector id"),
        ("\uff11\uff12\uff13\uff14", "is not a connector id"),  # full-width digits
        ("1" * 21, "A connector id has 1 to 20 digits; that one has 21"),
        ("1" * 999, "that one has 999"),
        ("1" * 3000, "That command is 3,000 characters long"),
        ("12\x0034", "control or invisible characters"),
        ("12\u202e34", "control or invisible characters"),
        ("1234 --force", "`--force` is not an option I know"),
        ("1234 extra", "I did not expect `extra` after the connector id"),
    ],
)
def test_rejects_bad_input_with_a_clear_message(text: str, says: str) -> None:
    with pytest.raises(InputError) as caught:
        commands.parse(text)
    assert says in str(caught.value)
    assert "/wolkvox-sync" in str(caught.value)  # says how to write it


def test_quoted_input_is_escaped_and_bounded() -> None:
    with pytest.raises(InputError) as caught:
        commands.parse("<!channel>" + "x" * 200)
    message = str(caught.value)
    assert "<!channel>" not in message
    assert "&lt;!channel&gt;" in message
    assert len(message) < 400


def test_backticks_cannot_break_out_of_the_quote() -> None:
    with pytest.raises(InputError) as caught:
        commands.parse("`*bold*`")
    assert "`'*bold*'`" in str(caught.value)
