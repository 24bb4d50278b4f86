"""What `/export` puts in a spreadsheet: the period, the rows read from storage, and the
tables built from them (money in currency units, times in the team's zone, no zone attached,
as a spreadsheet wants them)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.nps import Period, classify, month_key, period_bounds

Cell = str | int | float | datetime | date | None


class ExportPeriod(enum.StrEnum):
    THIS_MONTH = "m"
    LAST_MONTH = "lm"
    QUARTER = "q"
    YEAR = "y"
    ALL = "all"


class ExportFormat(enum.StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


class Kind(enum.StrEnum):
    """How a column is written: its number format in XLSX, its text in CSV."""

    TEXT = "text"
    INT = "int"
    MONEY = "money"  # currency units, two decimals
    DATETIME = "datetime"
    MONTH = "month"  # a date naming a month
    LABEL = "label"  # a key translated through `Column.labels` + value


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    kind: Kind = Kind.TEXT
    labels: str = ""  # the key prefix of a LABEL column's values


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet of the workbook (one CSV file): `key` names it, cells follow `columns`."""

    key: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Cell, ...]]


Bounds = tuple[datetime | None, datetime | None]


def export_bounds(period: ExportPeriod, now: datetime, tz: ZoneInfo) -> Bounds:
    """[start, end) in UTC of the team-calendar period; None where all time is unbounded."""
    if period is ExportPeriod.ALL:
        return None, None
    if period is ExportPeriod.LAST_MONTH:
        this_month, _ = period_bounds(Period.MONTH, now, tz)
        return period_bounds(Period.MONTH, this_month - timedelta(seconds=1), tz)
    return period_bounds(_CALENDAR[period], now, tz)


_CALENDAR = {
    ExportPeriod.THIS_MONTH: Period.MONTH,
    ExportPeriod.QUARTER: Period.QUARTER,
    ExportPeriod.YEAR: Period.YEAR,
}


def plan_months(bounds: Bounds, tz: ZoneInfo) -> tuple[date | None, date | None]:
    """The months [first, end) whose plans belong to the period."""
    start, end = bounds
    return (
        month_key(start, tz) if start is not None else None,
        month_key(end, tz) if end is not None else None,
    )


# Rows as storage reads them, names joined in.


@dataclass(frozen=True, slots=True)
class DealExportRow:
    id: int
    title: str
    client: str | None
    pipeline: str
    stage: str
    status: str
    amount: int | None
    currency: str
    owner: str
    channel: str | None
    product: str | None
    is_new_client: bool
    created_at: datetime
    expected_close_at: datetime | None
    closed_at: datetime | None
    lost_reason: str | None


@dataclass(frozen=True, slots=True)
class TaskExportRow:
    id: int
    deal_id: int | None
    deal_title: str | None
    text: str
    assignee: str
    status: str
    due_at: datetime
    created_at: datetime
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class PlanExportRow:
    month: date
    seller: str
    revenue: int
    won_deals: int | None
    meetings: int | None
    proposals: int | None


@dataclass(frozen=True, slots=True)
class AnswerExportRow:
    answered_at: datetime
    score: int
    client: str
    seller: str
    pipeline: str | None
    deal_title: str | None
    comment: str | None


# Tables


def local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    """The wall-clock time in the team's zone; spreadsheets keep no zone."""
    return None if moment is None else moment.astimezone(tz).replace(tzinfo=None)


def units(minor: int | None) -> float | None:
    return None if minor is None else minor / 100


DEAL_COLUMNS = (
    Column("id", Kind.INT),
    Column("title"),
    Column("client"),
    Column("pipeline"),
    Column("stage"),
    Column("status", Kind.LABEL, "export.status."),
    Column("amount", Kind.MONEY),
    Column("currency"),
    Column("owner"),
    Column("channel", Kind.LABEL, "channel."),
    Column("product"),
    Column("new_client", Kind.LABEL, "export.bool."),
    Column("created_at", Kind.DATETIME),
    Column("expected_close_at", Kind.DATETIME),
    Column("closed_at", Kind.DATETIME),
    Column("lost_reason"),
)
TASK_COLUMNS = (
    Column("id", Kind.INT),
    Column("deal_id", Kind.INT),
    Column("deal"),
    Column("task"),
    Column("assignee"),
    Column("task_status", Kind.LABEL, "export.task_status."),
    Column("due_at", Kind.DATETIME),
    Column("created_at", Kind.DATETIME),
    Column("done_at", Kind.DATETIME),
)
PLAN_COLUMNS = (
    Column("month", Kind.MONTH),
    Column("seller"),
    Column("revenue", Kind.MONEY),
    Column("won_deals", Kind.INT),
    Column("meetings", Kind.INT),
    Column("proposals", Kind.INT),
)
ANSWER_COLUMNS = (
    Column("answered_at", Kind.DATETIME),
    Column("score", Kind.INT),
    Column("group", Kind.LABEL, "export.group."),
    Column("client"),
    Column("seller"),
    Column("pipeline"),
    Column("deal"),
    Column("comment"),
)


def deal_cells(d: DealExportRow, tz: ZoneInfo) -> tuple[Cell, ...]:
    return (
        d.id,
        d.title,
        d.client,
        d.pipeline,
        d.stage,
        d.status,
        units(d.amount),
        d.currency,
        d.owner,
        d.channel,
        d.product,
        "yes" if d.is_new_client else "no",
        local(d.created_at, tz),
        local(d.expected_close_at, tz),
        local(d.closed_at, tz),
        d.lost_reason,
    )


def task_cells(r: TaskExportRow, tz: ZoneInfo) -> tuple[Cell, ...]:
    return (
        r.id,
        r.deal_id,
        r.deal_title,
        r.text,
        r.assignee,
        r.status,
        local(r.due_at, tz),
        local(r.created_at, tz),
        local(r.done_at, tz),
    )


def plan_cells(p: PlanExportRow) -> tuple[Cell, ...]:
    return (p.month, p.seller, units(p.revenue), p.won_deals, p.meetings, p.proposals)


def answer_cells(a: AnswerExportRow, tz: ZoneInfo) -> tuple[Cell, ...]:
    return (
        local(a.answered_at, tz),
        a.score,
        classify(a.score).value,
        a.client,
        a.seller,
        a.pipeline,
        a.deal_title,
        a.comment,
    )
