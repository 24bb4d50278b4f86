"""The composition root: settings → engine → unit of work → Bot, Dispatcher. Tests use it too."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, User
from aiohttp import web
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.domain.company import CompanySettings
from bot.domain.notices import DeliveryPolicy, QuietHours
from bot.health import Health, add_routes
from bot.i18n import LANGUAGES, translator
from bot.jobs.context import JobContext
from bot.jobs.scheduler import build_scheduler
from bot.jobs.sender import Count, Sender, owner_name
from bot.limits.budget import LocalBudget, SendBudget
from bot.limits.flood import FloodControl, MemoryBuckets
from bot.limits.requests import pace_replies
from bot.metrics import Metrics, UpdateMetricsMiddleware
from bot.server import check_redis, serving, take_port, until_stopped
from bot.services import writes
from bot.services.clock import Clock, utc_now
from bot.services.ports import UnitOfWorkFactory
from bot.services.team import prepare_installation
from bot.webhook import WebhookHandler
from handlers import get_routers
from handlers.flood import install as install_flood_control
from handlers.keyboards import STAFF_COMMANDS
from handlers.middlewares import ContextMiddleware, forget_event_types
from handlers.notices import TelegramNotifier
from handlers.routing import PressSwitch, run_filters_inline
from storage.backup import DatabaseInUseError, database_lock
from storage.db import make_engine, make_sessions, migrate
from storage.uow import SqlUnitOfWorkFactory

if TYPE_CHECKING:  # the redis client loads only with REDIS_URL set (`build_shared`, `_redis`)
    from redis.asyncio import Redis

log = logging.getLogger("salesbot")
CLAIM_HINT = """
No admin yet. To become the admin, send this to the bot from your Telegram account:

    /start {code}

(or set BOT_ADMINS to your Telegram user id and restart)
"""
PUBLIC_COMMANDS = ("start", "help")
COMMANDS = STAFF_COMMANDS


def build_dispatcher(
    uow_factory: UnitOfWorkFactory,
    *,
    admins: Collection[int] = (),
    language: str = "ru",
    timezone: str = "Europe/Moscow",
    clock: Clock = utc_now,
    storage: BaseStorage | None = None,
    quiet: QuietHours | None = None,
    company: str = "",
    defaults: CompanySettings | None = None,
    metrics: Metrics | None = None,
    isolation: BaseEventIsolation | None = None,
    flood: FloodControl | None = None,
    routers: Router | None = None,
) -> Dispatcher:
    """Every router and middleware, wired to the given storage and clock.

    `defaults` are the company settings until an admin changes them (the loose arguments
    build them for tests that only care about one). `routers`: the tree `bot_routers()` built,
    for a caller that builds many dispatchers (the flow tests lend one tree to each in turn)."""
    defaults = defaults or CompanySettings(
        company_name=company, timezone=timezone, quiet=quiet or QuietHours(), language=language
    )
    dp = Dispatcher(
        storage=storage or MemoryStorage(),
        events_isolation=isolation or SimpleEventIsolation(),
        defaults=defaults,
    )
    dp.update.outer_middleware(forget_event_types)
    if metrics is not None:  # first after it, so it times and counts every update
        dp.update.outer_middleware(UpdateMetricsMiddleware(metrics))
    if flood is not None:
        # Ahead of the FSM middleware, which holds the person's lock around the rest: a
        # dropped update waits for no lock and touches neither state nor the database.
        install_flood_control(dp, flood, clock, defaults.language)
    dp.update.outer_middleware(ContextMiddleware(uow_factory, clock, admins, defaults))
    dp.include_router(routers or bot_routers())
    run_filters_inline(dp)  # once per tree: a filter already in place is left as it is
    return dp


def bot_routers() -> Router:
    """The feature routers under one switch: a press tries only the routers of its kind. They
    keep no state of their own: what an update needs comes from the dispatcher's middlewares."""
    return PressSwitch(get_routers())


def build_bot(settings: Settings) -> Bot:
    """A Bot that talks to Telegram, or to the self-hosted Bot API server the settings name."""
    assert settings.bot_token is not None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True),
    )


def build_storage(settings: Settings) -> BaseStorage:
    """Conversation state in Redis when several processes share the work, else in memory."""
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url, key_builder=fsm_keys(settings))
    return MemoryStorage()


def redis_key(settings: Settings, name: str) -> str:
    """A key prefix of ours under REDIS_PREFIX (`salesbot:budget` or `crm:salesbot:budget`)."""
    return f"{settings.redis_prefix}:{name}" if settings.redis_prefix else name


def fsm_keys(settings: Settings) -> DefaultKeyBuilder:
    """aiogram's keys for conversation state and each person's lock, under REDIS_PREFIX."""
    return DefaultKeyBuilder(prefix=redis_key(settings, "fsm"))


@dataclass
class Shared:
    """What the processes behind one token share: conversation state, each person's lock,
    Telegram's rate budget and flood control; in Redis with REDIS_URL, else in memory."""

    storage: BaseStorage
    isolation: BaseEventIsolation
    budget: SendBudget
    flood: FloodControl

    async def close(self) -> None:
        await self.isolation.close()
        await self.storage.close()  # and the Redis connections with it


def build_shared(settings: Settings, clock: Clock) -> Shared:
    """Redis's versions when REDIS_URL is set (one connection pool for all), else memory's."""

    def seconds() -> float:
        return clock().timestamp()

    if not settings.redis_url:
        budget = LocalBudget(DeliveryPolicy(), seconds)
        return Shared(
            MemoryStorage(), SimpleEventIsolation(), budget, FloodControl(MemoryBuckets())
        )
    from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
    from redis.asyncio import Redis

    from bot.limits.redis_budget import RedisBudget
    from bot.limits.redis_flood import RedisBuckets

    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=5, socket_timeout=5)
    # A person's next update polls for the lock every 20 ms; a handler stuck past a minute
    # frees it (Telegram stops waiting long before).
    keys = fsm_keys(settings)
    isolation = RedisEventIsolation(
        redis, key_builder=keys, lock_kwargs={"timeout": 60, "sleep": 0.02}
    )
    return Shared(
        RedisStorage(redis, key_builder=keys),
        isolation,
        RedisBudget(
            redis, DeliveryPolicy(), seconds, prefix=redis_key(settings, "salesbot:budget")
        ),
        FloodControl(RedisBuckets(redis, prefix=redis_key(settings, "salesbot:flood"))),
    )


async def set_commands(bot: Bot, default_language: str) -> None:
    """Everyone's menu: only /start and /help, so clients and strangers see no staff commands.
    A team member's own chat gets the full menu when they start (`set_staff_commands`)."""
    scope = BotCommandScopeAllPrivateChats()
    for lang in (*LANGUAGES, None):
        t = translator(lang or default_language)
        commands = [BotCommand(command=c, description=t(f"cmd.{c}")) for c in PUBLIC_COMMANDS]
        await bot.set_my_commands(commands, scope=scope, language_code=lang)


async def prepare_database(settings: Settings) -> tuple[AsyncEngine, SqlUnitOfWorkFactory]:
    """Create and migrate the database, seed the pipelines, print a claim code if needed."""
    engine = make_engine(settings.database_url)
    try:
        await migrate(engine)
    except (OSError, DBAPIError) as error:
        await engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnreachableError(f"{where}: {_first_line(error)}") from error
    uow_factory = SqlUnitOfWorkFactory(make_sessions(engine))
    code = await writes.write(
        uow_factory, lambda uow: prepare_installation(uow, settings.bot_admins, settings.language)
    )
    if code is not None:
        # Printed, not only logged: whatever LOG_LEVEL says, the owner must see it once.
        print(CLAIM_HINT.format(code=code), file=sys.stderr, flush=True)
    return engine, uow_factory


class DatabaseUnreachableError(Exception):
    """The database named by DATABASE_URL cannot be reached or opened at start."""


def _first_line(error: BaseException) -> str:
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


def job_context(settings: Settings, uow_factory: UnitOfWorkFactory, clock: Clock) -> JobContext:
    """The jobs' storage, clock and settings, and the one notifier that words their notices."""
    defaults = settings.company_defaults()
    return JobContext(
        uow_factory=uow_factory,
        clock=clock,
        notifier=TelegramNotifier.of(defaults),
        defaults=defaults,
        grace=timedelta(hours=settings.reminder_grace_hours),
    )


def build_sender(
    bot: Bot, ctx: JobContext, budget: SendBudget | None = None, count: Count | None = None
) -> Sender:
    """The one sender of this process; its name marks the outbox rows it has claimed.

    `budget` is Telegram's limits shared with the handlers' answers (and, through Redis,
    with the other processes); without one the sender paces alone. `count` hears what became
    of each try (metrics)."""
    return Sender(
        bot,
        ctx.uow_factory,
        ctx.clock,
        DeliveryPolicy(),
        owner_name(),
        ctx.defaults.tz,  # only for "X blocked the bot" notices to heads
        ctx.defaults.quiet,
        ctx.notifier,
        count=count,
        budget=budget,
    )


async def wait_for_api(bot: Bot, attempts: int = 8) -> User:
    """getMe, retried while a self-hosted Bot API server is still coming up."""
    for attempt in range(attempts):
        try:
            return await bot.me()
        except TelegramNetworkError as error:
            if attempt == attempts - 1:
                raise
            delay = min(2**attempt, 15)
            log.warning("Bot API not reachable (%s); retrying in %ss", error, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def warn_obsolete(settings: Settings) -> None:
    """A setting the bot no longer reads, still set: one line, and nothing else changes."""
    if settings.send_rate is not None:
        log.warning("SEND_RATE is no longer read: all processes share Telegram's 30/s budget")


async def run(settings: Settings, clock: Clock = utc_now) -> None:
    """Long polling or the webhook server, the scheduler and the sender, until interrupted.

    Redis and the port are checked before the database is touched, so a start that cannot
    serve writes nothing. `clock` is the wall clock but for the sandbox, whose "jump in time"
    moves it."""
    warn_obsolete(settings)
    if settings.redis_url:
        await check_redis(settings.redis_url)
    sock = listening_socket(settings)
    try:
        with _holding_database(settings):  # `python -m bot restore` refuses while a bot holds it
            await _run(settings, clock, sock)
    finally:
        if sock is not None:
            sock.close()


@contextmanager
def _holding_database(settings: Settings) -> Iterator[None]:
    try:
        with database_lock(settings.sqlite_path()):
            yield
    except DatabaseInUseError as error:
        raise DatabaseUnreachableError(str(error)) from None


def listening_socket(settings: Settings) -> socket.socket | None:
    """The webhook's port, or the health port when polling (if set), taken now."""
    if settings.webhook_url:
        return take_port(settings.webhook_host, settings.webhook_port, "WEBHOOK_PORT")
    if settings.health_port:
        return take_port(settings.webhook_host, settings.health_port, "HEALTH_PORT")
    return None


async def _run(settings: Settings, clock: Clock, sock: socket.socket | None) -> None:
    engine, uow_factory = await prepare_database(settings)
    metrics = Metrics()
    shared = build_shared(settings, clock)
    bot = build_bot(settings)
    pace_replies(bot, shared.budget, lambda: clock().timestamp())
    dp = build_dispatcher(
        uow_factory,
        admins=settings.bot_admins,
        language=settings.language,
        timezone=settings.timezone,
        clock=clock,
        storage=shared.storage,
        defaults=settings.company_defaults(),
        metrics=metrics,
        isolation=shared.isolation,
        flood=shared.flood,
    )
    ctx = job_context(settings, uow_factory, clock)
    scheduler, stop = build_scheduler(ctx, metrics.job_ran), asyncio.Event()
    redis = _redis(settings)
    try:
        me = await wait_for_api(bot)
        log.info("Started as @%s, database %s", me.username, engine.url.render_as_string())
        await set_commands(bot, settings.language)
        scheduler.start()
        sender = build_sender(bot, ctx, shared.budget, metrics.send_outcome)
        sending = asyncio.create_task(sender.run(stop))
        health = Health(
            uow_factory,
            clock,
            metrics,
            redis_ping=redis.ping if redis is not None else None,
            telegram_reachable=lambda: sender.telegram_reachable,
            sender_running=lambda: not sending.done(),
        )
        freeze_start_objects()
        await receive_updates(settings, dp, bot, health, sock)
        stop.set()
        await sending
    finally:
        stop.set()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await bot.session.close()
        await shared.close()
        if redis is not None:
            await redis.aclose()
        await engine.dispose()


def freeze_start_objects() -> None:
    """What the start built (modules, pydantic models, routers, ~1,000 handlers) lives as long
    as the process: moved out of the garbage collector's sight, so the collections that the
    updates' short-lived objects set off no longer walk it each time. 50 sellers pressing at
    once (benchmarks/press_latency.py, 20 waves, three runs each, alternating): p95 254-262
    ms against 257-304 without, the slowest press 279-326 against 316-343 ms."""
    gc.collect()
    gc.freeze()


def _redis(settings: Settings) -> Redis | None:
    if not settings.redis_url:
        return None
    from redis.asyncio import Redis

    return Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=3)


async def receive_updates(
    settings: Settings, dp: Dispatcher, bot: Bot, health: Health, sock: socket.socket | None
) -> None:
    """Until a signal: the webhook server (with the health endpoints) when WEBHOOK_URL is set,
    else long polling (with the health endpoints on HEALTH_PORT, if set)."""
    if not settings.webhook_url:
        # Telegram sends no updates to getUpdates while a webhook is set.
        await bot.delete_webhook(drop_pending_updates=False)
        with_health = serving(sock, lambda app: add_routes(app, health)) if sock else None
        async with with_health or contextlib.nullcontext():
            await dp.start_polling(bot, handle_signals=True)
        return
    assert sock is not None
    assert settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    webhook = WebhookHandler(dp, bot, health.uows, secret, health.clock, health.metrics)

    def routes(app: web.Application) -> None:
        app.router.add_post(settings.webhook_path, webhook.handle)
        add_routes(app, health)

    await dp.emit_startup(bot=bot, bots=[bot], dispatcher=dp)
    try:
        async with serving(sock, routes):
            log.info("Webhook: taking updates at %s", settings.webhook_path)
            await until_stopped()
    finally:
        await webhook.close()
        await dp.emit_shutdown(bot=bot, bots=[bot], dispatcher=dp)
