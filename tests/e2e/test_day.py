"""A day of a sales team, played over HTTP against `python -m sandbox`: the real bot process,
its scheduler and outbox, the Bot API server, and a clock the test moves forward."""

from __future__ import annotations

import re

import aiohttp
import pytest

from tests.e2e.chat import Chat

ADMIN, SELLER, CLIENT = 100001, 100011, 200001


async def faults(http: aiohttp.ClientSession, base: str, **body: object) -> None:
    async with http.post(f"{base}/sandbox/api/faults", json=body) as response:
        response.raise_for_status()


async def jump(http: aiohttp.ClientSession, base: str, hours: float = 0, to: str = "hours") -> str:
    """Move the bot's clock and run its jobs; the new time (ISO)."""
    async with http.post(f"{base}/sandbox/api/jump", json={"hours": hours, "to": to}) as response:
        response.raise_for_status()
        return str((await response.json())["now"])


async def download(http: aiohttp.ClientSession, base: str, file_id: str) -> bytes:
    async with http.get(f"{base}/sandbox/files/{file_id}") as response:
        response.raise_for_status()
        return await response.read()


async def calls(http: aiohttp.ClientSession, base: str) -> list[tuple[float, str, int, int]]:
    """What the bot sent: (seconds, method, chat, HTTP status), in order."""
    async with http.get(f"{base}/sandbox/api/calls") as response:
        return [tuple(call) for call in await response.json()]


@pytest.mark.e2e
async def test_a_day_of_a_sales_team(sandbox: str) -> None:
    async with aiohttp.ClientSession() as http:
        admin = Chat(http, sandbox, ADMIN, "Анна")
        seller = Chat(http, sandbox, SELLER, "Мария")
        client = Chat(http, sandbox, CLIENT, "Сергей")

        # The day starts at 09:00 of a working day, so the morning after is another day.
        day = await jump(http, sandbox, to="morning")

        # The admin invites a seller, who joins through the link.
        await admin.send("/start", "Анна")
        await admin.send("/invite", "Кого пригласить")
        invite = await admin.press("менеджер", r"\?start=")
        token = re.search(r"\?start=(\S+)", invite)
        assert token is not None
        await seller.send(f"/start {token[1]}", "Добро пожаловать в команду")

        # A deal, moved on: the card is edited in place.
        await seller.send("/new", "Новая сделка")
        await seller.send("Ромашка", "Сумма")
        await seller.send("150000", "Канал и продукт")
        await seller.press("Создать сейчас", "Следующий шаг")
        [card] = [m for m in await seller.bot_messages() if "Этап: Первый контакт" in m["text"]]
        await seller.press("➡️ Квалификация", "Этап: Квалификация")
        moved = [m for m in await seller.bot_messages() if m["message_id"] == card["message_id"]]
        assert "Этап: Квалификация (2/7)" in moved[0]["text"] and moved[0].get("edit_date")

        # A task; two hours later its reminder comes, once, after Telegram's flood wait.
        await seller.send("/task", "Что нужно сделать")
        await seller.send("Позвонить в Ромашку", "Когда")
        await seller.send("через 2 часа", "Задача поставлена")
        await faults(http, sandbox, flood=1, flood_chat=SELLER, retry_after=2)
        await jump(http, sandbox, 2.1)
        await seller.wait("Напоминание.*Позвонить в Ромашку")
        assert len(await seller.texts("Напоминание")) == 1
        to_seller = [c for c in await calls(http, sandbox) if c[2] == SELLER]
        flooded = next(i for i, c in enumerate(to_seller) if c[3] == 429)
        retried = to_seller[flooded + 1]
        assert retried[3] == 200 and retried[0] - to_seller[flooded][0] >= 2

        # Won; the client opens the survey link and scores 3 while the seller has blocked the
        # bot: the head hears of the detractor and of the blocked seller.
        await seller.press("✅ Успешно", "Сделка выиграна")
        link = await seller.press("Попросить отзыв", r"\?start=")
        survey = re.search(r"\?start=(\S+)", link)
        assert survey is not None and "salesbot_sandbox_bot" in link
        # The text to forward follows a second later (one message a second to a chat).
        await seller.wait("Нам очень важно ваше мнение")
        await faults(http, sandbox, block=SELLER)
        await client.send(f"/start {survey[1]}", "порекомендуете")
        await client.press("3", "главная причина")
        assert "Спасибо за оценку!" in await client.alerts()
        await admin.wait("Критик: «Ромашка» оценил\\(а\\) нас на 3 из 10")
        await admin.wait("Мария заблокировал\\(а\\) бота")
        assert [c[3] for c in await calls(http, sandbox) if c[2] == SELLER][-1] == 403

        # The next working morning at 09:00 the admin (a head too) gets the stand-up digest:
        # the won deal is in it, then its pictures, real PNGs the chat can download.
        morning = await jump(http, sandbox, to="morning")
        assert morning[11:16] == "06:00" and morning[:10] > day[:10]  # 09:00 in Moscow
        digest = await admin.wait("Планёрка")
        assert "Мария" in digest, digest
        if morning[:7] == day[:7]:  # the month to date; else it turned over a weekend
            assert re.search(r"Мария: 150[\s\u00a0\u202f]000", digest), digest
        photos = await admin.wait_photos(3)
        for photo in photos:
            png = await download(http, sandbox, photo[-1]["file_id"])
            assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
