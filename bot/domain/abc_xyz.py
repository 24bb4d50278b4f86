"""Clients: ABC by revenue, XYZ by regularity, the 3×3 matrix, LTV, and lost clients.

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
        least_interesting for CZ.
        """
        if self.abc is AbcClass.C:
            return "least_interesting" if self.xyz is XyzClass.Z else "raise_check"
        return {XyzClass.X: "core", XyzClass.Y: "irregular", XyzClass.Z: "unpredictable"}[self.xyz]


SEGMENTS = tuple(Segment(a, x) for a in AbcClass for x in XyzClass)


@dataclass(frozen=True, slots=True)
class Cell:
    clients: int = 0
    revenue: int = 0


@dataclass(frozen=True, slots=True)
class ClientPurchases:
    """A client's purchases over `months` months: their revenue in kopecks and number."""

    client_id: ClientId
    revenue: int
    purchases: int
    months: int

    def __post_init__(self) -> None:
        if min(self.purchases, self.months) < 0:
            raise ValueError(f"purchases and months cannot be negative: {self}")


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
    """X at a variation ≤ x %, Y ≤ y %, Z above; Z too when there is no mean to vary around."""
    n, total, squares = len(monthly), sum(monthly), sum(m * m for m in monthly)
    if n == 0 or total <= 0:
        return XyzClass.Z
    # variation ≤ t  ⇔  100² · (n·Σm² − (Σm)²) ≤ t² · (Σm)², compared without a square root.
    spread = 10_000 * (n * squares - total * total)
    if spread <= _exact(thresholds.x) ** 2 * total * total:
        return XyzClass.X
    if spread <= _exact(thresholds.y) ** 2 * total * total:
        return XyzClass.Y
    return XyzClass.Z


def abc_xyz(
    monthly: Mapping[ClientId, Sequence[int]],
    abc: AbcThresholds = AbcThresholds(),
    xyz: XyzThresholds = XyzThresholds(),
) -> AbcXyz:
    """The matrix from each client's revenue per month of the period (zeros included).

    ABC uses the period's total per client, XYZ the months; every client is in one cell.
    """
    classes = abc_classes({client: sum(months) for client, months in monthly.items()}, abc)
    segments = {
        client: Segment(abc_class, xyz_class(monthly[client], xyz))
        for client, abc_class in classes.items()
    }
    return AbcXyz(MappingProxyType(segments), _cells(segments, monthly))


def _cells(
    segments: Mapping[ClientId, Segment], monthly: Mapping[ClientId, Sequence[int]]
) -> Mapping[Segment, Cell]:
    counts = dict.fromkeys(SEGMENTS, 0)
    revenue = dict.fromkeys(SEGMENTS, 0)
    for client, segment in segments.items():
        counts[segment] += 1
        revenue[segment] += sum(monthly[client])
    return MappingProxyType({s: Cell(counts[s], revenue[s]) for s in SEGMENTS})


def ltv(
    average_check: Fraction | int | None,
    purchases_per_month: Fraction | float | None,
    margin: float,
    lifetime_months: float,
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


def client_ltv(client: ClientPurchases, margin: float, lifetime_months: float) -> int | None:
    """LTV from the client's own check and frequency; None when they bought nothing."""
    return _pooled_ltv([client], margin, lifetime_months)


def ltv_by_segment(
    clients: Iterable[ClientPurchases],
    segments: Mapping[ClientId, Segment],
    margin: float,
    lifetime_months: float,
) -> dict[Segment, int | None]:
    """LTV of each of the nine segments, None for a segment without purchases.

    The segment's check is its revenue over its purchases, and its frequency is its
    purchases over its client-months, so a big client weighs as much as its money.
    Clients not in `segments` are left out.
    """
    members: dict[Segment, list[ClientPurchases]] = {s: [] for s in SEGMENTS}
    for client in clients:
        if client.client_id in segments:
            members[segments[client.client_id]].append(client)
    return {s: _pooled_ltv(members[s], margin, lifetime_months) for s in SEGMENTS}


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
    clients: Sequence[ClientPurchases], margin: float, lifetime_months: float
) -> int | None:
    revenue = sum(c.revenue for c in clients)
    purchases = sum(c.purchases for c in clients)
    months = sum(c.months for c in clients)
    if purchases == 0 or months == 0:
        return ltv(None, None, margin, lifetime_months)
    return ltv(Fraction(revenue, purchases), Fraction(purchases, months), margin, lifetime_months)
