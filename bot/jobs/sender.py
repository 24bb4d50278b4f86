"""The one sender: delivers the outbox within Telegram's limits, each item to its end.

Every claimed item ends sent, failed with a reason, or back in the queue with a time:

* 429 (flood control): back after Telegram's `retry_after`, the chat paused as long. Not
  counted as an attempt (it is never the item's fault) and never given up on: Telegram names
  the wait, and a message dropped for it would have gone through after it.
* Network errors, timeouts, 5xx: counted; back after `policy.backoff`, failed after
  `policy.max_attempts` tries.
* 403 (the user blocked the bot): failed "blocked"; the user is marked unreachable and, on
  that change only, every head gets one notice.
* Other refusals (400 and the like): failed with Telegram's words.

Delivery is at least once: a crash between Telegram's answer and the commit of "sent" leaves
the item to be sent again when its lease runs out. Leases keep everything else exactly once.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

from bot.domain.notices import DeliveryPolicy, Notice, OutboxItem, QuietHours, RateLimiter
from bot.services.clock import Clock
from bot.services.notify import UnreachableText, report_unreachable
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
# A claim can wait tens of milliseconds for the database (SQLite's busy handler backs off in
# steps), so the next batch is claimed this long before the first free slot.
CLAIM_LEAD = 0.1
TRANSIENT = (TelegramNetworkError, TelegramServerError, TimeoutError)


def _reason(prefix: str, exc: BaseException) -> str:
    message = exc.message if isinstance(exc, TelegramAPIError) else repr(exc)
    return f"{prefix}: {message}"


@dataclass(frozen=True, slots=True)
class _Batch:
    claimed: int
    tasks: list[asyncio.Task[None]]
    full: bool = False  # nothing claimed because the next second is booked up already


class Sender:
    """Claims due outbox items, sends them on a schedule that keeps Telegram's limits."""

    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        policy: DeliveryPolicy,
        owner: str,
        tz: ZoneInfo,
        quiet: QuietHours | None,
        render_unreachable: UnreachableText,
        sleep: Sleep = asyncio.sleep,
        idle_seconds: float = 1.0,
    ) -> None:
        self._bot, self._uows, self._clock, self._policy = bot, uow_factory, clock, policy
        self._owner, self._tz, self._quiet = owner, tz, quiet
        self._render, self._sleep, self._idle_seconds = render_unreachable, sleep, idle_seconds
        self._limiter = RateLimiter(policy.global_per_second, policy.per_chat_interval)
        self._comebacks: list[float] = []  # a heap: when the items this worker put back are due

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set, then finish the batches in flight (a second or so)."""
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                batch = await self._start_safely()
                in_flight.update(batch.tasks)
                for task in batch.tasks:
                    task.add_done_callback(in_flight.discard)
                if batch.claimed or batch.full:
                    # Claim again just before the first free slot, while these are in flight:
                    # the next batch fills the gaps this one left, and the budget has no holes.
                    now, spacing = self._seconds(), self._limiter.spacing
                    wait = self._limiter.next_free(now) - CLAIM_LEAD - now
                    # Booked up: the window must move on before anything fits (no spinning).
                    await self._rest(stop, max(wait, spacing) if batch.full else wait)
                else:
                    await self._idle(stop)
        finally:
            await asyncio.gather(*in_flight)

    async def run_once(self) -> int:
        """Claim one batch and see it through (sent, failed or put back); how many were taken."""
        batch = await self._start()
        await asyncio.gather(*batch.tasks)
        return batch.claimed

    async def _start_safely(self) -> _Batch:
        try:
            return await self._start()
        except Exception:
            # The database may be away for a while; the outbox keeps, so try again later.
            log.exception("Claiming from the outbox failed; trying again")
            return _Batch(0, [])

    async def _start(self) -> _Batch:
        """Claim, book a send time for each item, and start sending; put back what must wait."""
        now, horizon = self._seconds(), self._policy.batch_seconds
        limit = min(self._policy.claim_limit, self._limiter.room(now, horizon))
        if limit == 0:
            return _Batch(0, [], full=True)
        items = await self._claim(limit)
        now = self._seconds()
        slots = self._limiter.plan([i.notice.chat_id for i in items], now, horizon)
        pairs = list(zip(items, slots, strict=True))
        later = [(item, slot.at) for item, slot in pairs if not slot.booked]
        work = [self._put_back(later, "waiting for the chat's turn")]
        work += [self._deliver(item, slot.at) for item, slot in pairs if slot.booked]
        return _Batch(len(items), [asyncio.create_task(self._guard(w)) for w in work])

    async def _guard(self, work: Awaitable[None]) -> None:
        try:
            await work
        except Exception:
            # The item stays "sending" and comes back when its lease runs out.
            log.exception("Recording a delivery failed")

    # ------------------------------------------------------------------ claiming

    async def _claim(self, limit: int) -> list[OutboxItem]:
        now = self._clock()
        lease_until = now + timedelta(seconds=self._policy.lease_seconds)
        async with self._uows() as uow:
            items = await uow.outbox.claim(self._owner, now, lease_until, limit)
            live = await self._drop_inactive(uow, items)
            await uow.commit()
        return live

    async def _drop_inactive(self, uow: UnitOfWork, items: list[OutboxItem]) -> list[OutboxItem]:
        ids = {item.notice.user_id for item in items if item.notice.user_id is not None}
        active = {uid for uid in ids if (user := await uow.users.get(uid)) and user.is_active}
        live = []
        for item in items:
            if item.notice.user_id is None or item.notice.user_id in active:
                live.append(item)
            else:
                await uow.outbox.mark_failed(item.id, self._owner, "inactive")
        return live

    # ------------------------------------------------------------------ sending

    async def _deliver(self, item: OutboxItem, at: float) -> None:
        delay = at - self._seconds()
        if delay > 0:
            await self._sleep(delay)
        paused = self._limiter.paused_until(item.notice.chat_id)
        if paused > self._seconds():
            # Booked before Telegram asked this chat to wait: wait as asked.
            await self._put_back([(item, paused)], "flood control: chat paused")
            return
        try:
            await self._send(item.notice)
        except Exception as exc:
            await self._on_error(item, exc)
        else:
            await self._record(
                lambda uow: uow.outbox.mark_sent(item.id, self._owner, self._clock())
            )

    async def _send(self, notice: Notice) -> None:
        markup = (
            InlineKeyboardMarkup.model_validate(notice.reply_markup)
            if notice.reply_markup
            else None
        )
        timeout = int(self._policy.send_timeout)
        if notice.photo is None:
            await self._bot.send_message(
                notice.chat_id, notice.text, reply_markup=markup, request_timeout=timeout
            )
            return
        await self._bot.send_photo(
            notice.chat_id,
            BufferedInputFile(notice.photo, "chart.png"),
            caption=notice.text or None,
            reply_markup=markup,
            request_timeout=timeout,
        )

    async def _on_error(self, item: OutboxItem, exc: Exception) -> None:
        if isinstance(exc, TelegramRetryAfter):
            await self._flood(item, exc.retry_after)
        elif isinstance(exc, TelegramForbiddenError):
            await self._blocked(item)
        elif isinstance(exc, TelegramUnauthorizedError):
            await self._hold(item, exc)
        elif isinstance(exc, TelegramEntityTooLarge):
            await self._fail(item, _reason("too large", exc))
        elif isinstance(exc, TRANSIENT):
            await self._transient(item, exc)
        elif isinstance(exc, TelegramBadRequest):
            await self._fail(item, _reason("bad request", exc))
        elif isinstance(exc, TelegramAPIError):
            await self._fail(item, _reason(type(exc).__name__, exc))
        else:
            # A bug or a malformed payload: retrying would fail the same way forever.
            log.error("Outbox item %s cannot be sent", item.id, exc_info=exc)
            await self._fail(item, _reason("error", exc))

    # ------------------------------------------------------------------ outcomes

    async def _flood(self, item: OutboxItem, retry_after: float) -> None:
        self._limiter.pause(self._seconds() + retry_after, item.notice.chat_id)
        await self._retry(item, retry_after, f"flood control: {retry_after}s", item.attempts)

    async def _transient(self, item: OutboxItem, exc: Exception) -> None:
        attempts, reason = item.attempts + 1, _reason("network", exc)
        if attempts >= self._policy.max_attempts:
            await self._fail(item, reason)
            return
        await self._retry(item, self._policy.backoff(attempts), reason, attempts)

    async def _blocked(self, item: OutboxItem) -> None:
        user_id = item.notice.user_id

        async def write(uow: UnitOfWork) -> None:
            await uow.outbox.mark_failed(item.id, self._owner, "blocked")
            if user_id is not None:
                now = self._clock()
                await report_unreachable(uow, user_id, now, self._tz, self._quiet, self._render)

        await self._record(write)

    async def _hold(self, item: OutboxItem, exc: Exception) -> None:
        # A revoked token fails every item alike: keep them all for when it is fixed.
        log.error("Telegram refuses the bot token; the outbox waits")
        wait = self._policy.max_backoff
        self._limiter.pause(self._seconds() + wait)
        await self._retry(item, wait, _reason("unauthorized", exc), item.attempts)

    async def _fail(self, item: OutboxItem, reason: str) -> None:
        log.warning("Outbox item %s failed: %s", item.id, reason)
        await self._record(lambda uow: uow.outbox.mark_failed(item.id, self._owner, reason))

    async def _retry(self, item: OutboxItem, after: float, reason: str, attempts: int) -> None:
        not_before = self._clock() + timedelta(seconds=after)
        heapq.heappush(self._comebacks, not_before.timestamp())
        await self._record(
            lambda uow: uow.outbox.retry(item.id, self._owner, not_before, reason, attempts)
        )

    async def _put_back(self, items: Sequence[tuple[OutboxItem, float]], reason: str) -> None:
        if not items:
            return
        for _, at in items:
            heapq.heappush(self._comebacks, at)

        async def write(uow: UnitOfWork) -> None:
            for item, at in items:
                not_before = datetime.fromtimestamp(at, UTC)
                await uow.outbox.retry(item.id, self._owner, not_before, reason, item.attempts)

        await self._record(write)

    async def _record(self, write: Callable[[UnitOfWork], Awaitable[object]]) -> None:
        # One transaction per outcome, committed at once: a crash loses at most what is in flight.
        async with self._uows() as uow:
            await write(uow)
            await uow.commit()

    # ------------------------------------------------------------------ time

    def _seconds(self) -> float:
        return self._clock().timestamp()

    async def _idle(self, stop: asyncio.Event) -> None:
        # Rest until the next item this worker put back is due, a second at most.
        now = self._seconds()
        while self._comebacks and self._comebacks[0] <= now:
            heapq.heappop(self._comebacks)
        soonest = self._comebacks[0] if self._comebacks else math.inf
        # A millisecond over: the stored time is rounded to microseconds and must be due.
        await self._rest(stop, min(self._idle_seconds, soonest - now + 0.001))

    async def _rest(self, stop: asyncio.Event, seconds: float) -> None:
        if seconds <= 0:
            return
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            stopper.cancel()
