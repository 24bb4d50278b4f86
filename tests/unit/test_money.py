"""What a seller may type as an amount, and how amounts are shown back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money import (
    MAX_AMOUNT_MINOR,
    AmountError,
    format_amount,
    format_compact,
    parse_amount,
)

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"

ACCEPTED = [
    ("150000", 15_000_000),
    ("150 000", 15_000_000),
    (f"150{NBSP}000", 15_000_000),
    (f"150{NARROW_NBSP}000", 15_000_000),
    ("150к", 15_000_000),
    ("150 к", 15_000_000),
    ("150k", 15_000_000),
    ("150K", 15_000_000),
    ("150К", 15_000_000),
    ("150 тыс", 15_000_000),
    ("150 тыс.", 15_000_000),
    ("150т", 15_000_000),
    ("150 т.р.", 15_000_000),
    ("1,5 млн", 150_000_000),
    ("1.5 млн", 150_000_000),
    ("1,5млн", 150_000_000),
    ("1,5 МЛН", 150_000_000),
    ("1.5m", 150_000_000),
    ("1.5M", 150_000_000),
    ("2 mln", 200_000_000),
    ("1 млрд", 100_000_000_000),
    ("2 bn", 200_000_000_000),
    ("150 000 ₽", 15_000_000),
    ("150000 руб", 15_000_000),
    ("150000 руб.", 15_000_000),
    ("150000 рублей", 15_000_000),
    ("150000 р", 15_000_000),
    ("150000 р.", 15_000_000),
    ("150000р", 15_000_000),
    ("150000 rub", 15_000_000),
    ("150000 RUB", 15_000_000),
    ("₽150000", 15_000_000),
    ("₽150,000", 15_000_000),
    ("150к ₽", 15_000_000),
    ("150 000,50", 15_000_050),
    ("150000.50", 15_000_050),
    ("150000,5", 15_000_050),
    ("1,500,000", 150_000_000),
    ("1,500,000.50", 150_000_050),
    ("1.500.000,50", 150_000_050),
    ("1,500", 150_000),
    ("1 234 567,89", 123_456_789),
    ("0", 0),
    ("0,00", 0),
    ("  150000  ", 15_000_000),
    ("1,2345 млн", 123_450_000),
    ("1,234567 млн", 123_456_700),
    ("0,500", 50),
    ("0.001", 0),
    ("0.005", 1),
    ("0.0049", 0),
    ("10 000 000 000 000", MAX_AMOUNT_MINOR),
]

REJECTED = [
    ("", "empty"),
    ("   ", "empty"),
    (f"{NBSP}\t\n", "empty"),
    ("abc", "format"),
    ("150 долларов", "format"),
    ("150 к млн", "format"),
    ("150 ₽ руб", "format"),
    ("₽150 руб", "format"),
    ("1..5", "format"),
    ("--5", "format"),
    ("1 2 3 4", "format"),
    ("12 34", "format"),
    ("1234 567", "format"),
    ("1,50,000", "format"),
    ("1,500.000,5", "format"),
    ("5 млн 3", "format"),
    ("к", "format"),
    ("₽", "format"),
    ("руб", "format"),
    ("1b", "format"),
    ("nan", "format"),
    ("inf", "format"),
    ("1e5", "format"),
    ("150.", "format"),
    (".5", "format"),
    ("١٢٣", "format"),
    ("1" * 65, "format"),
    ("-5", "negative"),
    ("\u22125", "negative"),
    ("- 150 000 ₽", "negative"),
    ("-1,5 млн", "negative"),
    ("10 000 000 000 000,01", "too_large"),
    ("10 001 млрд", "too_large"),
    ("9" * 64, "too_large"),
]


@pytest.mark.parametrize(("text", "kopecks"), ACCEPTED, ids=[text for text, _ in ACCEPTED])
def test_every_accepted_way_of_typing_an_amount_gives_its_kopecks(text, kopecks):
    assert parse_amount(text) == kopecks


@pytest.mark.parametrize(("text", "reason"), REJECTED, ids=[text[:20] for text, _ in REJECTED])
def test_every_rejected_text_names_why_it_is_not_an_amount(text, reason):
    with pytest.raises(AmountError) as caught:
        parse_amount(text)
    assert caught.value.reason == reason


def test_thousand_suffix_in_russian_multiplies_by_a_thousand():
    assert parse_amount("150к") == parse_amount("150000")


def test_a_lone_comma_before_three_digits_groups_thousands_rather_than_kopecks():
    assert parse_amount("1,500") == 150_000


def test_the_amount_error_is_a_value_error_carrying_its_reason():
    error = AmountError("format")
    assert isinstance(error, ValueError)
    assert error.reason == "format"


@pytest.mark.parametrize(
    ("minor", "lang", "expected"),
    [
        (15_000_000, "ru", f"150{NBSP}000{NBSP}₽"),
        (150_050, "ru", f"1{NBSP}500,50{NBSP}₽"),
        (15_000_000, "en", "₽150,000"),
        (150_050, "en", "₽1,500.50"),
        (5, "ru", f"0,05{NBSP}₽"),
        (5, "en", "₽0.05"),
        (0, "ru", f"0{NBSP}₽"),
        (-150_000, "ru", f"-1{NBSP}500{NBSP}₽"),
        (-150_000, "en", "-₽1,500"),
    ],
)
def test_roubles_are_shown_the_way_each_language_writes_them(minor, lang, expected):
    assert format_amount(minor, lang=lang) == expected


@pytest.mark.parametrize(
    ("currency", "ru", "en"),
    [
        ("USD", f"100{NBSP}$", "$100"),
        ("eur", f"100{NBSP}€", "€100"),
        ("KZT", f"100{NBSP}₸", "₸100"),
        ("CNY", f"100{NBSP}CNY", "CNY 100"),
    ],
)
def test_other_currencies_use_their_symbol_or_else_their_code(currency, ru, en):
    assert format_amount(10_000, currency, "ru") == ru
    assert format_amount(10_000, currency, "en") == en


# 10**13 roubles is the ceiling itself, so kopecks on top of it would be "too_large".
@given(
    roubles=st.integers(min_value=0, max_value=MAX_AMOUNT_MINOR // 100 - 1),
    kopecks=st.integers(min_value=0, max_value=99),
    lang=st.sampled_from(["ru", "en"]),
)
def test_a_formatted_amount_parses_back_to_the_same_kopecks(roubles, kopecks, lang):
    minor = roubles * 100 + kopecks
    assert parse_amount(format_amount(minor, lang=lang)) == minor


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_largest_allowed_amount_parses_back_from_its_formatting(lang):
    assert parse_amount(format_amount(MAX_AMOUNT_MINOR, lang=lang)) == MAX_AMOUNT_MINOR


def outcome_of(text):
    """The kopecks, or the reason they could not be read."""
    try:
        return parse_amount(text)
    except AmountError as error:
        return error.reason


# Arbitrary text mostly dies at the regex; amount-like characters reach the grouping rules.
AMOUNTISH = st.text(alphabet="0123456789 ,.-₽кkтыс.млнрдmbnруб\u00a0\u2212", max_size=20)


@given(st.one_of(st.text(), AMOUNTISH))
def test_any_text_either_parses_or_raises_only_an_amount_error(text):
    outcome = outcome_of(text)
    if isinstance(outcome, str):
        assert outcome in {"empty", "format", "negative", "too_large"}
    else:
        assert 0 <= outcome <= MAX_AMOUNT_MINOR


@given(
    roubles=st.integers(min_value=0, max_value=MAX_AMOUNT_MINOR // 100),
    separator=st.sampled_from([" ", NBSP, NARROW_NBSP]),
)
def test_roubles_grouped_with_any_kind_of_space_parse_to_the_same_number(roubles, separator):
    grouped = f"{roubles:,}".replace(",", separator)
    assert parse_amount(grouped) == roubles * 100


@pytest.mark.parametrize(
    ("minor", "ru", "en"),
    [
        (0, f"0{NBSP}₽", "₽0"),
        (49, f"0{NBSP}₽", "₽0"),
        (50, f"1{NBSP}₽", "₽1"),
        (95_000, f"950{NBSP}₽", "₽950"),
        (99_950, f"1{NBSP}тыс.{NBSP}₽", "₽1K"),
        (123_456, f"1,23{NBSP}тыс.{NBSP}₽", "₽1.23K"),
        (15_000_000, f"150{NBSP}тыс.{NBSP}₽", "₽150K"),
        (99_995_000, f"1{NBSP}млн{NBSP}₽", "₽1M"),
        (120_000_000, f"1,2{NBSP}млн{NBSP}₽", "₽1.2M"),
        (124_499_999, f"1,24{NBSP}млн{NBSP}₽", "₽1.24M"),
        (124_500_000, f"1,25{NBSP}млн{NBSP}₽", "₽1.25M"),
        (2_345_000_000, f"23,5{NBSP}млн{NBSP}₽", "₽23.5M"),
        (1_000_000_000_000, f"10{NBSP}млрд{NBSP}₽", "₽10bn"),
        (MAX_AMOUNT_MINOR, f"10{NBSP}000{NBSP}млрд{NBSP}₽", "₽10,000bn"),
        (-150_000_000, f"-1,5{NBSP}млн{NBSP}₽", "-₽1.5M"),
    ],
)
def test_compact_amounts_keep_three_significant_digits_and_a_unit(minor, ru, en):
    assert format_compact(minor, lang="ru") == ru
    assert format_compact(minor, lang="en") == en


def test_compact_amounts_in_other_currencies_use_the_symbol_or_the_code():
    assert format_compact(150_000_000, "USD", "ru") == f"1,5{NBSP}млн{NBSP}$"
    assert format_compact(150_000_000, "CNY", "ru") == f"1,5{NBSP}млн{NBSP}CNY"
    assert format_compact(150_000_000, "CNY", "en") == "CNY 1.5M"


@given(
    minor=st.integers(min_value=0, max_value=MAX_AMOUNT_MINOR), lang=st.sampled_from(["ru", "en"])
)
def test_a_compact_amount_reads_back_within_half_a_percent(minor, lang):
    # Three significant digits: the shown value is off by at most 0.5 % (or half a rouble).
    back = parse_amount(format_compact(minor, lang=lang))
    assert abs(back - minor) <= max(minor * 0.005, 50)


@pytest.mark.parametrize(
    ("minor", "nearest", "up"),
    [
        (14_761_905, 14_761_900, 14_762_000),
        (50, 100, 100),
        (49, 0, 100),
        (0, 0, 0),
        (-150, -200, -100),
        (1_000_000, 1_000_000, 1_000_000),
    ],
)
def test_estimates_are_whole_roubles_and_targets_round_up(
    minor: int, nearest: int, up: int
) -> None:
    from bot.domain.money import whole_units

    assert whole_units(minor) == nearest
    assert whole_units(minor, up=True) == up
