"""The sandbox page in a real browser: Playwright drives Debian's Chromium (the system package,
never a browser download); a seller presses a button on a deal card and sees the card change in
place, on a desktop and on a phone's 390 px."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.conftest import REQUIRE_SERVICES
from tests.e2e.chat import ROOT, Chat

ADMIN, SELLER = 100001, 100011
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser")  # Debian's packages
WAIT = 20_000  # ms; two cores shared with other test runs make a page slow at times

expect.set_options(timeout=WAIT)
PHONE = {"width": 390, "height": 844}  # an iPhone 12-15's CSS pixels
TEAM_ZONE = "Asia/Vladivostok"  # the admin sets it in /settings: UTC+10, all year
BROWSER_ZONE = "America/Los_Angeles"  # the browser's own: 17-18 hours behind the team


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


@contextlib.asynccontextmanager
async def browser_page(chromium: str, errors: list[str], **options: Any) -> AsyncIterator[Page]:
    """A page in Debian's Chromium (`options` for Playwright's new_page); uncaught exceptions
    and console.error calls in it land in `errors`."""
    async with async_playwright() as playwright:
        # chromium_sandbox=False is the default: Chromium's own sandbox needs a non-root user.
        browser = await playwright.chromium.launch(executable_path=chromium)
        try:
            page = await browser.new_page(**options)
            page.set_default_timeout(WAIT)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda m: errors.extend([m.text] if m.type == "error" else []))
            yield page
        finally:
            await browser.close()


@pytest.mark.e2e
async def test_a_seller_presses_a_button_in_the_page_and_the_card_changes(
    chromium: str,  # first: without a browser the test skips before the sandbox starts
    sandbox: str,
    tmp_path: Path,
) -> None:
    errors: list[str] = []  # uncaught exceptions and console.error calls in the page
    async with aiohttp.ClientSession() as http:
        seller = await seller_with_a_deal(http, sandbox)
        desktop = {"width": 1280, "height": 860}
        async with browser_page(chromium, errors, viewport=desktop) as page:
            await page.goto(f"{sandbox}/?user={SELLER}&lang=ru")
            cards = page.locator(".msg.bot", has_text="Этап: ")
            await expect(cards).to_have_count(1)
            await expect(cards).to_contain_text("Этап: Первый контакт (1/7)")
            await expect(page.locator("#who")).to_have_text("Мария")
            await expect(page.locator("#personas")).to_be_visible()  # beside the chat, no ☰
            await expect(page.locator("#menu")).to_be_hidden()
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
        texts = await seller.texts("Этап: Квалификация")
        assert len(texts) == 1  # edited in place, not sent again
    assert errors == []
    assert (tmp_path / "sandbox.png").stat().st_size > 10_000
    assert list((tmp_path / "browsers").iterdir()) == []  # Playwright fetched no browser


# Where the page's parts end on the screen: the chat's width, how wide the document scrolls
# and the right edge of the furthest bubble, button or field the user sees.
LAYOUT = """() => {
  const right = (selector) => Math.max(0, ...Array.from(document.querySelectorAll(selector),
                                                        (el) => el.getBoundingClientRect().right));
  return {
    chat: document.getElementById("chat").getBoundingClientRect().width,
    scroll: document.documentElement.scrollWidth,
    right: right("header, header *, .msg, .msg *, .inline button, #reply button, #composer *"),
    dialog: right("#extras, #extras *"),
  };
}"""


async def fits_a_phone(page: Page) -> dict[str, float]:
    layout: dict[str, float] = await page.evaluate(LAYOUT)
    assert layout["chat"] >= 300, layout  # the persona list beside it left 100 px
    assert layout["scroll"] <= PHONE["width"], layout  # nothing scrolls sideways
    assert layout["right"] <= PHONE["width"], layout
    assert layout["dialog"] <= PHONE["width"], layout
    return layout


@pytest.mark.e2e
async def test_on_a_phone_the_chat_has_the_width_and_times_are_the_teams(
    chromium: str,
    sandbox: str,
    tmp_path: Path,
) -> None:
    """390 px: the persona list is a drawer under ☰, the chat, its buttons, the input and the
    📎 menu fit without scrolling sideways; times are the team's (its /settings zone), not the
    browser's."""
    errors: list[str] = []
    async with aiohttp.ClientSession() as http:
        seller = await seller_with_a_deal(http, sandbox)
        admin = Chat(http, sandbox, ADMIN, "Анна")
        await admin.send("/settings", "Настройки компании")
        await admin.press("Часовой пояс", "сейчас")
        await admin.send(TEAM_ZONE, "Сохранено")
        phone = {"viewport": PHONE, "timezone_id": BROWSER_ZONE, "has_touch": True}
        async with browser_page(chromium, errors, **phone) as page:
            await page.goto(f"{sandbox}/?user={SELLER}&lang=ru")
            await expect(page.locator("#who")).to_have_text("Мария")
            await expect(page.locator(".msg.bot", has_text="Этап: ")).to_have_count(1)
            await expect(page.locator("#personas")).to_be_hidden()  # folded away
            await fits_a_phone(page)

            # Another persona and back, through the drawer.
            await page.locator("#menu").click()
            await expect(page.locator("#personas")).to_be_visible()
            await expect(page.locator("#now")).to_contain_text(f"({TEAM_ZONE})")
            await page.screenshot(path=tmp_path / "phone-drawer.png", animations="disabled")
            await page.locator(".persona", has_text="Анна").click()
            await expect(page.locator("#who")).to_contain_text("Анна")
            await expect(page.locator("#personas")).to_be_hidden()
            await expect(page.locator(".msg.bot", has_text="Сохранено")).to_have_count(1)
            await page.locator("#menu").click()
            await page.locator(".persona", has_text="Мария").click()
            await expect(page.locator("#who")).to_have_text("Мария")

            # Typed in the input; the bot's answer, its button pressed, then the card's.
            await page.locator("#text").fill("/find Ромашка")
            await page.locator("#text").press("Enter")
            found = page.locator(".msg.bot", has_text="Найдено")
            await expect(found).to_have_count(1)
            await page.locator(".inline button", has_text="Ромашка").last.click()
            cards = page.locator(".msg.bot", has_text="Этап: Первый контакт (1/7)")
            await expect(cards).to_have_count(2)  # the card it opened, below the first one
            await page.get_by_role("button", name="➡️ Квалификация", exact=True).last.click()
            await expect(page.locator(".msg.bot", has_text="Квалификация (2/7)")).to_have_count(1)
            await fits_a_phone(page)  # with the card's keyboard and the reply keyboard
            await page.evaluate("document.getElementById('chat').scrollTop = 1e9")
            await page.screenshot(path=tmp_path / "phone.png")

            # The time under the seller's own message: the team's zone, not the browser's.
            assert await page.evaluate(
                "Intl.DateTimeFormat().resolvedOptions().timeZone"
            ) == BROWSER_ZONE  # fmt: skip
            typed = next(
                m for m in (await seller.state())["messages"] if m.get("text") == "/find Ромашка"
            )
            team = datetime.fromtimestamp(typed["date"], ZoneInfo(TEAM_ZONE)).strftime("%H:%M")
            browser = datetime.fromtimestamp(typed["date"], ZoneInfo(BROWSER_ZONE))
            assert browser.strftime("%H:%M") != team  # the zones are 17-18 hours apart
            mine = page.locator(f'.msg.me[data-message-id="{typed["message_id"]}"] .meta')
            await expect(mine).to_have_text(team)

            # The 📎 menu: each kind's fields fit too.
            await page.locator("#attach").click()
            await expect(page.locator("#extras")).to_be_visible()
            for kind in ("👤 Контакт", "🎤 Голосовое", "↪️ Пересланное"):
                await page.get_by_role("button", name=kind).click()
                await fits_a_phone(page)
            await page.screenshot(path=tmp_path / "phone-attach.png")
            await page.locator("#extras-cancel").click()
            await expect(page.locator("#extras")).to_be_hidden()
    assert errors == []
    assert list((tmp_path / "browsers").iterdir()) == []
