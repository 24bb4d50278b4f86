"""Money as integer kopecks: reading what a seller types and showing it back."""

from __future__ import annotations

import math
import re
from fractions import Fraction

MAX_AMOUNT_MINOR: int = 10**15  # 10 trillion roubles in kopecks; larger is "too_large"

# Checked before any other work so that a pasted novel costs nothing to reject.
_MAX_INPUT_CHARS = 64

_NBSP = "\u00a0"
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
# is rarer in a sales team than a unit nobody recognises.
_COMPACT_UNITS: tuple[tuple[int, str, str], ...] = (
    (1, "", ""),
    (10**3, "тыс.", "K"),
    (10**6, "млн", "M"),
    (10**9, "млрд", "bn"),
)


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

    The ru thousands separator is a no-break space (U+00A0), as is the gap before the
    currency, so Telegram never wraps an amount across lines. Kopecks appear only when
    non-zero. Currencies without a symbol show their code: '150 000 CNY' / 'CNY 150,000'.
    """
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    code = currency.upper()
    symbol = _SYMBOLS.get(code)
    if _is_english(lang):
        number = f"{whole:,}" + (f".{cents:02d}" if cents else "")
        return f"{sign}{symbol}{number}" if symbol else f"{sign}{code} {number}"
    number = f"{whole:,}".replace(",", _NBSP) + (f",{cents:02d}" if cents else "")
    return f"{sign}{number}{_NBSP}{symbol or code}"


def format_compact(minor: int, currency: str = "RUB", lang: str = "ru") -> str:
    """Short form for chart axes and labels: ru '1,2 млн ₽', '350 тыс. ₽'; en '₽1.2M', '₽350K'.

    At most three significant digits, trailing zeros dropped, halves rounded away from zero;
    under a thousand, whole roubles. Spaces are no-break spaces, as in `format_amount`.
    """
    sign = "-" if minor < 0 else ""
    code = currency.upper()
    symbol = _SYMBOLS.get(code)
    english = _is_english(lang)
    whole, fraction, unit_ru, unit_en = _compact_parts(Fraction(abs(minor), 100))
    grouped = f"{whole:,}"
    if english:
        number = grouped + (f".{fraction}" if fraction else "") + unit_en
        return f"{sign}{symbol}{number}" if symbol else f"{sign}{code} {number}"
    number = grouped.replace(",", _NBSP) + (f",{fraction}" if fraction else "")
    unit = f"{_NBSP}{unit_ru}" if unit_ru else ""
    return f"{sign}{number}{unit}{_NBSP}{symbol or code}"


def _compact_parts(roubles: Fraction) -> tuple[int, str, str, str]:
    """Whole part, fraction digits (no trailing zeros) and the unit names of `roubles`."""
    # Smallest unit first: 999 950 ₽ rounds to "1000 тыс.", which moves on to "1 млн".
    for scale, unit_ru, unit_en in _COMPACT_UNITS:
        value = roubles / scale
        decimals = 0 if scale == 1 or value >= 100 else (2 if value < 10 else 1)
        rounded = math.floor(value * 10**decimals + Fraction(1, 2))
        if rounded < 1000 * 10**decimals or scale == _COMPACT_UNITS[-1][0]:
            whole, rest = divmod(rounded, 10**decimals)
            digits = f"{rest:0{decimals}d}".rstrip("0") if decimals else ""
            return whole, digits, unit_ru, unit_en
    raise AssertionError("unreachable: the largest unit always returns")


def _is_english(lang: str) -> bool:
    return lang.lower().split("-")[0] == "en"
