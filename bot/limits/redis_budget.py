"""One outgoing budget for every process behind the token, kept in Redis.

Telegram's limits, made atomic by a Lua script on the Redis server's clock (its TIME, so the
processes' clocks need not agree):

* starts on one grid of `1 / (30 × (1 − margin))` s steps, one a step, whoever books it:
  the local `Pacer`'s even pace;
* a send holds one of the bot's 30 places from its start until a second after Telegram
  answered it. Telegram counts a send when it arrives, somewhere in between, so no second of
  arrivals holds more than 30, however late a start or slow the network (spacing the starts
  alone is not enough: measured against the sandbox's strict stand-in over local HTTP, a
  process's jitter of a few tens of milliseconds made 1–8 sends in 900 a 31st);
* a chat's next start `per_chat_interval` after Telegram answered its previous send, and
  never while another process's send to it is in flight;
* at most `group_limit` starts in any `group_window` in a group (a negative chat id);
* a chat's 429 pause holds it for every process. A pause of this process alone (Telegram
  unreachable from here, the token refused) stays in the process.

Should Redis itself fail, the process paces alone (at the whole rate) and says so in the log:
Telegram's 429s, waited out per chat, then keep the processes apart until Redis is back.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from contextvars import ContextVar
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.domain.notices import DeliveryPolicy
from bot.limits.budget import LocalBudget, Patience, Seconds, forever

log = logging.getLogger(__name__)
# Redis away or too slow; any other error of Redis's is a bug to see, not to work around.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
WARN_EVERY = 60.0  # seconds between warnings that Redis cannot be reached

# KEYS: 1 the steps booked or spent (a sorted set), 2 the chat's record, 3 the group's starts
# in the last minute, 4 the bot's sends that hold a place (see `bot_room`). ARGV: 1 the
# operation, 2 the step, 3 the per-chat interval, 4 the bot's limit a second, 5 the group
# limit, 6 its window, 7 whether there is a chat, 8 whether it is a group, 9 the operation's
# number (a step, or seconds), 10 seconds this process holds all sends.
SCRIPT = """
local t = redis.call('TIME')
local now = (tonumber(t[1]) - 1750000000) + tonumber(t[2]) / 1000000
local op = ARGV[1]
local spacing, interval, limit = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local group_limit, group_window = tonumber(ARGV[5]), tonumber(ARGV[6])
local has_chat, is_group = ARGV[7] == '1', ARGV[8] == '1'
local arg, hold = tonumber(ARGV[9]), tonumber(ARGV[10])
local TOL, STALE, POLL, NEVER = 0.00001, 30, 0.05, -1e18

local function num(v, default)
  if v then return tonumber(v) end
  return default
end

local function chat_state()
  if not has_chat then return NEVER, NEVER, nil end
  local s = redis.call('HMGET', KEYS[2], 'free', 'paused', 'flying')
  local flying = num(s[3], nil)
  if flying and flying + STALE < now then flying = nil end  -- lost with its process
  return num(s[1], NEVER), num(s[2], NEVER), flying
end

local function set_chat(field, value)
  redis.call('HSET', KEYS[2], field, tostring(value))
  local s = redis.call('HMGET', KEYS[2], 'free', 'paused', 'flying')
  local last = math.max(num(s[1], now), num(s[2], now), num(s[3], now - STALE) + STALE)
  redis.call('EXPIRE', KEYS[2], math.ceil(last - now) + 60)
end

-- Telegram counts a send when it arrives, somewhere between its start and its answer. So a
-- send holds one of the bot's places from its start until a second after its answer (scored
-- by its answer; while in flight, by the moment it goes stale): however late a start or
-- slow the network, no second of arrivals holds more than `limit`.
local function bot_room()
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - 1)
  local count = redis.call('ZCARD', KEYS[4])
  if count < limit then return NEVER end
  local first = redis.call('ZRANGE', KEYS[4], count - limit, count - limit, 'WITHSCORES')
  local leaving = tonumber(first[2])
  if leaving > now then return now + POLL end  -- still in flight: its answer decides
  return leaving + 1
end

local function group_room()
  if not is_group then return NEVER end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - group_window)
  local count = redis.call('ZCARD', KEYS[3])
  if count < group_limit then return NEVER end
  local first = redis.call('ZRANGE', KEYS[3], count - group_limit, count - group_limit,
                           'WITHSCORES')
  return tonumber(first[2]) + group_window
end

local function ready()
  local free, paused, flying = chat_state()
  local at = math.max(now + hold, free, paused, group_room(), bot_room())
  if flying then at = math.max(at, flying + interval, now + POLL) end
  return at, (paused > now or hold > 0)
end

local function start(step)
  local free, paused, flying = chat_state()
  if flying or hold > 0 or now < math.max(step * spacing, free, paused) - TOL then
    return false
  end
  if group_room() > now or bot_room() > now then return false end
  redis.call('ZADD', KEYS[4], now + STALE, tostring(step))
  redis.call('EXPIRE', KEYS[4], STALE + 2)
  if has_chat then set_chat('flying', now) end
  if is_group then
    redis.call('ZADD', KEYS[3], now, tostring(step))
    redis.call('EXPIRE', KEYS[3], math.ceil(group_window) + 1)
  end
  return true
end

if op == 'reserve' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', math.floor(now / spacing) - 2)
  local at, paused = ready()
  local step = math.ceil((at - TOL) / spacing)
  while redis.call('ZSCORE', KEYS[1], tostring(step)) do step = step + 1 end
  redis.call('ZADD', KEYS[1], step, tostring(step))
  redis.call('EXPIRE', KEYS[1], 600)
  local wait = step * spacing - now
  if wait <= TOL and start(step) then return {1, tostring(step), '0', 0} end
  return {0, tostring(step), tostring(math.max(wait, 0)), paused and 1 or 0}
elseif op == 'start' then
  if start(arg) then return 1 end
  redis.call('ZREM', KEYS[1], ARGV[9])
  return 0
elseif op == 'cancel' then
  redis.call('ZREM', KEYS[1], ARGV[9])
elseif op == 'done' then
  if arg ~= 0 then redis.call('ZADD', KEYS[4], 'XX', now, ARGV[9]) end
  if has_chat then
    local free = chat_state()
    redis.call('HDEL', KEYS[2], 'flying')
    set_chat('free', math.max(free, now + interval))
  end
elseif op == 'seen' and has_chat then
  local free = chat_state()
  set_chat('free', math.max(free, now - arg + interval))
elseif op == 'pause' and has_chat then
  local _, paused = chat_state()
  set_chat('paused', math.max(paused, now + arg))
elseif op == 'paused' then
  local _, paused = chat_state()
  return tostring(paused - now)
elseif op == 'peek' then
  local at = ready()
  return tostring(at - now)
end
return 0
"""


class RedisBudget:
    """Telegram's limits shared through Redis by every process that sends for the bot."""

    def __init__(
        self,
        redis: Redis,
        policy: DeliveryPolicy,
        seconds: Seconds,
        *,
        prefix: str = "salesbot:budget",
        group_limit: int = 20,
        group_window: float = 60.0,
    ) -> None:
        self._script = redis.register_script(SCRIPT)
        self._seconds = seconds
        self._prefix = prefix + ":{b}"  # one hash slot for all the keys a script touches
        spacing = 1.0 / (policy.global_per_second * (1 - policy.margin))
        limit = math.floor(policy.global_per_second)
        self._config = [spacing, policy.per_chat_interval, limit, group_limit, group_window]
        self._paused_all = -math.inf
        self._alone = LocalBudget(policy, seconds)  # while Redis cannot be reached
        self._warned = -math.inf
        # The step of this task's send in flight, for `done` to score it by its answer.
        self._step: ContextVar[bytes | None] = ContextVar(f"budget_step_{id(self)}", default=None)

    @property
    def paused_all(self) -> float:
        return self._paused_all

    async def turn(self, chat: int | None, patience: Patience = forever) -> bool:
        try:
            return await self._turn(chat, patience)
        except UNREACHABLE as error:
            self._warn(error)
            return await self._alone.turn(chat, patience)

    async def _turn(self, chat: int | None, patience: Patience) -> bool:
        while True:
            started, step, wait, paused = await self._run("reserve", chat)
            if not started:
                if paused and float(wait) > patience():
                    await self._run("cancel", chat, step)
                    return False
                try:
                    await asyncio.sleep(float(wait))
                except asyncio.CancelledError:
                    await self._run("cancel", chat, step)
                    raise
                started = await self._run("start", chat, step)
            if started:
                self._step.set(step)
                return True

    async def done(self, chat: int | None) -> None:
        step, _ = self._step.get(), self._step.set(None)
        await self._safely("done", chat, step or 0)

    async def seen(self, chat: int, at: float) -> None:
        await self._safely("seen", chat, max(0.0, self._seconds() - at))

    async def pause(self, until: float, chat: int | None = None) -> None:
        await self._alone.pause(until, chat)
        if chat is None:
            self._paused_all = max(self._paused_all, until)
        else:
            await self._safely("pause", chat, max(0.0, until - self._seconds()))

    async def paused(self, chat: int) -> float:
        now = self._seconds()
        try:
            left = float(await self._run("paused", chat))
        except UNREACHABLE as error:
            self._warn(error)
            return await self._alone.paused(chat)
        return max(now + left, self._paused_all)

    async def next_start(self, chat: int | None) -> float:
        """Seconds until the chat could start, booking nothing (the grid's steps aside)."""
        return float(await self._run("peek", chat))

    async def _safely(self, op: str, chat: int | None, arg: float | bytes = 0.0) -> None:
        try:
            await self._run(op, chat, arg)
        except UNREACHABLE as error:
            self._warn(error)
        if op == "done":
            await self._alone.done(chat)
        elif op == "seen" and chat is not None and isinstance(arg, float):
            await self._alone.seen(chat, self._seconds() - arg)

    async def _run(self, op: str, chat: int | None, arg: float | bytes = 0) -> Any:
        at = f"{self._prefix}:"
        keys = [at + "steps", f"{at}c:{chat}", f"{at}g:{chat}", at + "sends"]
        hold = max(0.0, self._paused_all - self._seconds())
        group = chat is not None and chat < 0
        args = [op, *self._config, int(chat is not None), int(group), arg, hold]
        return await self._script(keys=keys, args=args)

    def _warn(self, error: RedisError) -> None:
        if time.monotonic() - self._warned > WARN_EVERY:
            self._warned = time.monotonic()
            log.warning("Redis unreachable (%s): this process paces its sends alone", error)
