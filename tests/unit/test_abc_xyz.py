"""ABC-XYZ, LTV and lost clients against small tables counted by hand."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.abc_xyz import (
    SEGMENTS,
    AbcClass,
    AbcThresholds,
    Cell,
    Segment,
    XyzClass,
    XyzThresholds,
    abc_classes,
    abc_xyz,
    complete_months,
    variation,
    xyz_class,
)
from bot.domain.ids import ClientId
from bot.domain.ltv import (
    MIN_LOST_FOR_LIFETIME,
    ClientHistory,
    Lifetime,
    LifetimeSource,
    client_lifetime,
    client_ltv,
    lost_clients,
    ltv,
    ltv_by_segment,
)

A, B, C = AbcClass.A, AbcClass.B, AbcClass.C
X, Y, Z, NEW = XyzClass.X, XyzClass.Y, XyzClass.Z, XyzClass.NEW


def clients(*revenue: int) -> dict[ClientId, int]:
    """Revenue of clients 1, 2, 3… in that order."""
    return {ClientId(n): r for n, r in enumerate(revenue, start=1)}


def classes_of(revenue: dict[ClientId, int], **thresholds: float) -> list[AbcClass]:
    classes = abc_classes(revenue, AbcThresholds(**thresholds))
    return [classes[client] for client in revenue]


def test_abc_takes_clients_biggest_first_by_the_share_before_them() -> None:
    # Total 1000. Share before each: 0, 50, 70 (→ 85: crosses 80, still A), 85, 93, 97, 99.
    revenue = clients(500, 200, 150, 80, 40, 20, 10)
    assert classes_of(revenue) == [A, A, A, B, B, C, C]


def test_the_order_of_the_input_does_not_matter() -> None:
    revenue = clients(10, 500, 80, 200, 20, 150, 40)
    assert classes_of(revenue) == [C, A, B, A, C, A, B]
    assert list(abc_classes(revenue)) == [2, 4, 6, 3, 7, 5, 1]  # biggest first


def test_a_client_exactly_on_a_boundary_starts_the_next_class() -> None:
    # Before the 2nd: exactly 80 % → B; before the 3rd: exactly 95 % → C.
    # (0.80 + 0.15 in floats is 0.9500000000000001, which would have kept the 3rd in B.)
    assert classes_of(clients(800, 150, 50)) == [A, B, C]


def test_clients_with_equal_revenue_share_a_class() -> None:
    # 60, then 20 + 20 added together at 60 % before them: both A (one by one, the
    # second would start at 80 % and be B).
    assert classes_of(clients(60, 20, 20)) == [A, A, A]
    # 85, then three of 5 at 85 % before them: all B, though the last would start at 95 %.
    assert classes_of(clients(85, 5, 5, 5)) == [A, B, B, B]


def test_all_revenue_from_one_client() -> None:
    assert classes_of(clients(1_000_000, 0, 0)) == [A, C, C]
    assert classes_of(clients(5)) == [A]


def test_clients_without_revenue_are_c_and_refunds_add_nothing() -> None:
    assert classes_of(clients(100, -50, 0)) == [A, C, C]
    assert classes_of(clients(0, 0)) == [C, C]
    assert abc_classes({}) == {}


def test_abc_thresholds_are_configurable_and_checked() -> None:
    # A = first 50 %, B = next 30 %: before 0 → A, 50 → B, 70 → B, 85 → C…
    assert classes_of(clients(500, 200, 150, 80), a=50, b=30) == [A, B, B, C]
    for bad in ({"a": 0}, {"b": -1}, {"a": 90, "b": 15}):
        with pytest.raises(ValueError, match="ABC thresholds"):
            AbcThresholds(**bad)


@pytest.mark.parametrize(
    ("monthly", "percent", "xyz"),
    [
        ([100, 100, 100], 0.0, X),
        ([90, 110, 90, 110], 10.0, X),  # mean 100, std 10: exactly on the X boundary
        ([80, 120, 80, 120], 20.0, Y),
        ([75, 125, 75, 125], 25.0, Y),  # exactly on the Y boundary
        ([70, 130, 70, 130], 30.0, Z),
        ([120, 100, 80], 16.329932, Y),  # std √(800 / 3) = 16.33
        ([100, 0, 100, 0], 100.0, Z),  # months without purchases count
        ([7, 7, 6], 7.071068, X),  # mean 20/3, std √2 / 3
    ],
)
def test_xyz_by_the_variation_of_monthly_purchases(
    monthly: list[int], percent: float, xyz: XyzClass
) -> None:
    assert variation(monthly) == pytest.approx(percent)
    assert xyz_class(monthly) is xyz


def test_a_client_with_nothing_to_vary_around_is_z() -> None:
    for monthly in ([0, 0, 0], [50, -100, 0]):
        assert variation(monthly) is None
        assert xyz_class(monthly) is Z


def test_fewer_than_three_complete_months_is_new_not_z() -> None:
    for monthly in ([], [100], [100, 0], [0, 300]):
        assert xyz_class(monthly) is NEW
    assert xyz_class([100, 0, 0]) is Z


def test_a_two_month_buyer_is_new_and_a_three_month_one_is_x() -> None:
    # 100 000 roubles on 25.09 and 25.10, seen on 20.11 in a 3-month window Sep–Nov:
    # Sep and Oct are complete, Nov is not; two months → new (it was Z, [0, 1e7, 1e7, 0]).
    window = [10_000_000, 10_000_000, 0]
    assert complete_months(window, first_month=0) == [10_000_000, 10_000_000]
    assert xyz_class(complete_months(window, first_month=0)) is NEW
    # On 20.12 in a 6-month window Jul–Dec: Jul and Aug are before the first purchase,
    # not zeros; Sep, Oct, Nov are complete, Dec is not: three equal months → X.
    window = [0, 0, 10_000_000, 10_000_000, 10_000_000, 0]
    assert complete_months(window, first_month=2) == [10_000_000] * 3
    assert xyz_class(complete_months(window, first_month=2)) is X
    # A client who started before the window is judged from the window's first month.
    assert complete_months([5, 6, 7, 8], first_month=-4) == [5, 6, 7]
    assert complete_months([5], first_month=0) == []


def test_xyz_thresholds_are_configurable_and_checked() -> None:
    assert xyz_class([80, 120, 80, 120], XyzThresholds(x=20, y=30)) is X
    assert xyz_class([70, 130, 70, 130], XyzThresholds(x=20, y=30)) is Y
    with pytest.raises(ValueError, match="XYZ thresholds"):
        XyzThresholds(x=30, y=20)


# Monthly revenue over a quarter. Totals 900, 600, 300, 150, 30, 20 (2000 in all); the share
# before each: 0, 45, 75 → A; 90 → B; 97.5, 99 → C.
QUARTER = {
    ClientId(1): [300, 300, 300],  # variation 0 → X
    ClientId(2): [240, 200, 160],  # mean 200, std √(3200 / 3) = 32.7: 16.3 % → Y
    ClientId(3): [0, 300, 0],  # mean 100, std √20000 = 141: 141 % → Z
    ClientId(4): [50, 50, 50],  # X
    ClientId(5): [30, 0, 0],  # mean 10, std √200 = 14.1: 141 % → Z
    ClientId(6): [7, 7, 6],  # 7.1 % → X
}


def totals(monthly: dict[ClientId, list[int]]) -> dict[ClientId, int]:
    return {client: sum(months) for client, months in monthly.items()}


def test_the_matrix_places_each_client_and_sums_each_cell() -> None:
    # Client 7 bought 500 in the window but has had two complete months: new, and A.
    # Totals 900, 600, 500, 300, 150, 30, 20 (2500); shares before them 0, 36, 60 → A;
    # 80 (exactly on the boundary), 92 → B; 98, 99.2 → C.
    revenue = {**totals(QUARTER), ClientId(7): 500}
    result = abc_xyz(revenue, {**QUARTER, ClientId(7): [250, 250]})
    codes = {client: segment.code for client, segment in result.segments.items()}
    assert codes == {1: "AX", 2: "AY", 3: "BZ", 4: "BX", 5: "CZ", 6: "CX", 7: "AN"}
    assert {s.code: (cell.clients, cell.revenue) for s, cell in result.cells.items()} == {
        "AX": (1, 900),
        "AY": (1, 600),
        "AZ": (0, 0),
        "AN": (1, 500),
        "BX": (1, 150),
        "BY": (0, 0),
        "BZ": (1, 300),
        "BN": (0, 0),
        "CX": (1, 20),
        "CY": (0, 0),
        "CZ": (1, 30),
        "CN": (0, 0),
    }
    assert result.cell("AN") == Cell(1, 500)
    assert abc_xyz({}, {}).cell("CZ") == Cell(0, 0)


@pytest.mark.parametrize(
    ("code", "reading"),
    [
        ("AX", "core"),
        ("BX", "core"),
        ("AY", "irregular"),
        ("BY", "irregular"),
        ("AZ", "unpredictable"),
        ("BZ", "unpredictable"),
        ("CX", "raise_check"),
        ("CY", "raise_check"),
        ("CZ", "least_interesting"),
        ("AN", "new"),
        ("BN", "new"),
        ("CN", "new"),
    ],
)
def test_each_cell_reads_as_domain_md_says(code: str, reading: str) -> None:
    [segment] = [s for s in SEGMENTS if s.code == code]
    assert segment.reading == reading


def test_ltv_is_check_times_frequency_times_margin_times_lifetime() -> None:
    # 50 000 roubles × 0.5 a month × 30 % × 24 months = 180 000 roubles.
    assert ltv(5_000_000, 0.5, 0.3, 24) == 18_000_000
    assert ltv(100, Fraction(1, 3), 0.5, 1) == 17  # 16.67 kopecks
    assert ltv(None, 0.5, 0.3, 24) is None
    assert ltv(100, None, 0.3, 24) is None
    with pytest.raises(ValueError, match="margin"):
        ltv(100, 1, 1.5, 12)


NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
TWELVE = Lifetime(Fraction(12), LifetimeSource.DEFAULT)


def history(client: int, first: datetime, last: datetime, rub: int, n: int) -> ClientHistory:
    return ClientHistory(ClientId(client), first, last, rub * 100, n)


def months_ago(months: float, now: datetime = NOW) -> datetime:
    return now - MONTH * months


MONTH = timedelta(days=365.25 / 12)


def test_a_clients_ltv_comes_from_their_whole_history() -> None:
    # 120 000 roubles in 6 purchases, the first 12 months ago: check 20 000, 0.5 a month;
    # × 25 % margin × 36 months = 20 000 × 0.5 × 0.25 × 36 = 90 000 roubles.
    client = history(1, months_ago(12), months_ago(1), 120_000, 6)
    life = Lifetime(Fraction(36), LifetimeSource.SET)
    assert client_ltv(client, NOW, margin=0.25, lifetime=life) == 9_000_000
    # A client who first bought a week ago has an active life of one month, not a week:
    # 30 000 in 2 purchases → 15 000 × 2 a month × 100 % × 12 = 360 000 roubles.
    fresh = history(2, NOW - timedelta(days=7), NOW - timedelta(days=1), 30_000, 2)
    assert client_ltv(fresh, NOW, 1, TWELVE) == 36_000_000
    with pytest.raises(ValueError, match="purchase"):
        history(3, NOW, NOW, 0, 0)


def test_a_segments_ltv_pools_its_clients() -> None:
    big = history(1, months_ago(12), months_ago(1), 120_000, 6)
    small = history(2, months_ago(12), months_ago(3), 30_000, 2)
    stranger = history(4, months_ago(1), months_ago(1), 10**7, 1)
    ax, cz = Segment(A, X), Segment(C, Z)
    segments = {ClientId(1): ax, ClientId(2): ax}
    life = Lifetime(Fraction(36), LifetimeSource.SET)
    by_segment = ltv_by_segment([big, small, stranger], segments, NOW, 0.25, life)
    # Check 150 000 / 8 = 18 750; 8 purchases in 24 client-months = 1/3 a month;
    # 18 750 × 1/3 × 0.25 × 36 = 56 250 roubles (the mean of 90 000 and 22 500).
    assert by_segment[ax] == 5_625_000
    assert by_segment[cz] is None
    assert set(by_segment) == set(SEGMENTS)
    assert [by_segment[s] for s in SEGMENTS if s != ax] == [None] * 11


def test_the_lifetime_is_measured_from_clients_who_stopped_buying() -> None:
    # Lost = silent more than 90 days. Lives (first → last purchase, at least a month):
    # 6, 10, 1 (bought once), 1 (two purchases a week apart), 17 months → mean 35 / 5 = 7.
    lost = [
        history(1, months_ago(20), months_ago(14), 100, 3),
        history(2, months_ago(30), months_ago(20), 100, 3),
        history(3, months_ago(9), months_ago(9), 100, 1),
        history(4, months_ago(6), months_ago(6) + timedelta(days=7), 100, 2),
        history(5, months_ago(24), months_ago(7), 100, 9),
    ]
    buying = [history(6, months_ago(40), months_ago(1), 100, 40)]  # still buying: not counted
    measured = client_lifetime([*lost, *buying], NOW, lost_after_days=90)
    assert measured == Lifetime(Fraction(7), LifetimeSource.MEASURED, 5)
    assert MIN_LOST_FOR_LIFETIME == 5
    # Four lost clients are not a history yet: the default 12 months, saying so.
    assert client_lifetime(lost[:4], NOW, lost_after_days=90) == Lifetime(
        Fraction(12), LifetimeSource.DEFAULT, 4
    )
    # An admin's figure overrides any history.
    assert client_lifetime(lost, NOW, lost_after_days=90, setting=18) == Lifetime(
        Fraction(18), LifetimeSource.SET
    )


def test_a_client_is_lost_after_more_than_n_days_without_a_purchase() -> None:
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    last = {
        # 1 April 12:00 to 30 June 12:00 is 30 + 30 + 30 = 90 days exactly: not yet.
        ClientId(1): datetime(2026, 4, 1, 12, tzinfo=UTC),
        ClientId(2): datetime(2026, 4, 1, 11, 59, tzinfo=UTC),  # a minute more: lost
        ClientId(3): datetime(2026, 1, 10, tzinfo=UTC),  # lost, longest silent
        ClientId(4): datetime(2026, 6, 29, tzinfo=UTC),
    }
    assert lost_clients(last, now, after_days=90) == [3, 2]
    assert lost_clients(last, now, after_days=365) == []
    assert lost_clients({}, now, after_days=90) == []
    with pytest.raises(ValueError, match="negative"):
        lost_clients(last, now, after_days=-1)


revenues = st.dictionaries(
    st.integers(min_value=1, max_value=500).map(ClientId),
    st.integers(min_value=0, max_value=10**6),
    max_size=40,
)


@given(revenues)
def test_abc_classes_partition_the_clients_and_follow_revenue(
    revenue: dict[ClientId, int],
) -> None:
    classes = abc_classes(revenue)
    assert set(classes) == set(revenue)
    order = "ABC"
    for one, other in itertools.combinations(revenue, 2):
        if revenue[one] > revenue[other]:
            assert order.index(classes[one]) <= order.index(classes[other])
        if revenue[one] == revenue[other]:
            assert classes[one] == classes[other]


@given(revenues)
def test_a_share_goes_past_its_threshold_by_at_most_the_last_a_group(
    revenue: dict[ClientId, int],
) -> None:
    classes = abc_classes(revenue)
    total = sum(revenue.values())
    a_revenue = [revenue[c] for c in revenue if classes[c] is A]
    if total == 0:
        assert not a_revenue
        return
    assert a_revenue, "the biggest client is always A"
    last = min(a_revenue)
    last_group = last * a_revenue.count(last)  # equal revenues join A together
    assert Fraction(sum(a_revenue), total) <= Fraction(80, 100) + Fraction(last_group, total)


@given(st.lists(st.integers(min_value=1, max_value=10**6), unique=True, max_size=40))
def test_with_distinct_revenues_a_overshoots_by_at_most_its_last_client(
    amounts: list[int],
) -> None:
    revenue = clients(*amounts)
    classes = abc_classes(revenue)
    a_revenue = [r for c, r in revenue.items() if classes[c] is A]
    if amounts:
        total = sum(amounts)
        assert Fraction(sum(a_revenue), total) <= Fraction(4, 5) + Fraction(min(a_revenue), total)


@given(
    st.dictionaries(
        st.integers(min_value=1, max_value=100).map(ClientId),
        st.tuples(
            st.lists(st.integers(min_value=0, max_value=10**5), min_size=1, max_size=12),
            st.integers(min_value=-12, max_value=12),
        ),
        max_size=20,
    )
)
def test_the_matrix_holds_every_client_and_all_revenue_once(
    clients_: dict[ClientId, tuple[list[int], int]],
) -> None:
    window = {c: months for c, (months, _) in clients_.items()}
    regular = {c: complete_months(months, first) for c, (months, first) in clients_.items()}
    result = abc_xyz(totals(window), regular)
    assert sum(cell.clients for cell in result.cells.values()) == len(window)
    assert sum(cell.revenue for cell in result.cells.values()) == sum(map(sum, window.values()))
    assert set(result.segments) == set(window)
    for client, segment in result.segments.items():
        # Never judged on the unfinished month or before the first purchase; new below 3.
        assert len(regular[client]) < len(window[client])
        assert (segment.xyz is NEW) == (len(regular[client]) < 3)


@given(
    st.integers(min_value=1, max_value=10**8),
    st.integers(min_value=1, max_value=50),
    st.floats(min_value=0, max_value=36),
    st.floats(min_value=0, max_value=36),
)
def test_ltv_is_bounded_and_only_falls_as_a_silent_client_ages(
    rub: int, purchases: int, active: float, later: float
) -> None:
    # However long the client has bought, S × C is revenue per active month, and LTV
    # never exceeds revenue × P × t (a month at least of active life).
    first = months_ago(active)
    client = history(1, first, first, rub, purchases)
    value = client_ltv(client, NOW, 1, TWELVE)
    assert value is not None and 0 <= value <= rub * 100 * 12
    assert client_ltv(client, NOW, 1, TWELVE) == value  # same inputs, same figure
    if later >= active:
        assert (client_ltv(client, months_ago(active - later), 1, TWELVE) or 0) <= value + 1
