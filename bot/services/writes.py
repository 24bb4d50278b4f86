"""Short write transactions for jobs and the sender, run again while the database is busy."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.domain.errors import DatabaseBusyError
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

# Each try waits up to the busy timeout (5 s) for the lock, then backs off: 0.05 s doubling to
# 2 s. Eight tries outlast any writer that keeps its transaction short by far; one that does
# not is a bug to see, so the last busy error is raised.
ATTEMPTS = 8
FIRST_DELAY, MAX_DELAY = 0.05, 2.0


def backoff(attempt: int) -> float:
    """The pause after the `attempt`-th busy try (1-based), jittered so writers spread out."""
    pause = min(FIRST_DELAY * 2.0 ** (attempt - 1), MAX_DELAY)
    return pause * random.uniform(0.5, 1.0)


async def write(
    uows: UnitOfWorkFactory,
    work: Callable[[UnitOfWork], Awaitable[T]],
    *,
    attempts: int = ATTEMPTS,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """`work` in a writer's unit of work (the write lock taken up front), then commit.

    While the lock stays taken past the busy timeout, the whole unit of work runs again after
    a pause: busy is load, not an error, so it is logged at INFO. `work` must only use the
    unit of work (no Telegram, nothing that cannot run twice) and should be quick: the lock is
    held from its first statement to the commit."""
    for attempt in range(1, attempts + 1):
        try:
            async with uows(write=True) as uow:
                result = await work(uow)
                await uow.commit()
                return result
        except DatabaseBusyError:
            if attempt == attempts:
                raise
            pause = backoff(attempt)
            log.info("Database busy; writing again in %.2f s (try %d)", pause, attempt + 1)
            await sleep(pause)
    raise AssertionError("unreachable")
