"""Telegram's side of a webhook: every update the world makes is posted to the bot's URL.

Telegram posts a bot's updates to the URL given with setWebhook, the `secret_token` in the
`X-Telegram-Bot-Api-Secret-Token` header, and posts an update again until it gets a 2xx. The
poster keeps Telegram's order the simplest faithful way: one user's updates go one after
another, the next only once the previous was acknowledged, while different users' go at once,
at most `connections` posts in flight (setWebhook's `max_connections`, 40 by default). A post
that is not acknowledged (any other status, a lost connection, no answer in `timeout`) is
posted again after `retry_delay`, doubling up to `max_delay`.

`target` stands in for DNS and TLS: the webhook URL's scheme and host are replaced by it and
the path kept, as if the public https address led to a local proxy that ended TLS.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from sandbox.world import World

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
NO_ANSWER = 0  # the status recorded for a post that got none (refused, dropped, timed out)


@dataclass
class Posted:
    """One update's road: whose it is, its posts' statuses, when it was first posted and when
    acknowledged (monotonic seconds)."""

    update_id: int
    user: int
    first_at: float = 0.0
    acked_at: float | None = None
    statuses: list[int] = field(default_factory=list)


def sender_of(update: dict[str, Any]) -> int:
    """The user an update comes from: its order is kept per user."""
    for kind, body in update.items():
        if kind != "update_id" and isinstance(body, dict) and "from" in body:
            return int(body["from"]["id"])
    return 0


class WebhookPoster:
    """Takes the world's updates as they are made (`world.outlet`) and posts them."""

    def __init__(
        self,
        world: World,
        target: str,
        *,
        connections: int = 40,
        timeout: float = 60.0,
        retry_delay: float = 0.5,
        max_delay: float = 8.0,
    ) -> None:
        self.world, self.target = world, target.rstrip("/")
        self.timeout, self.retry_delay, self.max_delay = timeout, retry_delay, max_delay
        self.records: dict[int, Posted] = {}
        self._slots = asyncio.Semaphore(connections)
        self._queues: dict[int, deque[dict[str, Any]]] = {}
        self._running: dict[int, asyncio.Task[None]] = {}
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections),
            timeout=aiohttp.ClientTimeout(total=timeout),
        )
        world.outlet = self.take

    def take(self, update: dict[str, Any]) -> None:
        user = sender_of(update)
        self.records[update["update_id"]] = Posted(update["update_id"], user)
        self._queues.setdefault(user, deque()).append(update)
        if user not in self._running:
            self._running[user] = asyncio.create_task(self._drain(user))

    async def settled(self, user: int) -> None:
        """Until every update of this user made so far is acknowledged."""
        while (task := self._running.get(user)) is not None:
            await asyncio.shield(task)

    async def close(self) -> None:
        """Stop posting (what is not acknowledged stays so) and let go of the world."""
        self.world.outlet = None
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
        await self._http.close()

    async def _drain(self, user: int) -> None:
        queue = self._queues[user]
        try:
            while queue:
                await self._deliver(queue[0])
                queue.popleft()
        finally:
            del self._running[user]

    async def _deliver(self, update: dict[str, Any]) -> None:
        record, delay = self.records[update["update_id"]], self.retry_delay
        while True:
            async with self._slots:
                if not record.statuses:
                    record.first_at = time.monotonic()
                status = await self._post(update)
            record.statuses.append(status)
            if 200 <= status < 300:
                record.acked_at = time.monotonic()
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_delay)

    async def _post(self, update: dict[str, Any]) -> int:
        hook = self.world.webhook
        if hook is None:
            raise RuntimeError("no webhook is set: Telegram would not post")
        url = self.target + (urlsplit(hook["url"]).path or "/")
        headers = {SECRET_HEADER: hook["secret_token"]} if hook.get("secret_token") else {}
        try:
            async with self._http.post(url, json=update, headers=headers) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return NO_ANSWER
