"""The load test's own parts: the round-robin proxy in front of the workers, and the stand-in
Telegram's webhook poster."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from benchmarks.deploy import free_port
from benchmarks.proxy import RoundRobin, build_app
from sandbox.webhook import SECRET_HEADER, WebhookPoster
from sandbox.world import World


@dataclass
class Upstream:
    """A stand-in worker: what it was posted, and what it answers."""

    name: str
    seen: list[tuple[str, str, bytes]] = field(default_factory=list)  # path, secret, body
    answer: int = 200

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append((request.path, request.headers.get(SECRET_HEADER, ""), body))
        return web.Response(status=self.answer, text=self.name)


Serve = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Serve an app on a free local port: its base URL; all stopped at the end."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def worker_app(upstream: Upstream) -> web.Application:
    app = web.Application()
    app.router.add_post("/{path:.*}", upstream.handle)
    return app


@pytest.mark.e2e
async def test_the_proxy_takes_workers_in_turn_and_passes_a_refused_ones_turn_on(
    serve: Serve,
) -> None:
    one, two = Upstream("one"), Upstream("two", answer=401)
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there: connections refused
    proxy = RoundRobin([await serve(worker_app(one)), down, await serve(worker_app(two))])
    await proxy.start()
    base = await serve(build_app(proxy))
    try:
        async with aiohttp.ClientSession() as http:
            answers = []
            for n in range(6):
                async with http.post(
                    f"{base}/tg/hook?x=1", data=f"u{n}".encode(), headers={SECRET_HEADER: "s3"}
                ) as response:
                    answers.append((response.status, await response.text()))
            async with http.get(f"{base}/proxy/stats") as response:
                stats = await response.json()
    finally:
        await proxy.close()
    # one, (down → two), two, one, (down → two), two: each status passed back as it is.
    assert answers == [(200, "one"), (401, "two"), (401, "two")] * 2
    assert [body for _, _, body in one.seen] == [b"u0", b"u3"]
    assert [body for _, _, body in two.seen] == [b"u1", b"u2", b"u4", b"u5"]
    assert {(path, secret) for path, secret, _ in one.seen + two.seen} == {("/tg/hook", "s3")}
    assert stats["refused"] == {down: 2} and stats["failed"] == 0


@pytest.mark.e2e
async def test_the_proxy_answers_502_when_every_worker_refuses(serve: Serve) -> None:
    proxy = RoundRobin([f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"])
    await proxy.start()
    base = await serve(build_app(proxy))
    try:
        async with aiohttp.ClientSession() as http, http.post(f"{base}/tg/hook") as response:
            assert response.status == 502
    finally:
        await proxy.close()
    assert proxy.failed == 1 and sum(proxy.refused.values()) == 2


@pytest.mark.e2e
async def test_the_poster_keeps_each_users_order_and_retries_until_acknowledged(
    serve: Serve,
) -> None:
    """Telegram's side: Ann's second update fails once; her third is not posted until the
    second is acknowledged, while Bob's go on meanwhile."""

    arrivals: list[tuple[str, int]] = []
    failed_once: set[str] = set()

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        text = update["message"]["text"]
        arrivals.append((text, update["update_id"]))
        assert request.headers[SECRET_HEADER] == "hush"
        if text == "ann 2" and text not in failed_once:
            failed_once.add(text)
            return web.Response(status=500)
        await asyncio.sleep(0.01)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/tg/hook", hook)
    base = await serve(app)
    world = World()
    world.webhook = {"url": "https://bot.example.test/tg/hook", "secret_token": "hush"}
    poster = WebhookPoster(world, base, retry_delay=0.2)
    try:
        for n in (1, 2, 3):
            await world.user_sends(1, f"ann {n}")
        await world.user_sends(2, "bob 1")
        await asyncio.wait_for(asyncio.gather(poster.settled(1), poster.settled(2)), 10)
        await world.user_sends(2, "bob 2")
        await asyncio.wait_for(poster.settled(2), 10)
    finally:
        await poster.close()

    texts = [text for text, _ in arrivals]
    assert [t for t in texts if t.startswith("ann")] == ["ann 1", "ann 2", "ann 2", "ann 3"]
    # Bob was not held up by Ann's retry: his first update arrived before her retry.
    assert texts.index("bob 1") < len(texts) - 1 - texts[::-1].index("ann 2")
    records = sorted(poster.records.values(), key=lambda r: r.update_id)
    assert [r.statuses for r in records] == [[200], [500, 200], [200], [200], [200]]
    assert all(r.acked_at is not None for r in records)
    assert world.updates == []  # taken by the poster, not left for getUpdates
