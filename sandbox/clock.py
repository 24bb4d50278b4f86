"""A wall clock that can be moved forward: the sandbox's "jump in time"."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


class JumpClock:
    """The real time plus an offset that only grows; call it like `utc_now`."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def seconds(self) -> float:
        return self().timestamp()

    def forward(self, delta: timedelta) -> datetime:
        self.offset += max(delta, timedelta(0))
        return self()

    def next_morning(self, tz: ZoneInfo, at: time = time(9, 0)) -> datetime:
        """To `at` tomorrow in the team's time zone (today's, if that is still ahead)."""
        local = self().astimezone(tz)
        target = datetime.combine(local.date(), at, tzinfo=tz)
        if target <= local:
            target = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=tz)
        return self.forward(target - local)
