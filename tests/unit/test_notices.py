"""When notices may go: quiet hours, retry backoff, and Telegram's rate limits as bookings."""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain.notices import DeliveryPolicy, Pacer, QuietHours, next_allowed

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
    assert DeliveryPolicy().backoff(100) == 30.0  # an outage is probed twice a minute


def test_one_claim_takes_a_batchs_share_of_the_global_budget():
    assert DeliveryPolicy(global_per_second=30, batch_seconds=1.0).claim_limit == 30
    assert DeliveryPolicy(global_per_second=0.5, batch_seconds=1.0).claim_limit == 1


# The pacer


def test_starts_go_a_step_apart_and_a_chat_waits_for_telegrams_answer_plus_the_interval():
    pacer = Pacer(per_second=10, per_chat_interval=1.0)
    assert pacer.reserve(1, now=100.0) == pytest.approx(100.0)
    assert pacer.start(1, 100.0)
    assert pacer.reserve(2, now=100.0) == pytest.approx(100.1)
    pacer.done(1, 100.3)  # Telegram answered 0.3 s later
    assert pacer.reserve(1, now=100.3) == pytest.approx(101.3)


def test_a_send_that_wakes_up_too_late_takes_a_new_step_instead_of_bunching():
    pacer = Pacer(per_second=10, per_chat_interval=1.0, max_late=0.02)
    pacer.reserve(1, 0.0)
    pacer.reserve(2, 0.0)  # booked for 0.1
    assert pacer.start(1, 0.015)  # a little late: still its step
    assert not pacer.start(2, 0.15)  # 50 ms late: it would crowd the next step's send
    assert pacer.reserve(2, 0.15) == pytest.approx(0.2)
    assert pacer.start(2, 0.2)


def test_late_wake_ups_never_put_more_than_the_limit_in_a_window_of_limit_steps():
    """A send that wakes up late, then the next ones on time, would put 11 starts within less
    than 10 steps; the window rule makes the 11th wait until 10 steps after the first."""
    pacer = Pacer(per_second=10 * 0.97, per_chat_interval=1.0, max_late=0.5, limit=10)
    starts: list[float] = []
    for chat in range(1, 40):
        now = starts[-1] if starts else 0.0
        while True:
            at = pacer.reserve(chat, now)
            now = max(now, at) + (0.09 if chat == 1 else 0.0)  # within max_late
            if pacer.start(chat, now):
                break
        starts.append(now)
    window = 10 / (10 * 0.97)
    assert all(b - a >= window - 1e-9 for a, b in zip(starts, starts[10:], strict=False))
    assert pacer.window == pytest.approx(window)


def test_a_group_takes_twenty_sends_a_minute_and_a_private_chat_is_not_held_by_it():
    """Telegram's 20 messages a minute in a group: the 21st waits a minute after the first."""
    pacer = Pacer(per_second=10, per_chat_interval=1.0)
    group, person = -1001, 7
    starts = []
    now = 0.0
    for _ in range(21):
        now = pacer.reserve(group, now)
        assert pacer.start(group, now)
        starts.append(now)
        pacer.done(group, now)
        now += 1.0
    assert starts[19] == pytest.approx(19.0)  # twenty a second apart
    assert starts[20] == pytest.approx(60.0)  # the 21st: a minute after the first
    assert all(b - a >= 60.0 - 1e-9 for a, b in zip(starts, starts[20:], strict=False))
    assert pacer.reserve(person, 21.0) == pytest.approx(21.0)  # one a person's chat goes on


def test_a_pause_holds_the_chat_and_only_the_chat():
    pacer = Pacer(per_second=10, per_chat_interval=1.0)
    pacer.pause(until=30.0, chat=1)
    assert pacer.reserve(1, 0.0) == pytest.approx(30.0)
    assert pacer.reserve(2, 0.0) == pytest.approx(0.0)
    assert not pacer.start(1, 0.0)
    assert pacer.paused(1) == 30.0 and pacer.paused(2) < 0


def test_a_global_pause_holds_every_chat():
    pacer = Pacer(per_second=10, per_chat_interval=1.0)
    pacer.pause(until=5.0)
    assert pacer.reserve(1, 0.0) == pytest.approx(5.0)
    assert pacer.reserve(2, 0.0) == pytest.approx(5.1)
    assert pacer.paused(3) == 5.0


TOLERANCE = 1e-5  # the pacer forgives datetimes' microsecond rounding


@settings(max_examples=150, deadline=None)
@given(
    # A few busy chats among many: both limits come into play.
    chats=st.lists(st.integers(1, 6) | st.integers(7, 400), min_size=1, max_size=120),
    latency=st.lists(st.floats(0.0, 0.3), min_size=1, max_size=20),
    lateness=st.lists(st.floats(0.0, 0.2), min_size=1, max_size=20),
    in_flight=st.integers(1, 8),
)
@example(chats=list(range(100, 190)), latency=[0.0], lateness=[0.0], in_flight=8)
@example(chats=list(range(100, 190)), latency=[0.01], lateness=[0.0, 0.029, 0.0], in_flight=8)
def test_whatever_the_latency_and_late_wake_ups_telegram_never_sees_a_limit_broken(
    chats, latency, lateness, in_flight
):
    """The sender's loop, simulated: each send is reserved, woken up a little late, started if
    the pacer agrees (else reserved again), and answered after a latency, with a few sends in
    flight at once. Telegram receives a send somewhere between its start and its answer:
    whatever that moment, neither its 30 a second nor its one a second per chat is broken,
    with the sender's 3 % margin."""
    per_second, interval = 30 * 0.97, 1.0
    pacer = Pacer(per_second, interval)
    now, starts, answers = 0.0, [], []
    flying: list[tuple[float, int]] = []  # (answer time, chat) of sends in flight
    for n, chat in enumerate(chats):
        while flying and (len(flying) >= in_flight or any(c == chat for _, c in flying)):
            flying.sort()
            done_at, done_chat = flying.pop(0)
            now = max(now, done_at)
            pacer.done(done_chat, done_at)
        while True:
            at = pacer.reserve(chat, now)
            now = max(now, at) + lateness[n % len(lateness)]
            if pacer.start(chat, now):
                break
        starts.append((now, chat))
        answer = now + latency[n % len(latency)]
        answers.append(answer)
        flying.append((answer, chat))
    # The worst case for the bot's limit: every send arrives the moment it starts.
    times = sorted(t for t, _ in starts)
    assert all(bisect_left(times, t + 1 - TOLERANCE) - i <= 30 for i, t in enumerate(times))
    # Stronger: any 31 starts in a row span 30 steps, so an arrival may come up to 30 ms
    # later than its start than the others did and Telegram still counts 30 in a second.
    assert all(
        b - a >= 30 / per_second - TOLERANCE for a, b in zip(times, times[30:], strict=False)
    )
    # Per chat: a send starts after the previous one's answer plus the interval, so arrivals
    # in one chat are the interval apart wherever they fell within their windows.
    last_answer: dict[int, float] = {}
    for (start, chat), answer in zip(starts, answers, strict=True):
        if chat in last_answer:
            assert start - last_answer[chat] >= interval - TOLERANCE
        last_answer[chat] = answer
