"""Money as integer kopecks: reading what a seller types and showing it back."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from functools import cache

from babel import Locale
from babel.numbers import format_compact_decimal, format_decimal

MAX_AMOUNT_MINOR: int = 10**15  # 10 trillion roubles in kopecks; larger is "too_large"

# Checked before any other work so that a pasted novel costs nothing to reject.
_MAX_INPUT_CHARS = 64

_MINUS_SIGN = "\u2212"

_MULTIPLIERS: dict[str, int] = {
    "к": 10**3,
    "k": 10**3,
    "тыс": 10**3,
    "т": 10**3,
    "млн": 10**6,
    "mln": 10**6,
    "m": 10**6,
    "млрд": 10**9,
    "bn": 10**9,
}

# Applied to folded, lower-cased text. The number may hold spaces, commas and dots;
# which of them group digits and which one marks kopecks is decided in `_split_number`.
_AMOUNT_RE = re.compile(
    r"(?P<prefix>₽)? ?"
    r"(?P<number>[0-9](?:[0-9 ,.]*[0-9])?) ?"
    r"(?:(?P<unit>тыс|т|к|k|млрд|млн|mln|m|bn)\.?)? ?"
    r"(?P<suffix>₽|руб(?:лей|ля|ль)?\.?|р\.?|rub\.?)?"
)

_SYMBOLS: dict[str, str] = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸"}

# Each short form is one `parse_amount` reads back. Nothing above billions: "12 000 млрд"
# is rarer in a sales team than a unit nobody recognises (CLDR would say "12 трлн").
_COMPACT_SCALES: tuple[int, ...] = (10**9, 10**6, 10**3)
_ENGLISH_UNITS: dict[str, str] = {"B": "bn"}


class AmountError(ValueError):
    """Raised for text that is not a money amount.

    `.reason` is one of: "empty", "format", "negative", "too_large".
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_amount(text: str) -> int:
    """Parse a seller's typed amount into integer minor units (kopecks). Raises AmountError."""
    if len(text) > _MAX_INPUT_CHARS:
        raise AmountError("format")
    folded = " ".join(text.split()).lower().replace(_MINUS_SIGN, "-")
    if not folded:
        raise AmountError("empty")
    negative = folded.startswith("-")
    minor = _parse_unsigned(folded.removeprefix("-").lstrip())
    if negative:
        raise AmountError("negative")
    if minor > MAX_AMOUNT_MINOR:
        raise AmountError("too_large")
    return minor


def _parse_unsigned(text: str) -> int:
    match = _AMOUNT_RE.fullmatch(text)
    # A currency on both sides ("₽5 руб") is two units, not an emphatic one.
    if match is None or (match["prefix"] and match["suffix"]):
        raise AmountError("format")
    whole, fraction = _split_number(match["number"])
    multiplier = _MULTIPLIERS[match["unit"]] if match["unit"] else 1
    # Integer arithmetic rather than Decimal: exact for any digit count, no context precision.
    scaled = int(whole + fraction) * multiplier * 100
    divisor: int = 10 ** len(fraction)  # typeshed calls int ** int "Any": it may be a float
    minor, remainder = divmod(scaled, divisor)
    return minor + int(2 * remainder >= divisor)  # half-up to the kopeck


def _split_number(number: str) -> tuple[str, str]:
    """Split '1 234,56' / '1,234.56' / '1.5' into whole digits and fraction digits."""
    group_mark, decimal_mark = _marks(number)
    whole, fraction = number, ""
    if decimal_mark is not None:
        if number.count(decimal_mark) != 1:
            raise AmountError("format")
        whole, fraction = number.split(decimal_mark)
        if not fraction.isdigit():
            raise AmountError("format")
    groups = whole.split(group_mark) if group_mark else [whole]
    if not _well_grouped(groups):
        raise AmountError("format")
    return "".join(groups), fraction


def _marks(number: str) -> tuple[str | None, str | None]:
    """Decide which character groups thousands and which separates kopecks."""
    marks = [mark for mark in ",." if mark in number]
    if " " in number:
        # Spaces group the digits, so a comma or dot can only be the decimal point.
        if len(marks) > 1:
            raise AmountError("format")
        return " ", (marks[0] if marks else None)
    if len(marks) == 2:
        # '1,234.56' or '1.234,56': whichever comes last separates the kopecks.
        decimal = max(marks, key=number.rindex)
        return ("." if decimal == "," else ","), decimal
    if not marks:
        return None, None
    mark = marks[0]
    if number.count(mark) > 1:
        return mark, None
    # '1,500' is ambiguous; sellers never mean 1.5 roubles written with three decimals,
    # so exactly three digits after a lone comma or dot are a thousands group.
    # Nobody groups '0,500' as thousands, though: that one is half a rouble.
    whole, _, fraction = number.partition(mark)
    if len(fraction) == 3 and whole != "0":
        return mark, None
    return None, mark


def _well_grouped(groups: list[str]) -> bool:
    if not all(group.isdigit() for group in groups):
        return False
    if len(groups) == 1:
        return True
    return len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])


def whole_units(minor: int, *, up: bool = False) -> int:
    """An amount rounded to whole roubles (still in kopecks): for averages, forecasts and
    targets, where kopecks are false precision. Nearest, halves away from zero; `up` rounds
    a target up, so doing it does meet the plan."""
    if up:
        return -(-minor // 100) * 100
    sign = -1 if minor < 0 else 1
    return sign * ((abs(minor) + 50) // 100 * 100)


def format_amount(minor: int, currency: str = "RUB", lang: str = "ru") -> str:
    """Human format: ru '150 000 ₽', '1 500,50 ₽'; en '₽150,000', '₽1,500.50'.

    Digits, separators and where the currency goes come from CLDR (Babel): the ru thousands
    separator is a no-break space (U+00A0), as is the gap before the currency, so Telegram
    never wraps an amount across lines. Kopecks appear only when non-zero. Currencies without
    a symbol show their code: '150 000 CNY' / 'CNY 150,000'.
    """
    locale = _locale(lang)
    pattern = "#,##0.00" if minor % 100 else "#,##0"
    number = format_decimal(Decimal(abs(minor)).scaleb(-2), pattern, locale=locale)
    return _with_currency(number, minor < 0, currency, locale)


def format_compact(minor: int, currency: str = "RUB", lang: str = "ru") -> str:
    """Short form for chart axes and labels: ru '1,2 млн ₽', '350 тыс. ₽'; en '₽1.2M', '₽350K'.

    At most three significant digits, trailing zeros dropped, halves rounded away from zero;
    under a thousand, whole roubles. Spaces are no-break spaces, as in `format_amount`.
    """
    locale = _locale(lang)
    roubles = _compact_round(Fraction(abs(minor), 100))
    scale = next((unit for unit in _COMPACT_SCALES if roubles >= unit), 1)
    number = format_decimal(Decimal(roubles) / scale, "#,##0.##", locale=locale)
    return _with_currency(number + _compact_unit(locale, scale), minor < 0, currency, locale)


def _compact_round(roubles: Fraction) -> int:
    """Three significant digits, halves away from zero (Babel rounds halves to even); under a
    thousand whole roubles, and from a thousand billions on whole billions."""
    if roubles < 1000:
        quantum = 1
    else:
        quantum = min(10 ** (len(str(math.floor(roubles))) - 3), _COMPACT_SCALES[0])
    return math.floor(roubles / quantum + Fraction(1, 2)) * quantum


@cache
def _compact_unit(locale: Locale, scale: int) -> str:
    """CLDR's short unit for a thousand, a million, a billion: ' тыс.', 'K', ' млрд', 'bn'."""
    if scale == 1:
        return ""
    unit = format_compact_decimal(scale, locale=locale).removeprefix("1")
    # CLDR's English billion is "B"; parse_amount reads "bn" and rejects "1b" as unclear.
    return _ENGLISH_UNITS.get(unit, unit) if locale.language == "en" else unit


def _with_currency(number: str, negative: bool, currency: str, locale: Locale) -> str:
    """Put the sign and the currency where the locale's currency pattern has them."""
    pattern = locale.currency_formats["standard"]
    prefix, suffix = pattern.prefix[negative], pattern.suffix[negative]
    code = currency.upper()
    # Our symbols in both languages (CLDR's English shows "RUB", its Russian "CN¥"); a code
    # before the digits is kept off them by a space, as CLDR's currency spacing does.
    mark = _SYMBOLS.get(code) or (f"{code} " if prefix.endswith("¤") else code)
    return f"{prefix}{number}{suffix}".replace("¤", mark)


@cache
def _locale(lang: str) -> Locale:
    return Locale("en" if lang.lower().split("-")[0] == "en" else "ru")
