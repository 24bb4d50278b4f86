"""What every scheduled job needs: storage, the clock, and the team's time rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.domain.notices import QuietHours
from bot.domain.tasks import WorkSchedule
from bot.services.clock import Clock
from bot.services.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class JobContext:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    tz: ZoneInfo
    quiet: QuietHours = field(default_factory=QuietHours)
    schedule: WorkSchedule = field(default_factory=WorkSchedule)
    # A reminder older than this when the bot comes back is summarised, not replayed.
    grace: timedelta = timedelta(hours=6)
    company: str = ""
