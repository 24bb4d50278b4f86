"""The load test of the webhook deployment, short: 1,000 updates from 50 people, posted by the
stand-in Telegram through the project's round-robin proxy to two `python -m bot` workers on
one PostgreSQL database (made for the test, dropped after) and Redis, Telegram's limits
enforced to the letter. `benchmarks/load.py` runs the whole one (10,000 updates from 200
people, 1, 2 and 3 workers) and prints the throughput; here nothing is timed.
"""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from benchmarks.load import run_load
from benchmarks.load_people import Plan

# Telegram's limits enforced to the letter (not one 429 allowed) and two workers sharing the
# machine: `make test` runs it alone, after the parallel part.
pytestmark = pytest.mark.alone


@pytest.mark.e2e
@pytest.mark.postgres
async def test_two_workers_behind_the_proxy_handle_each_update_once_in_order_within_limits(
    postgres_server: str, redis_url: str
) -> None:
    plan = Plan(users=50, per_user=20, workers=2)
    figures = await run_load(plan, postgres_server, redis_url)
    print("\n" + "\n".join(figures.lines()), file=sys.stderr)

    # Every update acknowledged, its effect seen once, each person's in the order sent.
    assert figures.acknowledged == plan.updates == 1000
    assert (figures.lost, figures.twice, figures.out_of_order) == (0, 0, 0), figures.problems
    # Telegram's limits kept by both workers together: not one 429, so no handler failed
    # half-way and had its update run again on Telegram's retry.
    assert figures.throttled == 0
    assert figures.rerun == 0 and figures.retried == Counter()
    assert figures.refused_calls == Counter()
    # Both workers took a share, and between them handled each update once.
    assert sorted(figures.outcomes.items()) == [("handled", 1000)]
    assert len(figures.handled_by_worker) == 2 and min(figures.handled_by_worker) > 0
    # The messages the notes asked for (the question, "saved", the card) went, none else.
    assert figures.messages == figures.messages_asked > 0
    assert figures.exits == {"worker1": 0, "worker2": 0, "proxy": 0}
    assert figures.errors_logged == 0
