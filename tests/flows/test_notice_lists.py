"""What reaches a person at once comes as one list: a seller's stalled deals, a head's
escalations, the reminders missed while the bot was down; each entry with its one-tap buttons,
and the buttons act on their entry without taking the list away."""

from __future__ import annotations

from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMessage,
)

from bot.domain.notices import Notice
from tests.conftest import FakeClock
from tests.flows.conftest import Jobs
from tests.flows.harness import Person, said
from tests.flows.test_deals import create
from tests.flows.test_reminders import make_task, sent_to
from tests.mocked_bot import MockedBot

STALLED = "<b>" + said.part("compose.kind.stall")
ESCALATED = "<b>" + said.part("compose.kind.escalation")


def title(kind: str, count: int) -> str:
    """The bold first line of a list of notices."""
    return f"<b>{said(f'compose.kind.{kind}', count=count)}</b>"


def lists_to(bot: MockedBot, chat_id: int, title: str) -> list[str]:
    return [t for t in sent_to(bot, chat_id) if t.startswith(title)]


async def test_a_seller_with_26_stalled_deals_gets_one_list_paged_then_the_head_one_list(
    admin: Person,
    seller: Person,
    jobs: Jobs,
    clock: FakeClock,
    bot: MockedBot,
    queued: list[Notice],
) -> None:
    for n in range(26):  # first contact: a 2-day limit
        await create(seller, f"Клиент {n:02}")
    clock.advance(days=2, hours=-1)  # the morning's agenda goes out before anything stalls,
    await jobs.tick()  # else the stall list would come merged into it
    clock.advance(hours=2)
    bot.clear()
    await jobs.tick()
    await jobs.tick()
    [alert] = lists_to(bot, seller.tg_id, STALLED)
    assert alert.startswith(title("stall", 26))
    assert alert.count("\n• «Клиент") == 10
    assert len(alert) <= 4096
    labels = seller.buttons(of=STALLED)
    assert len([b for b in labels if b.startswith("💼 Клиент")]) == 10
    assert labels[-3:] == ["◀", "1/3", "▶"]
    [notice] = [n for n in queued if n.chat_id == seller.tg_id and n.kind == "stall"]
    assert len(notice.entries) == 26 and {e.kind for e in notice.entries} == {"stall"}
    assert all(e.ref and e.ref.startswith("deal:") for e in notice.entries)
    assert not lists_to(bot, admin.tg_id, ESCALATED)  # not yet twice the limit
    first_page = {b for b in labels if b.startswith("💼")}
    [turned] = [r for r in await seller.press("▶") if isinstance(r, EditMessageText)]
    assert (turned.text or "").startswith(title("stall", 26))  # the same message
    second = seller.buttons(of=STALLED)
    assert second[-3:] == ["◀", "2/3", "▶"]
    second_page = {b for b in second if b.startswith("💼")}
    assert len(second_page) == 10 and not first_page & second_page

    clock.advance(days=2)
    await jobs.tick()
    await jobs.tick()
    [escalations] = lists_to(bot, admin.tg_id, ESCALATED)
    assert escalations.startswith(title("escalation", 26))
    assert "(Sergey)" in escalations
    assert len(lists_to(bot, seller.tg_id, STALLED)) == 1  # the owner is told once


async def test_the_buttons_of_a_stall_list_leave_the_list_in_place(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    for name in ("Ромашка", "Лютик", "Василёк"):
        await create(seller, name)
    clock.advance(days=2, hours=-1)  # the morning's agenda goes out before anything stalls,
    await jobs.tick()  # else the stall list would come merged into it
    clock.advance(hours=2)
    await jobs.tick()
    listing, _ = seller.find_button("💼 Лютик")
    replies = await seller.press("💼 Лютик")
    assert not [r for r in replies if isinstance(r, EditMessageText)]
    [card] = [r for r in replies if isinstance(r, SendMessage)]
    assert card.text.startswith("💼") and "Лютик" in card.text
    assert (listing.text or "").startswith(title("stall", 3))


async def test_a_task_marked_done_in_the_missed_summary_leaves_the_rest_to_do(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot, queued: list[Notice]
) -> None:
    await make_task(seller, "Первая", "сегодня 11:00")
    await make_task(seller, "Вторая", "сегодня 12:00")
    clock.advance(hours=9)  # beyond the six-hour grace: summarised
    await jobs.tick()
    [summary] = [n for n in queued if n.dedup_key and n.dedup_key.startswith("missed:")]
    assert [e.kind for e in summary.entries] == ["reminder", "reminder"]
    assert all(e.ref and e.ref.startswith("task:") for e in summary.entries)
    replies = await seller.press_in_place("✅ Первая")
    assert seller.alert == said("task.done_toast")
    assert [type(r) for r in replies if not r.__class__.__name__.startswith("Answer")] == [
        EditMessageReplyMarkup
    ]
    labels = seller.buttons(of=said.part("reminder.missed"))
    assert "✅ Первая" not in labels and "✅ Вторая" in labels


async def test_a_long_lists_pages_drop_what_was_done_and_belong_to_their_reader(
    admin: Person, seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    """The page turner reads the list again: a task closed since is gone from it; the same
    button pressed in another person's chat (forged) shows them nothing of it."""
    for n in range(12):
        await make_task(seller, f"Позвонить {n:02}", "через 2 часа")
    await jobs.tick()  # the day's agenda first
    clock.advance(hours=2)
    await jobs.tick()
    assert len(lists_to(bot, seller.tg_id, title("reminder", 12))) == 1
    assert seller.buttons(of="<b>⏰")[-3:] == ["◀", "1/2", "▶"]
    message, turn = seller.find_button("▶")
    await seller.press("✅")  # the first task on page one is done
    [page] = [r for r in await seller.press("▶") if isinstance(r, EditMessageText)]
    assert (page.text or "").startswith(title("reminder", 11))
    assert seller.buttons(of="<b>⏰")[-3:] == ["◀", "2/2", "▶"]
    replies = await admin.press_data(turn, message.message_id)  # a forged press elsewhere
    assert not [r for r in replies if "Позвонить" in str(getattr(r, "text", ""))]
    [alert] = [r for r in replies if isinstance(r, AnswerCallbackQuery)]
    assert alert.show_alert and said("error.stale_button") in (alert.text or "")
