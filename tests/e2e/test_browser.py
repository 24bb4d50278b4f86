"""The sandbox page in a real browser: Playwright drives Debian's Chromium (the system package,
never a browser download); a seller presses a button on a deal card and sees the card change in
place."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import async_playwright, expect

from tests.conftest import REQUIRE_SERVICES
from tests.e2e.chat import ROOT, Chat

ADMIN, SELLER = 100001, 100011
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser")  # Debian's packages
WAIT = 20_000  # ms; two cores shared with other test runs make a page slow at times

expect.set_options(timeout=WAIT)


@pytest.fixture
def chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Debian's Chromium; Playwright is told where it is and given nowhere to fetch one to."""
    path = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if path is None:
        if REQUIRE_SERVICES:
            pytest.fail(
                "Chromium is required (SALESBOT_REQUIRE_SERVICES): apt-get install chromium-headless-shell"
            )
        pytest.skip("no Chromium (apt-get install chromium-headless-shell)")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "browsers"))
    monkeypatch.setenv("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    (tmp_path / "browsers").mkdir()
    return path


async def seller_with_a_deal(http: aiohttp.ClientSession, base: str) -> Chat:
    admin, seller = Chat(http, base, ADMIN, "Анна"), Chat(http, base, SELLER, "Мария")
    await admin.send("/invite", "Кого пригласить")
    token = re.search(r"\?start=(\S+)", await admin.press("менеджер", r"\?start="))
    assert token is not None
    await seller.send(f"/start {token[1]}", "Добро пожаловать")
    await seller.send("/new", "Новая сделка")
    await seller.send("ООО Ромашка", "Сумма")
    await seller.send("1,5 млн", "Канал и продукт")
    await seller.press("Рекомендация", "Канал и продукт")
    await seller.send("CRM внедрение", "Следующий шаг")
    await seller.press("Завтра 10:00", "Задача поставлена")
    return seller


@pytest.mark.e2e
async def test_a_seller_presses_a_button_in_the_page_and_the_card_changes(
    chromium: str,  # first: without a browser the test skips before the sandbox starts
    sandbox: str,
    tmp_path: Path,
) -> None:
    errors: list[str] = []  # uncaught exceptions and console.error calls in the page
    async with aiohttp.ClientSession() as http:
        seller = await seller_with_a_deal(http, sandbox)
        async with async_playwright() as playwright:
            # chromium_sandbox=False is the default: Chromium's own sandbox needs a non-root user.
            browser = await playwright.chromium.launch(executable_path=chromium)
            try:
                page = await browser.new_page(viewport={"width": 1280, "height": 860})
                page.set_default_timeout(WAIT)
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.on("console", lambda m: errors.extend([m.text] if m.type == "error" else []))
                await page.goto(f"{sandbox}/?user={SELLER}&lang=ru")
                cards = page.locator(".msg.bot", has_text="Этап: ")
                await expect(cards).to_have_count(1)
                await expect(cards).to_contain_text("Этап: Первый контакт (1/7)")
                await expect(page.locator("#who")).to_have_text("Мария")
                card_id = await cards.get_attribute("data-message-id")

                button = page.get_by_role("button", name="➡️ Квалификация", exact=True)
                await button.last.click()

                card = page.locator(f'.msg.bot[data-message-id="{card_id}"]')
                await expect(card).to_contain_text("Этап: Квалификация (2/7)")
                await expect(card.locator(".meta")).to_contain_text("изменено")
                await expect(cards).to_have_count(1)  # the same message, edited, not a new one
                await expect(page.locator(".toast")).to_have_text("Этап: Квалификация")
                # The picture shows the edited card. Scrolled in one step inside the page: the
                # page redraws its messages as it polls, and Playwright's scroll waits for the
                # element to be stable, so on a loaded machine the element it waited on was
                # replaced by its redrawn twin ("not attached to the DOM").
                await page.evaluate(
                    "id => document.querySelector(`.msg.bot[data-message-id='${id}']`)"
                    ".scrollIntoView({block: 'end'})",
                    card_id,
                )
                await page.screenshot(path=tmp_path / "sandbox.png")
                if os.environ.get("SALESBOT_UPDATE_SCREENSHOT"):
                    await page.screenshot(path=ROOT / "docs" / "sandbox.png")
            finally:
                await browser.close()
        texts = await seller.texts("Этап: Квалификация")
        assert len(texts) == 1  # edited in place, not sent again
    assert errors == []
    assert (tmp_path / "sandbox.png").stat().st_size > 10_000
    assert list((tmp_path / "browsers").iterdir()) == []  # Playwright fetched no browser
