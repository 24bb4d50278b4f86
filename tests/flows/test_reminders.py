"""Reminders, morning agendas, stall alerts and handoffs, driven by moving the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from aiogram.methods import SendMessage
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.notices import Notice
from storage.models import DealRow, OutboxRow, StageRow, UserRow
from tests.conftest import FakeClock
from tests.flows.conftest import Jobs, join
from tests.flows.harness import Person, said
from tests.flows.test_deals import create
from tests.mocked_bot import MockedBot

REMINDER = said.part("task.reminder")  # the first line of every reminder


def sent_to(bot: MockedBot, chat_id: int) -> list[str]:
    return [r.text for r in bot.sent(SendMessage) if r.chat_id == chat_id]


def reminders_to(bot: MockedBot, chat_id: int) -> list[str]:
    return [t for t in sent_to(bot, chat_id) if REMINDER in t]


async def contract_stage_closer(
    admin: Person, person: Callable[..., Person], engine: AsyncEngine
) -> tuple[Person, int]:
    """Kate joins as a seller and owns the "Договор" stage: deals entering it go to her."""
    closer = person(2700, "Kate")
    await join(admin, closer, said("role.seller"))
    async with engine.begin() as conn:
        kate = await conn.scalar(select(UserRow.id).where(UserRow.tg_id == 2700))
        await conn.execute(update(StageRow).where(StageRow.name == "Договор").values(owner_id=kate))
    assert kate is not None
    return closer, kate


async def offer_to_closer(seller: Person, jobs: Jobs) -> None:
    """Sergey moves his deal to "Договор"; its owner Kate gets the offer."""
    await seller.press(said("card.btn.stages"))
    await seller.press("Договор")
    await jobs.deliver()


async def make_task(seller: Person, text: str, when: str) -> None:
    await seller.send("/task")
    await seller.send(text)
    await seller.send(when)


async def test_the_reminder_comes_at_the_due_time_with_one_tap_actions(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    await make_task(seller, "Позвонить в Ромашку", "через 2 часа")
    bot.clear()
    await jobs.tick()
    assert reminders_to(bot, seller.tg_id) == []  # not yet (the day's agenda came, though)
    clock.advance(hours=2)
    await jobs.tick()
    [text] = reminders_to(bot, seller.tg_id)
    assert text.startswith(
        said("task.reminder", body=said.part("task.card", text="Позвонить в Ромашку"))
    )
    assert seller.buttons() == [
        said("task.btn.done"),
        said("task.btn.hour"),
        said("task.btn.tomorrow"),
        said("task.btn.reschedule"),
    ]
    await jobs.tick()
    assert len(reminders_to(bot, seller.tg_id)) == 1  # never twice
    await seller.press(said("task.btn.hour"))
    assert seller.alert == said("task.moved_toast", due=said("when.today_at", time="13:00"))
    clock.advance(hours=1)
    await jobs.tick()
    assert len(reminders_to(bot, seller.tg_id)) == 2
    await seller.press(said("task.btn.done"))
    clock.advance(days=1)
    await jobs.tick()
    assert len(reminders_to(bot, seller.tg_id)) == 2


async def test_nothing_is_sent_in_quiet_hours(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    await make_task(seller, "Поздний звонок", "сегодня 22:00")
    clock.advance(hours=12, minutes=5)  # 22:05 Moscow
    bot.clear()
    await jobs.tick()
    assert reminders_to(bot, seller.tg_id) == []
    clock.advance(hours=9, minutes=56)  # 08:01 the next morning
    await jobs.tick()
    assert any("Поздний звонок" in t for t in sent_to(bot, seller.tg_id))


async def test_reminders_missed_while_down_are_summarised(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    await make_task(seller, "Первая", "сегодня 11:00")
    await make_task(seller, "Вторая", "сегодня 12:00")
    clock.advance(hours=9)  # 19:00: due 8 and 7 hours ago, beyond the six-hour grace
    bot.clear()
    await jobs.tick()
    texts = sent_to(bot, seller.tg_id)
    assert [t for t in texts if REMINDER in t] == []
    [summary] = [t for t in texts if said.part("reminder.missed") in t]
    assert "Первая" in summary
    assert "Вторая" in summary


async def test_the_morning_agenda_once_on_working_days(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    await create(seller, "Ромашка")  # a deal without a next step
    await make_task(seller, "Отчёт", "завтра 12:00")
    clock.advance(hours=22, minutes=31)  # Tuesday 08:31
    bot.clear()
    await jobs.tick()
    await jobs.tick()
    [agenda] = [t for t in sent_to(bot, seller.tg_id) if t.startswith("☀️")]
    assert said("agenda.title", name="Sergey") in agenda
    at12 = said("when.today_at", time="12:00")
    assert f"<b>{said('agenda.today', count=1)}</b>\n⏰ {at12} — Отчёт" in agenda
    assert f"<b>{said('agenda.without_task', count=1)}</b>\n• Ромашка" in agenda
    assert "✅ Отчёт" in seller.buttons()
    assert "⏭ Ромашка" in seller.buttons()  # one tap to the missing next step


async def test_no_agenda_on_a_weekend(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    await make_task(seller, "Отчёт", "в субботу в 12")
    clock.advance(days=4, hours=22, minutes=31)  # Saturday 08:31
    bot.clear()
    await jobs.tick()
    assert not [t for t in sent_to(bot, seller.tg_id) if t.startswith("☀️")]


async def test_a_stalled_deal_alerts_its_owner_once_then_the_head(
    admin: Person, seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    await create(seller, "Ромашка")  # first contact: a 2-day limit
    clock.advance(days=2, hours=-1)  # the agenda first: a stall list would merge into it
    await jobs.tick()
    clock.advance(hours=2)
    bot.clear()
    await jobs.tick()
    await jobs.tick()
    [alert] = [t for t in sent_to(bot, seller.tg_id) if t.startswith("🐢")]
    stalled = said("stall.owner", deal="Ромашка", stage="Первый контакт", limit=said.n("days", 2))
    assert stalled in alert
    assert not [t for t in sent_to(bot, admin.tg_id) if t.startswith("🐢")]
    clock.advance(days=2)
    await jobs.tick()
    [escalation] = [t for t in sent_to(bot, admin.tg_id) if t.startswith("🐢")]
    assert "(Sergey)" in escalation
    assert len([t for t in sent_to(bot, seller.tg_id) if t.startswith("🐢")]) == 1


async def test_a_stage_with_an_owner_hands_the_deal_over(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    jobs: Jobs,
    bot: MockedBot,
    engine: AsyncEngine,
) -> None:
    closer, kate = await contract_stage_closer(admin, person, engine)
    await create(seller, "Ромашка")
    await offer_to_closer(seller, jobs)
    [offer] = sent_to(bot, closer.tg_id)[-1:]
    assert offer == said("handoff.offered", by="Sergey", deal="Ромашка", stage="Договор")
    _, accept = closer.find_button(said("handoff.btn.accept"))
    await closer.press_data(accept)
    assert closer.alert == said("handoff.accepted_toast")
    assert said("card.owner", owner="Kate") in closer.card
    await jobs.deliver()
    accepted = said("handoff.accepted", who="Kate", deal="Ромашка")
    assert sent_to(bot, seller.tg_id)[-1] == accepted
    assert sent_to(bot, admin.tg_id)[-1] == accepted
    await closer.press_data(accept)
    assert closer.alert == said("error.handoff_not_pending")
    async with engine.connect() as conn:
        owner, handoff = (await conn.execute(select(DealRow.owner_id, DealRow.handoff_to_id))).one()
    assert (owner, handoff) == (kate, None)


async def test_a_declined_handoff_leaves_the_deal_with_its_owner(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    jobs: Jobs,
    bot: MockedBot,
    engine: AsyncEngine,
) -> None:
    closer, _ = await contract_stage_closer(admin, person, engine)
    await create(seller, "Ромашка")
    await offer_to_closer(seller, jobs)
    await closer.press(said("handoff.btn.decline"))
    assert closer.text == said("handoff.you_declined", deal="Ромашка")
    await jobs.deliver()
    assert sent_to(bot, seller.tg_id)[-1] == said("handoff.declined", who="Kate", deal="Ромашка")
    async with engine.connect() as conn:
        assert (await conn.scalar(select(DealRow.handoff_to_id))) is None
        assert (
            await conn.scalar(select(OutboxRow.status).where(OutboxRow.status != "sent"))
        ) is None


async def test_a_deactivated_seller_gets_no_reminder(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot, engine: AsyncEngine
) -> None:
    await make_task(seller, "Звонок", "через 1 час")
    async with engine.begin() as conn:
        await conn.execute(update(UserRow).where(UserRow.tg_id == 2000).values(is_active=False))
    clock.advance(hours=2)
    bot.clear()
    await jobs.tick()
    assert reminders_to(bot, seller.tg_id) == []


async def test_after_a_handoff_the_previous_owner_no_longer_touches_the_deals_tasks(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    jobs: Jobs,
    engine: AsyncEngine,
) -> None:
    closer, _ = await contract_stage_closer(admin, person, engine)
    await create(seller, "Ромашка")
    await seller.press(said("when.tomorrow_10"))
    _, done = seller.find_button(said("task.btn.done"))
    await seller.press(said("task.btn.deal"))
    await offer_to_closer(seller, jobs)
    await closer.press(said("handoff.btn.accept"))
    await seller.press_data(done)
    assert seller.alert == said("error.access_denied")


async def test_newly_stalled_deals_are_alerted_even_behind_many_old_ones(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot, monkeypatch
) -> None:
    import bot.services.agenda as agenda

    monkeypatch.setattr(agenda, "STALL_BATCH", 2)  # a small batch stands for a big backlog
    for name in ("Старая 1", "Старая 2", "Старая 3"):
        await create(seller, name)
    clock.advance(days=2, hours=1)
    await jobs.tick()
    await create(seller, "Новая")
    clock.advance(days=2, hours=1)
    await jobs.tick()
    # Alone or merged into that morning's agenda, the new one is listed as stalled.
    assert any("«Новая»" in t and "🐢" in t for t in sent_to(bot, seller.tg_id))


async def test_a_reminder_on_time_is_not_worded_overdue(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    """Found in issue 11: the job runs every 20 seconds, so "on time" is a moment after the
    due time, and the reminder said "🔴 overdue" about a task due that very minute."""
    await make_task(seller, "Позвонить в Ромашку", "через 2 часа")
    await jobs.tick()  # the morning agenda goes out now (else it would come with the reminder)
    clock.advance(hours=2, seconds=15)
    bot.clear()
    await jobs.tick()
    [text] = reminders_to(bot, seller.tg_id)
    at12 = said("when.today_at", time="12:00")
    assert said("task.overdue_mark") not in text
    assert said("task.card", text="Позвонить в Ромашку", due=at12) in text


async def test_a_reminder_sent_hours_late_says_the_task_is_overdue(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    await make_task(seller, "Позвонить в Ромашку", "через 2 часа")
    await jobs.tick()  # the morning agenda goes out now, apart from the reminder
    clock.advance(hours=5)  # the bot was down, but within the grace: the reminder itself
    bot.clear()
    await jobs.tick()
    [text] = reminders_to(bot, seller.tg_id)
    assert said("task.overdue_mark") in text


async def test_snoozing_or_closing_a_reminder_keeps_it_a_reminder(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    """Found in issue 11: "+1 hour" turned the reminder into a bare task card."""
    await make_task(seller, "Позвонить в Ромашку", "через 2 часа")
    await jobs.tick()  # the morning agenda goes out now, apart from the reminder
    clock.advance(hours=2, seconds=15)
    await jobs.tick()
    await seller.press(said("task.btn.hour"))
    assert seller.text.startswith(
        said("task.reminder", body=said.part("task.card", text="Позвонить в Ромашку"))
    )
    due = said("when.today_at", time="13:00")
    assert said("task.card", text="Позвонить в Ромашку", due=due) in seller.text
    reminder = seller.buttons(of=REMINDER)
    assert reminder == [
        said("task.btn.done"),
        said("task.btn.hour"),
        said("task.btn.tomorrow"),
        said("task.btn.reschedule"),
    ]
    await seller.press(said("task.btn.done"))
    assert seller.text.startswith(
        said("task.reminder", body=said.part("task.card", text="Позвонить в Ромашку"))
    )
    assert seller.alert == said("task.done_toast")


async def test_a_reminder_is_also_one_line_with_its_buttons_for_a_list(
    seller: Person, jobs: Jobs, clock: FakeClock, queued: list[Notice]
) -> None:
    await make_task(seller, "Позвонить в Ромашку", "через 2 часа")
    clock.advance(hours=2)
    await jobs.tick()
    [notice] = [n for n in queued if n.kind == "reminder"]
    [entry] = notice.entries
    assert entry.kind == "reminder"
    assert entry.text == "⏰ сегодня 12:00 — Позвонить в Ромашку"
    assert [b["text"] for row in entry.buttons for b in row] == ["✅ Позвонить в Ромашку"]
    due = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 12:00 Moscow
    assert notice.ref == entry.ref == f"task:1:{int(due.timestamp())}"


async def test_the_agenda_is_one_entry_worth_sending_until_the_day_is_over(
    seller: Person, jobs: Jobs, clock: FakeClock, queued: list[Notice]
) -> None:
    await create(seller, "Ромашка")
    clock.advance(hours=22, minutes=31)  # Tuesday 08:31
    await jobs.tick()
    [agenda] = [n for n in queued if n.kind == "agenda" and n.chat_id == seller.tg_id]
    [entry] = agenda.entries
    assert (entry.kind, entry.text) == ("agenda", agenda.text)
    assert [list(row) for row in entry.buttons] == agenda.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert agenda.expires_at == datetime(2026, 11, 24, 21, 0, tzinfo=UTC)  # midnight Moscow
