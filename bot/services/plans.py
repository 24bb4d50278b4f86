"""Monthly plans per seller: heads and admins see and set them, copy last month, import a CSV.

Every change lands in the audit log, as any admin change does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from bot.domain.access import is_manager
from bot.domain.audit import AuditEntry
from bot.domain.errors import AccessDeniedError, PlanMonthError, PlanSellerError, PlanValueError
from bot.domain.ids import (
    UserId,
)
from bot.domain.models import (
    Role,
    User,
)
from bot.domain.plan_csv import CsvProblem, PlanCsvError, PlanLine, read_plan_csv
from bot.domain.plans import Plan, describe, plannable, previous_month
from bot.services.ports import AuditRepo, UserRepo

AUDIT_ACTION = "plan"


class PlanStore(Protocol):
    """The plans room's unit of work: one transaction, committed by the service."""

    @property
    def plans(self) -> PlanRepo: ...
    @property
    def audit(self) -> AuditRepo: ...
    @property
    def users(self) -> UserRepo: ...

    async def commit(self) -> None: ...


class PlanRepo(Protocol):
    async def for_month(self, month: date) -> list[Plan]: ...
    async def between(self, start: date, end: date) -> list[Plan]:
        """Plans of the months in [start, end), by month then seller."""
        ...

    async def save(self, plans: Sequence[Plan], by: UserId | None, now: datetime) -> None:
        """Insert or replace each seller's plan for its month."""
        ...


@dataclass(frozen=True, slots=True)
class MonthPlans:
    """The active sellers, in name order, and the plans they have for the month."""

    month: date
    sellers: list[User]
    plans: dict[UserId, Plan]

    @property
    def total(self) -> int:
        return sum(self.plans[s.id].revenue for s in self.sellers if s.id in self.plans)

    @property
    def planned(self) -> int:
        return sum(1 for s in self.sellers if s.id in self.plans)


@dataclass(frozen=True, slots=True)
class CopyResult:
    """Who got last month's plan, and how many already had their own (kept as they were)."""

    copied: list[User]
    kept: int
    source: int  # plans of active sellers found in the previous month


@dataclass(frozen=True, slots=True)
class ImportResult:
    saved: int
    changed: int
    months: list[date] = field(default_factory=list)


def is_seller(user: User) -> bool:
    return user.is_active and user.role is Role.SELLER


async def plans_for_month(uow: PlanStore, month: date) -> dict[UserId, Plan]:
    """Every stored plan of the month by seller (for digests, charts, exports: no access check)."""
    return {plan.seller_id: plan for plan in await uow.plans.for_month(month)}


def _require(actor: User, month: date, current: date) -> None:
    if not is_manager(actor):
        raise AccessDeniedError()
    if not plannable(month, current):
        raise PlanMonthError()


async def _sellers(uow: PlanStore) -> list[User]:
    sellers = [u for u in await uow.users.list_staff() if is_seller(u)]
    return sorted(sellers, key=lambda u: (u.name.casefold(), u.id))


async def month_plans(uow: PlanStore, actor: User, month: date, current: date) -> MonthPlans:
    """A month's plans for the head: every active seller, planned or not."""
    _require(actor, month, current)
    return MonthPlans(month, await _sellers(uow), await plans_for_month(uow, month))


async def seller_plan(
    uow: PlanStore, actor: User, seller_id: UserId, month: date, current: date
) -> tuple[User, Plan | None]:
    """One seller's plan for the month, before the head changes it."""
    _require(actor, month, current)
    seller = await uow.users.get(seller_id)
    if seller is None or not is_seller(seller):
        raise PlanSellerError()
    return seller, (await plans_for_month(uow, month)).get(seller.id)


async def set_plan(
    uow: PlanStore,
    actor: User,
    target: Plan,
    current: date,
    now: datetime,
) -> Plan:
    """A head sets one seller's plan for a month (revenue and the optional counts)."""
    seller, before = await seller_plan(uow, actor, target.seller_id, target.month, current)
    if before != target:
        await _save(uow, actor, [(seller, before, target)], now)
        await uow.commit()
    return target


def plan_of(
    seller_id: UserId,
    month: date,
    revenue: int,
    won_deals: int | None = None,
    meetings: int | None = None,
    proposals: int | None = None,
) -> Plan:
    """A plan from typed values; nonsense (negative, absurd) is the user's error, not a crash."""
    try:
        return Plan(seller_id, month, revenue, won_deals, meetings, proposals)
    except ValueError:
        raise PlanValueError() from None


async def _save(
    uow: PlanStore,
    actor: User,
    changes: Sequence[tuple[User, Plan | None, Plan]],
    now: datetime,
) -> None:
    await uow.plans.save([plan for _, _, plan in changes], actor.id, now)
    for seller, before, after in changes:
        subject = f"{seller.name[:150]} · {after.month:%Y-%m}"
        old = describe(before) if before is not None else None
        await uow.audit.add(AuditEntry(actor.id, now, AUDIT_ACTION, subject, old, describe(after)))


async def copy_last_month(
    uow: PlanStore, actor: User, month: date, current: date, now: datetime
) -> CopyResult:
    """Give each seller without a plan this month their plan of the month before."""
    _require(actor, month, current)
    sellers = await _sellers(uow)
    previous = await plans_for_month(uow, previous_month(month))
    existing = await plans_for_month(uow, month)
    source = [s for s in sellers if s.id in previous]
    todo = [s for s in source if s.id not in existing]
    changes = [(s, None, replace(previous[s.id], month=month)) for s in todo]
    if changes:
        await _save(uow, actor, changes, now)
        await uow.commit()
    return CopyResult([s for s, _, _ in changes], len(source) - len(todo), len(source))


async def import_plans(
    uow: PlanStore, actor: User, data: bytes, month: date, current: date, now: datetime
) -> ImportResult:
    """Plans from a CSV file, all rows or none; rows without a month go to `month`."""
    _require(actor, month, current)
    lines, problems = read_plan_csv(data, month)
    staff = await uow.users.list_staff()
    resolved: dict[tuple[UserId, date], tuple[User, PlanLine]] = {}
    for line in lines:
        seller = _resolve(staff, line, problems)
        if not plannable(line.month, current):
            problems.append(CsvProblem(line.line, "month_range", f"{line.month:%Y-%m}"))
        if seller is None:
            continue
        if (seller.id, line.month) in resolved:
            problems.append(CsvProblem(line.line, "duplicate", line.seller))
        resolved[(seller.id, line.month)] = (seller, line)
    if problems:
        raise PlanCsvError(problems)
    return await _apply_import(uow, actor, list(resolved.values()), now)


async def _apply_import(
    uow: PlanStore, actor: User, rows: list[tuple[User, PlanLine]], now: datetime
) -> ImportResult:
    months = sorted({line.month for _, line in rows})
    stored: dict[tuple[UserId, date], Plan] = {}
    for month in months:
        stored |= {(p.seller_id, month): p for p in await uow.plans.for_month(month)}
    changes: list[tuple[User, Plan | None, Plan]] = []
    for seller, line in rows:
        plan = Plan(
            seller.id, line.month, line.revenue, line.won_deals, line.meetings, line.proposals
        )
        before = stored.get((seller.id, line.month))
        if before != plan:
            changes.append((seller, before, plan))
    if changes:
        await _save(uow, actor, changes, now)
        await uow.commit()
    return ImportResult(len(rows), len(changes), months)


def _resolve(staff: list[User], line: PlanLine, problems: list[CsvProblem]) -> User | None:
    """The team member a cell names: @username, Telegram id or full name as in /team."""
    cell = line.seller.strip()
    if cell.startswith("@"):
        handle = cell[1:].casefold()
        found = [u for u in staff if u.username and u.username.casefold() == handle]
    elif cell.isdigit():
        found = [u for u in staff if str(u.tg_id) == cell]
    else:
        name = " ".join(cell.split()).casefold()
        found = [u for u in staff if " ".join(u.name.split()).casefold() == name]
    active = [u for u in found if u.is_active] or found
    if not active:
        problems.append(CsvProblem(line.line, "seller_unknown", cell))
        return None
    if len(active) > 1:
        problems.append(CsvProblem(line.line, "seller_ambiguous", cell))
        return None
    if not is_seller(active[0]):
        problems.append(CsvProblem(line.line, "seller_not_seller", cell))
        return None
    return active[0]
