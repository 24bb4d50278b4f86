"""/abc: clients by revenue and regularity over the last months, their LTV, and the
clients gone quiet, for win-back. A seller sees the clients of their own deals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.abc_xyz import (
    AbcXyz,
    ClientPurchases,
    Segment,
    abc_xyz,
    client_ltv,
    lost_clients,
    ltv_by_segment,
)
from bot.domain.company import CompanySettings
from bot.domain.ids import ClientId
from bot.domain.models import User
from bot.domain.periods import day_start
from bot.services.reports import scoped_to_teams
from bot.services.reports_ports import ReportStore

# No margins are recorded: LTV is in revenue (P = 100 %) over a year's lifetime.
MARGIN = 1.0
LIFETIME_MONTHS = 12
MONTH_CHOICES = (3, 6, 12)
DEFAULT_MONTHS = 6
LOST_SHOWN = 15


@dataclass(frozen=True, slots=True)
class ClientLine:
    client_id: ClientId
    name: str
    revenue: int
    purchases: int
    ltv: int | None


@dataclass(frozen=True, slots=True)
class LostClient:
    client_id: ClientId
    name: str
    last_at: datetime


@dataclass(frozen=True, slots=True)
class AbcReport:
    months: int
    first: date
    last: date
    matrix: AbcXyz
    clients: dict[Segment, list[ClientLine]]
    segment_ltv: dict[Segment, int | None]
    lost: list[LostClient]
    lost_total: int
    whole_team: bool
    lost_after_days: int


async def abc_report(
    uow: ReportStore, actor: User, months: int, now: datetime, company: CompanySettings
) -> AbcReport:
    """ABC-XYZ of the clients who bought in the last `months` months (this one included),
    with the company's thresholds and its days without a purchase for a lost client."""
    cut = scoped_to_teams(actor)
    tz = company.tz
    months = months if months in MONTH_CHOICES else DEFAULT_MONTHS
    today = now.astimezone(tz).date()
    firsts = _month_firsts(today, months)
    bounds = [day_start(first, tz) for first in firsts] + [now]
    rows = await uow.analytics.client_months(bounds, cut)
    monthly: dict[ClientId, list[int]] = defaultdict(lambda: [0] * months)
    bought: dict[ClientId, int] = defaultdict(int)
    for row in rows:  # one row per client and month
        monthly[row.client_id][row.month] += row.revenue
        bought[row.client_id] += row.purchases
    matrix = abc_xyz(monthly, company.abc, company.xyz)
    last = {p.client_id: p.at for p in await uow.analytics.last_purchases(cut)}
    gone = lost_clients(last, now, after_days=company.lost_after_days)
    names = await uow.analytics.client_names([*monthly, *gone[:LOST_SHOWN]])
    purchases = [ClientPurchases(c, sum(m), bought[c], months) for c, m in monthly.items()]
    return AbcReport(
        months=months,
        first=firsts[0],
        last=today,
        matrix=matrix,
        clients=_lines(purchases, matrix, names),
        segment_ltv=ltv_by_segment(purchases, matrix.segments, MARGIN, LIFETIME_MONTHS),
        lost=[LostClient(c, names.get(c, "—"), last[c]) for c in gone[:LOST_SHOWN]],
        lost_total=len(gone),
        whole_team=cut.owner_id is None,
        lost_after_days=company.lost_after_days,
    )


def _lines(
    purchases: list[ClientPurchases], matrix: AbcXyz, names: dict[ClientId, str]
) -> dict[Segment, list[ClientLine]]:
    cells: dict[Segment, list[ClientLine]] = defaultdict(list)
    for p in sorted(purchases, key=lambda p: (-p.revenue, p.client_id)):
        ltv = client_ltv(p, MARGIN, LIFETIME_MONTHS)
        line = ClientLine(p.client_id, names.get(p.client_id, "—"), p.revenue, p.purchases, ltv)
        cells[matrix.segments[p.client_id]].append(line)
    return dict(cells)


def _month_firsts(today: date, months: int) -> list[date]:
    """First days of the last `months` months, oldest first, today's month the last."""
    firsts = [today.replace(day=1)]
    while len(firsts) < months:
        firsts.insert(0, (firsts[0] - timedelta(days=1)).replace(day=1))
    return firsts
