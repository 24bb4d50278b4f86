"""`/export`: deals, tasks, plans and survey answers of a period, as tables for a spreadsheet.

Heads and admins export the whole team. A seller exports only their own work (their deals,
the tasks assigned to them, their plans and the answers about them), as `/nps` shows a
seller only their own answers: the file is theirs to keep, not a copy of the whole CRM.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain.access import is_manager, is_staff
from bot.domain.errors import AccessDeniedError
from bot.domain.export import (
    ANSWER_COLUMNS,
    DEAL_COLUMNS,
    PLAN_COLUMNS,
    TASK_COLUMNS,
    AnswerExportRow,
    Bounds,
    DealExportRow,
    ExportPeriod,
    PlanExportRow,
    Table,
    TaskExportRow,
    answer_cells,
    deal_cells,
    export_bounds,
    plan_cells,
    plan_months,
    task_cells,
)
from bot.domain.ids import (
    UserId,
)
from bot.domain.models import (
    User,
)


class ExportStore(Protocol):
    """What an export reads: rows streamed from every room."""

    @property
    def export(self) -> ExportRepo: ...


class ExportRepo(Protocol):
    """Rows for a spreadsheet, streamed; a None bound leaves that side of the period open,
    a None person means the whole team."""

    def deals(
        self, start: datetime | None, end: datetime | None, owner_id: UserId | None
    ) -> AsyncIterator[DealExportRow]: ...
    def tasks(
        self, start: datetime | None, end: datetime | None, assignee_id: UserId | None
    ) -> AsyncIterator[TaskExportRow]: ...
    def plans(
        self, first: date | None, end: date | None, seller_id: UserId | None
    ) -> AsyncIterator[PlanExportRow]: ...
    def answers(
        self, start: datetime | None, end: datetime | None, seller_id: UserId | None
    ) -> AsyncIterator[AnswerExportRow]: ...


@dataclass(frozen=True, slots=True)
class Export:
    period: ExportPeriod
    bounds: Bounds
    tables: list[Table]
    whole_team: bool

    @property
    def is_empty(self) -> bool:
        return not any(t.rows for t in self.tables)


async def export_tables(
    uow: ExportStore, actor: User, period: ExportPeriod, now: datetime, tz: ZoneInfo
) -> Export:
    """The four tables of the period, limited to the actor's own rows unless a manager."""
    if not is_staff(actor):
        raise AccessDeniedError()
    mine = None if is_manager(actor) else actor.id
    bounds = export_bounds(period, now, tz)
    start, end = bounds
    first, last = plan_months(bounds, tz)
    source = uow.export
    deals = [deal_cells(r, tz) async for r in source.deals(start, end, mine)]
    tasks = [task_cells(r, tz) async for r in source.tasks(start, end, mine)]
    plans = [plan_cells(r) async for r in source.plans(first, last, mine)]
    answers = [answer_cells(r, tz) async for r in source.answers(start, end, mine)]
    tables = [
        Table("deals", DEAL_COLUMNS, deals),
        Table("tasks", TASK_COLUMNS, tasks),
        Table("plans", PLAN_COLUMNS, plans),
        Table("answers", ANSWER_COLUMNS, answers),
    ]
    return Export(period, bounds, tables, whole_team=mine is None)
