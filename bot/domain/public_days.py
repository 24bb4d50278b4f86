"""A country's public holidays and moved working days, from the `holidays` package.

Its data ships inside the package (no network); each country's year is computed once.
A country the package does not know, or "off", has no public days: weekdays alone count.

Only the company's country is loaded: `holidays.countries`' own `__init__` imports all ~250
country modules (8 MB held for the process's life) to reach one, so the country's module is
found in that folder and run alone, and the package's registry (a dict of names) answers
which codes exist (issue 15, item 4).
"""

from __future__ import annotations

import sys
import threading
from datetime import date
from functools import cache
from importlib.machinery import PathFinder
from importlib.util import find_spec, module_from_spec
from types import ModuleType
from typing import cast

from holidays import HolidayBase
from holidays.registry import COUNTRIES, EntityLoader

NONE = "off"
DEFAULT_COUNTRY = "RU"
PACKAGE = "holidays.countries"
_loading = threading.Lock()


@cache
def supported() -> frozenset[str]:
    """ISO 3166-1 codes (alpha-2, alpha-3 and aliases) the package has a calendar for."""
    return frozenset(EntityLoader.get_country_codes())


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
    calendar = _country_class(country)(years=year)
    off = frozenset(d for d in calendar if d.year == year)
    worked = frozenset(d for d in calendar.weekend_workdays if d.year == year)
    return off, worked


def _country_class(code: str) -> type[HolidayBase]:
    """The class `holidays.country_holidays(code)` would build, from its module alone."""
    module = next(name for name, entities in COUNTRIES.items() if code in entities[1:])
    return cast(type[HolidayBase], getattr(_country_module(module), code))


def _country_module(module: str) -> ModuleType:
    name = f"{PACKAGE}.{module}"
    with _loading:
        if (loaded := sys.modules.get(name)) is not None:
            return loaded
        folder = find_spec(PACKAGE)  # finds the folder without running its __init__
        spec = PathFinder.find_spec(name, folder.submodule_search_locations if folder else None)
        if spec is None or spec.loader is None:
            raise ImportError(f"no module {name}")
        country = module_from_spec(spec)
        # Run before it is registered: a country built on another's (Åland on Finland) imports
        # the whole package, which then imports this module itself, and that copy is kept.
        spec.loader.exec_module(country)
        return sys.modules.setdefault(name, country)
