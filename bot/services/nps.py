"""The NPS report: the index for a period, its groups, response rate, by seller and
pipeline, the latest comments, and the index by month for the chart."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.domain.access import is_manager, is_staff
from bot.domain.errors import AccessDeniedError
from bot.domain.ids import UserId
from bot.domain.models import User
from bot.domain.nps import NpsSummary, Period, month_key, month_starts, period_bounds, summarize
from bot.domain.surveys import SurveyAnswerRow
from bot.services.surveys_ports import SurveyStore

K = TypeVar("K", bound=Hashable)
CHART_MONTHS = 12
LATEST_COMMENTS = 5


@dataclass(frozen=True, slots=True)
class NpsRow:
    name: str
    summary: NpsSummary


@dataclass(frozen=True, slots=True)
class NpsReport:
    period: Period
    start: datetime
    end: datetime
    summary: NpsSummary
    sent: int
    answered_of_sent: int
    by_seller: list[NpsRow]
    by_pipeline: list[NpsRow]
    comments: list[SurveyAnswerRow]
    months: list[tuple[date, float | None, int]]
    whole_team: bool

    @property
    def response_rate(self) -> float | None:
        """Of the surveys sent in the period, the share answered (at any time since)."""
        return self.answered_of_sent * 100 / self.sent if self.sent else None


def _grouped(
    answers: list[SurveyAnswerRow], key: Callable[[SurveyAnswerRow], K]
) -> dict[K, NpsSummary]:
    scores: dict[K, list[int]] = defaultdict(list)
    for answer in answers:
        scores[key(answer)].append(answer.score)
    return {k: summarize(v) for k, v in scores.items()}


async def nps_report(
    uow: SurveyStore, actor: User, period: Period, now: datetime, tz: ZoneInfo
) -> NpsReport:
    """A head sees the team, a seller their own answers."""
    if not is_staff(actor):
        raise AccessDeniedError()
    seller = None if is_manager(actor) else actor.id
    start, end = period_bounds(period, now, tz)
    answers = await uow.surveys.answers(start, end, seller)
    sent, answered = await uow.surveys.sent_count(start, end, seller)
    sellers = await uow.users.names(list({a.seller_id for a in answers}))
    pipelines = {p.id: p.name for p in await uow.pipelines.list_active()}
    by_seller = _grouped(answers, lambda a: a.seller_id)
    by_pipeline = _grouped(answers, lambda a: a.pipeline_id)
    return NpsReport(
        period=period,
        start=start,
        end=end,
        summary=summarize(a.score for a in answers),
        sent=sent,
        answered_of_sent=answered,
        by_seller=_rows(by_seller, lambda k: sellers.get(k, "—")),
        by_pipeline=_rows(by_pipeline, lambda k: pipelines.get(k, "—") if k else "—"),
        comments=[a for a in reversed(answers) if a.comment][:LATEST_COMMENTS],
        months=await _months(uow, seller, now, tz),
        whole_team=seller is None,
    )


def _rows(groups: dict[K, NpsSummary], name: Callable[[K], str]) -> list[NpsRow]:
    rows = [NpsRow(name(k), s) for k, s in groups.items()]
    return sorted(rows, key=lambda r: (r.summary.score is None, -(r.summary.score or 0), r.name))


async def _months(
    uow: SurveyStore, seller: UserId | None, now: datetime, tz: ZoneInfo
) -> list[tuple[date, float | None, int]]:
    """The index of each of the last twelve months, grouped in the team's time zone."""
    _, end = period_bounds(Period.MONTH, now, tz)
    firsts = month_starts(_months_back(now, tz), end, tz)[-CHART_MONTHS:]
    start = datetime.combine(firsts[0], datetime.min.time(), tzinfo=tz)
    answers = await uow.surveys.answers(start, end, seller)
    by_month = _grouped(answers, lambda a: month_key(a.answered_at, tz))
    points = []
    for first in firsts:
        summary = by_month.get(first)
        points.append((first, summary.score if summary else None, summary.total if summary else 0))
    return points


def _months_back(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    year, month = (local.year - 1, local.month + 1) if local.month < 12 else (local.year, 1)
    return datetime(year, month, 1, tzinfo=tz)
