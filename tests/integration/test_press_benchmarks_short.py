"""The press benchmarks in their short form: each runs end to end on a few updates. Nothing
is timed here (the machine may be busy): a benchmark fails this test only when it is broken,
by raising, by exiting with an error, or by losing a stage change it was fed."""

from __future__ import annotations

import os

import pytest

from benchmarks import press_latency, stage_change


async def test_the_stage_change_benchmark_runs_on_sqlite(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = stage_change.parse_args(["--updates", "30", "--rounds", "2", "--warmup", "5"])
    assert await stage_change.main(args) == 0  # every stage change fed is in the history
    assert "SQL statements per update: full 3.0" in capsys.readouterr().out


@pytest.mark.postgres
async def test_the_stage_change_benchmark_runs_on_postgres(
    postgres_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = f"bench_stage_test_{os.getpid()}"  # its own: another run is left alone
    argv = ["--db", "postgres", "--schema", schema, "--updates", "30", "--rounds", "1"]
    assert await stage_change.main(stage_change.parse_args([*argv, "--warmup", "5"])) == 0
    assert "SQL statements per update: full 3.0" in capsys.readouterr().out


async def test_the_press_latency_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    args = press_latency.parse_args(["--sellers", "1", "3", "--waves", "2"])
    assert await press_latency.main(args) == 0
    printed = capsys.readouterr().out
    assert "p95 with 3 sellers" in printed and "load average" in printed
