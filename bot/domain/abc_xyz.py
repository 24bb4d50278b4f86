"""Clients: ABC by revenue, XYZ by regularity, and the matrix (LTV and lost clients: `ltv`).

Thresholds are percents, as DOMAIN.md states them, and are compared exactly: they are read
as the decimals they are written as (80 %, not the nearest binary float), and shares as
fractions of integers, so a client exactly on a boundary always lands on the same side.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from bot.domain.ids import ClientId


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


@dataclass(frozen=True, slots=True)
class AbcThresholds:
    """A makes the first `a` % of revenue, B the next `b` %, C the rest."""

    a: float = 80
    b: float = 15

    def __post_init__(self) -> None:
        a, b = exact(self.a), exact(self.b)
        if a <= 0 or b < 0 or a + b > 100:
            raise ValueError(f"ABC thresholds need 0 < a, 0 ≤ b and a + b ≤ 100: {self}")


@dataclass(frozen=True, slots=True)
class XyzThresholds:
    """X varies by at most `x` % month to month, Y by at most `y` %, Z by more."""

    x: float = 10
    y: float = 25

    def __post_init__(self) -> None:
        if not 0 <= exact(self.x) <= exact(self.y):
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
class AbcXyz:
    """Each client's segment and, for all nine segments, its clients and revenue."""

    segments: Mapping[ClientId, Segment]
    cells: Mapping[Segment, Cell]

    def cell(self, code: str) -> Cell:
        """The cell named like "AX"."""
        return self.cells[Segment(AbcClass(code[0]), XyzClass(code[1]))]


def exact(value: Fraction | float) -> Fraction:
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
    a_until = exact(thresholds.a)
    b_until = a_until + exact(thresholds.b)
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
    if spread <= exact(thresholds.x) ** 2 * total * total:
        return XyzClass.X
    if spread <= exact(thresholds.y) ** 2 * total * total:
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
