"""/abc: clients by revenue and regularity over the last months, their LTV, and the
clients gone quiet, for win-back. A seller sees the clients of their own deals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot.domain.abc_xyz import AbcXyz, Segment, abc_xyz, complete_months
from bot.domain.analytics import EVERY_DEAL, ClientMonth
from bot.domain.company import CompanySettings
from bot.domain.ids import ClientId
from bot.domain.ltv import (
    ClientHistory,
    Lifetime,
    client_lifetime,
    client_ltv,
    lost_clients,
    ltv_by_segment,
)
from bot.domain.models import User
from bot.domain.periods import day_start
from bot.services.reports import scoped_to_teams
from bot.services.reports_ports import ReportStore

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
    xyz_first: date
    xyz_last: date
    matrix: AbcXyz
    clients: dict[Segment, list[ClientLine]]
    segment_ltv: dict[Segment, int | None]
    lost: list[LostClient]
    lost_total: int
    whole_team: bool
    lost_after_days: int
    margin: Fraction
    lifetime: Lifetime


async def abc_report(
    uow: ReportStore, actor: User, months: int, now: datetime, company: CompanySettings
) -> AbcReport:
    """ABC-XYZ of the clients who bought in the last `months` months (this one included),
    with the company's thresholds and its days without a purchase for a lost client.

    ABC counts the window's revenue; XYZ the last `months` complete months (the window
    shifted back by the unfinished one, or the 3-month /abc would have two to judge on)
    from each client's first purchase; LTV each client's whole history, so it is the same
    in every window."""
    cut = scoped_to_teams(actor)
    tz = company.tz
    months = months if months in MONTH_CHOICES else DEFAULT_MONTHS
    today = now.astimezone(tz).date()
    firsts = _month_firsts(today, months + 1)  # the month before the window, for XYZ
    bounds = [day_start(first, tz) for first in firsts] + [now]
    monthly, bought = _by_client(await uow.analytics.client_months(bounds, cut), months)
    histories = {h.client_id: h for h in await uow.analytics.client_histories(now, cut)}
    regular = {
        client: complete_months(m, _month_index(histories.get(client), firsts[0], tz))
        for client, m in monthly.items()
    }
    revenue = {c: sum(m[1:]) for c, m in monthly.items()}
    matrix = abc_xyz(revenue, regular, company.abc, company.xyz)
    gone = lost_clients(
        {c: h.last_at for c, h in histories.items()}, now, after_days=company.lost_after_days
    )
    names = await uow.analytics.client_names([*monthly, *gone[:LOST_SHOWN]])
    lifetime = await _lifetime(uow, histories, cut == EVERY_DEAL, now, company)
    margin = company.ltv_margin_share
    mine = [histories[c] for c in monthly if c in histories]
    return AbcReport(
        months=months,
        first=firsts[1],
        last=today,
        xyz_first=firsts[0],
        xyz_last=firsts[-2],
        matrix=matrix,
        clients=_lines(revenue, bought, mine, matrix, names, now, margin, lifetime),
        segment_ltv=ltv_by_segment(mine, matrix.segments, now, margin, lifetime),
        lost=[LostClient(c, names.get(c, "—"), histories[c].last_at) for c in gone[:LOST_SHOWN]],
        lost_total=len(gone),
        whole_team=cut.owner_id is None,
        lost_after_days=company.lost_after_days,
        margin=margin,
        lifetime=lifetime,
    )


def _by_client(
    rows: list[ClientMonth], months: int
) -> tuple[dict[ClientId, list[int]], dict[ClientId, int]]:
    """Revenue per month (the one before the window first) of the clients who bought in
    the window, and their purchases in it."""
    monthly: dict[ClientId, list[int]] = defaultdict(lambda: [0] * (months + 1))
    bought: dict[ClientId, int] = defaultdict(int)
    for row in rows:  # a client's month a row
        monthly[row.client_id][row.month] += row.revenue
        if row.month > 0:
            bought[row.client_id] += row.purchases
    in_window = {row.client_id for row in rows if row.month > 0}
    return {c: m for c, m in monthly.items() if c in in_window}, dict(bought)


async def _lifetime(
    uow: ReportStore,
    seen: dict[ClientId, ClientHistory],
    everything: bool,
    now: datetime,
    company: CompanySettings,
) -> Lifetime:
    """t from the whole company's clients, whoever looks (a seller's own are too few)."""
    if company.ltv_lifetime is not None:
        return client_lifetime((), now, lost_after_days=0, setting=company.ltv_lifetime)
    histories = seen.values() if everything else await uow.analytics.client_histories(now)
    return client_lifetime(histories, now, lost_after_days=company.lost_after_days)


def _lines(
    revenue: dict[ClientId, int],
    bought: dict[ClientId, int],
    histories: list[ClientHistory],
    matrix: AbcXyz,
    names: dict[ClientId, str],
    now: datetime,
    margin: Fraction,
    lifetime: Lifetime,
) -> dict[Segment, list[ClientLine]]:
    ltvs = {h.client_id: client_ltv(h, now, margin, lifetime) for h in histories}
    cells: dict[Segment, list[ClientLine]] = defaultdict(list)
    for client in sorted(revenue, key=lambda c: (-revenue[c], c)):
        name = names.get(client, "—")
        line = ClientLine(client, name, revenue[client], bought[client], ltvs.get(client))
        cells[matrix.segments[client]].append(line)
    return dict(cells)


def _month_index(history: ClientHistory | None, first: date, tz: ZoneInfo) -> int:
    """The month of the client's first purchase, counted from the window's first month."""
    if history is None:
        return 0
    bought = history.first_at.astimezone(tz).date()
    return (bought.year - first.year) * 12 + bought.month - first.month


def _month_firsts(today: date, months: int) -> list[date]:
    """First days of the last `months` months, oldest first, today's month the last."""
    firsts = [today.replace(day=1)]
    while len(firsts) < months:
        firsts.insert(0, (firsts[0] - timedelta(days=1)).replace(day=1))
    return firsts
