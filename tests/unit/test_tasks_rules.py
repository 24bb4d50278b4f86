"""Working days, the agenda's moment, and how a seller's tasks split by day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.company import parse_quiet_hours, parse_working_days
from bot.domain.ids import TaskId, UserId
from bot.domain.tasks import (
    Task,
    TaskStatus,
    WorkSchedule,
    agenda_due,
    is_overdue,
    local_day_bounds,
    split_by_day,
)

MOSCOW = ZoneInfo("Europe/Moscow")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A Moscow wall time in November 2026 (the 23rd is a Monday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=MOSCOW).astimezone(UTC)


def task(due: datetime, status: TaskStatus = TaskStatus.OPEN, n: int = 1) -> Task:
    return Task(TaskId(n), None, UserId(1), UserId(1), f"t{n}", due, status, due, 1)


def test_the_agenda_is_due_from_its_time_until_the_end_of_a_working_day() -> None:
    schedule = WorkSchedule()
    assert agenda_due(at(23, 8, 29), MOSCOW, schedule) is None
    assert agenda_due(at(23, 8, 30), MOSCOW, schedule) == date(2026, 11, 23)
    assert agenda_due(at(23, 18, 59), MOSCOW, schedule) == date(2026, 11, 23)
    assert agenda_due(at(23, 19, 0), MOSCOW, schedule) is None


def test_no_agenda_on_days_off_unless_they_are_working_days() -> None:
    assert agenda_due(at(28, 9), MOSCOW, WorkSchedule()) is None  # Saturday
    six_days = WorkSchedule(working_days=frozenset(range(1, 7)))
    assert agenda_due(at(28, 9), MOSCOW, six_days) == date(2026, 11, 28)


def test_the_team_day_is_read_in_the_team_time_zone() -> None:
    # 23:30 UTC on Sunday is already Monday 02:30 in Moscow.
    start, end = local_day_bounds(datetime(2026, 11, 22, 23, 30, tzinfo=UTC), MOSCOW)
    assert start == at(23, 0)
    assert end - start == timedelta(days=1)


def test_tasks_split_into_overdue_today_and_later() -> None:
    now = at(23, 12)
    tasks = [
        task(at(23, 11), n=1),
        task(at(23, 12), n=2),
        task(at(23, 23, 59), n=3),
        task(at(24, 0), n=4),
    ]
    overdue, today, later = split_by_day(tasks, now, MOSCOW)
    assert [t.id for t in overdue] == [1]
    assert [t.id for t in today] == [2, 3]
    assert [t.id for t in later] == [4]


def test_only_an_open_task_past_its_time_is_overdue() -> None:
    now = at(23, 12)
    assert is_overdue(task(at(23, 11)), now)
    assert not is_overdue(task(at(23, 11), TaskStatus.DONE), now)
    assert not is_overdue(task(at(23, 12)), now)


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)),
    st.lists(st.integers(min_value=-10_000, max_value=10_000), max_size=20),
)
def test_every_task_lands_in_exactly_one_group(now_naive: datetime, offsets: list[int]) -> None:
    now = now_naive.replace(tzinfo=UTC)
    tasks = [task(now + timedelta(minutes=m), n=i) for i, m in enumerate(offsets)]
    groups = split_by_day(tasks, now, MOSCOW)
    assert sorted(t.id for g in groups for t in g) == sorted(t.id for t in tasks)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("1-5", {1, 2, 3, 4, 5}),
        ("1-6", set(range(1, 7))),
        ("1,3,5", {1, 3, 5}),
        ("7", {7}),
        ("1-5,7", {1, 2, 3, 4, 5, 7}),
    ],
)
def test_working_days_are_read_from_ranges_and_lists(text: str, days: set[int]) -> None:
    assert parse_working_days(text) == days


@pytest.mark.parametrize("text", ["", "0-5", "1-8", "mon-fri", "1-", "a"])
def test_bad_working_days_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="weekday"):
        parse_working_days(text)


def test_quiet_hours_are_read_and_can_be_switched_off() -> None:
    quiet = parse_quiet_hours("22:00-07:30")
    assert (quiet.start, quiet.end) == (time(22), time(7, 30))
    assert quiet.contains(time(23)) and not quiet.contains(time(12))
    off = parse_quiet_hours("off")
    assert not off.contains(time(3))
    with pytest.raises(ValueError, match="HH:MM"):
        parse_quiet_hours("late")
