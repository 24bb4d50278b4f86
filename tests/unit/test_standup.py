"""The stand-up's "yesterday": the previous working day of the team calendar, with the sales
of the days off since then added and said so; the figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.calendar import MON_FRI, WorkCalendar
from bot.domain.digest import Calendar, DigestRows, SellerFacts, Won, build_digest, digest_window
from bot.domain.ids import UserId
from bot.domain.public_days import public_days

MSK = ZoneInfo("Europe/Moscow")
A, B = UserId(1), UserId(2)
RU_2026 = WorkCalendar.of(MON_FRI, *public_days("RU", 2026))


def rows(sellers: list[SellerFacts], plans: dict[UserId, int]) -> DigestRows:
    return DigestRows(sellers, plans, Won(), Won(), [], [], roster=frozenset(plans))


def test_monday_reports_friday_with_the_weekends_wins_added_and_said_so() -> None:
    # Monday 9 November 2026. Friday the 6th: A won 100 000; Saturday: B won 50 000 and
    # Sunday: A won 30 000. Yesterday = Friday + the weekend = 3 deals, 180 000, of which
    # 2 deals and 80 000 on the days off. The month plan 2 000 000 over November's 20
    # working days is 100 000 a day: 180 %.
    facts = [
        SellerFacts(A, month_won=Won(2, 13_000_000), yesterday_won=Won(2, 13_000_000),
                    off_days_won=Won(1, 3_000_000)),
        SellerFacts(B, month_won=Won(1, 5_000_000), yesterday_won=Won(1, 5_000_000),
                    off_days_won=Won(1, 5_000_000)),
    ]  # fmt: skip
    digest = build_digest(
        rows(facts, {A: 100_000_000, B: 100_000_000}), Calendar.of(date(2026, 11, 9), RU_2026)
    )
    y = digest.yesterday
    assert y.day == date(2026, 11, 6) and y.off_days == 2
    assert y.won == Won(3, 18_000_000) and y.off_won == Won(2, 8_000_000)
    assert y.daily_plan == 10_000_000 and y.percent == 180.0
    # The month: working days 2, 3, 5, 6 passed (the 4th off); 16 left from today on.
    assert (digest.month.days_total, digest.month.days_passed, digest.month.days_left) == (
        20, 4, 16,
    )  # fmt: skip
    assert digest.month.forecast == 18_000_000 * 20 // 4


def test_a_day_after_a_working_day_has_no_days_off() -> None:
    digest = build_digest(
        rows([SellerFacts(A, yesterday_won=Won(1, 100))], {}),
        Calendar.of(date(2026, 11, 24), RU_2026),
    )
    assert digest.yesterday.day == date(2026, 11, 23) and digest.yesterday.off_days == 0


def test_the_day_after_a_holiday_reports_the_day_before_it() -> None:
    digest = build_digest(rows([], {A: 1}), Calendar.of(date(2026, 11, 5), RU_2026))
    assert digest.yesterday.day == date(2026, 11, 3) and digest.yesterday.off_days == 1


def test_the_window_cuts_yesterday_at_fridays_midnight_and_the_days_off_at_saturdays() -> None:
    now = datetime(2026, 11, 9, 6, tzinfo=UTC)  # Monday 09:00 in Moscow
    w = digest_window(now, MSK, RU_2026)
    assert w.yesterday_start == datetime(2026, 11, 6, tzinfo=MSK)
    assert w.off_start == datetime(2026, 11, 7, tzinfo=MSK)
    assert w.today_start == datetime(2026, 11, 9, tzinfo=MSK)
    # Without a calendar (the old call): the day before, no days off.
    plain = digest_window(now, MSK)
    assert plain.yesterday_start == datetime(2026, 11, 8, tzinfo=MSK)
    assert plain.off_start == plain.today_start
    # An admin's day off on Friday moves yesterday back to Thursday.
    friday_off = WorkCalendar.of(MON_FRI, *public_days("RU", 2026), {date(2026, 11, 6): False})
    w2 = digest_window(now, MSK, friday_off)
    assert w2.yesterday_start == datetime(2026, 11, 5, tzinfo=MSK)
    assert w2.off_start == w2.yesterday_start + timedelta(days=1)
