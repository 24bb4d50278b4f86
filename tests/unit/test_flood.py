"""Flood control's rules on their own: buckets, one warning an episode, who gets which budget."""

from __future__ import annotations

import pytest

from bot.limits.flood import (
    FloodControl,
    FloodPolicy,
    MemoryBuckets,
    Rate,
    Refusal,
    gcra,
)

POLICY = FloodPolicy(
    staff=Rate(burst=10, every=0.5), others=Rate(burst=4, every=5.0), heavy=Rate(3, 20.0)
)
NOW = 1_800_000_000.0
SELLER, STRANGER = 2000, 9000


def test_a_bucket_takes_its_burst_at_once_then_one_every_so_often():
    rate, tat, taken = Rate(burst=3, every=2.0), None, []
    for _ in range(5):
        wait, tat = gcra(tat, rate, NOW)
        taken.append(wait == 0)
    assert taken == [True, True, True, False, False]
    assert gcra(tat, rate, NOW)[0] == pytest.approx(2.0)  # the wait it reports
    assert gcra(tat, rate, NOW + 1.9)[0] > 0
    wait, tat = gcra(tat, rate, NOW + 2.0)
    assert wait == 0
    assert gcra(tat, rate, NOW + 2.0)[0] > 0  # and only one


def test_a_steady_pace_below_the_rate_is_never_refused():
    rate, tat = Rate(burst=2, every=1.0), None
    for n in range(200):
        wait, tat = gcra(tat, rate, NOW + n * 1.0)
        assert wait == 0


async def test_a_stranger_gets_the_small_budget_and_a_team_member_the_large_one():
    control = FloodControl(MemoryBuckets(), POLICY)
    await control.learn(SELLER, "ru", None, NOW)
    stranger = [await control.check(STRANGER, False, NOW) for _ in range(12)]
    seller = [await control.check(SELLER, False, NOW) for _ in range(12)]
    assert [v.refused is None for v in stranger] == [True] * 4 + [False] * 8
    assert [v.refused is None for v in seller] == [True] * 10 + [False] * 2
    assert seller[0].known == "ru" and stranger[0].known is None


async def test_the_first_refusal_of_an_episode_warns_and_the_rest_do_not():
    control = FloodControl(MemoryBuckets(), POLICY)
    verdicts = [await control.check(STRANGER, False, NOW + n * 0.1) for n in range(40)]
    refused = [v for v in verdicts if v.refused is not None]
    assert [v.refused for v in refused] == [Refusal.FLOOD] * len(refused)
    assert [v.warn for v in refused] == [True] + [False] * (len(refused) - 1)
    # Still flooding a minute on: each refusal keeps the episode going, so no second warning.
    later = [await control.check(STRANGER, False, NOW + 4 + n * 1.0) for n in range(90)]
    assert not any(v.warn for v in later)
    # Quiet for a minute, then flooding again: a new episode, one new warning.
    again = [await control.check(STRANGER, False, NOW + 200) for _ in range(10)]
    assert sum(v.warn for v in again) == 1


async def test_heavy_commands_have_their_own_budget_and_their_own_warning():
    control = FloodControl(MemoryBuckets(), POLICY)
    await control.learn(SELLER, "en", None, NOW)
    verdicts = [await control.check(SELLER, True, NOW + n * 1.0) for n in range(8)]
    assert [v.refused for v in verdicts] == [None] * 3 + [Refusal.HEAVY] * 5
    assert [v.warn for v in verdicts[3:]] == [True, False, False, False, False]
    assert verdicts[3].wait == pytest.approx(17.0)  # the third slot frees 20 s after the first
    # Light updates go on meanwhile.
    assert (await control.check(SELLER, False, NOW + 8)).refused is None


async def test_one_who_joins_the_team_starts_the_teams_bucket_afresh():
    control = FloodControl(MemoryBuckets(), POLICY)
    for _ in range(4):  # the stranger's budget spent, joining
        assert (await control.check(STRANGER, False, NOW)).refused is None
    await control.learn(STRANGER, "ru", None, NOW)
    verdicts = [await control.check(STRANGER, False, NOW) for _ in range(10)]
    assert [v.refused for v in verdicts] == [None] * 10


async def test_one_switched_off_loses_the_team_members_budget():
    control = FloodControl(MemoryBuckets(), POLICY)
    await control.learn(SELLER, "ru", None, NOW)
    await control.learn(SELLER, None, "ru", NOW + 1)
    assert (await control.check(SELLER, False, NOW + 2)).known is None


async def test_the_mark_of_a_team_member_lasts_a_day():
    control = FloodControl(MemoryBuckets(), POLICY)
    await control.learn(SELLER, "ru", None, NOW)
    assert (await control.check(SELLER, False, NOW + 23 * 3600)).known == "ru"
    assert (await control.check(SELLER, False, NOW + 25 * 3600)).known is None


async def test_memory_sweeps_what_no_longer_matters_and_keeps_what_does():
    buckets = MemoryBuckets(limit=50)
    control = FloodControl(buckets, POLICY)
    await control.learn(SELLER, "ru", None, NOW)
    for user in range(100):
        await control.check(10_000 + user, False, NOW)
    for _ in range(3):
        await control.check(STRANGER, False, NOW + 100)
    assert (await control.check(SELLER, False, NOW + 100)).known == "ru"
    assert len(buckets._tats) < 50  # the hundred strangers' buckets refilled long ago
    # The one still spending keeps what it spent: one left of four.
    assert (await control.check(STRANGER, False, NOW + 100)).refused is None
    assert (await control.check(STRANGER, False, NOW + 100)).refused is Refusal.FLOOD
