"""The process's HTTP side and what is checked before anything is written at start-up.

The port (the webhook's, or the health port when polling) is taken before the database is
created or migrated, and Redis is pinged before that too: a start-up that cannot serve stops
with one line naming the setting, having written nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

if TYPE_CHECKING:  # the redis client loads only with REDIS_URL set
    from redis.asyncio import Redis

# Seconds in-flight requests get to finish at shutdown (a webhook post is handled before its
# answer, so this is how long an update may still take).
SHUTDOWN_GRACE = 30.0


class PortTakenError(Exception):
    """WEBHOOK_PORT (or HEALTH_PORT) cannot be listened on: taken, or not ours to take."""


class RedisUnreachableError(Exception):
    """REDIS_URL names a Redis that does not answer a ping at start."""


def take_port(host: str, port: int, setting: str) -> socket.socket:
    """A listening socket on host:port, held from start-up on; PortTakenError naming the
    `setting` that gave the port if it cannot be had."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise PortTakenError(f"{setting}={port} on {host}: {error.strerror or error}") from error
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError as error:
        sock.close()
        raise PortTakenError(f"{setting}={port} on {host}: {error.strerror or error}") from error
    return sock


def bound_port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def safe_url(url: str) -> str:
    """The URL without its password, to name in a message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


async def check_redis(url: str, wait: float = 5.0) -> None:
    """Ping the Redis at `url` once; RedisUnreachableError naming it (no password) if it fails."""
    from redis.asyncio import Redis

    client: Redis | None = None
    try:
        client = Redis.from_url(url, socket_connect_timeout=wait, socket_timeout=wait)
        await client.ping()
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise RedisUnreachableError(f"{safe_url(url)}: {first}") from error
    finally:
        if client is not None:
            await client.aclose()


@contextlib.asynccontextmanager
async def serving(
    sock: socket.socket, routes: Callable[[web.Application], None]
) -> AsyncIterator[None]:
    """Serve an app with these routes on the socket taken at start-up, until the block ends;
    then requests in flight get `SHUTDOWN_GRACE` seconds to finish."""
    app = web.Application()
    routes(app)
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=SHUTDOWN_GRACE
    )
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        yield
    finally:
        await runner.cleanup()


async def until_stopped() -> None:
    """Until SIGINT or SIGTERM (Ctrl-C, `docker stop`)."""
    loop, stop = asyncio.get_running_loop(), asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for each in signals:
        loop.add_signal_handler(each, stop.set)
    try:
        await stop.wait()
    finally:
        for each in signals:
            loop.remove_signal_handler(each)
