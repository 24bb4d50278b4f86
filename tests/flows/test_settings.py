"""/settings and /audit: an admin shapes the company's rules in the chat, effective at once."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.methods import SendMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import AuditRow, TaskRow
from tests.conftest import FakeClock
from tests.flows.conftest import Jobs, join
from tests.flows.harness import Person, said
from tests.mocked_bot import MockedBot


async def change(admin: Person, label: str, value: str) -> None:
    await admin.send("/settings")
    await admin.press(label)
    await admin.send(value)


async def test_an_admin_changes_the_time_zone_and_it_applies_at_once(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    await admin.send("/settings")
    zone = said("settings.key.timezone")
    assert f"• {zone}: <b>Europe/Moscow</b>" in admin.text
    await admin.press(said("settings.key.timezone"))
    assert admin.text.startswith(said.part("settings.ask", name=zone, current="Europe/Moscow"))
    await admin.send("Asia/Yekaterinburg")
    assert admin.texts[0] == said("settings.saved")
    assert f"• {zone}: <b>Asia/Yekaterinburg</b>" in admin.text
    await seller.send("/task")
    await seller.send("Позвонить")
    await seller.send("завтра 10:00")
    async with engine.connect() as conn:
        due = await conn.scalar(select(TaskRow.due_at))
    assert due is not None
    assert due.isoformat() == "2026-11-24T05:00:00+00:00"  # 10:00 at UTC+5


async def test_quiet_hours_changed_in_the_chat_apply_to_the_next_job_run(
    admin: Person, seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    await change(admin, said("settings.key.quiet_hours"), "off")
    await seller.send("/task")
    await seller.send("Поздний звонок")
    await seller.send("сегодня 22:00")
    clock.advance(hours=12, minutes=5)  # 22:05 Moscow, inside the default quiet hours
    bot.clear()
    await jobs.tick()
    sent = [r.text for r in bot.sent(SendMessage) if r.chat_id == seller.tg_id]
    assert any("Поздний звонок" in t for t in sent)


async def test_a_bad_value_is_explained_and_can_be_retyped(
    admin: Person, engine: AsyncEngine
) -> None:
    await admin.send("/settings")
    await admin.press(said("settings.key.quiet_hours"))
    await admin.send("с девяти вечера")
    assert admin.text == said(
        "settings.invalid",
        name=said("settings.key.quiet_hours"),
        hint=said("settings.hint.quiet_hours"),
    )
    await admin.send("22:00-07:00")
    assert admin.texts[0] == said("settings.saved")
    await change(admin, said("settings.key.quiet_hours"), "22:00-07:00")
    assert admin.texts[0] == said("settings.unchanged")
    async with engine.connect() as conn:
        rows = (await conn.execute(select(AuditRow.subject, AuditRow.before, AuditRow.after))).all()
    assert rows == [("quiet_hours", "21:00-08:00", "22:00-07:00")]


async def test_only_admins_reach_settings(
    admin: Person, seller: Person, person: Callable[..., Person]
) -> None:
    head = person(3000, "Helen")
    await join(admin, head, said("role.head"))
    for who in (seller, head):
        await who.send("/settings")
        assert who.text == said("error.admins_only")
        await who.send("/audit")
        assert who.text == said("error.admins_only")
        await who.press_data("set:timezone")
        assert who.alert == said("error.stale_button")


async def test_the_audit_log_pages_through_every_change(admin: Person, clock: FakeClock) -> None:
    await admin.send("/audit")
    assert admin.text == said("audit.empty")
    for hour in range(12):
        clock.advance(minutes=1)
        await change(admin, said("settings.key.agenda_at"), f"{7 + hour % 5:02}:{10 + hour:02}")
    await admin.send("/audit")
    assert said("audit.title", page=1, pages=2) in admin.text
    agenda_at = said("settings.key.agenda_at")
    newest = said.part("audit.row", who="Anna", what=agenda_at, before="07:20", after="08:21")
    assert newest in admin.text  # the newest first
    await admin.press("▶️")
    assert said("audit.title", page=2, pages=2) in admin.text
    oldest = said.part("audit.row", who="Anna", what=agenda_at, before="08:30", after="07:10")
    assert oldest in admin.text


async def test_settings_speak_english_to_an_english_admin(admin: Person) -> None:
    admin.lang = "en"
    await admin.send("/language")
    await admin.press("English")
    en = said.of("en")
    await change(admin, en("settings.key.currency"), "usd")
    assert admin.texts[0] == en("settings.saved")
    assert f"• {en('settings.key.currency')}: <b>USD</b>" in admin.text


async def test_a_command_leaves_a_setting_waiting_for_its_value(
    admin: Person, engine: AsyncEngine
) -> None:
    await admin.send("/settings")
    await admin.press(said("settings.key.company_name"))
    await admin.send("/team")
    await admin.send("Иванов Пётр, перезвонить")  # outside any step now: a search
    assert admin.text == said("plain.nothing", text="Иванов Пётр, перезвонить")
    async with engine.connect() as conn:
        assert (await conn.execute(select(AuditRow.id))).all() == []


async def test_a_folder_or_a_huge_range_is_refused_at_once(admin: Person) -> None:
    zone = said("settings.key.timezone")
    await change(admin, zone, "Europe")
    assert admin.text == said("settings.invalid", name=zone, hint=said("settings.hint.timezone"))
    await admin.send("/settings")
    await admin.press(said("settings.key.working_days"))
    await admin.send("1-99999999")
    assert admin.text == said(
        "settings.invalid",
        name=said("settings.key.working_days"),
        hint=said("settings.hint.working_days"),
    )
