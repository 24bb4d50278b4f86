"""What every scheduled job needs: storage, the clock, and the company's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.domain.company import CompanySettings
from bot.services.clock import Clock
from bot.services.company import current
from bot.services.ports import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class JobContext:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    # Until an admin changes them in /settings; each run reads the current ones.
    defaults: CompanySettings = field(default_factory=CompanySettings)
    # A reminder older than this when the bot comes back is summarised, not replayed.
    grace: timedelta = timedelta(hours=6)

    async def company(self, uow: UnitOfWork) -> CompanySettings:
        """The settings as they are now: a change in /settings applies from the next run."""
        return await current(uow, self.defaults)
