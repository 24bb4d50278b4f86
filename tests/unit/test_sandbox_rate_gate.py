"""The sandbox's strict flood limits: 30 sends in any second, one a second per chat."""

from __future__ import annotations

from sandbox.world import RateGate


def test_thirty_a_second_then_429_until_the_oldest_leaves_the_window() -> None:
    gate = RateGate()
    assert [gate.admit(chat, 10.0 + chat / 100) for chat in range(30)] == [0] * 30
    assert gate.admit(99, 10.5) == 1  # the window (9.5, 10.5] is full
    assert gate.admit(99, 10.999) == 1
    assert gate.admit(99, 11.0) == 0  # the first send (10.0) is a whole second old


def test_a_chat_waits_a_whole_second_with_no_forgiveness() -> None:
    gate = RateGate()
    assert gate.admit(7, 5.0) == 0
    assert gate.admit(7, 5.999) == 1
    assert gate.admit(8, 5.5) == 0  # another chat is not held up
    assert gate.admit(7, 6.0) == 0


def test_retry_after_is_whole_seconds_to_the_end_of_the_longer_wait() -> None:
    gate = RateGate(per_second=1, per_chat=3.0)
    assert gate.admit(1, 0.0) == 0
    assert gate.admit(1, 0.2) == 3  # the chat's 2.8 s, rounded up, beat the bot's 0.8 s
    assert gate.admit(2, 0.2) == 1


def test_a_refused_429_uses_no_budget_and_a_release_gives_it_back() -> None:
    gate = RateGate(per_second=2)
    assert gate.admit(1, 0.0) == 0
    assert gate.admit(1, 0.1) == 1  # refused: not counted in the window
    assert gate.admit(2, 0.2) == 0
    gate.release(2, 0.2)  # say Telegram answered that one 403 after all
    assert gate.admit(2, 0.3) == 0
    assert gate.admit(3, 0.4) == 1  # two in the window again
