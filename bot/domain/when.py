"""When a task is due: reading what a seller types ("завтра в 15", "fri 11am") into an instant.

Every wall-clock rule is applied in the team's time zone and the answer is an aware UTC
datetime. The current moment is always an argument, so nothing here reads a clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_AHEAD: timedelta = timedelta(days=366)  # a due time further than this is "too_far"

# Checked before any other work so that a pasted novel costs nothing to reject.
_MAX_INPUT_CHARS = 64

_TRAILING = ".,!?;… "

# A dated slip ("21.11" typed on the 22nd) is a mistake to point out, not a wish for next year.
_RECENT = timedelta(days=2)

# The quick buttons name their hours in their i18n keys, so they do not follow WorkTime.
_QUICK_EVENING = time(18, 0)
_QUICK_MORNING = time(10, 0)


class WhenError(ValueError):
    """Raised for text that is not a usable due time.

    `.reason` is one of: "empty", "format", "past", "ambiguous", "too_far".
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WorkTime:
    """The team's working rules: the hours a day or a part of a day means without a time."""

    day_start: time = time(10, 0)  # "завтра", "в пятницу", "25.12", "утром"
    evening: time = time(18, 0)  # "вечером", "tomorrow evening"


_DEFAULT_RULES = WorkTime()


def _index(table: dict[int, str]) -> dict[str, int]:
    """{3: 'a b'} -> {'a': 3, 'b': 3}: tables below list every spelling of one value."""
    return {word: value for value, words in table.items() for word in words.split()}


_WEEKDAYS = _index(
    {
        0: "понедельник пн пон monday mon",
        1: "вторник вт втор tuesday tue tues",
        2: "среда среду ср wednesday wed",
        3: "четверг чт чет thursday thu thur thurs",
        4: "пятница пятницу пт пят friday fri",
        5: "суббота субботу сб суб saturday sat",
        6: "воскресенье вс вск воскр sunday sun",
    }
)

_MONTHS = _index(
    {
        1: "января янв january jan",
        2: "февраля фев february feb",
        3: "марта мар march mar",
        4: "апреля апр april apr",
        5: "мая май may",
        6: "июня июн june jun",
        7: "июля июл july jul",
        8: "августа авг august aug",
        9: "сентября сен сент september sep sept",
        10: "октября окт october oct",
        11: "ноября ноя нояб november nov",
        12: "декабря дек december dec",
    }
)

_DAY_WORDS = {
    "сегодня": 0,
    "today": 0,
    "завтра": 1,
    "tomorrow": 1,
    "послезавтра": 2,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
}

# Hours and minutes are real time ("через 2 часа" is 120 minutes even across a DST change);
# days and weeks are calendar steps that keep the wall clock ("через неделю" at 15:00 is 15:00).
_EXACT_MINUTES = _index(
    {
        1: "минута минуту минуты минут мин minute minutes min mins",
        60: "час часа часов ч hour hours hr hrs h",
    }
)
_CALENDAR_DAYS = _index(
    {1: "день дня дней day days", 7: "неделя неделю недели недель нед week weeks"}
)
_HALVES = {"через полчаса": 30, "через полтора часа": 90, "in half an hour": 30}

_AM = {12: 0} | {hour: hour for hour in range(1, 12)}
_PM = {12: 12} | {hour: hour + 12 for hour in range(1, 12)}
# Russian says the part of the day instead of am/pm; each admits only the hours it can mean.
_MARKERS: dict[str, dict[int, int]] = {
    "am": _AM,
    "pm": _PM,
    "утра": {hour: hour for hour in range(4, 12)},
    "дня": {12: 12} | {hour: hour + 12 for hour in range(1, 6)},
    "вечера": {hour: hour + 12 for hour in range(4, 12)},
    "ночи": {12: 0} | {hour: hour for hour in range(1, 5)},
}
_PERIODS = {
    "утром": "morning",
    "morning": "morning",
    "in the morning": "morning",
    "вечером": "evening",
    "evening": "evening",
    "in the evening": "evening",
}

# Applied to folded, lower-cased text with single spaces.
_DELAY_RE = re.compile(
    r"(?:через|in) (?:(?P<count>[0-9]{1,6}) ?|(?:a|an|one|один|одну|одна) )?(?P<unit>[a-zа-я]+)\.?"
)
_WEEKDAY_RE = re.compile(
    r"(?:(?:в|во|на|к|on|by) )?"
    r"(?:(?P<next>next|следующий|следующую|следующее|след\.?) )?"
    r"(?P<name>[a-zа-я]+)\.?"
)
_DAY_PREP = r"(?:(?:на|к|on|by) )?"
_DATE_RES = tuple(
    re.compile(_DAY_PREP + body)
    for body in (
        # Always day first, slash or dot alike: the team writes Russian dates.
        r"(?P<day>[0-9]{1,2})(?P<sep>[./])(?P<month>[0-9]{1,2})"
        r"(?:(?P=sep)(?P<year>[0-9]{4}|[0-9]{2}))?",
        r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})",
        r"(?P<day>[0-9]{1,2}) (?P<month>[a-zа-я]+)\.?(?: (?P<year>[0-9]{4}))?",
        r"(?P<month>[a-z]+)\.? (?P<day>[0-9]{1,2})(?:,? (?P<year>[0-9]{4}))?",
    )
)
_CLOCK_RE = re.compile(
    r"(?:(?P<prep>в|at|к|by) ?)?"
    r"(?P<hour>[0-9]{1,2})(?:(?P<sep>[:.])(?P<minute>[0-9]{2}))?"
    r"(?: ?(?P<unit>ч|час|часа|часов|h)\.?)?"
    r"(?: ?(?P<marker>[ap]\.?m\.?|утра|дня|вечера|ночи))?"
)
_LONE_NUMBER_RE = re.compile(r"[0-9]{1,2}")


@dataclass(frozen=True)
class _Offset:
    """Some days from today: 'завтра', 'через 3 дня'."""

    days: int
    keeps_clock: bool  # "через 3 дня" without a time means this same time of day


@dataclass(frozen=True)
class _Weekday:
    weekday: int  # Monday is 0
    next_only: bool  # "next friday" is never today


@dataclass(frozen=True)
class _Date:
    day: int
    month: int
    year: int | None


_Day = _Offset | _Weekday | _Date
_TODAY = _Offset(0, keeps_clock=False)


@dataclass(frozen=True)
class _Here:
    """The moment of asking, seen on the team's wall clock."""

    now: datetime  # aware, in tz
    tz: ZoneInfo
    rules: WorkTime

    @property
    def today(self) -> date:
        return self.now.date()

    def at(self, day: date, clock: time) -> datetime:
        """A wall time as a UTC instant.

        fold=0 takes the first of a repeated hour; a skipped hour is read with the offset
        before the jump, which the trip through UTC turns into a real time after it.
        """
        local = datetime.combine(day, clock.replace(tzinfo=None, fold=0), tzinfo=self.tz)
        return local.astimezone(UTC)


def parse_when(text: str, now: datetime, tz: ZoneInfo, rules: WorkTime = WorkTime()) -> datetime:
    """Parse a typed due time into an aware UTC datetime strictly after `now`.

    Raises WhenError for any text that is not one; a time that is past or could mean two
    things is reported rather than guessed.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")  # a caller's bug, not the seller's
    folded = _fold(text)
    minutes = _exact_minutes(folded)
    if minutes is not None:
        if minutes > MAX_AHEAD / timedelta(minutes=1):
            raise WhenError("too_far")  # before the arithmetic, which could overflow
        return _checked(now.astimezone(UTC) + timedelta(minutes=minutes), now)
    here = _Here(now.astimezone(tz), tz, rules)
    day, clock = _read(folded, rules)
    return _checked(_resolve(day, clock, here), now)


def quick_picks(now: datetime, tz: ZoneInfo) -> list[tuple[str, datetime]]:
    """The quick due-time buttons as (i18n key suffix, aware UTC datetime).

    today_18 only while 18:00 is still ahead; next_monday_10 is a week away on a Monday.
    """
    here = _Here(now.astimezone(tz), tz, _DEFAULT_RULES)
    to_monday = 7 - here.today.weekday()  # a whole week from a Monday
    picks = [
        ("today_18", here.at(here.today, _QUICK_EVENING)),
        ("tomorrow_10", here.at(here.today + timedelta(days=1), _QUICK_MORNING)),
        ("in_3_days", here.at(here.today + timedelta(days=3), _QUICK_MORNING)),
        ("next_monday_10", here.at(here.today + timedelta(days=to_monday), _QUICK_MORNING)),
    ]
    return [(key, moment) for key, moment in picks if moment > now]


def _fold(text: str) -> str:
    if len(text) > _MAX_INPUT_CHARS:
        raise WhenError("format")
    folded = " ".join(text.lower().replace("ё", "е").split())
    if not folded:
        raise WhenError("empty")
    # "завтра!" and "пт." are the same words; "!!!" is not a time at all.
    bare = folded.rstrip(_TRAILING)
    if not bare:
        raise WhenError("format")
    return bare


def _checked(moment: datetime, now: datetime) -> datetime:
    if moment <= now:
        raise WhenError("past")
    if moment - now > MAX_AHEAD:
        raise WhenError("too_far")
    return moment.astimezone(UTC)


def _exact_minutes(text: str) -> int | None:
    """'через 2 часа' -> 120; None when the text is no delay in hours or minutes."""
    if text in _HALVES:
        return _HALVES[text]
    return _delay(text, _EXACT_MINUTES)


def _delay(text: str, units: dict[str, int]) -> int | None:
    match = _DELAY_RE.fullmatch(text)
    if match is None or match["unit"] not in units:
        return None
    return int(match["count"] or 1) * units[match["unit"]]


def _read(folded: str, rules: WorkTime) -> tuple[_Day, time | None]:
    """Split the text into a day and a time of day, in either order ("в 15 завтра")."""
    if _LONE_NUMBER_RE.fullmatch(folded) and int(folded) <= 31:
        raise WhenError("ambiguous")  # "18": the hour or the 18th?
    words = folded.split(" ")
    for cut in range(len(words) + 1):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        found = _day_then_clock(head, tail, rules) or _clock_then_day(head, tail, rules)
        if found is not None:
            return found
    raise WhenError("format")


def _day_then_clock(head: str, tail: str, rules: WorkTime) -> tuple[_Day, time | None] | None:
    day = _day(head) if head else _TODAY  # a time alone is today's
    clock = _clock(tail, rules, after_day=bool(head)) if tail else None
    if day is None or (tail and clock is None):
        return None
    return day, clock


def _clock_then_day(head: str, tail: str, rules: WorkTime) -> tuple[_Day, time | None] | None:
    if not (head and tail):
        return None
    clock, day = _clock(head, rules, after_day=False), _day(tail)
    if clock is None or day is None:
        return None
    return day, clock


def _day(text: str) -> _Day | None:
    words = text.removeprefix("на ")  # "на завтра"
    if words in _DAY_WORDS:
        return _Offset(_DAY_WORDS[words], keeps_clock=False)
    days = _delay(text, _CALENDAR_DAYS)
    if days is not None:
        return _Offset(days, keeps_clock=True)
    return _weekday(text) or _date(text)


def _weekday(text: str) -> _Weekday | None:
    match = _WEEKDAY_RE.fullmatch(text)
    if match is None or match["name"] not in _WEEKDAYS:
        return None
    return _Weekday(_WEEKDAYS[match["name"]], next_only=match["next"] is not None)


def _date(text: str) -> _Date | None:
    for pattern in _DATE_RES:
        match = pattern.fullmatch(text)
        month = _month_number(match["month"]) if match else None
        if match and month is not None:
            year = match["year"]
            # Two-digit years are this century's: "25.12.26" is 2026.
            full_year = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
            return _Date(int(match["day"]), month, full_year)
    return None


def _month_number(word: str) -> int | None:
    return int(word) if word.isdigit() else _MONTHS.get(word)


def _clock(text: str, rules: WorkTime, *, after_day: bool) -> time | None:
    if text in _PERIODS:
        return rules.day_start if _PERIODS[text] == "morning" else rules.evening
    match = _CLOCK_RE.fullmatch(text)
    if match is None or not _reads_as_clock(match, after_day=after_day):
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["marker"]:
        hour = _MARKERS[match["marker"].replace(".", "")].get(hour, 24)  # 24: not allowed
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _reads_as_clock(match: re.Match[str], *, after_day: bool) -> bool:
    # A lone number is an hour only after a day ("завтра 15"); alone it may be a date.
    marked = any(match[group] for group in ("prep", "minute", "unit", "marker"))
    # "12.05" is a date unless a day came first or "в"/"at" says it is a time.
    dotted_date = match["sep"] == "." and not after_day and match["prep"] not in ("в", "at")
    return (marked or after_day) and not dotted_date


def _resolve(day: _Day, clock: time | None, here: _Here) -> datetime:
    if isinstance(day, _Weekday):
        return _on_weekday(day, clock, here)
    if isinstance(day, _Date):
        return _on_date(day, clock, here)
    return _on_offset(day, clock, here)


def _on_offset(day: _Offset, clock: time | None, here: _Here) -> datetime:
    if day.days > MAX_AHEAD.days:
        raise WhenError("too_far")  # before the arithmetic, which could overflow
    target = here.today + timedelta(days=day.days)
    if clock is not None:
        return here.at(target, clock)
    if day.keeps_clock:
        return here.at(target, here.now.time())
    moment = here.at(target, here.rules.day_start)
    if day.days == 0 and moment <= here.now:
        raise WhenError("ambiguous")  # "сегодня" after the morning: which hour?
    return moment


def _on_weekday(day: _Weekday, clock: time | None, here: _Here) -> datetime:
    at = clock if clock is not None else here.rules.day_start
    ahead = (day.weekday - here.today.weekday()) % 7
    moment = here.at(here.today + timedelta(days=ahead), at)
    # Naming today's weekday means today only with a time still ahead; else next week.
    if ahead == 0 and (day.next_only or clock is None or moment <= here.now):
        moment = here.at(here.today + timedelta(days=7), at)
    return moment


def _on_date(day: _Date, clock: time | None, here: _Here) -> datetime:
    at = clock if clock is not None else here.rules.day_start
    if day.year is None:
        return _on_yearless_date(day, at, here)
    target = _valid_date(day.year, day.month, day.day)
    if target is None:
        raise WhenError("format")
    # Whole years away are settled before the arithmetic, which could overflow near year 1.
    if target.year < here.today.year:
        raise WhenError("past")
    if target.year > here.today.year + 1:
        raise WhenError("too_far")
    return here.at(target, at)


def _on_yearless_date(day: _Date, at: time, here: _Here) -> datetime:
    """This year's date if still ahead, else next year's."""
    this_year = _valid_date(here.today.year, day.month, day.day)
    if this_year is not None:
        moment = here.at(this_year, at)
        if moment > here.now:
            return moment
        if here.today - this_year <= _RECENT:
            raise WhenError("past")
    next_year = _valid_date(here.today.year + 1, day.month, day.day)
    if next_year is None:
        raise WhenError("format")
    return here.at(next_year, at)


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
