"""A wall clock that can be moved forward: the sandbox's "jump in time"."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALL_WEEK = frozenset(range(1, 8))


class JumpClock:
    """The real time plus an offset that only grows; call it like `utc_now`."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def start_at(self, tz: ZoneInfo, at: time) -> datetime:
        """Set the clock to today's `at` in the team's time zone, earlier or later than now
        (only at start: afterwards it only moves forward)."""
        local = self().astimezone(tz)
        self.offset += datetime.combine(local.date(), at, tzinfo=tz) - local
        return self()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def seconds(self) -> float:
        return self().timestamp()

    def forward(self, delta: timedelta) -> datetime:
        self.offset += max(delta, timedelta(0))
        return self()

    def next_morning(
        self,
        tz: ZoneInfo,
        at: time = time(9, 0),
        days: Collection[int] = ALL_WEEK,
        working: Callable[[date], bool] | None = None,
    ) -> datetime:
        """To the next `at` of a working day (ISO weekdays `days`, or the team calendar's
        `working` days: holidays skipped) in the team's time zone: today's, if that is still
        ahead, so the morning agenda and the digest can land."""
        local = self().astimezone(tz)
        day = local.date()
        target = datetime.combine(day, at, tzinfo=tz)

        def off(moment: datetime) -> bool:
            if working is not None:
                return not working(moment.date())
            return bool(days) and moment.isoweekday() not in days

        while target <= local or off(target):
            day += timedelta(days=1)
            target = datetime.combine(day, at, tzinfo=tz)
        return self.forward(target - local)
