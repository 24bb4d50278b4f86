"""The head's and admin's commands over HTTP against the demo company of `python -m sandbox`:
each answers with its report, chart or file, and none says "something went wrong"."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from tests.e2e.chat import WAIT, Chat
from tests.e2e.test_day import download

ADMIN, HEAD = 100001, 100002
MOSCOW = ZoneInfo("Europe/Moscow")


async def new_file(chat: Chat, after: int, kind: str) -> str:
    """The id of the first photo or document the bot sent after message `after`."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while asyncio.get_running_loop().time() < deadline:
        for message in await chat.bot_messages():
            media = message.get(kind)
            if media and message["message_id"] > after:
                return str((media[-1] if kind == "photo" else media)["file_id"])
        await asyncio.sleep(0.1)
    raise AssertionError(f"{chat.name}: no {kind} after message {after}")


async def last_id(chat: Chat) -> int:
    return max((m["message_id"] for m in await chat.bot_messages()), default=0)


@pytest.mark.e2e
async def test_the_heads_commands_answer_in_the_demo_company(demo_sandbox: str) -> None:
    async with aiohttp.ClientSession() as http:
        head = Chat(http, demo_sandbox, HEAD, "Олег")
        admin = Chat(http, demo_sandbox, ADMIN, "Анна")
        await head.send("/start", "руководитель")

        # The stalled deals open apart from the digest, which stays as it was.
        await head.send("/digest", "Планёрка")
        [digest] = [m for m in await head.bot_messages() if "Планёрка" in str(m.get("text"))]
        album = await download(
            http, demo_sandbox, await new_file(head, digest["message_id"], "photo")
        )
        assert album.startswith(b"\x89PNG")  # the charts come as an album (sendMediaGroup)
        await head.press("🐢 Сделки в застое", "Открытые сделки команды")
        [same] = [m for m in await head.bot_messages() if m["message_id"] == digest["message_id"]]
        assert same == digest

        await head.send("/report", "Продажи команды")
        await head.press("Неделя", "Продажи команды")
        month = await head.press("Месяц", r"Продажи команды.* 01\.\d\d\.\d{4} —")
        assert "Выиграно" in month

        await head.send("/funnel", "Какую воронку показать")
        before = await last_id(head)
        funnel = await head.press("🔻", "Воронка «")
        assert "1. " in funnel
        png = await download(http, demo_sandbox, await new_file(head, before, "photo"))
        assert png.startswith(b"\x89PNG")
        # A period, a cut or a pipeline redraws the same message: picture and caption.
        shown = await last_id(head)
        month = await head.press("Месяц", r"Воронка «.* 01\.\d\d\.\d{4} —")
        assert "1. " in month and await last_id(head) == shown

        await head.send("/abc", "ABC-XYZ клиентов")
        await head.press("AZ", "Сегмент AZ")

        await head.send("/plan", "Планы на")
        await head.press("Мария Иванова", "Введите выручку")
        await head.send("3,5 млн", r"План сохранён.*Мария Иванова.*3\s500\s000")

        await head.send("/export", "За какой период")
        await head.press("Этот месяц", "В каком формате")
        before = await last_id(head)
        await head.press("XLSX")
        xlsx = await download(http, demo_sandbox, await new_file(head, before, "document"))
        assert xlsx.startswith(b"PK")  # a zip: the workbook

        await admin.send("/start", "администратор")
        await admin.send("/pipelines", "Воронки")
        await admin.press("Новые клиенты", "Новые клиенты.*этапы:")

        for chat in (head, admin):
            assert not await chat.texts("Что-то пошло не так|Telegram не принял")


@pytest.mark.e2e
async def test_the_page_clock_reads_in_the_teams_time_zone_and_date_format(sandbox: str) -> None:
    """Found in the sandbox: the page showed the bot's time in the browser's zone and locale
    (11/22/2026, 11:16:04 PM for a Moscow team at 02:16 the next day)."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sandbox}/sandbox/api/state") as response:
            state = await response.json()
        async with http.post(f"{sandbox}/sandbox/api/jump", json={"hours": 1}) as response:
            jumped = await response.json()
    for payload in (state, jumped):
        at = datetime.fromisoformat(payload["now"]).astimezone(MOSCOW)
        assert payload["clock"] == f"{at:%d.%m.%Y %H:%M} (Europe/Moscow)"
    assert state["tz"] == "Europe/Moscow"  # the page shows message times in it
