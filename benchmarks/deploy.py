"""A webhook deployment on this machine, for the load test: a PostgreSQL database of its own,
N `python -m bot` workers in webhook mode (each its WEBHOOK_PORT, one REDIS_URL), and the
round-robin proxy (`benchmarks.proxy`) in front of them, each a process of its own; and the
CPU time each part took.

A run creates its database (`salesbot_load_<random>`, on the server TEST_POSTGRES_URL names)
and drops it at the end, so two runs never meet; the workers' logs go to files (a pipe nobody
reads would stop a worker that logs every update).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from sqlalchemy import make_url, text

from storage.db import make_engine
from tests.e2e.chat import ROOT, child_env

HOOK_URL = "https://bot.example.test/tg/hook"
SECRET = "load_Test-secret_7"
START_WAIT = 120.0  # seconds a worker may take to serve /readyz on a busy machine
METRIC = re.compile(r'^(salesbot_\w+)\{(\w+)="([^"]*)"(?:,(\w+)="([^"]*)")?\} ([0-9.e+]+)$')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    """A new, empty database on the server of `server_url`; its URL. Dropped at the end."""
    name = f"salesbot_load_{secrets.token_hex(4)}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def forget_in_redis(redis_url: str, prefix: str) -> int:
    """Delete the keys a run's workers kept under its REDIS_PREFIX (state, locks, buckets)."""
    from redis.asyncio import Redis

    gone = 0
    client = Redis.from_url(redis_url)
    try:
        async for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            gone += await client.delete(key)
    finally:
        await client.aclose()
    return gone


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a live process (and of its waited-for children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(f) for f in fields[11:15]) / ticks  # utime stime cutime cstime


def named_cpu_seconds(name: str) -> float:
    """CPU time of every process with this command name (e.g. the Redis server)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    total += cpu_seconds(int(entry.name))
    return total


async def backends_cpu(db_url: str) -> dict[int, float]:
    """CPU time of each PostgreSQL backend serving this database (a server on this machine),
    by process id: other databases' sessions on the same server are left out."""
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            )
            pids = [int(row.pid) for row in rows]
    finally:
        await engine.dispose()
    return {pid: cpu_seconds(pid) for pid in pids}


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values) - idle) / ticks, sum(values) / ticks


@dataclass
class Worker:
    """One `python -m bot` in webhook mode."""

    number: int
    port: int
    process: asyncio.subprocess.Process
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def metrics(self, http: aiohttp.ClientSession) -> dict[tuple[str, str], float]:
        """Its counters: (series, outcome) → value, summed over the other labels."""
        async with http.get(f"{self.base}/metrics") as response:
            body = await response.text()
        found: dict[tuple[str, str], float] = {}
        for line in body.splitlines():
            if (m := METRIC.match(line)) is None:
                continue
            series, labels = m[1], {m[2]: m[3], **({m[4]: m[5]} if m[4] else {})}
            if "outcome" in labels:
                key = (series, labels["outcome"])
                found[key] = found.get(key, 0.0) + float(m[6])
        return found

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Deployment:
    """The running workers and the proxy in front of them."""

    workers: list[Worker]
    proxy: asyncio.subprocess.Process | None
    proxy_url: str
    folder: Path
    exits: dict[str, int | None] = field(default_factory=dict)

    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers]

    async def proxy_stats(self, http: aiohttp.ClientSession) -> dict[str, object]:
        async with http.get(f"{self.proxy_url}/proxy/stats") as response:
            stats: dict[str, object] = await response.json()
            return stats


async def _spawn(
    args: list[str], cwd: Path, env: dict[str, str], log: Path
) -> asyncio.subprocess.Process:
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def _until_ready(http: aiohttp.ClientSession, worker: Worker) -> None:
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if worker.process.returncode is not None:
            raise RuntimeError(f"worker {worker.number} exited:\n{worker.output()[-3000:]}")
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{worker.base}/readyz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"worker {worker.number} not ready in {START_WAIT:.0f} s")


async def _start_proxy(
    upstreams: list[str], folder: Path
) -> tuple[asyncio.subprocess.Process, str]:
    env = child_env()
    with (folder / "proxy.log").open("wb") as errors:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.proxy", "--port", "0", *upstreams,
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors,
        )  # fmt: skip
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), START_WAIT)
    if not line.startswith(b"PROXY_URL="):
        raise RuntimeError(f"the proxy did not start: {line!r}")
    return process, line.decode().split("=", 1)[1].strip()


async def _stop(process: asyncio.subprocess.Process) -> int | None:
    if process.returncode is None:
        process.send_signal(2)  # SIGINT, like Ctrl-C: requests in flight finish
        try:
            await asyncio.wait_for(process.wait(), 40)
        except TimeoutError:
            process.kill()
            await process.wait()
    return process.returncode


@contextlib.asynccontextmanager
async def deployed(
    count: int, env: dict[str, str], folder: Path, http: aiohttp.ClientSession
) -> AsyncIterator[Deployment]:
    """`count` workers (each WEBHOOK_PORT its own, the rest of `env` shared) and the proxy,
    all ready; stopped with SIGINT at the end, their exit codes in `exits`."""
    deployment = Deployment([], None, "", folder)
    try:
        for number in range(1, count + 1):
            port, log = free_port(), folder / f"worker{number}.log"
            own = child_env(**env, WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port))
            process = await _spawn(["-m", "bot"], folder, own, log)
            deployment.workers.append(Worker(number, port, process, log))
        await asyncio.gather(*(_until_ready(http, w) for w in deployment.workers))
        upstreams = [w.base for w in deployment.workers]
        deployment.proxy, deployment.proxy_url = await _start_proxy(upstreams, folder)
        yield deployment
    finally:
        for worker in deployment.workers:  # at once: each gets its grace to finish
            deployment.exits[f"worker{worker.number}"] = None
        codes = await asyncio.gather(*(_stop(w.process) for w in deployment.workers))
        for worker, code in zip(deployment.workers, codes, strict=True):
            deployment.exits[f"worker{worker.number}"] = code
        if deployment.proxy is not None:
            deployment.exits["proxy"] = await _stop(deployment.proxy)
