"""The sandbox's "jump in time": forward only, and to the team's next 09:00."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sandbox.clock import JumpClock

MOSCOW = ZoneInfo("Europe/Moscow")


def at(clock: JumpClock, when: datetime) -> JumpClock:
    clock.offset = when - datetime.now(UTC)
    return clock


def test_an_hour_forward_and_never_back() -> None:
    clock = JumpClock()
    before = clock()
    clock.forward(timedelta(hours=1))
    assert timedelta(minutes=59) < clock() - before < timedelta(minutes=61)
    clock.forward(timedelta(hours=-5))
    assert clock() - before > timedelta(minutes=59)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 23, 1, 0, tzinfo=MOSCOW), datetime(2026, 11, 23, 9, 0, tzinfo=MOSCOW)),
        (datetime(2026, 11, 23, 9, 0, tzinfo=MOSCOW), datetime(2026, 11, 24, 9, 0, tzinfo=MOSCOW)),
        (
            datetime(2026, 11, 23, 22, 30, tzinfo=MOSCOW),
            datetime(2026, 11, 24, 9, 0, tzinfo=MOSCOW),
        ),
    ],
)
def test_next_morning_is_the_next_nine_oclock_in_the_team_zone(
    now: datetime, expected: datetime
) -> None:
    clock = at(JumpClock(), now)
    moved = clock.next_morning(MOSCOW)
    assert abs(moved - expected) < timedelta(seconds=1)


def test_next_morning_skips_the_days_off_so_the_digest_lands() -> None:
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=MOSCOW)
    clock = at(JumpClock(), friday_evening)
    moved = clock.next_morning(MOSCOW, days=frozenset({1, 2, 3, 4, 5}))
    assert abs(moved - datetime(2026, 11, 30, 9, 0, tzinfo=MOSCOW)) < timedelta(seconds=1)
    assert clock.next_morning(MOSCOW).isoweekday() == 2  # every day: Tuesday, not Monday again
