"""What every scheduled job needs: storage, the clock, the company's settings and the one
notifier that words what the jobs tell people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.domain.company import CompanySettings
from bot.domain.ids import UserId
from bot.domain.models import User
from bot.domain.notices import Notice
from bot.domain.standup import StandupGroup
from bot.domain.tasks import Task
from bot.services.agenda import Agenda, Stall
from bot.services.clock import Clock
from bot.services.company import current
from bot.services.digest import DigestReport
from bot.services.escalations import Overdue
from bot.services.notify import DeliveryTexts
from bot.services.ports import Notifier, UnitOfWork, UnitOfWorkFactory


class JobNotifier(Notifier, DeliveryTexts, Protocol):
    """The one Telegram-facing notifier as the jobs see it: every notice they queue, worded in
    each reader's language (the Telegram layer implements it; jobs never import it)."""

    def for_company(self, company: CompanySettings) -> JobNotifier:
        """The same notifier with the company's current time zone, quiet hours and name."""
        ...

    def reminder(self, task: Task, user: User, now: datetime) -> Notice:
        """A task's reminder at its due time: on its own, and as one list entry."""
        ...

    def missed(self, user: User, tasks: Sequence[Task], now: datetime) -> Notice:
        """Reminders that came due while the bot was down, as one summary."""
        ...

    def agenda(self, agenda: Agenda, day: date, now: datetime) -> Notice:
        """A person's plan for the working day, worth sending until the day is over."""
        ...

    def stall_list(
        self,
        reader: User,
        stalls: Sequence[Stall],
        owners: Mapping[UserId, str],
        run: str,
        *,
        for_head: bool,
    ) -> Notice:
        """This run's stalled deals (a seller's own) or escalations (to a head) as one list."""
        ...

    def overdue_list(self, head: User, items: Sequence[Overdue], run: str, now: datetime) -> Notice:
        """To a head: this run's tasks of their sellers overdue past the escalation span."""
        ...

    async def digest(self, report: DigestReport, heads: Sequence[User], day: date) -> list[Notice]:
        """To each head one digest: its text and buttons, its pictures as an album."""
        ...

    def digest_lines(
        self, report: DigestReport, sellers: Sequence[User], day: date
    ) -> list[Notice]:
        """Each seller's own line of the digest."""
        ...

    async def group_digest(
        self, report: DigestReport, groups: Sequence[StandupGroup], day: date, language: str
    ) -> list[Notice]:
        """To each group the stand-up is on in: the team's digest, its pictures as an album."""
        ...


@dataclass(frozen=True)
class JobContext:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    notifier: JobNotifier
    # Until an admin changes them in /settings; each run reads the current ones.
    defaults: CompanySettings = field(default_factory=CompanySettings)
    # A reminder older than this when the bot comes back is summarised, not replayed.
    grace: timedelta = timedelta(hours=6)

    async def company(self, uow: UnitOfWork) -> CompanySettings:
        """The settings as they are now: a change in /settings applies from the next run."""
        return await current(uow, self.defaults)
