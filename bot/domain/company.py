"""The company's own settings, shaped in the chat by an admin: read, validated, shown."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import time
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.abc_xyz import AbcThresholds, XyzThresholds
from bot.domain.errors import SettingInvalidError
from bot.domain.notices import QuietHours
from bot.domain.public_days import DEFAULT_COUNTRY, parse_country
from bot.domain.tasks import WorkSchedule

LANGUAGES = ("ru", "en")
CURRENCIES = ("RUB", "USD", "EUR", "KZT", "BYN", "UZS", "CNY")
NAME_MAX = 100


def parse_quiet_hours(value: str) -> QuietHours:
    """`21:00-08:00` (may cross midnight); `off` or an empty value for none."""
    if value.strip().lower() in ("", "off", "none", "нет"):
        return QuietHours(time(0), time(0))
    start, end = _span(value)
    return QuietHours(start, end)


def parse_working_days(value: str) -> frozenset[int]:
    """ISO weekdays: `1-5`, `1,2,3,4,5,6` (Monday = 1)."""
    days: set[int] = set()
    try:
        for part in value.split(","):
            low, dash, high = part.strip().partition("-")
            first, last = int(low), int(high if dash else low)
            if not 1 <= first <= last <= 7:  # checked before range(): "1-99999999" is cheap
                raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
            days.update(range(first, last + 1))
    except ValueError as exc:
        raise ValueError(f"expected weekday numbers 1-7, e.g. 1-5 or 1,2,3,4,5,6: {exc}") from exc
    return frozenset(days)


def _span(value: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as exc:
        raise ValueError("expected HH:MM-HH:MM, e.g. 21:00-08:00") from exc
    return start, end


def _days_text(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
        return f"{ordered[0]}-{ordered[-1]}"
    return ",".join(map(str, ordered))


@dataclass(frozen=True)
class CompanySettings:
    """Defaults come from the environment; an admin's changes are stored and win."""

    company_name: str = ""
    timezone: str = "Europe/Moscow"
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    working_hours: tuple[time, time] = (time(9), time(19))
    quiet: QuietHours = field(default_factory=QuietHours)
    agenda_at: time = time(8, 30)
    digest_at: time = time(9)
    # The digest warns when the weighted pipeline covers less than this many plans left.
    coverage_level: float = 3.0
    currency: str = "RUB"
    language: str = "ru"
    abc: AbcThresholds = field(default_factory=AbcThresholds)
    xyz: XyzThresholds = field(default_factory=XyzThresholds)
    lost_after_days: int = 90
    # Public holidays and moved working days of this country ("off": none); see public_days.
    holiday_country: str = DEFAULT_COUNTRY
    # A task overdue longer than this many hours of working days goes to the seller's head.
    escalate_after_hours: int = 24
    # LTV's P in percent of the check: 100 means LTV by revenue (DOMAIN.md: "100 % means
    # 'by revenue' and says so"); t in months, None to measure it from the history.
    ltv_margin: float = 100
    ltv_lifetime: float | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def ltv_margin_share(self) -> Fraction:
        """P as a share of the check, exactly as the admin typed it (35.5 % is 355/1000)."""
        return Fraction(str(self.ltv_margin)) / 100

    @property
    def schedule(self) -> WorkSchedule:
        return WorkSchedule(self.working_days, self.agenda_at, self.working_hours[1])


def _zone(value: str) -> str:
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "Europe" is a folder
        raise ValueError("unknown time zone") from exc
    return value.strip()


def _name(value: str) -> str:
    folded = " ".join(value.split())
    if len(folded) > NAME_MAX:
        raise ValueError("too long")
    return folded


def _choice(options: tuple[str, ...], upper: bool) -> Callable[[str], str]:
    def pick(value: str) -> str:
        text = value.strip().upper() if upper else value.strip().lower()
        if text not in options:
            raise ValueError("not one of " + ", ".join(options))
        return text

    return pick


def _level(value: str) -> float:
    level = float(value.strip().replace(",", "."))
    if not 0 < level <= 100:  # also turns away nan and inf
        raise ValueError("a coverage level is a number above 0, up to 100")
    return level


def _hours(value: str) -> tuple[time, time]:
    start, end = _span(value)
    if not start < end:
        raise ValueError("the day must start before it ends")
    return start, end


def _pair(value: str) -> tuple[float, float]:
    parts = value.replace(",", ".").replace("%", "").replace("/", " ").split()
    if len(parts) != 2:
        raise ValueError("expected two percents, e.g. 80/15")
    first, second = (float(p) for p in parts)
    if not all(0 <= p <= 100 for p in (first, second)):  # also turns away nan and inf
        raise ValueError("percents are 0..100")
    return first, second


def _abc(value: str) -> AbcThresholds:
    return AbcThresholds(*_pair(value))


def _xyz(value: str) -> XyzThresholds:
    return XyzThresholds(*_pair(value))


def _lost_days(value: str) -> int:
    days = int(value.strip())
    if not 1 <= days <= 3650:
        raise ValueError("1 to 3650 days")
    return days


def _escalate_hours(value: str) -> int:
    text = value.strip().lower()
    hours = 0 if text in ("off", "нет", "0") else int(text)
    if not 0 <= hours <= 24 * 30:
        raise ValueError("0 (off) to 720 hours")
    return hours


def _number(value: str, unit: str) -> float:
    text = value.strip().replace(",", ".").removesuffix(unit).strip()
    number = float(text)  # ValueError for "abc"
    if not math.isfinite(number):
        raise ValueError("a number")
    return number


def _margin(value: str) -> float:
    margin = _number(value, "%")
    if not 0 < margin <= 100:
        raise ValueError("a margin is above 0 %, up to 100 %")
    return margin


AUTO = ("auto", "авто", "")


def _lifetime(value: str) -> float | None:
    if value.strip().lower() in AUTO:
        return None
    months = _number(value, "")
    if not 1 <= months <= 600:
        raise ValueError("a lifetime is 1 to 600 months")
    return months


# key → (field, parse, show): the settings an admin can change, in the order /settings lists.
FIELDS: dict[str, tuple[str, Callable[[str], Any], Callable[[Any], str]]] = {
    "company_name": ("company_name", _name, str),
    "timezone": ("timezone", _zone, str),
    "working_days": ("working_days", parse_working_days, _days_text),
    "working_hours": ("working_hours", _hours, lambda v: f"{v[0]:%H:%M}-{v[1]:%H:%M}"),
    "quiet_hours": (
        "quiet",
        parse_quiet_hours,
        lambda q: "off" if q.start == q.end else f"{q.start:%H:%M}-{q.end:%H:%M}",
    ),
    "agenda_at": ("agenda_at", lambda v: time.fromisoformat(v.strip()), lambda t: f"{t:%H:%M}"),
    "digest_at": ("digest_at", lambda v: time.fromisoformat(v.strip()), lambda t: f"{t:%H:%M}"),
    "coverage_level": ("coverage_level", _level, lambda v: f"{v:g}"),
    "currency": ("currency", _choice(CURRENCIES, upper=True), str),
    "language": ("language", _choice(LANGUAGES, upper=False), str),
    "abc_thresholds": ("abc", _abc, lambda v: f"{v.a:g}/{v.b:g}"),
    "xyz_thresholds": ("xyz", _xyz, lambda v: f"{v.x:g}/{v.y:g}"),
    "lost_after_days": ("lost_after_days", _lost_days, str),
    "holiday_country": ("holiday_country", parse_country, str),
    "escalate_after_hours": (
        "escalate_after_hours",
        _escalate_hours,
        lambda h: str(h) if h else "off",
    ),
    "ltv_margin": ("ltv_margin", _margin, lambda v: f"{v:g}%"),
    "ltv_lifetime": ("ltv_lifetime", _lifetime, lambda v: "auto" if v is None else f"{v:g}"),
}


def show(settings: CompanySettings, key: str) -> str:
    attr, _, render = FIELDS[key]
    return render(getattr(settings, attr))


def changed(settings: CompanySettings, key: str, raw: str) -> CompanySettings:
    """The settings with one value replaced; SettingInvalidError names what was wrong."""
    if key not in FIELDS:
        raise SettingInvalidError(setting=key)
    attr, parse, _ = FIELDS[key]
    try:
        value = parse(raw)
    except ValueError as exc:
        raise SettingInvalidError(setting=key) from exc
    return replace(settings, **{attr: value})
