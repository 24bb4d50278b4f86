"""Clients: ABC by revenue, XYZ by regularity, the matrix, LTV, and lost clients.

Thresholds are percents, as DOMAIN.md states them, and are compared exactly: they are read
as the decimals they are written as (80 %, not the nearest binary float), and shares as
fractions of integers, so a client exactly on a boundary always lands on the same side.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from types import MappingProxyType

from bot.domain.ids import ClientId
from bot.domain.metrics import round_half_away


class AbcClass(enum.StrEnum):
    A = "A"
    B = "B"
    C = "C"


class XyzClass(enum.StrEnum):
    X = "X"
    Y = "Y"
    Z = "Z"
    # DOMAIN.md: "Fewer than 3 complete months: the client is 'new', not Z."
    NEW = "N"


# Complete calendar months a client needs before their regularity can be judged.
MIN_XYZ_MONTHS = 3
# DOMAIN.md's t "until there is such history": a lifetime measured from fewer lost clients
# than this is one or two stories, not an average (one client who bought once would set
# every client's lifetime to a month), so below it the default stands.
MIN_LOST_FOR_LIFETIME = 5
DEFAULT_LIFETIME_MONTHS = 12
# An average calendar month (365.25 / 12 days): active lives are measured in these.
MONTH = timedelta(days=30, hours=10, minutes=30)


@dataclass(frozen=True, slots=True)
class AbcThresholds:
    """A makes the first `a` % of revenue, B the next `b` %, C the rest."""

    a: float = 80
    b: float = 15

    def __post_init__(self) -> None:
        a, b = _exact(self.a), _exact(self.b)
        if a <= 0 or b < 0 or a + b > 100:
            raise ValueError(f"ABC thresholds need 0 < a, 0 ≤ b and a + b ≤ 100: {self}")


@dataclass(frozen=True, slots=True)
class XyzThresholds:
    """X varies by at most `x` % month to month, Y by at most `y` %, Z by more."""

    x: float = 10
    y: float = 25

    def __post_init__(self) -> None:
        if not 0 <= _exact(self.x) <= _exact(self.y):
            raise ValueError(f"XYZ thresholds need 0 ≤ x ≤ y: {self}")


@dataclass(frozen=True, slots=True)
class Segment:
    abc: AbcClass
    xyz: XyzClass

    @property
    def code(self) -> str:
        return f"{self.abc}{self.xyz}"

    @property
    def reading(self) -> str:
        """An i18n key suffix for what to do with the segment (DOMAIN.md's reading).

        core: AX, BX return steadily; irregular: AY, BY pay well but irregularly;
        unpredictable: AZ, BZ; C is to be reviewed: raise_check for CX, CY,
        least_interesting for CZ; new: too few complete months to judge (AN, BN, CN).
        """
        if self.xyz is XyzClass.NEW:
            return "new"
        if self.abc is AbcClass.C:
            return "least_interesting" if self.xyz is XyzClass.Z else "raise_check"
        return {XyzClass.X: "core", XyzClass.Y: "irregular", XyzClass.Z: "unpredictable"}[self.xyz]


SEGMENTS = tuple(Segment(a, x) for a in AbcClass for x in XyzClass)


@dataclass(frozen=True, slots=True)
class Cell:
    clients: int = 0
    revenue: int = 0


@dataclass(frozen=True, slots=True)
class ClientHistory:
    """A client's whole history of purchases (not a report's window): the first and the
    last, their revenue in kopecks and their number."""

    client_id: ClientId
    first_at: datetime
    last_at: datetime
    revenue: int
    purchases: int

    def __post_init__(self) -> None:
        if self.purchases < 1 or self.last_at < self.first_at:
            raise ValueError(f"a history has a purchase and ends after it starts: {self}")

    def active_months(self, now: datetime) -> Fraction:
        """Months from the first purchase to now, at least one (DOMAIN.md: C is "purchases
        per month over the client's active life (from the first purchase to now, at least
        one month)")."""
        return max(Fraction(1), _months(now - self.first_at))

    def lifetime_months(self) -> Fraction:
        """Months from the first purchase to the last, at least one: the life of a client
        who stopped buying, measured like `active_months` so that C × t of a client who
        bought n times and left is n."""
        return max(Fraction(1), _months(self.last_at - self.first_at))


class LifetimeSource(enum.StrEnum):
    SET = "set"
    MEASURED = "measured"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Lifetime:
    """t in LTV: months, where they come from, and of how many lost clients if measured."""

    months: Fraction
    source: LifetimeSource
    clients: int = 0


@dataclass(frozen=True, slots=True)
class AbcXyz:
    """Each client's segment and, for all nine segments, its clients and revenue."""

    segments: Mapping[ClientId, Segment]
    cells: Mapping[Segment, Cell]

    def cell(self, code: str) -> Cell:
        """The cell named like "AX"."""
        return self.cells[Segment(AbcClass(code[0]), XyzClass(code[1]))]


def _exact(value: Fraction | float) -> Fraction:
    """A number as the decimal it is written as: 0.1 is 1/10, not the float near it."""
    return value if isinstance(value, Fraction) else Fraction(str(value))


def abc_classes(
    revenue: Mapping[ClientId, int], thresholds: AbcThresholds = AbcThresholds()
) -> dict[ClientId, AbcClass]:
    """Each client's ABC class by revenue over the period, biggest client first.

    Going down the clients by revenue, a client is A while the revenue of the clients
    before it is under a % of the total, B while it is under a + b %, and C after that.
    So the client that crosses a boundary belongs to the class it crosses out of (the
    one taking A from 70 % to 85 % is A), and the biggest client is always A. Clients
    with equal revenue are added together and share a class: equal money never gets two
    labels. A client with no revenue (or a net refund) is C and adds nothing to the total.
    """
    ordered = sorted(revenue.items(), key=lambda item: (-item[1], item[0]))
    total = sum(r for _, r in ordered if r > 0)
    a_until = _exact(thresholds.a)
    b_until = a_until + _exact(thresholds.b)
    classes: dict[ClientId, AbcClass] = {}
    before = 0
    for amount, group in itertools.groupby(ordered, key=lambda item: item[1]):
        clients = [client for client, _ in group]
        share_before = Fraction(before * 100, total) if amount > 0 else Fraction(100)
        abc = AbcClass.A if share_before < a_until else AbcClass.B
        abc = abc if share_before < b_until else AbcClass.C
        classes.update(dict.fromkeys(clients, abc))
        before += max(amount, 0) * len(clients)
    return classes


def variation(monthly: Sequence[int]) -> float | None:
    """Coefficient of variation of monthly purchases in percent: population std / mean.

    Months without purchases are zeros in the sequence and count. None for no months or
    a mean that is not positive (nothing bought, or refunds outweigh purchases).
    """
    n, total, squares = len(monthly), sum(monthly), sum(m * m for m in monthly)
    if n == 0 or total <= 0:
        return None
    # std / mean = √(n·Σm² − (Σm)²) / Σm: integers until the one square root.
    return 100 * math.sqrt(n * squares - total * total) / total


def xyz_class(monthly: Sequence[int], thresholds: XyzThresholds = XyzThresholds()) -> XyzClass:
    """X at a variation ≤ x %, Y ≤ y %, Z above; Z too when there is no mean to vary around.

    `monthly` holds complete months only; DOMAIN.md: "Fewer than 3 complete months: the
    client is 'new', not Z."
    """
    n, total, squares = len(monthly), sum(monthly), sum(m * m for m in monthly)
    if n < MIN_XYZ_MONTHS:
        return XyzClass.NEW
    if total <= 0:
        return XyzClass.Z
    # variation ≤ t  ⇔  100² · (n·Σm² − (Σm)²) ≤ t² · (Σm)², compared without a square root.
    spread = 10_000 * (n * squares - total * total)
    if spread <= _exact(thresholds.x) ** 2 * total * total:
        return XyzClass.X
    if spread <= _exact(thresholds.y) ** 2 * total * total:
        return XyzClass.Y
    return XyzClass.Z


def complete_months(window: Sequence[int], first_month: int) -> list[int]:
    """The months XYZ may judge a client on, out of a window's months.

    `window` is the client's revenue per month, oldest first, the last being the current,
    unfinished month; `first_month` is the index of the month of the client's first
    purchase ever (negative when it is before the window). DOMAIN.md: "Only complete
    calendar months count, from the client's first purchase (or the window's start, if
    later) to the last complete month; months before a client's first purchase are not
    zeros."
    """
    return list(window[max(first_month, 0) : len(window) - 1])


def abc_xyz(
    revenue: Mapping[ClientId, int],
    monthly: Mapping[ClientId, Sequence[int]],
    abc: AbcThresholds = AbcThresholds(),
    xyz: XyzThresholds = XyzThresholds(),
) -> AbcXyz:
    """The matrix from each client's revenue over the period (ABC) and their complete
    months (XYZ, see `complete_months`); every client of `revenue` is in one cell."""
    classes = abc_classes(revenue, abc)
    segments = {
        client: Segment(abc_class, xyz_class(monthly.get(client, ()), xyz))
        for client, abc_class in classes.items()
    }
    return AbcXyz(MappingProxyType(segments), _cells(segments, revenue))


def _cells(
    segments: Mapping[ClientId, Segment], period: Mapping[ClientId, int]
) -> Mapping[Segment, Cell]:
    counts = dict.fromkeys(SEGMENTS, 0)
    revenue = dict.fromkeys(SEGMENTS, 0)
    for client, segment in segments.items():
        counts[segment] += 1
        revenue[segment] += period[client]
    return MappingProxyType({s: Cell(counts[s], revenue[s]) for s in SEGMENTS})


def ltv(
    average_check: Fraction | int | None,
    purchases_per_month: Fraction | float | None,
    margin: Fraction | float,
    lifetime_months: Fraction | float,
) -> int | None:
    """LTV = S × C × P × t in kopecks: average check, purchases a month, margin as a share
    of the check (0..1), lifetime in months. None when the check or the frequency is unknown.
    """
    if not 0 <= _exact(margin) <= 1 or lifetime_months < 0:
        raise ValueError(
            f"margin is a share 0..1 and lifetime not negative: {margin}, {lifetime_months}"
        )
    if average_check is None or purchases_per_month is None:
        return None
    return round_half_away(
        _exact(average_check)
        * _exact(purchases_per_month)
        * _exact(margin)
        * _exact(lifetime_months)
    )


def client_ltv(
    client: ClientHistory, now: datetime, margin: Fraction | float, lifetime: Lifetime
) -> int | None:
    """The client's LTV from their whole history, so any report window gives the same."""
    return _pooled_ltv([client], now, margin, lifetime)


def ltv_by_segment(
    clients: Iterable[ClientHistory],
    segments: Mapping[ClientId, Segment],
    now: datetime,
    margin: Fraction | float,
    lifetime: Lifetime,
) -> dict[Segment, int | None]:
    """LTV of each segment, None for a segment without clients.

    The segment's check is its revenue over its purchases, and its frequency its purchases
    over its clients' active months, so a big client weighs as much as its money.
    Clients not in `segments` are left out.
    """
    members: dict[Segment, list[ClientHistory]] = {s: [] for s in SEGMENTS}
    for client in clients:
        if client.client_id in segments:
            members[segments[client.client_id]].append(client)
    return {s: _pooled_ltv(members[s], now, margin, lifetime) for s in SEGMENTS}


def client_lifetime(
    clients: Iterable[ClientHistory],
    now: datetime,
    *,
    lost_after_days: int,
    setting: Fraction | float | None = None,
) -> Lifetime:
    """t for LTV. DOMAIN.md: "t average client lifetime in months (measured from the
    company's clients who stopped buying; a setting overrides it; 12 until there is such
    history)". A client stopped buying when they count as lost (`lost_clients`); their
    lifetime is `ClientHistory.lifetime_months`. Fewer than MIN_LOST_FOR_LIFETIME lost
    clients is no history yet."""
    if setting is not None:
        return Lifetime(_exact(setting), LifetimeSource.SET)
    limit = timedelta(days=lost_after_days)
    lives = [c.lifetime_months() for c in clients if now - c.last_at > limit]
    if len(lives) < MIN_LOST_FOR_LIFETIME:
        return Lifetime(Fraction(DEFAULT_LIFETIME_MONTHS), LifetimeSource.DEFAULT, len(lives))
    return Lifetime(sum(lives, Fraction(0)) / len(lives), LifetimeSource.MEASURED, len(lives))


def lost_clients(
    last_purchase_at: Mapping[ClientId, datetime], now: datetime, *, after_days: int
) -> list[ClientId]:
    """Current clients silent for more than `after_days` days, longest silence first.

    The caller passes current clients only, each with their last purchase; like a stalled
    deal, a client is lost once strictly more than the limit has passed.
    """
    if after_days < 0:
        raise ValueError(f"days without a purchase cannot be negative: {after_days}")
    limit = timedelta(days=after_days)
    lost = [(at, client) for client, at in last_purchase_at.items() if now - at > limit]
    return [client for _, client in sorted(lost)]


def _pooled_ltv(
    clients: Sequence[ClientHistory],
    now: datetime,
    margin: Fraction | float,
    lifetime: Lifetime,
) -> int | None:
    # DOMAIN.md: "LTV = S × C × P × t: S average check, C purchases per month over the
    # client's active life (from the first purchase to now, at least one month), P margin
    # as a share of the check, t average client lifetime in months".
    revenue = sum(c.revenue for c in clients)
    purchases = sum(c.purchases for c in clients)
    months = sum((c.active_months(now) for c in clients), Fraction(0))
    if purchases == 0:
        return ltv(None, None, margin, lifetime.months)
    return ltv(Fraction(revenue, purchases), purchases / months, margin, lifetime.months)


def _months(span: timedelta) -> Fraction:
    return Fraction(max(span, timedelta(0)) // _TICK, MONTH // _TICK)


_TICK = timedelta(microseconds=1)
