"""A deal in one line: the client's name, and the amount after it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.deal_line import DealLine, name_key, parse_deal_line
from bot.domain.errors import EmptyTextError, TextTooLongError
from bot.domain.money import AmountError


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("ООО Ромашка 150к", DealLine("ООО Ромашка", 15_000_000)),
        ("ООО Ромашка 150 000", DealLine("ООО Ромашка", 15_000_000)),
        ("Ромашка 1 500 000 ₽", DealLine("Ромашка", 150_000_000)),
        ("Альфа 1,5 млн", DealLine("Альфа", 150_000_000)),
        ("Acme Ltd 2.5m", DealLine("Acme Ltd", 250_000_000)),
        ("Бета 500 руб", DealLine("Бета", 50_000)),
        ("  ООО   Ромашка  ", DealLine("ООО Ромашка", None)),
        ("Магазин 24", DealLine("Магазин 24", None)),  # a bare small number: the name's
        ("Сервис 24/7", DealLine("Сервис 24/7", None)),
        ("Студия 3D", DealLine("Студия 3D", None)),
        ("Альфа-2 50к", DealLine("Альфа-2", 5_000_000)),
        ("150к", DealLine("150к", None)),  # one word is a name: nothing left for a client
    ],
)
def test_a_line_reads_as_the_client_and_the_amount(typed: str, line: DealLine) -> None:
    assert parse_deal_line(typed) == line


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("Бета -5000", "negative"),
        ("Бета −5к", "negative"),
        ("Бета 150кк", "format"),
        ("Бета " + "9" * 30, "too_large"),
    ],
)
def test_a_mistyped_amount_is_a_mistake_not_a_name(typed: str, reason: str) -> None:
    with pytest.raises(AmountError) as caught:
        parse_deal_line(typed)
    assert caught.value.reason == reason


def test_an_empty_or_overlong_name_is_the_text_errors() -> None:
    with pytest.raises(EmptyTextError):
        parse_deal_line("   ")
    with pytest.raises(TextTooLongError):
        parse_deal_line("Я" * 101 + " 150к")


names = st.text(st.sampled_from("абвгдежзийклмнопрстуфхцчшщыэюяABCXYZ -"), min_size=1, max_size=30)


@given(name=names.filter(lambda n: n.strip()), thousands=st.integers(1, 10**6))
def test_any_name_then_thousands_gives_both_back(name: str, thousands: int) -> None:
    line = parse_deal_line(f"{name} {thousands}к")
    assert line == DealLine(" ".join(name.split()), thousands * 1000 * 100)


@given(name=names)
def test_a_name_is_the_same_client_whatever_its_case_and_spacing(name: str) -> None:
    assert name_key(f"  {name.upper()} ") == name_key(name.lower().replace("е", "ё"))
