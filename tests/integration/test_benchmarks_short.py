"""The chart and digest benchmarks in their short form: each runs end to end on tiny inputs.
Nothing is timed here (the machine may be busy): a benchmark fails this test only when it
is broken, by raising or by exiting with an error."""

from __future__ import annotations

import os
import re

import pytest

from benchmarks import charts, digest


def test_the_chart_benchmark_renders_every_chart(capsys: pytest.CaptureFixture[str]) -> None:
    charts.main(["--repeat", "1"])
    printed = capsys.readouterr().out
    for name in charts.charts("ru"):
        assert name in printed
    assert "reference" in printed and "load" in printed


async def test_the_digest_benchmark_runs_on_sqlite(capsys: pytest.CaptureFixture[str]) -> None:
    await digest.main(["--deals", "2000", "--repeat", "1", "--db", "sqlite"])
    assert re.search(r"queries (\d+) → \1$", capsys.readouterr().out, re.MULTILINE)


@pytest.mark.postgres
async def test_the_digest_benchmark_runs_on_postgres(
    postgres_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A schema of this test's own, so a benchmark or another run on the same database is
    # left alone (the benchmark drops it at the end).
    schema = f"bench_digest_test_{os.getpid()}"
    await digest.main(["--deals", "2000", "--repeat", "1", "--db", "postgres", "--schema", schema])
    assert re.search(r"queries (\d+) → \1$", capsys.readouterr().out, re.MULTILINE)
