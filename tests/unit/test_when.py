"""What a seller may type as a task's due time, and the quick buttons offered instead."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.when import MAX_AHEAD, WhenError, WorkTime, parse_when, quick_picks

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

# Sunday 22 November 2026, mid-afternoon: 18:00 is still ahead, the morning is gone.
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=MOSCOW)
REASONS = {"empty", "format", "past", "ambiguous", "too_far"}


RULES = WorkTime()


def local(text, now=NOW, tz=MOSCOW, rules=RULES):
    """The parsed due time as a naive wall time in `tz`."""
    return parse_when(text, now, tz, rules).astimezone(tz).replace(tzinfo=None)


def outcome_of(text, now=NOW, tz=MOSCOW):
    """The due time, or the reason it could not be read."""
    try:
        return parse_when(text, now, tz)
    except WhenError as error:
        return error.reason


def on(day, hour, minute=0, month=11, year=2026):
    return datetime(year, month, day, hour, minute)


ACCEPTED = [
    # Russian: days by name
    ("сегодня 18:00", on(22, 18)),
    ("сегодня в 18", on(22, 18)),
    ("Сегодня  в  18:30!", on(22, 18, 30)),
    ("сегодня вечером", on(22, 18)),
    ("вечером", on(22, 18)),
    ("завтра", on(23, 10)),
    ("ЗАВТРА.", on(23, 10)),
    ("на завтра", on(23, 10)),
    ("завтра 15:00", on(23, 15)),
    ("завтра в 15", on(23, 15)),
    ("завтра 15", on(23, 15)),
    ("завтра в 18.30", on(23, 18, 30)),
    ("завтра утром", on(23, 10)),
    ("завтра в 9 утра", on(23, 9)),
    ("завтра в 3 ночи", on(23, 3)),
    ("завтра в 12 дня", on(23, 12)),
    ("в 15 завтра", on(23, 15)),
    ("послезавтра 9:30", on(24, 9, 30)),
    ("послезавтра", on(24, 10)),
    # Russian: delays
    ("через 2 часа", on(22, 17)),
    ("через 5 часов", on(22, 20)),
    ("через 1 час", on(22, 16)),
    ("через час", on(22, 16)),
    ("через 2ч", on(22, 17)),
    ("через 30 минут", on(22, 15, 30)),
    ("через 1 минуту", on(22, 15, 1)),
    ("через 2 минуты", on(22, 15, 2)),
    ("через 45 мин", on(22, 15, 45)),
    ("через минуту", on(22, 15, 1)),
    ("через полчаса", on(22, 15, 30)),
    ("через полтора часа", on(22, 16, 30)),
    ("через 3 дня", on(25, 15)),
    ("через 3 дня в 12", on(25, 12)),
    ("через день", on(23, 15)),
    ("через 1 день", on(23, 15)),
    ("через 5 дней", on(27, 15)),
    ("через неделю", on(29, 15)),
    ("через 2 недели", on(6, 15, month=12)),
    ("через 5 недель", on(27, 15, month=12)),
    ("через 366 дней", on(23, 15, year=2027)),
    # Russian: weekdays, in every common form; today is Sunday
    ("в пятницу", on(27, 10)),
    ("в пятницу в 11", on(27, 11)),
    ("пятница", on(27, 10)),
    ("пт 11:00", on(27, 11)),
    ("пт. 11:00", on(27, 11)),
    ("пт", on(27, 10)),
    ("пн", on(23, 10)),
    ("понедельник", on(23, 10)),
    ("в понедельник", on(23, 10)),
    ("вторник", on(24, 10)),
    ("во вторник", on(24, 10)),
    ("вт", on(24, 10)),
    ("среда", on(25, 10)),
    ("в среду", on(25, 10)),
    ("ср", on(25, 10)),
    ("четверг", on(26, 10)),
    ("в четверг", on(26, 10)),
    ("чт", on(26, 10)),
    ("суббота", on(28, 10)),
    ("в субботу", on(28, 10)),
    ("сб", on(28, 10)),
    ("в 11 в пятницу", on(27, 11)),
    ("на пятницу", on(27, 10)),
    # Naming today's weekday: today only with a time still ahead, otherwise next week.
    ("воскресенье", on(29, 10)),
    ("вс", on(29, 10)),
    ("в воскресенье в 18", on(22, 18)),
    ("вс 12:00", on(29, 12)),
    ("в следующий понедельник", on(23, 10)),
    ("в следующую пятницу в 11", on(27, 11)),
    ("в следующее воскресенье в 18", on(29, 18)),
    # Russian: dates, always day first
    ("25.12 14:30", on(25, 14, 30, month=12)),
    ("25.12 в 14:30", on(25, 14, 30, month=12)),
    ("25.12 14.30", on(25, 14, 30, month=12)),
    ("25.12.2026 14:30", on(25, 14, 30, month=12)),
    ("25.12.26 14:30", on(25, 14, 30, month=12)),
    ("25.12", on(25, 10, month=12)),
    ("25.12.", on(25, 10, month=12)),
    ("25/12", on(25, 10, month=12)),
    ("25/12/2026", on(25, 10, month=12)),
    ("на 25.12", on(25, 10, month=12)),
    ("к 25.12", on(25, 10, month=12)),
    ("25 декабря", on(25, 10, month=12)),
    ("25 декабря в 14:30", on(25, 14, 30, month=12)),
    ("1 янв", on(1, 10, month=1, year=2027)),
    ("12.05", on(12, 10, month=5, year=2027)),
    # A yearless date already behind us is next year's, unless it is a recent slip.
    ("05.01", on(5, 10, month=1, year=2027)),
    ("19.11", on(19, 10, year=2027)),
    ("22.11 18:00", on(22, 18)),
    ("23.11.2027 14:00", on(23, 14, year=2027)),
    # Russian: a time alone is today's
    ("16:30", on(22, 16, 30)),
    ("в 18", on(22, 18)),
    ("в18", on(22, 18)),
    ("в 18:00", on(22, 18)),
    ("в 18.30", on(22, 18, 30)),
    ("к 18:00", on(22, 18)),
    ("18ч", on(22, 18)),
    ("18 ч", on(22, 18)),
    ("в 18 часов", on(22, 18)),
    ("в 6 вечера", on(22, 18)),
    ("в 11 вечера", on(22, 23)),
    ("в 4 часа дня", on(22, 16)),
    # English
    ("today 6pm", on(22, 18)),
    ("today 18:00", on(22, 18)),
    ("tomorrow", on(23, 10)),
    ("Tomorrow 3pm", on(23, 15)),
    ("tomorrow at 3:30 pm", on(23, 15, 30)),
    ("tomorrow at 3:30 p.m.", on(23, 15, 30)),
    ("tomorrow 12am", on(23, 0)),
    ("tomorrow 12pm", on(23, 12)),
    ("tomorrow morning", on(23, 10)),
    ("tomorrow evening", on(23, 18)),
    ("at 3pm tomorrow", on(23, 15)),
    ("day after tomorrow 9:30", on(24, 9, 30)),
    ("in 2 hours", on(22, 17)),
    ("in 1 hour", on(22, 16)),
    ("in 2h", on(22, 17)),
    ("in an hour", on(22, 16)),
    ("in half an hour", on(22, 15, 30)),
    ("in 30 minutes", on(22, 15, 30)),
    ("in 30 min", on(22, 15, 30)),
    ("in 30 mins", on(22, 15, 30)),
    ("in a minute", on(22, 15, 1)),
    ("in 3 days", on(25, 15)),
    ("in a day", on(23, 15)),
    ("in a week", on(29, 15)),
    ("in 2 weeks", on(6, 15, month=12)),
    ("in 3 days at 9am", on(25, 9)),
    ("fri", on(27, 10)),
    ("fri.", on(27, 10)),
    ("fri 11:00", on(27, 11)),
    ("friday 11am", on(27, 11)),
    ("on friday at 11", on(27, 11)),
    ("by friday", on(27, 10)),
    ("next monday", on(23, 10)),
    ("next mon 10am", on(23, 10)),
    ("sun", on(29, 10)),
    ("next sunday 6pm", on(29, 18)),
    ("at 6pm", on(22, 18)),
    ("6pm", on(22, 18)),
    ("6 PM", on(22, 18)),
    ("at 11pm", on(22, 23)),
    ("evening", on(22, 18)),
    ("2026-12-25 14:30", on(25, 14, 30, month=12)),
    ("2026-12-25", on(25, 10, month=12)),
    ("dec 25", on(25, 10, month=12)),
    ("december 25 2pm", on(25, 14, month=12)),
    ("dec 25, 2026 2pm", on(25, 14, month=12)),
    ("25 dec 14:30", on(25, 14, 30, month=12)),
]

REJECTED = [
    ("", "empty"),
    ("   ", "empty"),
    ("\u00a0\t\n", "empty"),
    # Past: asked again, never moved on silently.
    ("сегодня 14:00", "past"),
    ("сегодня в 15", "past"),
    ("14:30", "past"),
    ("в 3", "past"),
    ("утром", "past"),
    ("today 12am", "past"),
    ("21.11", "past"),
    ("20.11", "past"),
    ("22.11 14:00", "past"),
    ("25.12.2025", "past"),
    ("0001-01-01", "past"),
    ("через 0 минут", "past"),
    ("in 0 days", "past"),
    # Ambiguous: which hour, or hour or day of the month?
    ("сегодня", "ambiguous"),
    ("today", "ambiguous"),
    ("на сегодня", "ambiguous"),
    ("18", "ambiguous"),
    ("5", "ambiguous"),
    # Too far: more than 366 days ahead.
    ("через 367 дней", "too_far"),
    ("через 53 недели", "too_far"),
    ("через 9999 часов", "too_far"),
    ("через 999999 недель", "too_far"),
    ("in 999999 minutes", "too_far"),
    ("23.11.2027 16:00", "too_far"),
    ("25.12.2028", "too_far"),
    ("9999-12-31 23:59", "too_far"),
    # Format: impossible dates and times, and everything else.
    ("31.02", "format"),
    ("30.02.2027", "format"),
    ("29.02", "format"),
    ("25.13", "format"),
    ("00.00", "format"),
    ("0000-01-01", "format"),
    ("12/25", "format"),
    ("25:00", "format"),
    ("12:60", "format"),
    ("завтра 25:00", "format"),
    ("завтра 24:00", "format"),
    ("завтра 18:5", "format"),
    ("13pm", "format"),
    ("0am", "format"),
    ("в 2 утра", "format"),
    ("в 12 вечера", "format"),
    ("18.30", "format"),
    ("99", "format"),
    ("abc", "format"),
    ("!!!", "format"),
    ("завтра завтра", "format"),
    ("в пятницу в", "format"),
    ("к пятнице", "format"),  # the dative is not a form we read
    ("через", "format"),
    ("через 2 года", "format"),
    ("через -2 часа", "format"),
    ("через 2,5 часа", "format"),
    ("через 2 часа в 15", "format"),
    ("in two hours", "format"),
    ("next", "format"),
    ("2026-12-25t14:30", "format"),
    ("١٢:٣٠", "format"),
    ("завтра " + "в" * 60, "format"),
    (" " * 60 + "завтра", "format"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[text for text, _ in ACCEPTED])
def test_every_accepted_way_of_typing_a_due_time_gives_its_wall_time(text, expected):
    assert local(text) == expected


@pytest.mark.parametrize(("text", "reason"), REJECTED, ids=[text[:20] for text, _ in REJECTED])
def test_every_rejected_text_names_why_it_is_not_a_due_time(text, reason):
    with pytest.raises(WhenError) as caught:
        parse_when(text, NOW, MOSCOW)
    assert caught.value.reason == reason


def test_the_fixed_now_of_these_tests_is_a_sunday():
    assert NOW.weekday() == 6


def test_the_answer_is_an_aware_utc_datetime_whatever_zone_now_is_given_in():
    result = parse_when("завтра в 15", NOW.astimezone(NEW_YORK), MOSCOW)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_the_when_error_is_a_value_error_carrying_its_reason():
    error = WhenError("past")
    assert isinstance(error, ValueError)
    assert error.reason == "past"


def test_a_naive_now_is_a_programming_error_not_a_seller_error():
    with pytest.raises(ValueError, match="aware") as caught:
        parse_when("завтра", NOW.replace(tzinfo=None), MOSCOW)
    assert not isinstance(caught.value, WhenError)


def test_a_later_working_day_start_moves_every_time_less_day():
    rules = WorkTime(day_start=time(9, 0), evening=time(19, 30))
    assert local("завтра", rules=rules) == on(23, 9)
    assert local("в пятницу", rules=rules) == on(27, 9)
    assert local("25.12", rules=rules) == on(25, 9, month=12)
    assert local("вечером", rules=rules) == on(22, 19, 30)


def test_today_alone_is_the_start_of_the_working_day_while_it_is_still_ahead():
    early = datetime(2026, 11, 22, 8, 0, tzinfo=MOSCOW)
    assert local("сегодня", now=early) == on(22, 10)
    assert local("утром", now=early) == on(22, 10)


def test_a_yearless_date_on_new_years_eve_turns_to_next_year():
    eve = datetime(2026, 12, 31, 12, 0, tzinfo=MOSCOW)
    assert local("01.01", now=eve) == on(1, 10, month=1, year=2027)
    assert outcome_of("30.12", now=eve) == "past"


def test_the_29th_of_february_without_a_year_waits_for_the_next_leap_year_if_near():
    after_february = datetime(2027, 3, 1, 12, 0, tzinfo=MOSCOW)
    assert local("29.02", now=after_february) == on(29, 10, month=2, year=2028)


# Berlin leaves summer time at 03:00 on 25 October 2026 and enters it at 02:00 on 29 March.
def test_a_delay_in_hours_across_the_autumn_change_is_that_much_real_time():
    now = datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN)
    result = parse_when("через 2 часа", now, BERLIN)
    assert result - now.astimezone(UTC) == timedelta(hours=2)
    assert result.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 10, 25, 2, 30)
    assert result.astimezone(BERLIN).utcoffset() == timedelta(hours=1)


def test_a_wall_time_that_the_spring_change_skips_becomes_a_real_time_after_it():
    now = datetime(2026, 3, 1, 12, 0, tzinfo=BERLIN)
    result = parse_when("29.03 02:30", now, BERLIN)
    assert result == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert result.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)


def test_a_wall_time_that_the_autumn_change_repeats_is_its_first_occurrence():
    now = datetime(2026, 9, 1, 12, 0, tzinfo=BERLIN)
    result = parse_when("25.10 02:30", now, BERLIN)
    assert result == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_delay_in_days_across_the_spring_change_keeps_the_wall_clock():
    now = datetime(2026, 3, 25, 12, 0, tzinfo=BERLIN)
    result = parse_when("через неделю", now, BERLIN)
    assert result.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 4, 1, 12, 0)
    assert result - now.astimezone(UTC) == timedelta(days=7, hours=-1)


def picks_at(now):
    """The quick picks as {key: naive Moscow wall time}, in their order."""
    return {
        key: moment.astimezone(MOSCOW).replace(tzinfo=None)
        for key, moment in quick_picks(now, MOSCOW)
    }


def test_quick_picks_on_a_monday_morning_offer_this_evening_and_next_monday():
    picks = picks_at(datetime(2026, 11, 23, 9, 0, tzinfo=MOSCOW))
    assert list(picks.items()) == [
        ("today_18", on(23, 18)),
        ("tomorrow_10", on(24, 10)),
        ("in_3_days", on(26, 10)),
        ("next_monday_10", on(30, 10)),
    ]


def test_quick_picks_on_a_monday_evening_leave_out_this_evening():
    picks = picks_at(datetime(2026, 11, 23, 19, 0, tzinfo=MOSCOW))
    assert list(picks.items()) == [
        ("tomorrow_10", on(24, 10)),
        ("in_3_days", on(26, 10)),
        ("next_monday_10", on(30, 10)),
    ]


def test_quick_picks_at_exactly_six_pm_leave_out_this_evening():
    assert "today_18" not in picks_at(datetime(2026, 11, 23, 18, 0, tzinfo=MOSCOW))


def test_quick_picks_on_a_friday_land_three_days_later_and_next_monday_on_the_same_day():
    picks = picks_at(datetime(2026, 11, 27, 12, 0, tzinfo=MOSCOW))
    assert list(picks.items()) == [
        ("today_18", on(27, 18)),
        ("tomorrow_10", on(28, 10)),
        ("in_3_days", on(30, 10)),
        ("next_monday_10", on(30, 10)),
    ]


def test_quick_picks_on_a_sunday_make_next_monday_tomorrow():
    assert picks_at(NOW)["next_monday_10"] == on(23, 10)


def test_quick_picks_are_aware_utc_datetimes():
    picks = quick_picks(NOW.astimezone(NEW_YORK), MOSCOW)
    assert all(moment.tzinfo is UTC for _, moment in picks)
    assert picks[0] == ("today_18", datetime(2026, 11, 22, 15, 0, tzinfo=UTC))


ZONES = st.sampled_from([MOSCOW, BERLIN, NEW_YORK, ZoneInfo("UTC")])
NOWS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=ZONES)
WORDS = [
    "сегодня", "завтра", "послезавтра", "в", "во", "на", "к", "через", "час", "часа", "минут",
    "дня", "недели", "пятницу", "пт", "вс", "следующий", "утра", "вечера", "вечером", "ч",
    "today", "tomorrow", "in", "at", "on", "next", "a", "an", "hour", "week", "fri", "mon",
    "pm", "am", "morning", "dec", "декабря", "0", "3", "12", "18", "25", "31", "99", "2026",
    "14:30", "25:00", "18.30", "25.12", "31.02", "29.02", "25/12", "2026-12-25", "12am", "6pm",
]  # fmt: skip
WHENISH = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join)


@given(text=st.one_of(st.text(), WHENISH), now=NOWS, tz=ZONES)
def test_any_text_gives_a_time_in_the_coming_year_or_only_a_when_error(text, now, tz):
    outcome = outcome_of(text, now, tz)
    if isinstance(outcome, str):
        assert outcome in REASONS
    else:
        assert outcome.tzinfo is UTC
        assert now < outcome <= now + MAX_AHEAD


LOCAL_NOW = NOW.replace(tzinfo=None)
FUTURE = st.datetimes(
    min_value=LOCAL_NOW + timedelta(minutes=1), max_value=LOCAL_NOW + timedelta(days=300)
).map(lambda moment: moment.replace(second=0, microsecond=0))


@given(
    moment=FUTURE, layout=st.sampled_from(["%d.%m.%Y %H:%M", "%d/%m/%Y в %H:%M", "%Y-%m-%d %H:%M"])
)
def test_a_written_out_date_and_time_parses_back_to_that_exact_instant(moment, layout):
    assert parse_when(moment.strftime(layout), NOW, MOSCOW) == moment.replace(tzinfo=MOSCOW)


@given(
    hours=st.integers(min_value=1, max_value=366 * 24),
    wording=st.sampled_from(
        ["через {} часов", "через {} часа", "через {}ч", "in {} hours", "in {}h"]
    ),
    now=NOWS,
)
def test_a_delay_in_hours_is_exactly_that_many_hours_of_real_time(hours, wording, now):
    # Sums in UTC: adding to a zoned datetime would step the wall clock instead.
    assert parse_when(wording.format(hours), now, BERLIN) == now.astimezone(UTC) + timedelta(
        hours=hours
    )


@given(
    minutes=st.integers(min_value=1, max_value=366 * 24 * 60),
    wording=st.sampled_from(
        ["через {} минут", "через {} минуты", "через {} мин", "in {} minutes", "in {} min"]
    ),
    now=NOWS,
)
def test_a_delay_in_minutes_is_exactly_that_many_minutes_of_real_time(minutes, wording, now):
    assert parse_when(wording.format(minutes), now, BERLIN) == now.astimezone(UTC) + timedelta(
        minutes=minutes
    )
