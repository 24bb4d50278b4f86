"""Flood control's buckets in Redis: one person's budget whichever process handles them.

Values carry their own times on the caller's clock (tests move it); Redis's expiry only
clears them away, a minute after they stop mattering. Should Redis fail, updates go through
unlimited (the log says so once a minute): flood control must never stop the bot.
"""

from __future__ import annotations

import logging
import math
import time

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.limits.flood import Rate

log = logging.getLogger(__name__)
# Redis away or too slow; any other error of Redis's is a bug to see, not to work around.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
WARN_EVERY = 60.0
SPARE_MS = 60_000  # kept this long past the moment a value stops mattering

TAKE = """
local now, every, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local start = math.max(tonumber(redis.call('GET', KEYS[1]) or ARGV[1]), now)
local new = start + every
local allowed = new - burst * every
if allowed > now + 0.000000001 then return tostring(allowed - now) end
redis.call('SET', KEYS[1], tostring(new), 'PX', math.ceil((new - now) * 1000) + tonumber(ARGV[4]))
return '0'
"""

FIRST = """
local now, quiet = tonumber(ARGV[1]), tonumber(ARGV[2])
local expires = tonumber(redis.call('GET', KEYS[1]) or '-1')
redis.call('SET', KEYS[1], tostring(now + quiet), 'PX', math.ceil(quiet * 1000) + tonumber(ARGV[3]))
if expires <= now then return 1 end
return 0
"""


class RedisBuckets:
    """`bot.limits.flood.Buckets` in Redis."""

    def __init__(self, redis: Redis, prefix: str = "salesbot:flood") -> None:
        self._redis, self._prefix = redis, prefix
        self._take = redis.register_script(TAKE)
        self._first = redis.register_script(FIRST)
        self._warned = -math.inf

    async def take(self, key: str, rate: Rate, now: float) -> float:
        args: list[str | int] = [repr(now), repr(rate.every), rate.burst, SPARE_MS]
        try:
            return float(await self._take(keys=[self._key(key)], args=args))
        except UNREACHABLE as error:
            self._warn(error)
            return 0.0

    async def first(self, key: str, quiet: float, now: float) -> bool:
        args: list[str | int] = [repr(now), repr(quiet), SPARE_MS]
        try:
            return bool(await self._first(keys=[self._key(key)], args=args))
        except UNREACHABLE as error:
            self._warn(error)
            return False

    async def get(self, key: str, now: float) -> str | None:
        try:
            raw = await self._redis.get(self._key(key))
        except UNREACHABLE as error:
            self._warn(error)
            return None
        if raw is None:
            return None
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        value, _, until = text.rpartition("|")
        return value if float(until) > now else None

    async def put(self, key: str, value: str | None, ttl: float, now: float) -> None:
        try:
            if value is None:
                await self._redis.delete(self._key(key))
            else:
                ms = math.ceil(ttl * 1000) + SPARE_MS
                await self._redis.set(self._key(key), f"{value}|{now + ttl!r}", px=ms)
        except UNREACHABLE as error:
            self._warn(error)

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    def _warn(self, error: RedisError) -> None:
        if time.monotonic() - self._warned > WARN_EVERY:
            self._warned = time.monotonic()
            log.warning("Redis unreachable (%s): flood control lets every update through", error)
