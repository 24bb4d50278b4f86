"""Start the sandbox: the Bot API server and page, the demo company, the real bot pointed at it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot import redact
from bot.app import job_context, prepare_database, run
from bot.config import Settings
from bot.jobs.scheduler import JOBS
from bot.services.calendar import team_calendar
from bot.services.ports import UnitOfWorkFactory
from sandbox.clock import JumpClock
from sandbox.server import Sandbox
from sandbox.world import World

log = logging.getLogger("sandbox")
TOKEN = "1234567:sandbox-token"
ADMIN_ID = 100001
DEFAULT_DATABASE = Path("data/sandbox.db")
BANNER = """
  Sandbox running: open {url} in a browser.
  (a local Telegram stand-in; the bot's data is in {db}, apart from the real one)
  Press Ctrl-C to stop.
"""


@dataclass(frozen=True)
class Options:
    host: str = "127.0.0.1"
    port: int = 8080
    database: Path = DEFAULT_DATABASE
    demo: bool = True
    seed: int = 7
    headless: bool = False
    start: time | None = None  # the bot's clock starts at this time of today (team time)


def sandbox_settings(url: str, database: Path) -> Settings:
    """The user's settings (.env) for language and time zone, but never their token or data."""
    return Settings(
        bot_token=TOKEN,
        telegram_api_url=url,
        database_url=f"sqlite+aiosqlite:///{database}",
        bot_admins=[ADMIN_ID],
        redis_url=None,
        webhook_url=None,  # the stand-in hands out updates by long polling
        health_port=None,
    )


class Jumper:
    """Moves the clock, then runs every scheduled job once so its notices go out at once."""

    def __init__(self, clock: JumpClock, settings: Settings, uows: UnitOfWorkFactory) -> None:
        self.clock, self.ctx = clock, job_context(settings, uows, clock)

    async def __call__(self, to: str, hours: float) -> dict[str, Any]:
        if to == "morning":
            async with self.ctx.uow_factory() as uow:
                company = await self.ctx.company(uow)
                today = self.clock().astimezone(company.tz).date()
                work = await team_calendar(uow, company, today)
            self.clock.next_morning(company.tz, working=work.is_working)
        else:
            self.clock.forward(timedelta(hours=hours))
        queued = 0
        for job, _seconds in JOBS:
            queued += await job(self.ctx)
        log.info("Jumped to %s; the jobs queued %d notices", self.clock().isoformat(), queued)
        return {"now": self.clock().isoformat(), "clock": await self.team_time(), "queued": queued}

    async def team_tz(self) -> ZoneInfo:
        """The team's time zone as the company settings have it now (an admin may change it)."""
        async with self.ctx.uow_factory() as uow:
            return (await self.ctx.company(uow)).tz

    async def team_time(self) -> str:
        """Now in the team's time zone and the bot's format: 23.11.2026 10:00 (Europe/Moscow)."""
        tz = await self.team_tz()
        return f"{self.clock().astimezone(tz):%d.%m.%Y %H:%M} ({tz.key})"

    async def team_zone(self) -> str:
        """The team's zone key (Europe/Moscow): the page shows message times in it."""
        return (await self.team_tz()).key


async def serve(options: Options) -> None:
    """Until the bot stops (Ctrl-C or SIGTERM), then the server goes too."""
    clock = JumpClock()
    box = Sandbox(token=TOKEN, world=World(clock=clock.seconds))
    url = await box.start(options.host, options.port)
    settings = sandbox_settings(url, options.database)
    if options.start is not None:
        clock.start_at(settings.tz, options.start)
    redact.install(redact.secrets_of(settings))
    engine, uows = await prepare_database(settings)
    try:
        from sandbox.demo import PERSONAS, seed_demo

        if options.demo:
            if not options.headless:
                print("Preparing the demo company (the first start takes a while)...", flush=True)
            await seed_demo(uows, clock(), options.seed)
        box.personas = [p.public() for p in PERSONAS if options.demo or p.id == ADMIN_ID]
        for persona in box.personas:
            box.world.user(persona["id"], persona["first_name"], username=persona["username"],
                           language_code=persona["language_code"])  # fmt: skip
        jumper = Jumper(clock, settings, uows)
        box.jump, box.now, box.clock = jumper, lambda: clock().isoformat(), jumper.team_time
        box.zone = jumper.team_zone
        print(f"SANDBOX_URL={url}", flush=True)
        if not options.headless:
            print(BANNER.format(url=url, db=options.database), flush=True)
        await run(settings, clock)
    finally:
        await box.stop()
        await engine.dispose()


def main(options: Options) -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    asyncio.run(serve(options))
