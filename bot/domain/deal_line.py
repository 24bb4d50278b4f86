"""A deal in one line: `ООО Ромашка 150к` is the client's name and the amount after it.

The amount is the longest tail of at most four words that reads as money; a bare small
number with neither a unit nor a currency (`Магазин 24`) is part of the name, since no deal
is worth 24 roubles. A last word that starts like an amount but is not one (`-5000`, `150кк`)
is a mistake in the amount, said so, rather than a client called that."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.money import AmountError, parse_amount
from bot.domain.text import CLIENT_NAME_MAX, clean_text

TAIL_WORDS = 4  # "1 500 000 ₽" is the longest amount people type
BARE_MIN = 1000 * 100  # a bare number below 1000 roubles is a name's part, not an amount
_BARE = re.compile(r"[0-9 .,]+")
# Digits, then maybe a unit or a currency: what a mistyped amount looks like.
_AMOUNT_LIKE = re.compile(r"[-−]?₽?[0-9][0-9.,]*(?:[кkтmмлнрдубысbnl]+\.?)?₽?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DealLine:
    client: str
    amount: int | None  # minor units; None when the line names only the client


def parse_deal_line(text: str) -> DealLine:
    """The client and the amount of a typed line; raises AmountError for a mistyped amount
    and the text errors of `clean_text` for an empty or overlong name."""
    words = text.split()
    for n in range(min(TAIL_WORDS, len(words) - 1), 0, -1):
        tail = " ".join(words[-n:])
        try:
            amount = parse_amount(tail)
        except AmountError:
            continue
        if _BARE.fullmatch(tail) and amount < BARE_MIN:
            continue
        return DealLine(clean_text(" ".join(words[:-n]), CLIENT_NAME_MAX), amount)
    last = words[-1] if len(words) > 1 else ""
    if _AMOUNT_LIKE.fullmatch(last):
        try:
            parse_amount(last)
        except AmountError as error:  # the seller meant an amount and mistyped it
            if error.reason == "too_large" or not _BARE.fullmatch(last):
                raise
    return DealLine(clean_text(text, CLIENT_NAME_MAX), None)


def name_key(name: str) -> str:
    """Two names are the same client when they differ only in case, `ё` and spacing."""
    return " ".join(name.casefold().replace("ё", "е").split())
