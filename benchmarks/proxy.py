"""A round-robin reverse proxy: one public port in front of the bot's webhook workers.

Each POST goes to the next worker in turn with its path, body and headers (the webhook's
secret among them), and the worker's status and body come back as they are. A worker that
refuses the connection (down, restarting) is passed over for the next; when every one refuses,
502. A failure after the request reached a worker (a reset, no answer in `timeout`) is 502 and
is not tried on another: the worker may have handled it (nginx does not retry a POST either),
and Telegram's retry settles it. `GET /proxy/stats` counts what went where.

    python -m benchmarks.proxy --port 8443 http://127.0.0.1:8081 http://127.0.0.1:8082

prints `PROXY_URL=http://127.0.0.1:8443` once it listens (`--port 0` picks a free port) and
serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
from collections import Counter
from typing import Any

import aiohttp
from aiohttp import web

# Not passed on: they describe the connection to the proxy, not the request.
HOP_BY_HOP = frozenset(
    {"host", "connection", "keep-alive", "transfer-encoding", "content-length", "upgrade",
     "proxy-connection", "te", "trailer"}
)  # fmt: skip
STATS: web.AppKey[RoundRobin] = web.AppKey("proxy")


class RoundRobin:
    """The workers in turn; what each was given, what was refused and what failed."""

    def __init__(self, upstreams: list[str], timeout: float = 60.0) -> None:
        self.upstreams = [u.rstrip("/") for u in upstreams]
        self._turn = itertools.cycle(range(len(self.upstreams)))
        self.timeout = timeout
        self.forwarded: Counter[str] = Counter()  # answered by each worker (any status)
        self.refused: Counter[str] = Counter()  # connections each worker refused
        self.failed = 0  # 502s: all refused, or the worker went away mid-request
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            auto_decompress=False,
        )

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        if request.remote:
            headers["X-Forwarded-For"] = request.remote
        first = next(self._turn)
        for step in range(len(self.upstreams)):
            upstream = self.upstreams[(first + step) % len(self.upstreams)]
            try:
                async with self._http.post(
                    upstream + request.path_qs, data=body, headers=headers
                ) as answer:
                    content = await answer.read()
                    self.forwarded[upstream] += 1
                    return web.Response(
                        status=answer.status, body=content, content_type=answer.content_type
                    )
            except aiohttp.ClientConnectorError:
                self.refused[upstream] += 1  # nothing was sent: the next worker may take it
            except (aiohttp.ClientError, TimeoutError):
                break
        self.failed += 1
        return web.Response(status=502, text="Bad Gateway")

    def stats(self) -> dict[str, Any]:
        return {
            "forwarded": dict(self.forwarded),
            "refused": dict(self.refused),
            "failed": self.failed,
        }


async def on_stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATS].stats())


def build_app(proxy: RoundRobin) -> web.Application:
    app = web.Application(client_max_size=10 * 1024 * 1024)
    app[STATS] = proxy
    app.router.add_get("/proxy/stats", on_stats)
    app.router.add_post("/{path:.*}", proxy.handle)
    return app


async def serve(host: str, port: int, upstreams: list[str]) -> None:
    proxy = RoundRobin(upstreams)
    await proxy.start()
    runner = web.AppRunner(build_app(proxy), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    print(f"PROXY_URL=http://{host}:{bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for each in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(each, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await proxy.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("upstreams", nargs="+", help="each worker's base URL")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.upstreams))


if __name__ == "__main__":
    main()
