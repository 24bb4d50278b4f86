"""A country's public holidays and moved working days, from the `holidays` package.

Its data ships inside the package (no network); each country's year is computed once.
A country the package does not know, or "off", has no public days: weekdays alone count.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays

NONE = "off"
DEFAULT_COUNTRY = "RU"


@cache
def supported() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes the package has a calendar for."""
    return frozenset(holidays.list_supported_countries())


def parse_country(value: str) -> str:
    """`RU`, `kz`, ... or `off` (no public holidays); ValueError for a code the package lacks."""
    code = value.strip().upper()
    if code.lower() in (NONE, "none", "нет", "-"):
        return NONE
    if code not in supported():
        raise ValueError(f"no public calendar for {code!r}: an ISO code such as RU, KZ, BY")
    return code


@cache
def public_days(country: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(days off, moved working days) of one year: holidays with their substituted days off,
    and the weekend days worked instead (Russia's 1 November 2025, 20 February 2027)."""
    if country == NONE or country not in supported():
        return frozenset(), frozenset()
    calendar = holidays.country_holidays(country, years=year)
    off = frozenset(d for d in calendar if d.year == year)
    worked = frozenset(d for d in calendar.weekend_workdays if d.year == year)
    return off, worked
