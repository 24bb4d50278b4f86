"""Webhook mode: Telegram posts each update to our URL; it is handled before the answer.

Telegram delivers an update again until it gets a 2xx, so the answer means "handled":

* A post without the secret Telegram was given (`X-Telegram-Bot-Api-Secret-Token`) gets 401
  and is not looked at.
* The update is claimed in the database (`webhook_update`, shared by every worker behind the
  URL), handled, marked done, and only then answered 200. A redelivered update_id that is done
  gets 200 at once; one that another request is handling right now (Telegram gave up waiting
  and sent it again, in this process or another) waits for that one and answers as it ends.
* The claim has a lease, renewed while the update is handled: a worker that dies mid-update
  leaves it to run out, and the update is handled when Telegram sends it again.
* A handler that raises leaves the update unmarked and answers 500, so Telegram tries again
  (a database that was away, a Telegram call that failed); on its fifth failed try an update
  is given up (logged, marked done, answered 200), so one that always fails cannot block the
  webhook's queue for a day.
* The crash window: a process that dies after the handler's work but before the mark is
  written (one short write) sees the update handled again on Telegram's retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import math
import secrets
from collections.abc import Awaitable
from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.domain.updates import UpdateClaim
from bot.metrics import Metrics
from bot.services import writes
from bot.services.clock import Clock
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LEASE = timedelta(seconds=30)  # renewed every third of it while the update is handled
BUSY_WAIT = 50.0  # seconds to wait for another request's handling: Telegram waits about 60
BUSY_POLL = 0.1
GIVE_UP_AT = 5  # failed tries of one update
KEEP = timedelta(days=2)  # Telegram keeps an unacknowledged update for a day
PURGE_EVERY = 3600.0  # seconds
STATUS = {
    "handled": 200,
    "duplicate": 200,
    "given_up": 200,
    "failed": 500,
    "busy": 503,
    "unavailable": 503,
}


class WebhookHandler:
    """The aiohttp handler of the webhook's path: secret, once-only claim, handling, answer."""

    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        uows: UnitOfWorkFactory,
        secret: str,
        clock: Clock,
        metrics: Metrics,
        *,
        lease: timedelta = LEASE,
        busy_wait: float = BUSY_WAIT,
        give_up_at: int = GIVE_UP_AT,
    ) -> None:
        self._dp, self._bot, self._uows, self._clock = dp, bot, uows, clock
        self._secret, self._metrics = secret.encode(), metrics
        self._lease, self._busy_wait, self._give_up_at = lease, busy_wait, give_up_at
        self._purged_at = -math.inf
        self._background: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self._metrics.webhook_request("unauthorized")
            return web.Response(status=401, text="Unauthorized")
        try:
            update = Update.model_validate(await request.json(), context={"bot": self._bot})
        except (ValueError, ValidationError):
            self._metrics.webhook_request("bad_request")
            return web.Response(status=400, text="Not an update")
        outcome = await self._once(update)
        self._metrics.webhook_request(outcome)
        self._purge_when_due()
        return web.Response(status=STATUS[outcome], text=outcome)

    async def close(self) -> None:
        """Wait for a purge still running."""
        await asyncio.gather(*self._background, return_exceptions=True)

    async def _once(self, update: Update) -> str:
        update_id, claimant = update.update_id, secrets.token_hex(8)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._busy_wait
        while True:
            try:
                claim = await self._claim(update_id, claimant)
            except Exception as error:
                log.warning("Update %s not taken: the database failed (%s)", update_id, error)
                return "unavailable"
            if claim is UpdateClaim.DONE:
                return "duplicate"
            if claim is UpdateClaim.MINE:
                return await self._handle(update, claimant)
            if loop.time() >= deadline:
                return "busy"
            await asyncio.sleep(BUSY_POLL)

    async def _claim(self, update_id: int, claimant: str) -> UpdateClaim:
        def claim(uow: UnitOfWork) -> Awaitable[UpdateClaim]:
            now = self._clock()  # read inside: a try run again while busy leases afresh
            return uow.webhook_updates.claim(update_id, claimant, now, now + self._lease)

        return await writes.write(self._uows, claim)

    async def _handle(self, update: Update, claimant: str) -> str:
        update_id = update.update_id
        renewing = asyncio.create_task(self._renew(update_id, claimant))
        try:
            result = await self._dp.feed_update(self._bot, update)
            if isinstance(result, TelegramMethod):  # a handler's answer meant for the webhook
                await self._bot(result)
        except Exception:
            log.exception("Update %s failed; Telegram will send it again", update_id)
            return await self._failed(update_id, claimant)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        try:
            now = self._clock()
            await writes.write(
                self._uows, lambda uow: uow.webhook_updates.done(update_id, claimant, now)
            )
        except Exception as error:
            # Handled all the same: the 200 keeps Telegram from sending it again.
            log.warning("Update %s handled but not marked done (%s)", update_id, error)
        return "handled"

    async def _failed(self, update_id: int, claimant: str) -> str:
        try:
            tries = await writes.write(
                self._uows,
                lambda uow: uow.webhook_updates.release(
                    update_id, claimant, self._clock(), self._give_up_at
                ),
            )
        except Exception as error:
            log.warning("Update %s not released (%s): its lease runs out", update_id, error)
            return "failed"
        if tries >= self._give_up_at:
            log.error("Update %s failed %d times; it is given up", update_id, tries)
            return "given_up"
        return "failed"

    async def _renew(self, update_id: int, claimant: str) -> None:
        every = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                held = await writes.write(
                    self._uows,
                    lambda uow: uow.webhook_updates.renew(
                        update_id, claimant, self._clock() + self._lease
                    ),
                )
            except Exception as error:
                log.warning("Update %s: its lease not renewed (%s)", update_id, error)
                continue
            if not held:
                log.warning("Update %s: its claim ran out while it was handled", update_id)
                return

    def _purge_when_due(self) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = now
        task = asyncio.create_task(self._purge())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _purge(self) -> None:
        before = self._clock() - KEEP
        try:
            purged = await writes.write(self._uows, lambda uow: uow.webhook_updates.purge(before))
        except Exception as error:
            log.warning("Forgetting old update ids failed (%s); trying again later", error)
            return
        if purged:
            log.info("Forgot %d update ids older than %s", purged, KEEP)


def allowed_updates(dp: Dispatcher) -> list[str]:
    """The update types the dispatcher's routers handle: all Telegram needs to send."""
    return dp.resolve_used_update_types()
