"""When notices may go: quiet hours, retry backoff, and Telegram's rate limits as bookings."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from datetime import UTC, datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.notices import DeliveryPolicy, QuietHours, RateLimiter, next_allowed

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = QuietHours(start=time(21, 0), end=time(8, 0))
EPS = 1e-9

# Quiet hours


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        *[(time(21, 0), True), (time(23, 59), True), (time(0, 0), True), (time(7, 59), True)],
        *[(time(8, 0), False), (time(12, 0), False), (time(20, 59), False)],
    ],
)
def test_night_quiet_hours_run_across_midnight(local, quiet):
    assert NIGHT.contains(local) is quiet


def test_quiet_hours_within_one_day_hold_only_between_their_ends():
    lunch = QuietHours(start=time(13, 0), end=time(14, 0))
    assert lunch.contains(time(13, 30))
    assert not lunch.contains(time(14, 0))
    assert not lunch.contains(time(12, 59))


def test_quiet_hours_that_start_and_end_together_never_hold():
    assert not QuietHours(start=time(8, 0), end=time(8, 0)).contains(time(8, 0))


def test_a_time_outside_the_quiet_hours_is_allowed_at_once():
    now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
    assert next_allowed(now, MOSCOW, NIGHT) == now


def test_a_late_evening_notice_waits_for_the_morning():
    now = datetime(2026, 11, 23, 19, 30, tzinfo=UTC)  # 22:30 in Moscow
    assert next_allowed(now, MOSCOW, NIGHT) == datetime(2026, 11, 24, 5, 0, tzinfo=UTC)


def test_an_early_morning_notice_waits_until_eight_the_same_day():
    now = datetime(2026, 11, 23, 3, 15, tzinfo=UTC)  # 06:15 in Moscow
    assert next_allowed(now, MOSCOW, NIGHT) == datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def test_the_night_the_clocks_go_forward_ends_at_eight_summer_time():
    now = datetime(2026, 3, 28, 21, 0, tzinfo=UTC)  # Saturday 22:00 CET
    assert next_allowed(now, BERLIN, NIGHT) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_the_night_the_clocks_go_back_ends_at_eight_winter_time():
    now = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)  # Saturday 22:00 CEST
    assert next_allowed(now, BERLIN, NIGHT) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)))
def test_the_allowed_time_is_never_earlier_and_never_quiet(naive):
    now = naive.replace(tzinfo=UTC)
    allowed = next_allowed(now, BERLIN, NIGHT)
    assert allowed >= now
    assert not NIGHT.contains(allowed.astimezone(BERLIN).time())


# Backoff


def test_backoff_doubles_from_the_base_and_stops_at_the_cap():
    policy = DeliveryPolicy(base_backoff=2.0, max_backoff=60.0)
    assert [policy.backoff(n) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]


def test_one_claim_takes_a_batchs_share_of_the_global_budget():
    assert DeliveryPolicy(global_per_second=30, batch_seconds=1.0).claim_limit == 30
    assert DeliveryPolicy(global_per_second=0.5, batch_seconds=1.0).claim_limit == 1


# The rate limiter


def test_a_busy_chat_does_not_hold_up_the_others():
    limiter = RateLimiter(per_second=10, per_chat_interval=1.0)
    slots = limiter.plan([1, 1, 1, 2], now=100.0, horizon=1.0)
    assert [s.at for s in slots] == pytest.approx([100.0, 101.0, 102.0, 100.1])
    assert [s.booked for s in slots] == [True, True, False, True]


def test_an_item_beyond_the_horizon_is_not_booked_and_its_chat_stays_free():
    limiter = RateLimiter(per_second=10, per_chat_interval=1.0)
    limiter.plan([1, 1, 1], now=0.0, horizon=1.0)
    # The third item was only offered back at 2.0, so the chat is free right after the second.
    assert limiter.plan([1], now=1.5, horizon=1.0)[0].at == pytest.approx(2.0)


def test_the_gap_before_a_busy_chats_turn_is_filled_by_the_next_batch():
    limiter = RateLimiter(per_second=10, per_chat_interval=1.0)
    limiter.plan([1], now=0.0, horizon=1.0)
    assert [s.at for s in limiter.plan([1, 2], now=0.05, horizon=1.0)] == pytest.approx([1, 0.1])
    assert limiter.plan([3], now=0.15, horizon=1.0)[0].at == pytest.approx(0.2)


def test_a_pause_holds_the_chat_and_only_the_chat():
    limiter = RateLimiter(per_second=10, per_chat_interval=1.0)
    limiter.pause(until=30.0, chat=1)
    slots = limiter.plan([1, 2], now=0.0, horizon=1.0)
    assert (slots[0].at, slots[0].booked) == (30.0, False)
    assert (slots[1].at, slots[1].booked) == (0.0, True)
    assert limiter.paused_until(1) == 30.0 and limiter.paused_until(2) < 0


def test_a_global_pause_holds_every_chat():
    limiter = RateLimiter(per_second=10, per_chat_interval=1.0)
    limiter.pause(until=5.0)
    assert limiter.room(now=0.0, horizon=1.0) == 0
    assert limiter.next_free(0.0) == pytest.approx(5.0)
    assert [s.at for s in limiter.plan([1, 2], now=0.0, horizon=10.0)] == pytest.approx([5, 5.1])
    assert limiter.paused_until(3) == 5.0


def test_room_is_the_free_steps_of_the_coming_window():
    limiter = RateLimiter(per_second=10, per_chat_interval=1.0)
    assert limiter.room(now=0.0, horizon=1.0) == 11  # 0.0, 0.1, ... 1.0
    limiter.plan([1, 2, 3], now=0.0, horizon=1.0)
    assert limiter.room(now=0.0, horizon=1.0) == 8
    assert limiter.next_free(0.0) == pytest.approx(0.3)


Step = tuple[float, list[int], float, int | None, float]
steps = st.lists(
    st.tuples(
        st.floats(0, 3),  # time passes
        st.lists(st.integers(1, 6), max_size=40),  # a batch's chats, in claim order
        st.floats(0, 3),  # horizon
        st.none() | st.integers(0, 6),  # a 429 for this chat (0: for everything) ...
        st.floats(0, 5),  # ... lasting this long
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(
    per_second=st.sampled_from([1.0, 3.0, 30.0]),
    interval=st.sampled_from([0.0, 0.5, 1.0]),
    script=steps,
)
def test_bookings_never_break_the_limits(per_second, interval, script: list[Step]):
    limiter = RateLimiter(per_second, interval)
    now = 0.0
    booked: list[tuple[float, int]] = []
    pauses: list[tuple[int, float, int]] = []
    for passed, chats, horizon, flood, length in script:
        now += passed
        if flood is not None:
            limiter.pause(now + length, flood or None)
            pauses.append((flood, now + length, len(booked)))
        for chat, slot in zip(chats, limiter.plan(chats, now, horizon), strict=True):
            assert slot.at >= now - EPS
            assert slot.booked == (slot.at <= now + horizon)
            if slot.booked:
                booked.append((slot.at, chat))
    times = sorted(at for at, _ in booked)
    assert all(b - a >= 1 / per_second - EPS for a, b in pairwise(times))
    assert all(bisect_left(times, t + 1 - EPS) - i <= per_second for i, t in enumerate(times))
    by_chat = defaultdict(list)
    for at, chat in booked:
        by_chat[chat].append(at)
    for ats in by_chat.values():
        ats.sort()
        assert all(b - a >= interval - EPS for a, b in pairwise(ats))
    for chat, until, first_after in pauses:
        # What was booked before Telegram asked to wait is the sender's to hold back.
        assert not [at for at, c in booked[first_after:] if chat in (0, c) and at < until - EPS]
