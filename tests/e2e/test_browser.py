"""The sandbox page in a real browser (Debian's Chromium, driven over DevTools): a seller
presses a button on a deal card and sees the card change in place."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import REQUIRE_SERVICES
from tests.e2e.browser import find_browser, open_page
from tests.e2e.chat import ROOT, Chat

ADMIN, SELLER = 100001, 100011
CARD = "[...document.querySelectorAll('.msg.bot')].find(m => m.textContent.includes('Этап: '))"


@pytest.fixture
def browser() -> str:
    path = find_browser()
    if path is None:
        if REQUIRE_SERVICES:
            pytest.fail(
                "Chromium is required (SALESBOT_REQUIRE_SERVICES): apt-get install chromium-headless-shell"
            )
        pytest.skip("no Chromium (apt-get install chromium-headless-shell)")
    return path


async def seller_with_a_deal(http: aiohttp.ClientSession, base: str) -> Chat:
    admin, seller = Chat(http, base, ADMIN, "Анна"), Chat(http, base, SELLER, "Мария")
    await admin.send("/invite", "Кого пригласить")
    token = re.search(r"\?start=(\S+)", await admin.press("менеджер", r"\?start="))
    assert token is not None
    await seller.send(f"/start {token[1]}", "Добро пожаловать")
    await seller.send("/new", "Новая сделка")
    await seller.send("ООО Ромашка", "Сумма")
    await seller.send("1,5 млн", "Откуда")
    await seller.press("Рекомендация", "продукт")
    await seller.send("CRM внедрение", "Следующий шаг")
    await seller.press("Завтра 10:00", "Задача поставлена")
    return seller


@pytest.mark.e2e
async def test_a_seller_presses_a_button_in_the_page_and_the_card_changes(
    sandbox: str, browser: str, tmp_path: Path
) -> None:
    async with aiohttp.ClientSession() as http:
        seller = await seller_with_a_deal(http, sandbox)
        async with open_page(browser, f"{sandbox}/?user={SELLER}&lang=ru") as page:
            card_id = await page.wait_for(f"{CARD}?.dataset.messageId")
            assert "Этап: Первый контакт (1/7)" in await page.evaluate(f"{CARD}.textContent")
            assert await page.evaluate("document.querySelector('#who').textContent") == "Мария"
            label = json.dumps("➡️ Квалификация")
            await page.evaluate(
                f"[...document.querySelectorAll('.inline button')].filter(b => b.textContent === {label}).pop().click()"
            )
            moved = f"document.querySelector('.msg.bot[data-message-id=\"{card_id}\"]')"
            await page.wait_for(f"{moved}?.textContent.includes('Этап: Квалификация (2/7)')")
            assert "изменено" in await page.evaluate(f"{moved}.querySelector('.meta').textContent")
            assert (
                await page.wait_for("document.querySelector('.toast')?.textContent")
                == "Этап: Квалификация"
            )
            await page.screenshot(tmp_path / "sandbox.png")
            if os.environ.get("SALESBOT_UPDATE_SCREENSHOT"):
                await page.screenshot(ROOT / "docs" / "sandbox.png")
            assert page.errors == []
        texts = await seller.texts("Этап: Квалификация")
        assert len(texts) == 1  # edited in place, not sent again
        assert (tmp_path / "sandbox.png").stat().st_size > 10_000
