"""`benchmarks/startup.py` in short: one reference, one start, 50 updates from ten sellers. It checks that the
benchmark works (the bot starts against the stand-in, polls, answers every update, stops
cleanly) and prints its figures; it asserts no time and no memory size."""

from __future__ import annotations

import sys

import pytest

from benchmarks.startup import run


@pytest.mark.e2e
async def test_the_startup_benchmark_runs() -> None:
    figures = await run(repeats=1, updates=50, per_user=5)  # ten sellers: ~10 s, not ~40
    print("\n" + "\n".join(figures.lines()), file=sys.stderr)
    assert len(figures.references) == len(figures.starts) == 1
    assert figures.references[0].rss_mb > 0 and figures.starts[0].wall > 0
    assert figures.served is not None and figures.served.updates >= 50
    assert figures.served.rss_mb > 0
