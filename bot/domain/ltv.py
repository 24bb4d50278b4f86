"""Clients' worth and loss: LTV = S × C × P × t from each client's whole history, the
client lifetime t, and the clients gone quiet (DOMAIN.md, "LTV and lost clients")."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from bot.domain.abc_xyz import SEGMENTS, Segment, exact
from bot.domain.ids import ClientId
from bot.domain.metrics import round_half_away

# DOMAIN.md's t "until there is such history": a lifetime measured from fewer lost clients
# than this is one or two stories, not an average (one client who bought once would set
# every client's lifetime to a month), so below it the default stands.
MIN_LOST_FOR_LIFETIME = 5
DEFAULT_LIFETIME_MONTHS = 12
# An average calendar month (365.25 / 12 days): active lives are measured in these.
MONTH = timedelta(days=30, hours=10, minutes=30)
_TICK = timedelta(microseconds=1)


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


def ltv(
    average_check: Fraction | int | None,
    purchases_per_month: Fraction | float | None,
    margin: Fraction | float,
    lifetime_months: Fraction | float,
) -> int | None:
    """LTV = S × C × P × t in kopecks: average check, purchases a month, margin as a share
    of the check (0..1), lifetime in months. None when the check or the frequency is unknown.
    """
    if not 0 <= exact(margin) <= 1 or lifetime_months < 0:
        raise ValueError(
            f"margin is a share 0..1 and lifetime not negative: {margin}, {lifetime_months}"
        )
    if average_check is None or purchases_per_month is None:
        return None
    return round_half_away(
        exact(average_check) * exact(purchases_per_month) * exact(margin) * exact(lifetime_months)
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
        return Lifetime(exact(setting), LifetimeSource.SET)
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
