"""The one sender: delivers the outbox within Telegram's limits, each notice to its end.

The rules (docs/notifications.md tells the whole road):

* Order per chat: the outbox hands out only a chat's oldest undelivered notice, so a chat's
  notices go in the order they were queued, retries included, and a multi-part notice (the
  digest's text, then its album) has the chat to itself until it is done.
* Nothing dropped for a transient failure: network errors, timeouts and 5xx pause the whole
  sender (Telegram is unreachable for everyone) with capped backoff, then one notice probes;
  a notice is tried until it is stale (its task done, its deal moved on) or expired. 429
  pauses the chat for Telegram's `retry_after`. Only permanent answers fail a notice: 403 and
  "chat not found" (the person is marked unreachable and the heads told once), other refusals
  with Telegram's words.
* One message per person at once: list notices (reminders, stall lists, escalations, the
  agenda) due together for one chat are merged into one message, worded as a catch-up after
  an outage, and held and summarised past an hourly cap of unsolicited messages.
* Rate with a margin: sends start at least `1 / (rate × (1 − margin))` apart, and a chat's
  next send starts `per_chat_interval` after Telegram answered the previous one, so Telegram
  never sees two sends to a chat closer than its limit, whatever the network's jitter. The
  turns come from one budget (`bot.limits`) that the handlers' answers take theirs from too,
  and that every process shares through Redis when there are several.
* The crash window: each part is recorded in its own short transaction as soon as Telegram
  answers; a crash in between sends that part again (at least once). Leases of a process of
  this host that died are released when the next one starts.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
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
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, InputMediaPhoto

from bot.domain.errors import DatabaseBusyError
from bot.domain.ids import TelegramId
from bot.domain.notices import DeliveryPolicy, OutboxItem, QuietHours
from bot.limits.budget import LocalBudget, SendBudget, booked
from bot.services import writes
from bot.services.clock import Clock
from bot.services.notify import DeliveryTexts, report_unreachable
from bot.services.outbox import Claimed, claim_batch
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.standup import group_gone

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
# Told what became of each try ("sent", "retry", "failed", "unreachable", "dropped"): metrics.
Count = Callable[[str], None]
TRANSIENT = (TelegramNetworkError, TelegramServerError, TimeoutError)
PURGE_EVERY = timedelta(hours=1)
GONE = ("chat not found", "user not found", "bot can't initiate conversation")


def _reason(prefix: str, exc: BaseException) -> str:
    message = exc.message if isinstance(exc, TelegramAPIError) else repr(exc)
    return f"{prefix}: {message}"


Write = Callable[[UnitOfWork], Awaitable[object]]


class _Recorder:
    """Delivery outcomes written as a group commit: the first goes at once; those that arrive
    while its transaction commits wait for the next one, which takes them all.

    One transaction per outcome made them queue for the write lock one by one: with many chats
    in flight on a slow machine the last of them was recorded a second or more after Telegram
    had taken it, and a crash in that second sent each of them again (kill -9 under load: three
    duplicates a crash, one notice six times). If a group fails, each of its outcomes is tried
    on its own, so one bad write costs no other its record."""

    def __init__(self, uows: UnitOfWorkFactory) -> None:
        self._uows = uows
        self._queue: list[tuple[Write, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def record(self, write: Write) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((write, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        batch: list[tuple[Write, asyncio.Future[None]]] = []
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                await self._write(batch)
        finally:  # cancelled mid-write: nobody may wait for ever on an outcome
            for _, done in batch + self._queue:
                done.cancel()

    async def _write(self, batch: list[tuple[Write, asyncio.Future[None]]]) -> None:
        async def each(uow: UnitOfWork) -> None:
            for write, _ in batch:
                await write(uow)

        try:
            await writes.write(self._uows, each)
        except Exception as exc:
            if len(batch) > 1:
                for one in batch:
                    await self._write([one])
                return
            _settle(batch[0][1], exc)
        else:
            for _, done in batch:
                _settle(done, None)


def _settle(done: asyncio.Future[None], error: Exception | None) -> None:
    if done.done():  # its delivery was cancelled meanwhile (shutdown)
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


@dataclass
class _Outage:
    """Telegram unreachable: how many tries failed in a row, and when it last came back."""

    failures: int = 0
    ended_at: float | None = None


class Sender:
    """Claims chats' next notices and sends them on a schedule that keeps Telegram's limits."""

    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        policy: DeliveryPolicy,
        owner: str,
        tz: ZoneInfo,
        quiet: QuietHours | None,
        texts: DeliveryTexts,
        sleep: Sleep = asyncio.sleep,
        idle_seconds: float = 1.0,
        count: Count | None = None,
        budget: SendBudget | None = None,
    ) -> None:
        self._bot, self._uows, self._clock, self._policy = bot, uow_factory, clock, policy
        self._owner, self._tz, self._quiet, self._texts = owner, tz, quiet, texts
        self._sleep, self._idle_seconds = sleep, idle_seconds
        self._count: Count = count or (lambda outcome: None)
        # Telegram's limits: this process's own pacer, or one budget shared by all processes.
        self._budget = budget or LocalBudget(policy, self._seconds, sleep)
        self._outage = _Outage()
        self._waiting = 0  # claimed, not yet started: the next claim leaves room for them
        self._active = 0  # claimed, not yet finished
        self._recorder = _Recorder(uow_factory)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set, then finish the notices in flight."""
        await self._release_dead()
        in_flight: set[asyncio.Task[None]] = set()
        purged = -math.inf
        try:
            while not stop.is_set():
                if self._seconds() - purged > PURGE_EVERY.total_seconds():
                    purged = self._seconds()
                    await self._purge_safely()
                tasks = await self._start_safely()
                in_flight.update(tasks)
                for task in tasks:
                    task.add_done_callback(in_flight.discard)
                busy = tasks or in_flight
                await self._rest(stop, self._policy.busy_seconds if busy else self._idle())
        finally:
            await asyncio.gather(*in_flight)

    async def run_once(self) -> int:
        """Claim one batch and see it through (sent, failed or put back); how many were taken."""
        tasks = await self._start()
        await asyncio.gather(*tasks)
        return len(tasks)

    # ------------------------------------------------------------------ claiming

    async def _start_safely(self) -> list[asyncio.Task[None]]:
        try:
            return await self._start()
        except DatabaseBusyError:
            log.warning("The database stayed busy; claiming again shortly")
            return []
        except Exception:
            # The database may be away for a while; the outbox keeps, so try again later.
            log.warning("Claiming from the outbox failed; trying again", exc_info=True)
            return []

    async def _start(self) -> list[asyncio.Task[None]]:
        room = self._room()
        if room <= 0:
            return []
        claimed = await self._claim(room)
        self._waiting += len(claimed)
        self._active += len(claimed)
        return [asyncio.create_task(self._guard(self._deliver(c))) for c in claimed]

    def _room(self) -> int:
        now = self._seconds()
        if self._budget.paused_all > now:
            return 0
        if self._outage.failures:
            # Telegram was unreachable: one notice at a time finds out whether it is back.
            return 0 if self._active else 1
        return self._policy.claim_limit - self._waiting

    async def _claim(self, limit: int) -> list[Claimed]:
        outage_end = None if self._outage.ended_at is None else _at(self._outage.ended_at)
        dropped: list[str] = []

        def claim(uow: UnitOfWork) -> Awaitable[list[Claimed]]:
            dropped.clear()  # a try rolled back while the database was busy dropped nothing
            # The clock is read inside: a write retried while the database is busy leases afresh.
            return claim_batch(
                uow,
                self._owner,
                self._clock(),
                limit,
                self._policy,
                self._texts,
                recovered_at=outage_end,
                on_drop=dropped.append,
            )

        claimed = await writes.write(self._uows, claim)
        for _ in dropped:
            self._count("dropped")
        return claimed

    async def _release_dead(self) -> None:
        """A process of this host that died leaves leases: hand them back at once."""

        async def release(uow: UnitOfWork) -> int:
            released = 0
            for owner in await uow.outbox.sending_owners():
                if owner != self._owner and _is_dead(owner, self._owner):
                    released += await uow.outbox.release(owner)
            return released

        try:
            released = await writes.write(self._uows, release)
        except Exception:
            log.warning("Releasing dead leases failed; they run out by themselves", exc_info=True)
            return
        if released:
            log.info("Released %d notices a stopped process had claimed", released)

    async def _purge_safely(self) -> None:
        # Album pictures are the bulk of the outbox; a day after delivery nobody needs them.
        before = self._clock() - PURGE_EVERY * 24
        try:
            await writes.write(self._uows, lambda uow: uow.outbox.purge_files(before))
        except Exception:
            log.warning("Purging delivered pictures failed; trying again later", exc_info=True)

    # ------------------------------------------------------------------ sending

    async def _guard(self, work: Awaitable[None]) -> None:
        try:
            await work
        except DatabaseBusyError:
            log.warning("The database stayed busy; a delivery's record waits for its lease")
        except Exception:
            # The item stays "sending" and comes back when its lease runs out.
            log.exception("Recording a delivery failed")

    async def _deliver(self, claimed: Claimed) -> None:
        item, chat, started = claimed.item, claimed.item.notice.chat_id, False
        if claimed.last_sent is not None:
            # Recorded after Telegram answered, perhaps by a process that has since died.
            await self._budget.seen(chat, claimed.last_sent.timestamp())
        try:
            for part in range(item.parts_sent, item.notice.parts):
                if not await self._take_turn(chat):
                    await self._put_back(item, "waiting: Telegram asked to pause")
                    return
                if not started:
                    started = True
                    self._waiting -= 1
                try:
                    with booked():  # its turn is taken: the request middleware lets it by
                        message_id = await self._send_part(claimed, part)
                except Exception as exc:
                    await self._budget.done(chat)
                    await self._on_error(item, exc)
                    return
                await self._budget.done(chat)
                self._recovered()
                await self._record_part(item, part, message_id)
        finally:
            self._active -= 1
            if not started:
                self._waiting -= 1

    async def _take_turn(self, chat: int) -> bool:
        """Wait for this chat's and the bot's next free moment; False if a pause came first."""
        # While Telegram is unreachable only the probe goes; a long 429 is waited out in the
        # queue, not by a task holding its lease.
        return await self._budget.turn(chat, self._patience)

    def _patience(self) -> float:
        return 0.0 if self._outage.failures else self._policy.batch_seconds * 2

    async def _send_part(self, claimed: Claimed, part: int) -> int | None:
        """Send one part; Telegram's id of the message (of part one: a list's pages turn in it)."""
        notice, timeout = claimed.item.notice, int(self._policy.send_timeout)
        markup = InlineKeyboardMarkup.model_validate(claimed.markup) if claimed.markup else None
        if part == 1:
            await self._send_album(notice.chat_id, notice.album, timeout)
            return None
        if notice.photo is not None:
            sent = await self._bot.send_photo(
                notice.chat_id,
                BufferedInputFile(notice.photo, "chart.png"),
                caption=claimed.text or None,
                reply_markup=markup,
                request_timeout=timeout,
            )
        else:
            sent = await self._bot.send_message(
                notice.chat_id, claimed.text, reply_markup=markup, request_timeout=timeout
            )
        return sent.message_id

    async def _send_album(self, chat_id: int, album: Sequence[bytes], wait: int) -> None:
        files = [BufferedInputFile(png, f"chart{i + 1}.png") for i, png in enumerate(album)]
        if len(files) == 1:
            await self._bot.send_photo(chat_id, files[0], request_timeout=wait)
            return
        media: list[Any] = [InputMediaPhoto(media=f) for f in files[:10]]
        await self._bot.send_media_group(chat_id, media, request_timeout=wait)

    async def _record_part(self, item: OutboxItem, part: int, message_id: int | None) -> None:
        owner = self._owner
        if part + 1 >= item.notice.parts:
            await self._record(
                lambda uow: uow.outbox.mark_sent(item.id, owner, self._clock(), message_id)
            )
            self._count("sent")
        else:
            await self._record(
                lambda uow: uow.outbox.part_sent(item.id, owner, part + 1, message_id)
            )

    # ------------------------------------------------------------------ outcomes

    async def _on_error(self, item: OutboxItem, exc: Exception) -> None:
        if isinstance(exc, TelegramRetryAfter):
            await self._flood(item, exc.retry_after)
        elif isinstance(exc, TelegramForbiddenError):
            await self._unreachable(item, "blocked")
        elif isinstance(exc, TelegramUnauthorizedError):
            await self._hold(item, exc)
        elif isinstance(exc, TelegramEntityTooLarge):
            await self._fail(item, _reason("too large", exc))
        elif isinstance(exc, TRANSIENT):
            await self._transient(item, exc)
        elif isinstance(exc, TelegramBadRequest) and any(g in exc.message for g in GONE):
            await self._unreachable(item, _reason("gone", exc))
        elif isinstance(exc, TelegramBadRequest):
            await self._fail(item, _reason("bad request", exc))
        elif isinstance(exc, TelegramAPIError):
            await self._fail(item, _reason(type(exc).__name__, exc))
        else:
            # A bug or a malformed payload: retrying would fail the same way forever.
            log.error("Outbox item %s cannot be sent", item.id, exc_info=exc)
            await self._fail(item, _reason("error", exc))

    async def _flood(self, item: OutboxItem, retry_after: float) -> None:
        until = self._seconds() + retry_after
        await self._budget.pause(until, item.notice.chat_id)
        self._count("retry")
        await self._retry(item, until, f"flood control: {retry_after}s", item.attempts)

    async def _transient(self, item: OutboxItem, exc: Exception) -> None:
        if self._budget.paused_all <= self._seconds():
            self._outage.failures += 1  # one step of backoff per failed probe, not per request
        wait = self._policy.backoff(self._outage.failures)
        until = self._seconds() + wait
        await self._budget.pause(until)
        self._count("retry")
        if self._outage.failures == 1:
            log.warning("Telegram is unreachable (%s); the outbox waits and retries", exc)
        await self._retry(item, until, _reason("network", exc), item.attempts + 1)

    def _recovered(self) -> None:
        if self._outage.failures:
            log.warning("Telegram is reachable again after %d failed tries", self._outage.failures)
            self._outage = _Outage(ended_at=self._seconds())

    async def _unreachable(self, item: OutboxItem, reason: str) -> None:
        user_id = item.notice.user_id

        async def write(uow: UnitOfWork) -> None:
            await uow.outbox.mark_failed(item.id, self._owner, reason)
            if user_id is not None:
                now = self._clock()
                await report_unreachable(
                    uow, user_id, now, self._tz, self._quiet, self._texts.unreachable
                )
            elif item.notice.chat_id < 0:  # a group: the bot was removed from it
                await group_gone(uow, TelegramId(item.notice.chat_id), self._clock())

        log.warning("Outbox item %s failed: %s", item.id, reason)
        await self._record(write)
        self._count("unreachable")

    async def _hold(self, item: OutboxItem, exc: Exception) -> None:
        # A revoked token fails every item alike: keep them all for when it is fixed.
        log.error("Telegram refuses the bot token; the outbox waits")
        until = self._seconds() + self._policy.hold_seconds
        await self._budget.pause(until)
        self._count("retry")
        await self._retry(item, until, _reason("unauthorized", exc), item.attempts)

    async def _fail(self, item: OutboxItem, reason: str) -> None:
        log.warning("Outbox item %s failed: %s", item.id, reason)
        await self._record(lambda uow: uow.outbox.mark_failed(item.id, self._owner, reason))
        self._count("failed")

    async def _retry(self, item: OutboxItem, until: float, reason: str, attempts: int) -> None:
        retry_at = _at(until)
        await self._record(
            lambda uow: uow.outbox.retry(item.id, self._owner, retry_at, reason, attempts)
        )

    async def _put_back(self, item: OutboxItem, reason: str) -> None:
        until = max(await self._budget.paused(item.notice.chat_id), self._seconds())
        await self._retry(item, until, reason, item.attempts)

    async def _record(self, write: Write) -> None:
        # Short transactions, the lock taken up front and committed at once: the window in
        # which a crash makes Telegram's answer unknown to the outbox is their length, and the
        # outcomes that arrive while one commits go together in the next (see _Recorder).
        await self._recorder.record(write)

    # ------------------------------------------------------------------ time

    def _seconds(self) -> float:
        return self._clock().timestamp()

    @property
    def telegram_reachable(self) -> bool:
        """False while sends fail to reach Telegram (the outbox waits for it, not for us)."""
        return not self._outage.failures

    def _idle(self) -> float:
        until_unpaused = self._budget.paused_all - self._seconds()
        return max(self._policy.busy_seconds, min(self._idle_seconds, until_unpaused + 0.001))

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


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def owner_name() -> str:
    """This process's name on the leases it takes: `host:pid-namespace:pid:token` (≤ 64)."""
    return f"{socket.gethostname()[:30]}:{_pid_namespace()}:{os.getpid()}:{secrets.token_hex(3)}"


def _pid_namespace() -> str:
    # Two containers may share a host name and both run pid 1: their namespaces differ.
    try:
        return os.readlink("/proc/self/ns/pid").strip("pid:[]")[:12]
    except OSError:
        return "-"


def _is_dead(owner: str, mine: str) -> bool:
    """Whether the process that took these leases is gone for sure: it ran on this host, in
    this pid namespace, and its pid is free now or is ours (we are a later process)."""
    theirs, ours = owner.split(":"), mine.split(":")
    if len(theirs) != 4 or len(ours) != 4 or theirs[:2] != ours[:2] or theirs[1] == "-":
        return False
    if not theirs[2].isdigit():
        return False
    pid = int(theirs[2])
    if theirs[2] == ours[2]:
        return theirs[3] != ours[3]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
